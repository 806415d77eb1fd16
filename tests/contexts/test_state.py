"""Typed per-request state on the request context."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import render_template_string
from hipflask import url_for
from hipflask.contexts.state import RequestState
from hipflask.contexts.state import request_state


def test_request_state_outside_a_request_says_how_to_get_one() -> None:
    with pytest.raises(RuntimeError, match="test_request_context"):
        request_state()


def test_each_request_has_its_own_state(app: Hipflask, client: Any, protocol: str) -> None:
    seen: list[RequestState] = []

    @app.get("/")
    def index() -> str:
        state = request_state()
        assert state.extensions == {}
        state.extensions["suite"] = len(seen)
        seen.append(state)
        return "ok"

    @app.get("/async")
    async def async_index() -> str:
        return str(request_state().on_loop)

    client.get("/")
    client.get("/")
    assert seen[0] is not seen[1]
    assert seen[1].extensions == {"suite": 1}
    assert not seen[0].on_loop
    assert client.get("/async").text == str(protocol == "asgi")


def test_url_adapter_is_bound_once_per_request(app: Hipflask, client: Any) -> None:
    bound: list[Any] = []

    @app.get("/<int:number>")
    def page(number: int) -> str:
        adapter = request_state().url_adapter
        bound.append(adapter)
        url_for("page", number=2)
        # Building a URL reuses (or creates once) the request's adapter.
        assert request_state().url_adapter is not None
        return url_for("page", number=number + 1)

    assert client.get("/1").text == "/2"


def test_the_csp_nonce_lives_in_the_state(app: Hipflask, client: Any) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = {"script-src": ["'self'", "{nonce}"]}

    @app.get("/")
    def index() -> str:
        first = render_template_string("{{ csp_nonce() }}")
        assert request_state().csp_nonce == first
        return first

    response = client.get("/")
    assert f"'nonce-{response.text}'" in response.headers["Content-Security-Policy"]


def test_state_repr_names_the_interesting_fields() -> None:
    state = RequestState()
    state.on_loop = True
    state.allowed_origin = "https://a.example"
    assert repr(state) == "<RequestState on_loop=True allowed_origin='https://a.example'>"


def test_a_copied_context_shares_the_state(app: Hipflask) -> None:
    with app.test_request_context("/") as ctx:
        ctx.state.extensions["k"] = "v"
        assert ctx.copy().state is ctx.state
