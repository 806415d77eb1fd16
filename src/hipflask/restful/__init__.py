"""REST resources: Flask-RESTful's API (``flask_restful`` -> ``hipflask.restful``).

::

    from hipflask import Hipflask
    from hipflask.restful import Api, Resource

    app = Hipflask(__name__)
    api = Api(app)

    class HelloWorld(Resource):
        def get(self):
            return {"hello": "world"}

    api.add_resource(HelloWorld, "/")

Beyond Flask-RESTful, resource methods (and plain views) may declare typed
inputs and outputs with pydantic models or dataclasses (:func:`validate`,
:class:`Query`, :class:`Body`), which :mod:`hipflask.openapi` documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

# The typed-view helpers live in the core and cost nothing more to import.
from ..core.typed import Body as Body
from ..core.typed import Query as Query
from ..core.typed import ValidationFailed as ValidationFailed
from ..core.typed import validate as validate

if TYPE_CHECKING:
    from collections import OrderedDict as OrderedDict

    from werkzeug.datastructures import Headers as Headers
    from werkzeug.exceptions import HTTPException as HTTPException
    from werkzeug.exceptions import InternalServerError as InternalServerError
    from werkzeug.exceptions import MethodNotAllowed as MethodNotAllowed
    from werkzeug.exceptions import NotAcceptable as NotAcceptable
    from werkzeug.exceptions import NotFound as NotFound
    from werkzeug.wrappers import Response as _ResponseBase

    from ..contexts.globals import current_app as current_app
    from ..contexts.globals import request as request
    from ..core.helpers import abort as _flask_abort
    from ..core.helpers import make_response as _flask_make_response
    from ..core.helpers import url_for as url_for
    from ..core.views import MethodView as MethodView
    from ..signals import got_request_exception as got_request_exception
    from . import fields as fields
    from . import inputs as inputs
    from . import reqparse as reqparse
    from .api import Api as Api
    from .errors import abort as abort
    from .errors import http_status_message as http_status_message
    from .marshalling import marshal as marshal
    from .marshalling import marshal_with as marshal_with
    from .marshalling import marshal_with_field as marshal_with_field
    from .marshalling import unpack as unpack
    from .representations import DEFAULT_REPRESENTATIONS as DEFAULT_REPRESENTATIONS
    from .representations import output_json as output_json
    from .resource import Resource as Resource

    # Flask-RESTful's names for them, bound so that mypy counts them exported
    # (a renaming import is not a re-export under --strict).
    ResponseBase = _ResponseBase
    original_flask_abort = _flask_abort
    original_flask_make_response = _flask_make_response

# Where each of Flask-RESTful's names lives. They are imported on first use: an
# app that only declares typed views (``validate``) never loads the resource
# machinery, its parsers and its field types, and its workers stay smaller.
_LAZY: dict[str, tuple[str, str | None]] = {
    "fields": (".fields", None),
    "inputs": (".inputs", None),
    "reqparse": (".reqparse", None),
    "Api": (".api", "Api"),
    "abort": (".errors", "abort"),
    "http_status_message": (".errors", "http_status_message"),
    "marshal": (".marshalling", "marshal"),
    "marshal_with": (".marshalling", "marshal_with"),
    "marshal_with_field": (".marshalling", "marshal_with_field"),
    "unpack": (".marshalling", "unpack"),
    "DEFAULT_REPRESENTATIONS": (".representations", "DEFAULT_REPRESENTATIONS"),
    "output_json": (".representations", "output_json"),
    "Resource": (".resource", "Resource"),
    # Flask's and Werkzeug's names that Flask-RESTful's module imports for its
    # own use: resources are often written ``from flask_restful import
    # Resource, request`` (or ``current_app``, ``url_for``, ``HTTPException``),
    # and after renaming that line must still import.
    "request": ("hipflask.contexts.globals", "request"),
    "current_app": ("hipflask.contexts.globals", "current_app"),
    "url_for": ("hipflask.core.helpers", "url_for"),
    "got_request_exception": ("hipflask.signals", "got_request_exception"),
    "MethodView": ("hipflask.core.views", "MethodView"),
    "HTTPException": ("werkzeug.exceptions", "HTTPException"),
    "InternalServerError": ("werkzeug.exceptions", "InternalServerError"),
    "MethodNotAllowed": ("werkzeug.exceptions", "MethodNotAllowed"),
    "NotAcceptable": ("werkzeug.exceptions", "NotAcceptable"),
    "NotFound": ("werkzeug.exceptions", "NotFound"),
    "Headers": ("werkzeug.datastructures", "Headers"),
    "ResponseBase": ("werkzeug.wrappers", "Response"),
    # Imported from there by code written for it (``from flask_restful
    # import OrderedDict``, ``original_flask_make_response as
    # make_response``): Flask's own functions, under the names Flask-RESTful
    # gives them.
    "OrderedDict": ("collections", "OrderedDict"),
    "original_flask_make_response": ("hipflask.core.helpers", "make_response"),
    "original_flask_abort": ("hipflask.core.helpers", "abort"),
}

__all__ = ["Body", "Query", "ValidationFailed", "validate", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    # Kept in the module's namespace, so the next lookup does not come here.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
