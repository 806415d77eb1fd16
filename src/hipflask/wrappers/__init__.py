"""Request and response objects, at Flask's import path (``flask.wrappers``)."""

from __future__ import annotations

from .request import Request as Request
from .response import Response as Response
