"""abort with a payload, with and without an Api, under both protocols."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import http_status_message
from hipflask.restful.errors import error_data


def test_abort_payload_is_json_in_a_plain_view(app: Hipflask, client: Any) -> None:
    @app.route("/gone")
    def gone() -> str:
        abort(410, message="moved away", code="gone")

    response = client.get("/gone")
    assert response.status_code == 410
    assert response.get_json() == {"message": "moved away", "code": "gone"}


def test_abort_without_payload_is_the_stock_error(app: Hipflask, client: Any) -> None:
    @app.route("/teapot")
    def teapot() -> str:
        abort(418)

    assert client.get("/teapot").status_code == 418


def test_abort_with_an_unknown_code_outside_a_request() -> None:
    with pytest.raises(HTTPException) as info:
        abort(499, message="client closed")
    assert info.value.code == 499
    assert error_data(info.value) == {"message": "client closed"}


def test_http_status_message() -> None:
    assert http_status_message(404) == "Not Found"
    assert http_status_message(999) == ""


def test_only_server_errors_are_reported_as_request_exceptions(app: Hipflask, client: Any) -> None:
    # Flask sends got_request_exception for unhandled errors; an error tracker
    # listening to it must not see every abort(404) and 405 of an Api.
    from hipflask import got_request_exception
    from hipflask.restful import Api
    from hipflask.restful import Resource

    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(app)

    class Item(Resource):
        def get(self, name: str) -> Any:
            if name == "missing":
                abort(404, message="no such item")
            if name == "broken":
                raise RuntimeError("boom")
            return {"name": name}

    api.add_resource(Item, "/items/<name>")
    reported: list[BaseException] = []

    def record(sender: Any, exception: BaseException, **extra: Any) -> None:
        reported.append(exception)

    with got_request_exception.connected_to(record, app):
        statuses = [
            client.get("/items/pen").status_code,
            client.get("/items/missing").status_code,
            client.post("/items/pen").status_code,
            client.get("/items/broken").status_code,
        ]

    assert statuses == [200, 404, 405, 500]
    assert [type(error) for error in reported] == [RuntimeError]


class Unreadable:
    """A payload value JSON cannot hold."""


@pytest.mark.parametrize("in_api", [False, True], ids=["plain-view", "resource"])
def test_abort_with_a_payload_json_cannot_hold_keeps_its_status(
    app: Hipflask, client: Any, in_api: bool
) -> None:
    # As with Flask-RESTful: the app's page for the status, not a 500.
    def refuse() -> Any:
        abort(400, message=Unreadable())

    if in_api:

        class Refusing(Resource):
            def get(self) -> Any:
                return refuse()

        Api(app).add_resource(Refusing, "/refuse")
    else:
        app.add_url_rule("/refuse", "refuse", refuse)

    response = client.get("/refuse")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


class ClientClosed(HTTPException):
    code = 499
    description = "Client closed the request."


class TodoNotFound(NotFound):
    description = "No such todo."


def test_abort_raises_the_class_the_apps_aborter_maps_the_status_to(
    app: Hipflask, client: Any
) -> None:
    # As flask.abort does: an app's own classes for a status, which its
    # errors= entries (or error handlers) name.
    app.aborter.mapping[499] = ClientClosed
    app.aborter.mapping[404] = TodoNotFound

    class Todo(Resource):
        def get(self, code: int) -> Any:
            abort(code)

        def delete(self, code: int) -> Any:
            abort(code, message="gone")

    Api(app, errors={"TodoNotFound": {"status": 410}}).add_resource(Todo, "/todo/<int:code>")
    assert client.get("/todo/499").get_json() == {"message": "Client closed the request."}
    response = client.delete("/todo/404")
    assert response.status_code == 410
    assert response.get_json() == {"message": "gone", "status": 410}
    with app.app_context(), pytest.raises(TodoNotFound):
        abort(404)
