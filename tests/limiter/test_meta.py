"""Meta limits, explicit checks and ``current_limits``, on the memory store and real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.redis_helper import REDIS_URI

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.errors import ConfigurationError
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter
from hipflask.limiter import RateLimitExceeded
from hipflask.limiter import RequestLimit


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, app: Hipflask) -> Iterator[str]:
    """Point the app's limiter settings at the memory store or at the real Redis."""
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": prefix}
    else:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    yield request.param


def close(client: Any, limiter: Limiter) -> None:
    """Release the async driver's connections on the test client's loop."""
    shim = getattr(client, "_shim", None)
    if shim is not None and shim._loop is not None and not shim._loop.is_closed():
        shim._run(limiter._store.aclose())


def statuses(client: Any, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


def test_a_client_that_breaches_too_often_is_refused_everywhere(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"], meta_limits=["2 per hour"])

    @app.get("/a")
    def a() -> str:
        return "a"

    @app.get("/b")
    async def b() -> str:
        return "b"

    @app.get("/free")
    @limiter.exempt(flags=ExemptionScope.DEFAULT)
    def free() -> str:
        return "free"

    try:
        # /a: one allowed, then two breaches: the meta budget is spent.
        assert statuses(client, "/a", 3) == [200, 429, 429]
        # /b has its own, untouched default budget, and /free has none at
        # all: the meta limit refuses them both until its window passes.
        refused = client.get("/b")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 60
        assert refused.headers["X-RateLimit-Limit"] == "2"
        assert client.get("/free").status_code == 429
        # Another client is not affected.
        other = {"REMOTE_ADDR": "10.0.0.9"}
        assert client.get("/b", environ_base=other).status_code == 200
    finally:
        close(client, limiter)


def test_meta_limits_come_from_settings_and_exemption_lifts_them(
    app: Hipflask, client: Any, store: str
) -> None:
    app.config["RATELIMIT_META"] = "1 per hour"
    seen: list[RequestLimit] = []

    def on_meta_breach(limit: RequestLimit) -> Any:
        seen.append(limit)
        return jsonify(locked=True), 429

    app.config["RATELIMIT_ON_META_BREACH_CALLBACK"] = on_meta_breach
    limiter = Limiter(app)

    @app.get("/a")
    @limiter.limit("1 per minute")
    def a() -> str:
        return "a"

    @app.get("/health")
    @limiter.exempt(flags=ExemptionScope.META)
    def health() -> str:
        return "up"

    try:
        assert statuses(client, "/a", 2) == [200, 429]
        assert seen == []
        locked = client.get("/a")
        assert locked.status_code == 429
        assert locked.get_json() == {"locked": True}
        assert seen[0].breached
        assert seen[0].limit.amount == 1
        assert "meta" in seen[0].key
        assert client.get("/health").status_code == 200
    finally:
        close(client, limiter)


def test_meta_limits_use_the_async_store_under_asgi(app: Hipflask, redis_prefix: str) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["1 per minute"], meta_limits=["1 per hour"])

    @app.get("/")
    async def index() -> str:
        return "ok"

    def blocking(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the blocking Redis client was used on the event loop")

    for name in ("hit", "test", "get_window_stats"):
        setattr(limiter.limiter, name, blocking)
    client = app.test_client(protocol="asgi")
    try:
        assert statuses(client, "/", 4) == [200, 429, 429, 429]
    finally:
        close(client, limiter)


def test_check_enforces_the_limits_where_the_app_asks(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"], auto_check=False)
    order: list[str] = []

    @app.before_request
    def first() -> None:
        order.append("before")
        limiter.check()
        # A second call in the same request counts nothing more.
        limiter.check()

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        first_response = client.get("/")
        assert first_response.status_code == 200
        assert first_response.headers["X-RateLimit-Remaining"] == "0"
        assert client.get("/").status_code == 429
        assert order == ["before", "before"]
    finally:
        close(client, limiter)


def test_check_async_in_an_async_view(app: Hipflask, client: Any, store: str) -> None:
    limiter = Limiter(app, auto_check=False)

    @app.get("/")
    @limiter.limit("1 per minute")
    async def index() -> str:
        await limiter.check_async()
        return "ok"

    try:
        assert statuses(client, "/", 2) == [200, 429]
    finally:
        close(client, limiter)


def test_check_is_a_no_op_after_the_automatic_check(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    def index() -> str:
        limiter.check()
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]


def test_check_raises_the_on_breach_response(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, auto_check=False, on_breach=lambda limit: ("slow down", 429))

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        try:
            limiter.check()
        except RateLimitExceeded as exc:
            assert exc.response is not None
            raise
        return "ok"

    assert client.get("/").status_code == 200
    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.get_data(as_text=True) == "slow down"


def test_check_refuses_to_block_an_event_loop(app: Hipflask, redis_prefix: str) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["5 per minute"], auto_check=False)

    @app.get("/")
    async def index() -> str:
        try:
            limiter.check()
        except ConfigurationError as exc:
            return str(exc)
        return "checked"

    # Under WSGI an async view runs on a loop of its own thread too.
    text = app.test_client(protocol="asgi").get("/").get_data(as_text=True)
    assert "await limiter.check_async()" in text


def test_check_with_a_disabled_limiter_does_nothing(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    limiter = Limiter(app)

    @app.get("/")
    def index() -> str:
        limiter.check()
        return "ok"

    assert client.get("/").status_code == 200


def test_current_limits_lists_every_window_shortest_first(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = Limiter(app)
    seen: list[list[RequestLimit]] = []

    @app.get("/")
    @limiter.limit("100 per day")
    @limiter.limit("2 per second; 10 per minute")
    def index() -> str:
        seen.append(limiter.current_limits)
        return "ok"

    try:
        assert client.get("/").status_code == 200
        (limits,) = seen
        assert [lim.limit.amount for lim in limits] == [2, 10, 100]
        assert [lim.remaining for lim in limits] == [1, 9, 99]
        assert not any(lim.breached for lim in limits)
    finally:
        close(client, limiter)


def test_without_fail_on_first_breach_the_longest_breached_window_is_reported(
    app: Hipflask, client: Any, store: str
) -> None:
    breaches: list[str] = []
    limiter = Limiter(
        app,
        fail_on_first_breach=False,
        on_breach=lambda limit: breaches.append(str(limit.limit)),
    )
    seen: list[tuple[str, str, list[tuple[int, bool]]]] = []

    @app.get("/")
    @limiter.limit("1 per second; 1 per hour")
    def index() -> str:
        return "ok"

    @app.errorhandler(429)
    def refused(e: RateLimitExceeded) -> tuple[str, int]:
        windows = [(lim.limit.get_expiry(), lim.breached) for lim in limiter.current_limits]
        seen.append((e.description, str(limiter.current_limit.limit), windows))  # type: ignore[union-attr]
        return "refused", 429

    try:
        assert client.get("/").status_code == 200
        refusal = client.get("/")
    finally:
        close(client, limiter)
    assert refusal.status_code == 429
    # Waiting out the second is not enough: the client is told the hour.
    assert int(refusal.headers["Retry-After"]) > 60
    assert int(refusal.headers["X-RateLimit-Reset"]) > time.time() + 60
    # The exception names the shortest one; both are breached.
    assert seen == [("1 per 1 second", "1 per 1 hour", [(1, True), (3600, True)])]
    assert breaches == ["1 per 1 second", "1 per 1 hour"]


def test_current_limits_is_empty_when_nothing_was_checked(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    seen: list[Any] = []

    @app.get("/")
    def index() -> str:
        seen.append((limiter.current_limits, limiter.current_limit))
        return "ok"

    assert client.get("/").status_code == 200
    assert seen == [([], None)]


def test_without_headers_current_limits_carry_no_window(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, headers_enabled=False)
    seen: list[list[RequestLimit]] = []

    @app.get("/")
    @limiter.limit("2 per second; 10 per minute")
    def index() -> str:
        seen.append(limiter.current_limits)
        return "ok"

    assert client.get("/").status_code == 200
    assert [(lim.limit.amount, lim.remaining) for lim in seen[0]] == [(2, 0), (10, 0)]


def test_check_async_after_the_automatic_check_counts_nothing(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    async def index() -> str:
        await limiter.check_async()
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]


def test_a_limit_s_own_meta_limits_refuse_the_views_that_carry_them(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = Limiter(app)

    @app.get("/a")
    @limiter.limit("1 per minute", meta_limits=["2 per hour"])
    def a() -> str:
        return "a"

    @app.get("/b")
    @limiter.shared_limit("5 per minute", "reads", meta_limits=["2 per hour"])
    def b() -> str:
        return "b"

    @app.get("/c")
    @limiter.limit("5 per minute")
    def c() -> str:
        return "c"

    try:
        # Two breaches of /a's limit spend its meta budget.
        assert statuses(client, "/a", 3) == [200, 429, 429]
        refused = client.get("/a")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 60
        assert refused.headers["X-RateLimit-Limit"] == "2"
        # /b's limit carries the same meta limit (one budget per client, as
        # in Flask-Limiter); /c's carries none and is untouched.
        assert client.get("/b").status_code == 429
        assert client.get("/c").status_code == 200
        # Another client is not affected.
        assert client.get("/a", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    finally:
        close(client, limiter)


def test_a_request_within_its_limits_does_not_count_against_their_meta_limits(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = Limiter(app)

    @app.get("/")
    @limiter.limit("3 per minute", meta_limits=["1 per hour"])
    def index() -> str:
        return "ok"

    try:
        # Three served, one refused (the one breach the meta limit allows);
        # the next is refused by the meta limit itself, for the hour.
        assert statuses(client, "/", 4) == [200, 200, 200, 429]
        refused = client.get("/")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 60
    finally:
        close(client, limiter)


def test_meta_limits_set_a_declaration_apart_from_one_without_them() -> None:
    from hipflask.limiter.rules import Limit

    assert not Limit("1/second", meta_limits=["2/hour"]).same_as(Limit("1/second"))
    assert Limit("1/second", meta_limits=["2/hour"]).same_as(
        Limit("1/second", meta_limits=["2/hour"])
    )
