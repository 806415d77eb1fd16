"""The gate's ordered checks and finishers, as suites register into them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from werkzeug.exceptions import TooManyRequests

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask.contexts.state import request_state
from hipflask.security.gate import ORDER_CORS_HEADERS
from hipflask.security.gate import ORDER_CSRF
from hipflask.security.gate import ORDER_HEADERS
from hipflask.security.gate import ORDER_HOST
from hipflask.security.gate import ORDER_ORIGIN
from hipflask.security.gate import ORDER_PREFLIGHT
from hipflask.security.gate import ORDER_RATE_LIMIT


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def gated(app: Hipflask, calls: list[str]) -> Hipflask:
    @app.before_request
    def hook() -> None:
        calls.append("before_request")

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        calls.append("view")
        return "ok"

    @app.get("/async")
    async def async_index() -> str:
        calls.append("view")
        return "ok"

    return app


def test_checks_run_in_order_before_the_hooks_and_the_view(
    gated: Hipflask, calls: list[str], client: Any
) -> None:
    gated.gate.add_check("csrf", lambda r: calls.append("csrf"), order=ORDER_CSRF)
    gated.gate.add_check("limit", lambda r: calls.append("limit"), order=ORDER_RATE_LIMIT)
    gated.gate.add_check("early", lambda r: calls.append("early"), order=ORDER_PREFLIGHT)
    assert client.get("/").status_code == 200
    assert calls == ["early", "limit", "csrf", "before_request", "view"]


def test_builtin_parts_keep_their_places_among_registered_ones(app: Hipflask) -> None:
    app.gate.add_check("cors", lambda r: None, order=ORDER_PREFLIGHT)
    app.gate.add_check("limit", lambda r: None, order=ORDER_RATE_LIMIT)
    app.gate.add_finisher("cors", lambda r, s: None, order=ORDER_CORS_HEADERS)
    assert app.gate.check_names == (
        "hipflask.trusted_hosts",
        "cors",
        "hipflask.cross_origin",
        "limit",
    )
    assert app.gate.finisher_names == ("cors", "hipflask.cache", "hipflask.headers")
    assert ORDER_HOST < ORDER_PREFLIGHT < ORDER_ORIGIN < ORDER_RATE_LIMIT < ORDER_HEADERS


def test_a_check_that_raises_refuses_before_hooks_and_view(
    gated: Hipflask, calls: list[str], client: Any
) -> None:
    def limit(request: Any) -> None:
        raise TooManyRequests("slow down")

    gated.gate.add_check("limit", limit, order=ORDER_RATE_LIMIT)
    response = client.get("/")
    assert response.status_code == 429
    assert calls == []
    # The finishers still ran on the refusal: it carries the security headers.
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_check_that_returns_a_response_answers_without_the_view(
    gated: Hipflask, calls: list[str], client: Any
) -> None:
    gated.gate.add_check(
        "preflight", lambda r: Response("", 204, {"X-Answered": "gate"}), order=ORDER_PREFLIGHT
    )
    response = client.get("/")
    assert response.status_code == 204
    assert response.headers["X-Answered"] == "gate"
    assert calls == []


def test_registering_a_name_again_replaces_the_check(
    gated: Hipflask, calls: list[str], client: Any
) -> None:
    gated.gate.add_check("limit", lambda r: calls.append("first"), order=ORDER_RATE_LIMIT)
    gated.gate.add_check("limit", lambda r: calls.append("second"), order=ORDER_RATE_LIMIT)
    client.get("/")
    assert calls == ["second", "before_request", "view"]


def test_removed_parts_stop_running_and_builtin_names_are_refused(
    gated: Hipflask, calls: list[str], client: Any
) -> None:
    gated.gate.add_check("limit", lambda r: calls.append("limit"), order=ORDER_RATE_LIMIT)
    gated.gate.remove("limit")
    assert gated.gate.is_simple
    client.get("/")
    assert calls == ["before_request", "view"]
    with pytest.raises(ValueError, match="built-in"):
        gated.gate.add_check("hipflask.cross_origin", lambda r: None, order=1)
    with pytest.raises(ValueError, match="built-in"):
        gated.gate.remove("hipflask.headers")


def test_finishers_run_on_every_response_including_errors(app: Hipflask, client: Any) -> None:
    @app.get("/boom")
    def boom() -> str:
        abort(404)

    def stamp(request: Any, response: Any) -> None:
        response.headers["X-Finished"] = request.path

    app.gate.add_finisher("stamp", stamp, order=ORDER_CORS_HEADERS)
    assert client.get("/boom").headers["X-Finished"] == "/boom"
    assert client.get("/nowhere").headers["X-Finished"] == "/nowhere"


def test_async_check_is_awaited_on_the_loop_and_sync_one_used_in_threads(
    gated: Hipflask, calls: list[str], client: Any, protocol: str
) -> None:
    async def check_async(request: Any) -> None:
        await asyncio.sleep(0)
        calls.append("async-check")

    gated.gate.add_check(
        "store",
        lambda r: calls.append("sync-check"),
        order=ORDER_RATE_LIMIT,
        check_async=check_async,
    )
    client.get("/async")
    expected = "async-check" if protocol == "asgi" else "sync-check"
    assert calls[0] == expected
    calls.clear()
    client.get("/")
    assert calls[0] == "sync-check"


def test_a_sync_check_may_return_a_coroutine(gated: Hipflask, client: Any) -> None:
    async def refuse(request: Any) -> None:
        raise TooManyRequests()

    gated.gate.add_check("limit", refuse, order=ORDER_RATE_LIMIT)
    assert client.get("/").status_code == 429
    assert client.get("/async").status_code == 429


def test_async_finisher_under_both_protocols(app: Hipflask, client: Any, protocol: str) -> None:
    @app.get("/")
    async def index() -> str:
        return "ok"

    async def stamp_async(request: Any, response: Any) -> None:
        await asyncio.sleep(0)
        response.headers["X-Stamp"] = "async"

    app.gate.add_finisher(
        "stamp",
        lambda r, s: s.headers.__setitem__("X-Stamp", "sync"),
        order=ORDER_CORS_HEADERS,
        finisher_async=stamp_async,
    )
    expected = "async" if protocol == "asgi" else "sync"
    assert client.get("/").headers["X-Stamp"] == expected


def test_an_origin_approved_by_a_check_passes_the_cross_origin_refusal(
    gated: Hipflask, client: Any
) -> None:
    attacker = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    partner = {"Origin": "https://partner.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/", headers=partner).status_code == 403

    def approve(request: Any) -> None:
        if request.headers.get("Origin") == "https://partner.example":
            request_state().allowed_origin = "https://partner.example"

    gated.gate.add_check("cors", approve, order=ORDER_PREFLIGHT)
    assert client.post("/", headers=partner).status_code == 200
    assert client.post("/", headers=attacker).status_code == 403


def test_the_allowed_origin_must_match_the_request_exactly(gated: Hipflask, client: Any) -> None:
    def approve_other(request: Any) -> None:
        request_state().allowed_origin = "https://partner.example"

    gated.gate.add_check("cors", approve_other, order=ORDER_PREFLIGHT)
    headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/", headers=headers).status_code == 403


def test_trusted_hosts_are_checked_among_registered_checks(gated: Hipflask, client: Any) -> None:
    gated.config["TRUSTED_HOSTS"] = ["good.example"]
    gated.gate.reset()
    gated.gate.add_check("noop", lambda request: None, order=ORDER_CSRF)
    assert client.get("/", headers={"Host": "good.example"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_a_sync_finisher_may_return_a_coroutine(app: Hipflask, client: Any) -> None:
    @app.get("/")
    def index() -> str:
        return "ok"

    async def stamp(request: Any, response: Any) -> None:
        response.headers["X-Stamp"] = "awaited"

    app.gate.add_finisher("stamp", stamp, order=ORDER_CORS_HEADERS)
    assert client.get("/").headers["X-Stamp"] == "awaited"


def test_an_extension_may_replace_the_header_policy(client: Any, app: Hipflask) -> None:
    from hipflask.security.headers import HeaderPolicy

    @app.get("/")
    def index() -> str:
        return "ok"

    built = app.gate.header_policy
    assert app.gate.header_policy is built
    assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"
    app.gate.set_header_policy(HeaderPolicy(frame_options="DENY"))
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_a_policy_set_before_the_first_request_is_kept(app: Hipflask) -> None:
    from hipflask.security.headers import HeaderPolicy

    @app.get("/")
    def index() -> str:
        return "ok"

    app.gate.set_header_policy(HeaderPolicy(frame_options=None))
    assert "X-Frame-Options" not in app.test_client().get("/").headers


def test_check_origin_called_directly_builds_the_policy(app: Hipflask) -> None:
    from werkzeug.exceptions import Forbidden

    with (
        app.test_request_context(
            "/", method="POST", headers={"Sec-Fetch-Site": "cross-site"}
        ) as ctx,
        pytest.raises(Forbidden),
    ):
        app.gate.check_origin(ctx.request)
