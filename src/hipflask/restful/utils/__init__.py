"""``flask_restful.utils``: the helpers Flask-RESTful code imports from there.

``OrderedDict`` and ``PY3`` are there because code written for Flask-RESTful
imports them from this module (``from flask_restful.utils import
OrderedDict``).
"""

from __future__ import annotations

from collections import OrderedDict as OrderedDict

from ..errors import http_status_message as http_status_message
from ..marshalling import unpack as unpack

#: Always true: Flask-RESTful's Python 2 switch, for code that still reads it.
PY3 = True
