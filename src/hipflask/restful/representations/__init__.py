"""Output representations: ``flask_restful.representations``.

The JSON one lives in :mod:`.json`, at the import path Flask-RESTful code uses
(``from flask_restful.representations.json import output_json``).
"""

from __future__ import annotations

from .json import DEFAULT_REPRESENTATIONS as DEFAULT_REPRESENTATIONS
from .json import Representation as Representation
from .json import output_json as output_json
