"""Prepared requests and environ dicts given to the test client: its defaults and what they keep."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask.testing.client import HipflaskClient


def _prepared(kind: str, *args: Any, **kwargs: Any) -> Any:
    from werkzeug.wrappers import Request as WerkzeugRequest

    builder = EnvironBuilder(*args, **kwargs)
    if kind == "builder":
        return builder
    if kind == "environ":
        return builder.get_environ()
    return WerkzeugRequest(builder.get_environ())


@pytest.mark.parametrize("kind", ["builder", "environ", "request"])
def test_a_prepared_request_gets_the_clients_defaults(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "agent": request.user_agent.string}

    agent = f"Werkzeug/{version('werkzeug')}"
    plain = client.open(_prepared(kind, "/"))
    own = client.open(
        _prepared(kind, "/", headers={"User-Agent": "mine"}, environ_base={"REMOTE_ADDR": "::1"})
    )

    assert plain.get_json() == {"remote": "127.0.0.1", "agent": agent}
    # As in Flask, an environ dict keeps its headers but not its REMOTE_ADDR.
    remote = "127.0.0.1" if kind == "environ" else "::1"
    assert own.get_json() == {"remote": remote, "agent": "mine"}


def test_an_environ_dict_keeps_what_a_request_carries_over_the_clients_environ_base(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask rebuilds the request a dict describes (method, URL, headers,
    # body) over the client's environ_base: the dict's REMOTE_ADDR and other
    # keys that are not headers give way, as Flask's client drops them.
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        environ = request.environ
        return {
            "remote": request.remote_addr,
            "user": environ.get("REMOTE_USER"),
            "own": environ.get("test.own"),
            "url": request.url,
            "body": request.get_data(as_text=True),
            "agent": request.user_agent.string,
            "team": request.headers.get("X-Team"),
        }

    client.environ_base.update(REMOTE_ADDR="10.0.0.1", REMOTE_USER="base")
    environ = EnvironBuilder(
        "/?q=1", base_url="https://example.test:8443", method="POST", data="sent"
    ).get_environ()
    environ.update(
        {
            "REMOTE_ADDR": "203.0.113.9",
            "REMOTE_USER": "ada",
            "test.own": "mine",
            "HTTP_USER_AGENT": "mine",
            "HTTP_X_TEAM": "blue",
        }
    )

    response = client.open(environ)

    assert response.get_json() == {
        "remote": "10.0.0.1",
        "user": "base",
        "own": None,
        "url": "https://example.test:8443/?q=1",
        "body": "sent",
        "agent": "mine",
        "team": "blue",
    }


@pytest.mark.parametrize("kind", ["builder", "environ", "request"])
def test_with_block_keeps_the_context_of_a_prepared_request(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    @app.route("/")
    def index() -> str:
        g.seen = request.args["q"]
        return "ok"

    with client:
        client.open(_prepared(kind, "/?q=kept"))
        assert request.args["q"] == "kept"
        assert g.seen == "kept"
