"""``/api/items`` as a Flask-RESTful user writes it: a Resource and a reqparse parser.

Flask-RESTful has no schema validation; its ``reqparse`` is what its users
validate a JSON body with.
"""

from __future__ import annotations

from flask import Flask
from flask_restful import Api
from flask_restful import Resource
from flask_restful import reqparse

from common import SECRET_KEY

app = Flask(__name__)
app.secret_key = SECRET_KEY
api = Api(app)

parser = reqparse.RequestParser()
parser.add_argument("name", type=str, required=True, location="json")
parser.add_argument("price", type=float, required=True, location="json")
parser.add_argument("quantity", type=int, required=True, location="json")
parser.add_argument("tags", type=str, action="append", default=[], location="json")


class Items(Resource):
    def post(self) -> tuple[dict[str, object], int]:
        args = parser.parse_args()
        return {**args, "total": args["price"] * args["quantity"]}, 201


api.add_resource(Items, "/api/items")
