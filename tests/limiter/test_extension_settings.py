"""Limiter: settings, keys and limit callables, and what bad values of them do."""

from __future__ import annotations

import logging
from typing import Any

import limits.errors
import pytest
from tests.limiter.limited_requests import statuses

from hipflask import Hipflask
from hipflask import request
from hipflask.errors import ConfigurationError
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter
from hipflask.limiter import MetaLimit
from hipflask.limiter.util import get_remote_address


@pytest.mark.parametrize(
    "settings",
    [
        {"RATELIMIT_STRATEGY": "leaky-bucket"},
        {"RATELIMIT_STORAGE_URI": "nosuch://x"},
        {"RATELIMIT_STORAGE_URI": "async+memory://"},
    ],
    ids=["strategy", "storage", "async-storage"],
)
def test_a_setting_limits_refuses_raises_its_configuration_error(
    app: Hipflask, settings: dict[str, str]
) -> None:
    # Flask-Limiter lets limits.errors.ConfigurationError out for these; code
    # catching it keeps working, and it is hipflask's ConfigurationError too.
    app.config.update(settings)
    with pytest.raises(limits.errors.ConfigurationError, match="RATELIMIT_") as refused:
        Limiter(get_remote_address, app=app)
    assert isinstance(refused.value, ConfigurationError)


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_limit_string_limits_cannot_parse_is_a_value_error(app: Hipflask, setting: str) -> None:
    app.config[setting] = "lots"
    with pytest.raises(ValueError, match="not a rate limit") as refused:
        Limiter(get_remote_address, app=app)
    assert isinstance(refused.value, ConfigurationError)


def test_a_bad_limit_string_fails_at_declaration(app: Hipflask) -> None:
    limiter = Limiter(app)
    with pytest.raises(ConfigurationError, match="not a rate limit"):
        limiter.limit("lots")


def test_forged_x_forwarded_for_from_an_untrusted_peer_changes_nothing(
    app: Hipflask, client: Any
) -> None:
    Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    codes = [
        client.get("/", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_a_trusted_proxy_s_address_is_the_key(app: Hipflask, client: Any) -> None:
    app.config["PROXY_FIX"] = 1
    Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    first = client.get("/", headers={"X-Forwarded-For": "203.0.113.1"})
    second = client.get("/", headers={"X-Forwarded-For": "203.0.113.2"})
    again = client.get("/", headers={"X-Forwarded-For": "203.0.113.1"})
    assert [first.status_code, second.status_code, again.status_code] == [200, 200, 429]


def test_settings_configure_a_limiter_created_before_the_app(app: Hipflask, client: Any) -> None:
    limiter = Limiter(key_func=lambda: "everyone")
    app.config.update(
        RATELIMIT_DEFAULT="2 per minute",
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_KEY_PREFIX="myapp",
        RATELIMIT_IN_MEMORY_FALLBACK="1 per minute",
    )
    limiter.init_app(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    first = client.get("/")
    assert "X-RateLimit-Limit" not in first.headers
    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert any(key.startswith("LIMITER/myapp/everyone/") for key in limiter.storage.storage)


def test_a_limit_setting_may_be_a_callable_or_a_limit_object(app: Hipflask, client: Any) -> None:
    budget = {"default": "2 per minute"}
    app.config.update(
        RATELIMIT_DEFAULT=lambda: budget["default"],
        RATELIMIT_APPLICATION=lambda: "10 per minute",
        RATELIMIT_META=MetaLimit("1 per hour"),
    )
    Limiter(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]
    # The one breach spent the meta budget: refused whatever the limit now.
    budget["default"] = "100 per minute"
    assert client.get("/").status_code == 429


def test_default_limits_accept_limit_objects(app: Hipflask, client: Any) -> None:
    from hipflask.limiter import Limit

    Limiter(app, default_limits=[Limit("1 per minute", key_function=lambda: "one-bucket")])

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 2) == [200, 429]


def test_a_key_func_with_no_key_skips_the_limit(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/keyed")
    @limiter.limit("1 per minute", key_func=lambda: request.headers.get("X-Api-Key"))
    def keyed() -> str:
        return "ok"

    # Clients without a key are not lumped together under one empty key.
    assert statuses(client, "/keyed", 3) == [200, 200, 200]
    assert statuses(client, "/keyed", 3, headers={"X-Api-Key": ""}) == [200, 200, 200]
    assert statuses(client, "/keyed", 2, headers={"X-Api-Key": "k1"}) == [200, 429]


@pytest.mark.parametrize("value", ["garbage", "-1/second", "5 per fortnight"])
def test_a_callable_limit_returning_garbage_counts_the_defaults(
    app: Hipflask, client: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/dyn")
    @limiter.limit(lambda: request.args.get("l", "5/minute"))
    def dyn() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        assert statuses(client, "/dyn", 3, query_string={"l": value}) == [200, 200, 429]
    assert "is not a rate limit" in caplog.text


def test_a_bad_limit_callable_gives_way_to_the_defaults_once(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])

    @app.get("/beside")
    @limiter.limit(lambda: "garbage")
    @limiter.limit("100 per minute", override_defaults=False)
    def beside() -> str:
        return "ok"

    @app.get("/two-bad")
    @limiter.limit(lambda: "garbage")
    @limiter.limit(lambda: "nonsense")
    def two_bad() -> str:
        return "ok"

    @app.get("/overridden")
    @limiter.limit(lambda: "garbage")
    @limiter.limit("5 per minute")
    def overridden() -> str:
        return "ok"

    @app.get("/exempt")
    @limiter.exempt(flags=ExemptionScope.DEFAULT)
    @limiter.limit(lambda: "garbage")
    def exempt() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        # The defaults, counted once, whatever else the view declares.
        assert statuses(client, "/beside", 4) == [200, 200, 200, 429]
        assert statuses(client, "/two-bad", 4) == [200, 200, 200, 429]
        # A valid limit that replaces the defaults keeps doing so.
        assert statuses(client, "/overridden", 6) == [200] * 5 + [429]
        # Exempt from the defaults: nothing stands in for the bad limit.
        assert statuses(client, "/exempt", 5) == [200] * 5
    assert "is not a rate limit" in caplog.text


@pytest.mark.parametrize("kind", ["application_limits", "default_limits", "meta_limits"])
def test_a_default_application_or_meta_limit_callable_giving_garbage_raises(
    app: Hipflask, client: Any, kind: str
) -> None:
    # Flask-Limiter lets the parse error out (a 500 on every request):
    # nothing stands in for such a limit, and skipping it would leave every
    # route without one. The error says which callable gave what.
    def plan() -> str:
        return "garbage"

    Limiter(app, **{kind: [plan]})

    @app.get("/")
    def index() -> str:
        return "ok"

    with pytest.raises(ValueError, match=r"callable .*plan returned 'garbage'") as refused:
        client.get("/")
    assert isinstance(refused.value, ConfigurationError)
    app.testing = False
    assert client.get("/").status_code == 500


def test_swallow_errors_logs_and_skips_a_bad_application_limit_callable(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    Limiter(
        app,
        default_limits=["2 per minute"],
        application_limits=[lambda: "garbage"],
        swallow_errors=True,
    )

    @app.get("/a")
    def a() -> str:
        return "a"

    @app.get("/b")
    def b() -> str:
        return "b"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        paths = ("/a", "/b", "/a", "/b", "/a")
        assert [client.get(p).status_code for p in paths] == [200, 200, 200, 200, 429]
    assert "is not a rate limit" in caplog.text


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_value_from_a_limit_callable_is_no_limit_for_the_request(
    app: Hipflask, client: Any, value: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    # A plan without limits, as Flask-Limiter reads an empty value: neither
    # an error nor a log line.
    def plan() -> Any:
        return value

    limiter = Limiter(app, default_limits=["2 per minute"], application_limits=[plan])

    @app.get("/own")
    @limiter.limit(plan)
    def own() -> str:
        return "own"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        assert statuses(client, "/own", 3) == [200, 200, 429]
    assert caplog.records == []
