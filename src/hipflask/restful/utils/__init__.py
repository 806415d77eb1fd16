"""``flask_restful.utils``: the helpers Flask-RESTful code imports from there."""

from __future__ import annotations

from ..errors import http_status_message as http_status_message
from ..marshalling import unpack as unpack
