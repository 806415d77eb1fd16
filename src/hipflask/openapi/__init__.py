"""The OpenAPI 3.1 document of an app, and a docs page to read and try it.

::

    from hipflask.openapi import OpenAPI

    OpenAPI(app)        # /openapi.json and /docs, on in debug and testing

The document is generated from the routes, typed views, ``reqparse``
parsers and ``marshal_with`` fields; ``hipflask openapi`` writes it to a file.
"""

from __future__ import annotations

from .decorators import doc as doc
from .document import openapi_document as openapi_document
from .document import security_schemes as security_schemes
from .extension import OpenAPI as OpenAPI
