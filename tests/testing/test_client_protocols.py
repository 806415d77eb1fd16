"""The protocol a test client speaks: WSGI or ASGI, chosen by argument or environment."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request


def test_both_protocols_give_the_same_response(app: Hipflask) -> None:
    @app.route("/", methods=["POST"])
    def index() -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"got": request.get_json(), "args": request.args.to_dict()}, 202, {"X-Id": "1"}

    responses = [
        app.test_client(protocol=protocol).post("/?a=1", json={"b": 2})
        for protocol in ("wsgi", "asgi")
    ]

    wsgi, asgi = responses
    assert wsgi.status == asgi.status == "202 ACCEPTED"
    assert wsgi.data == asgi.data
    # ASGI sends header names lower-case; lookups ignore case either way.
    assert sorted((k.lower(), v) for k, v in wsgi.headers.items()) == sorted(
        (k.lower(), v) for k, v in asgi.headers.items()
    )


def test_asgi_client_runs_the_asgi_adapter(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return str("asgi.scope" in request.environ)

    assert app.test_client(protocol="asgi").get("/").text == "True"
    assert app.test_client(protocol="wsgi").get("/").text == "False"


def test_asgi_client_closes_its_loop_when_collected(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client(protocol="asgi")
    client.get("/")
    loop = client._shim._loop
    del client
    gc.collect()  # an unclosed loop would warn (and fail the test) here

    assert loop.is_closed()


@pytest.mark.parametrize("chosen", ["wsgi", "asgi"])
def test_the_environment_variable_chooses_the_protocol_of_a_client_made_without_one(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", chosen)

    @app.route("/")
    def index() -> str:
        # Under ASGI the request was built from a scope.
        return "asgi" if "asgi.scope" in request.environ else "wsgi"

    client = app.test_client()
    assert client.protocol == chosen
    assert client.get("/").text == chosen
    # An explicit protocol still wins.
    assert app.test_client(protocol="wsgi").get("/").text == "wsgi"


def test_without_the_variable_a_client_speaks_wsgi(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPFLASK_TEST_PROTOCOL", raising=False)
    assert app.test_client().protocol == "wsgi"


def test_an_unknown_protocol_in_the_variable_is_refused_by_name(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", "http2")
    with pytest.raises(ValueError, match="HIPFLASK_TEST_PROTOCOL must be 'wsgi' or 'asgi'"):
        app.test_client()
