"""The rate-limit core: counting, both drivers, and what happens when the store fails."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import limits.errors
import pytest
from limits import parse
from tests.redis_helper import REDIS_URI
from tests.redis_helper import closed_port

from hipflask.errors import ConfigurationError
from hipflask.security.ratelimit import Hit
from hipflask.security.ratelimit import RateLimitExceeded
from hipflask.security.ratelimit import RateLimitStore
from hipflask.security.ratelimit import StoreUnavailable
from hipflask.security.ratelimit import parse_limits


def hits(limit: str = "2 per minute", key: str = "client") -> list[Hit]:
    return [Hit(parse(limit), (key, "view"))]


def test_limit_strings_parse_and_a_typo_is_a_configuration_error() -> None:
    assert [str(item) for item in parse_limits("5 per minute; 100/day")] == [
        "5 per 1 minute",
        "100 per 1 day",
    ]
    # limits refuses it with a ValueError, which Flask-Limiter lets out.
    with pytest.raises(ValueError, match="not a rate limit") as refused:
        parse_limits("five a minute")
    assert isinstance(refused.value, ConfigurationError)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"strategy": "leaky-bucket"}, "RATELIMIT_STRATEGY"),
        ({"storage_uri": "nosuch://x"}, "RATELIMIT_STORAGE_URI"),
        ({"storage_uri": "async+memory://"}, "RATELIMIT_STORAGE_URI"),
        # The Redis client refuses a cluster URI without nodes with its own error.
        ({"storage_uri": "redis+cluster://"}, "RATELIMIT_STORAGE_URI"),
    ],
    ids=["strategy", "scheme", "async", "cluster"],
)
def test_unknown_strategy_and_storage_are_refused_at_start(
    settings: dict[str, Any], message: str
) -> None:
    # The class limits (and so Flask-Limiter) raises for these settings.
    with pytest.raises(limits.errors.ConfigurationError, match=message) as refused:
        RateLimitStore(**settings)
    assert isinstance(refused.value, ConfigurationError)


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_the_request_over_budget_is_breached(strategy: str) -> None:
    store = RateLimitStore(strategy=strategy)
    assert store.check(hits()).breached is None
    second = store.check(hits())
    assert second.breached is None
    assert second.stats is not None and second.stats.remaining == 0
    third = store.check(hits())
    assert third.breached is not None
    assert store.check(hits(key="someone-else")).breached is None


def test_a_test_only_hit_does_not_count() -> None:
    store = RateLimitStore()
    probe = [Hit(parse("1 per minute"), ("k",), deduct=False)]
    for _ in range(3):
        assert store.check(probe).breached is None


def test_the_async_driver_shares_the_memory_counters() -> None:
    store = RateLimitStore()
    store.check(hits("1 per minute"))
    outcome = asyncio.run(store.check_async(hits("1 per minute")))
    assert outcome.breached is not None


def test_redis_counters_are_shared_by_two_stores(redis_prefix: str) -> None:
    options = {"key_prefix": redis_prefix}
    first = RateLimitStore(REDIS_URI, storage_options=options)
    second = RateLimitStore(REDIS_URI, storage_options=options)
    assert first.check(hits()).breached is None
    assert second.check(hits()).breached is None
    assert first.check(hits()).breached is not None


def test_the_async_redis_driver_counts_in_the_same_keys(redis_prefix: str) -> None:
    store = RateLimitStore(REDIS_URI, storage_options={"key_prefix": redis_prefix})
    assert store.check(hits()).breached is None

    async def twice() -> list[bool]:
        results = []
        for _ in range(2):
            outcome = await store.check_async(hits())
            results.append(outcome.breached is not None)
        await store.aclose()
        return results

    assert asyncio.run(twice()) == [False, True]


def down_uri() -> str:
    return f"redis://127.0.0.1:{closed_port()}"


def test_a_store_that_is_down_fails_closed_with_503_by_default() -> None:
    store = RateLimitStore(down_uri())
    with pytest.raises(StoreUnavailable) as info:
        store.check(hits())
    assert info.value.code == 503
    assert dict(info.value.get_headers())["Retry-After"]


def test_a_store_that_is_down_fails_open_with_a_warning_when_errors_are_swallowed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RateLimitStore(down_uri(), swallow_errors=True)
    with caplog.at_level(logging.WARNING, logger="hipflask.ratelimit"):
        for _ in range(5):
            assert store.check(hits("1 per minute")).failed_open
    assert "letting requests through" in caplog.text


def test_a_store_that_is_down_falls_back_to_memory_when_asked() -> None:
    store = RateLimitStore(down_uri(), fallback=True)
    assert store.check(hits("1 per minute")).breached is None
    assert store.check(hits("1 per minute")).breached is not None


def test_the_fallback_limits_replace_the_declared_ones() -> None:
    store = RateLimitStore(down_uri(), fallback_items=[parse("2 per minute")])
    results = [store.check(hits("100 per minute")).breached is None for _ in range(3)]
    assert results == [True, True, False]


def test_the_async_driver_fails_closed_too() -> None:
    store = RateLimitStore(down_uri())

    async def check() -> None:
        try:
            await store.check_async(hits())
        finally:
            await store.aclose()

    with pytest.raises(StoreUnavailable):
        asyncio.run(check())
    # Now known to be down: refused at once, without a new connection attempt.
    with pytest.raises(StoreUnavailable):
        asyncio.run(check())


def test_a_failed_store_is_not_asked_again_on_every_request() -> None:
    store = RateLimitStore(down_uri(), swallow_errors=True)
    store.check(hits())
    assert store._is_down()


def test_the_429_is_json_for_json_clients() -> None:
    exc = RateLimitExceeded(description="1 per 1 minute", retry_after=30, as_json=True)
    headers = dict(exc.get_headers())
    assert headers["Content-Type"] == "application/json"
    assert headers["Retry-After"] == "30"
    assert '"retry_after": 30' in exc.get_body()
    html = RateLimitExceeded(description="1 per 1 minute")
    assert "1 per 1 minute" in html.get_body()


@pytest.mark.parametrize(
    ("message", "expected"),
    [("Slow down.", "Slow down."), (lambda: "Later.", "Later."), (None, "1 per 1 minute")],
    ids=["text", "callable", "none"],
)
def test_a_refusal_made_from_a_limit_is_described_by_it(message: Any, expected: str) -> None:
    limit = SimpleNamespace(limit=parse("1 per minute"), error_message=message)
    refusal = RateLimitExceeded(limit)
    assert refusal.description == expected
    assert refusal.limit is limit
    assert RateLimitExceeded(parse("1 per minute")).description == "Too many requests."


def test_without_fail_on_first_breach_the_longest_refusal_is_current() -> None:
    store = RateLimitStore(fail_on_first_breach=False)
    two = [Hit(parse("1 per hour"), ("a",)), Hit(parse("1 per second"), ("a",))]
    store.check(two)
    outcome = store.check(two, want_stats=False)
    # Counted shortest first: the second is breached first, the hour last.
    assert outcome.refused == [two[1], two[0]]
    assert outcome.breached is two[1]
    assert outcome.current is two[0]
    # Each refusal's window is read, even without stats asked for.
    assert all(stats is not None for _hit, stats in outcome.evaluated)


def test_without_fail_on_first_breach_every_limit_is_counted() -> None:
    store = RateLimitStore(fail_on_first_breach=False)
    two = [Hit(parse("1 per minute"), ("a",)), Hit(parse("1 per minute"), ("b",))]
    store.check(two)
    outcome = store.check(two, want_stats=False)
    assert outcome.breached is two[0]
    assert outcome.stats is not None  # a refusal always carries its window
    assert store.check([Hit(parse("5 per minute"), ("b",))]).breached is None


def test_no_hits_give_an_empty_outcome() -> None:
    outcome = RateLimitStore().check([])
    assert outcome.breached is None
    assert outcome.stats is None


def test_reset_forgets_the_counters_and_the_fallback_s_too() -> None:
    store = RateLimitStore()
    store.check(hits("1 per minute"))
    store.reset()
    assert store.check(hits("1 per minute")).breached is None
    fallback = RateLimitStore(down_uri(), fallback=True)
    fallback.check(hits("1 per minute"))
    with pytest.raises(Exception, match="Connection refused"):
        fallback.reset()
    assert fallback.check(hits("1 per minute")).breached is None


def test_other_network_stores_are_driven_from_a_thread_under_asyncio() -> None:
    # Memcached's client is not installed here; a store flagged as not
    # Redis takes the same path (its blocking client, in a thread).
    store = RateLimitStore(down_uri(), swallow_errors=True)
    store.is_redis = False
    outcome = asyncio.run(store.check_async(hits()))
    assert outcome.failed_open


def test_closing_a_loop_that_never_used_the_store_is_harmless() -> None:
    asyncio.run(RateLimitStore(REDIS_URI).aclose())


def test_the_429_page_is_html_by_default() -> None:
    exc = RateLimitExceeded()
    assert exc.description == "Too many requests."
    assert dict(exc.get_headers())["Content-Type"].startswith("text/html")
    assert "retry_after" not in RateLimitExceeded(as_json=True).get_body()


def test_connection_options_reach_the_async_pool(redis_prefix: str) -> None:
    store = RateLimitStore(
        REDIS_URI, storage_options={"key_prefix": redis_prefix, "socket_connect_timeout": 2}
    )

    async def check() -> int | float | None:
        outcome = await store.check_async(hits())
        assert outcome.breached is None
        pool = store._async[asyncio.get_running_loop()][1]
        timeout = pool.connection_kwargs["socket_connect_timeout"]
        await store.aclose()
        return timeout

    assert asyncio.run(check()) == 2


@pytest.mark.parametrize("driver", ["sync", "async"])
@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_clear_forgets_the_counts_of_the_hits_given(
    driver: str, backend: str, request: pytest.FixtureRequest
) -> None:
    uri, options = "memory://", {}
    if backend == "redis":
        uri, options = REDIS_URI, {"key_prefix": request.getfixturevalue("redis_prefix")}
    store = RateLimitStore(uri, strategy="moving-window", storage_options=options)
    mine, other = hits("2 per minute", "mine"), hits("2 per minute", "other")
    for _ in range(2):
        store.check(mine)
        store.check(other)

    async def clear_async() -> None:
        try:
            await store.clear_async(mine)
        finally:
            await store.aclose()

    if driver == "sync":
        store.clear(mine)
    else:
        asyncio.run(clear_async())
    assert store.check(mine).breached is None
    assert store.check(other).breached is not None


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_clear_on_a_store_that_is_down_logs_and_goes_on(
    driver: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RateLimitStore(down_uri())

    async def clear_async() -> None:
        try:
            await store.clear_async(hits())
        finally:
            await store.aclose()

    with caplog.at_level(logging.WARNING, logger="hipflask.ratelimit"):
        if driver == "sync":
            store.clear(hits())
        else:
            asyncio.run(clear_async())
    assert "failed" in caplog.text
