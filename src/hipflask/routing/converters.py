"""The URL converters every app knows, by name.

They are Werkzeug's: ``string`` (default), ``int``, ``float``, ``path``,
``uuid`` and ``any``. Register more on ``app.url_map.converters`` before the
routes that use them; the compiled matcher uses whatever is registered there.
"""

from __future__ import annotations

from werkzeug.routing import AnyConverter as AnyConverter
from werkzeug.routing import BaseConverter as BaseConverter
from werkzeug.routing import FloatConverter as FloatConverter
from werkzeug.routing import IntegerConverter as IntegerConverter
from werkzeug.routing import PathConverter as PathConverter
from werkzeug.routing import UnicodeConverter as UnicodeConverter
from werkzeug.routing import UUIDConverter as UUIDConverter
from werkzeug.routing import ValidationError as ValidationError
from werkzeug.routing.converters import NumberConverter as NumberConverter
