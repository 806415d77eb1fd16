"""The package namespace: Flask's and Werkzeug's names that Flask-RESTful's module carries.

Resources are often written with ``from flask_restful import Resource, request``
(or ``current_app``, ``url_for``, ``HTTPException``), which works there because
the module imports them; after renaming, the same line must import.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from werkzeug import datastructures
from werkzeug import exceptions
from werkzeug import wrappers

import hipflask
from hipflask import Hipflask
from hipflask import signals
from hipflask import views

REEXPORTS = [
    ("request", hipflask, "request"),
    ("current_app", hipflask, "current_app"),
    ("url_for", hipflask, "url_for"),
    ("got_request_exception", signals, "got_request_exception"),
    ("MethodView", views, "MethodView"),
    ("HTTPException", exceptions, "HTTPException"),
    ("NotFound", exceptions, "NotFound"),
    ("MethodNotAllowed", exceptions, "MethodNotAllowed"),
    ("NotAcceptable", exceptions, "NotAcceptable"),
    ("InternalServerError", exceptions, "InternalServerError"),
    ("Headers", datastructures, "Headers"),
    ("ResponseBase", wrappers, "Response"),
]


@pytest.mark.parametrize(("name", "home", "attribute"), REEXPORTS, ids=[r[0] for r in REEXPORTS])
def test_the_name_is_the_object_of_its_home(name: str, home: Any, attribute: str) -> None:
    restful = importlib.import_module("hipflask.restful")
    assert getattr(restful, name) is getattr(home, attribute)


def test_a_resource_written_with_the_package_s_names_answers(app: Hipflask, client: Any) -> None:
    from hipflask.restful import Api
    from hipflask.restful import HTTPException
    from hipflask.restful import NotFound
    from hipflask.restful import Resource
    from hipflask.restful import current_app
    from hipflask.restful import request
    from hipflask.restful import url_for

    class Conflict(HTTPException):
        code = 409
        description = "Taken."

    class Item(Resource):
        def get(self, name: str) -> Any:
            if name == "missing":
                raise NotFound("No such item.")
            if name == "taken":
                raise Conflict()
            return {
                "name": name,
                "q": request.args.get("q"),
                "app": current_app.name,
                "self": url_for("item", name=name),
            }

    Api(app).add_resource(Item, "/items/<name>", endpoint="item")

    found = client.get("/items/pen?q=blue")
    assert found.get_json() == {
        "name": "pen",
        "q": "blue",
        "app": app.name,
        "self": "/items/pen",
    }
    assert client.get("/items/missing").get_json() == {"message": "No such item."}
    taken = client.get("/items/taken")
    assert (taken.status_code, taken.get_json()) == (409, {"message": "Taken."})
