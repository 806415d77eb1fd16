"""The test client's with block keeps the newest request context, and does not nest."""

from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask import g
from hipflask import has_request_context
from hipflask import request
from hipflask.contexts.globals import _cv_request
from hipflask.testing.client import HipflaskClient


def test_with_client_keeps_the_request_context(app: Hipflask, client: HipflaskClient) -> None:
    torn_down: list[str] = []
    app.teardown_request(lambda exc: torn_down.append(request.path))

    @app.route("/form", methods=["POST"])
    def form() -> str:
        g.handled = True
        return "ok"

    with client:
        client.post("/form?page=2", data={"name": "ann"})
        assert request.args["page"] == "2"
        assert request.form["name"] == "ann"
        assert g.handled is True
        # Torn down at the request's end and again at the pop, as in Flask.
        assert torn_down == ["/form"]
    assert torn_down == ["/form", "/form"]
    assert not has_request_context()


def test_with_client_keeps_only_the_newest_context(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<name>")
    def named(name: str) -> str:
        return name

    with client:
        client.get("/first")
        client.get("/second")
        assert request.path == "/second"
        assert _cv_request.get() is not None
    assert not has_request_context()


def test_with_client_cannot_nest(client: HipflaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="Cannot nest"):
        client.__enter__()
