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

from ..core.typed import Body as Body
from ..core.typed import Query as Query
from ..core.typed import ValidationFailed as ValidationFailed
from ..core.typed import validate as validate
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
