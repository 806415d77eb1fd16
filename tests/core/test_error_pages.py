"""Stock error pages are Werkzeug's pages, whatever path builds them."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import abort
from hipflask.testing.client import HipflaskClient


def test_unrouted_path_gets_the_stock_404_page(client: HipflaskClient) -> None:
    first = client.get("/nowhere")
    second = client.get("/also/nowhere")

    assert first.status_code == second.status_code == 404
    assert first.data == second.data == NotFound().get_body().encode()
    assert first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert first.headers["Content-Length"] == str(len(first.data))
    assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_a_custom_description_is_not_replaced_by_the_stock_page(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/item")
    def item() -> str:
        abort(404, "No such <item>.")

    plain = client.get("/missing")
    custom = client.get("/item")

    assert b"No such &lt;item&gt;." in custom.data
    assert b"No such" not in plain.data


def test_an_error_class_with_an_unregistered_code_still_answers(
    app: Hipflask, client: HipflaskClient
) -> None:
    class ClientClosed(HTTPException):
        code = 499
        description = "The client went away."

    @app.route("/gone")
    def gone() -> str:
        raise ClientClosed()

    response = client.get("/gone")

    assert response.status_code == 499
    assert b"The client went away." in response.data


def test_an_error_with_its_own_headers_keeps_them(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/only-get")
    def only_get() -> str:
        return "ok"

    response = client.post("/only-get")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
