"""Limiter: the storage: Redis, a store that is down, in-memory fallback, reset."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tests.limiter.limited_requests import statuses
from tests.redis_helper import REDIS_URI
from tests.redis_helper import closed_port

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.limiter import Limit
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address


@pytest.mark.parametrize("uri", ["async+memory://", "async+redis://127.0.0.1:6379/0"])
def test_an_async_storage_uri_is_refused_with_the_uri_to_use(app: Hipflask, uri: str) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = uri
    with pytest.raises(ConfigurationError, match=r"without 'async\+' \('(memory|redis)://"):
        Limiter(get_remote_address, app=app)


def test_a_store_that_is_down_fails_closed_with_503(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    limiter = Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert client.get("/").status_code == 503
    finally:
        close(client, limiter)


def test_a_store_that_is_down_fails_open_when_errors_are_swallowed(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        with caplog.at_level(logging.WARNING, logger="hipflask.ratelimit"):
            assert statuses(client, "/", 3) == [200, 200, 200]
        assert "failed" in caplog.text
    finally:
        close(client, limiter)


def close(client: Any, limiter: Limiter) -> None:
    """Release the async driver's connections on the test client's loop."""
    shim = getattr(client, "_shim", None)
    if shim is not None and shim._loop is not None and not shim._loop.is_closed():
        shim._run(limiter._store.aclose())


def test_redis_storage_counts_under_both_protocols(
    app: Hipflask, client: Any, redis_prefix: str
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    async def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_storage_options_given_as_argument_and_setting_are_both_used(
    app: Hipflask, client: Any, redis_prefix: str
) -> None:
    # The setting's key prefix keeps this app's counters apart from other
    # apps on the same Redis; the argument's connection options still apply.
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(
        app,
        storage_uri=REDIS_URI,
        storage_options={"socket_timeout": 5},
        default_limits=["1 per minute"],
    )

    @app.get("/")
    async def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 2) == [200, 429]
    finally:
        close(client, limiter)
    import redis

    connection = redis.Redis.from_url(REDIS_URI)
    try:
        assert connection.keys(f"{redis_prefix}*")
    finally:
        connection.close()
    assert limiter.storage.key_prefix == redis_prefix
    assert limiter.storage.storage.connection_pool.connection_kwargs["socket_timeout"] == 5


def test_reset_clears_the_counters_and_storage_needs_init(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    client.get("/")
    limiter.reset()
    assert client.get("/").status_code == 200
    unbound = Limiter()
    unbound.reset()
    with pytest.raises(ConfigurationError, match="init_app"):
        _ = unbound.storage


def test_lifespan_shutdown_closes_the_async_store_connections(
    app: Hipflask, redis_prefix: str
) -> None:
    import asyncio

    from tests.asgi_driver import http_scope

    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    async def index() -> str:
        return "ok"

    async def run() -> list[int]:
        lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await lifespan.put({"type": "lifespan.startup"})
        replies: list[dict[str, Any]] = []

        async def lifespan_send(message: dict[str, Any]) -> None:
            replies.append(message)

        server = asyncio.ensure_future(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan.get, lifespan_send)
        )
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        for _ in range(2):
            await app(http_scope("/"), receive, send)
        assert limiter._store is not None and len(limiter._store._async) == 1
        await lifespan.put({"type": "lifespan.shutdown"})
        await server
        assert replies[-1]["type"] == "lifespan.shutdown.complete"
        return statuses

    assert asyncio.run(run()) == [200, 200]
    assert limiter._store is not None and len(limiter._store._async) == 0


def test_in_memory_fallback_limits_apply_while_the_store_is_down(
    app: Hipflask, client: Any
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    limiter = Limiter(app, default_limits=["100 per minute"], in_memory_fallback=["2 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_in_memory_fallback_limits_may_be_callables_read_per_request(
    app: Hipflask, client: Any
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    plan = {"limit": "2 per minute"}
    limiter = Limiter(
        app,
        default_limits=["100 per minute"],
        in_memory_fallback=[lambda: plan["limit"], Limit("4 per hour")],
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
        # Read again on the next request, as a default limit's callable is:
        # the hour's budget (two counted so far) is what refuses now.
        plan["limit"] = "10 per minute"
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_reset_of_a_store_that_cannot_be_cleared_logs_a_warning(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app)

    def unsupported() -> None:
        raise NotImplementedError

    monkeypatch.setattr(limiter._store, "reset", unsupported)
    with caplog.at_level("WARNING", logger="hipflask.limiter"):
        limiter.reset()
    assert "cannot be reset" in caplog.text
