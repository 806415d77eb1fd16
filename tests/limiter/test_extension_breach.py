"""Limiter: what a breach answers: the 429, its headers, on_breach, error handlers."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from tests.limiter.limited_requests import statuses
from werkzeug.http import parse_date

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.limiter import HeaderNames
from hipflask.limiter import Limiter
from hipflask.limiter import RateLimitExceeded
from hipflask.limiter.util import get_remote_address


def test_the_429_has_retry_after_and_rate_limit_headers(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    first = client.get("/")
    assert first.headers["X-RateLimit-Limit"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    refused = client.get("/")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "1 per 1 minute" in refused.get_data(as_text=True)


def test_the_429_is_json_for_a_json_client(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.post("/api")
    @limiter.limit("1 per minute", error_message="Slow down.")
    def api() -> Any:
        return jsonify(ok=True)

    client.post("/api", json={})
    refused = client.post("/api", json={}, headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Slow down."


def test_the_429_chosen_by_accept_varies_on_what_chose_it(app: Hipflask, client: Any) -> None:
    # JSON or HTML is chosen from Accept and the body's type: a shared cache
    # must not hand one client's JSON refusal to a browser.
    limiter = Limiter(get_remote_address, app=app)

    @app.post("/api")
    @limiter.limit("1 per minute")
    def api() -> Any:
        return jsonify(ok=True)

    client.post("/api", json={})
    as_json = client.post("/api", json={}, headers={"Accept": "application/json"})
    as_html = client.post("/api", data={"a": "1"}, headers={"Accept": "text/html"})
    for refused in (as_json, as_html):
        assert refused.status_code == 429
        varies = {name.strip().lower() for name in refused.headers["Vary"].split(",")}
        assert {"accept", "content-type"} <= varies
    assert as_json.mimetype == "application/json"
    assert as_html.mimetype == "text/html"


def test_a_429_the_app_raises_itself_does_not_vary(app: Hipflask, client: Any) -> None:
    @app.get("/")
    def index() -> str:
        raise RateLimitExceeded(description="Later.")

    refused = client.get("/")
    assert refused.status_code == 429
    assert "accept" not in refused.headers.get("Vary", "").lower()


def test_header_names_follow_the_settings(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_HEADER_LIMIT"] = "RateLimit-Limit"
    Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert response.headers["RateLimit-Limit"] == "5"
    assert "X-RateLimit-Limit" not in response.headers


def test_on_breach_can_answer_instead_of_the_429(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, on_breach=lambda limit: ("custom", 429, {"X-Breach": "1"}))

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.headers["X-Breach"] == "1"
    assert refused.get_data(as_text=True) == "custom"


def test_an_error_handler_for_429_receives_the_limit(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.errorhandler(429)
    def too_many(exc: RateLimitExceeded) -> Any:
        return f"limited: {exc.description}", 429

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    client.get("/")
    assert client.get("/").get_data(as_text=True) == "limited: 1 per 1 minute"


def test_retry_after_can_be_an_http_date(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, retry_after="http-date")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    assert client.get("/").headers["Retry-After"].endswith("GMT")


def test_an_http_date_retry_after_is_the_reset_and_never_early(
    app: Hipflask, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half a second into a second: a date that drops the fraction of the
    # window's reset (one minute on) names a moment before it.
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.5)
    limiter = Limiter(app, retry_after="http-date")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    retry = parse_date(refused.headers["Retry-After"])
    assert retry is not None
    assert retry.timestamp() == 1_800_000_061
    assert refused.headers["X-RateLimit-Reset"] == "1800000061"


@pytest.mark.parametrize("form", ["delta-seconds", "http-date"])
def test_a_later_retry_after_set_by_the_app_s_handler_is_kept(
    app: Hipflask, client: Any, form: str
) -> None:
    limiter = Limiter(app, retry_after=form, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.errorhandler(429)
    def locked_out(e: RateLimitExceeded) -> Any:
        answer = jsonify(error="locked out for two hours")
        answer.status_code = 429
        answer.headers["Retry-After"] = "7200"
        return answer

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    retry = refused.headers["Retry-After"]
    if form == "http-date":
        announced = parse_date(retry)
        assert announced is not None
        wait = announced.timestamp() - time.time()
    else:
        wait = int(retry)
    assert 7190 < wait <= 7201
    assert limiter.enabled


def test_current_limit_describes_the_request_s_window(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    seen: list[Any] = []

    @app.get("/")
    @limiter.limit("3 per minute")
    def index() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    @app.get("/unlimited")
    @limiter.exempt
    def unlimited() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    client.get("/")
    client.get("/unlimited")
    current = seen[0]
    assert (current.remaining, current.breached) == (2, False)
    assert current.reset_at > 0
    assert seen[1] is None


def test_a_fetch_with_a_json_body_and_any_accept_gets_json(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.post("/api")
    @limiter.limit("1 per minute")
    def api() -> str:
        return "ok"

    client.post("/api", json={}, headers={"Accept": "*/*"})
    refused = client.post("/api", json={}, headers={"Accept": "*/*"})
    assert refused.is_json
    browser = client.post("/api", data={"a": "b"}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/html"


def test_an_on_breach_callback_that_returns_nothing_keeps_the_429(
    app: Hipflask, client: Any
) -> None:
    breaches: list[Any] = []
    limiter = Limiter(app, on_breach=breaches.append)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 2) == [200, 429]
    assert breaches[0].breached


@pytest.mark.parametrize(
    ("returned", "status", "body"),
    [
        ("over the limit", 429, "over the limit"),
        ({"error": "slow down"}, 429, '{"error":"slow down"}'),
        (("teapot", 418), 418, "teapot"),
        (True, 429, None),
    ],
    ids=["str", "dict", "tuple-with-status", "not-a-response"],
)
def test_an_on_breach_value_without_a_status_keeps_the_429(
    app: Hipflask, client: Any, returned: Any, status: int, body: str | None
) -> None:
    # A refused client must never read a 200, and a value that is no
    # response at all is ignored (as Flask-Limiter ignores it), not a 500.
    limiter = Limiter(app, on_breach=lambda limit: returned)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == status
    if body is not None:
        assert refused.get_data(as_text=True).strip() == body


def failing_callback(limit: Any) -> None:
    raise ZeroDivisionError("the callback's own bug")


def test_a_failing_on_breach_callback_is_logged_when_errors_are_swallowed(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The app chose to fail open: a bug in its callback must not turn the
    # refusal into a 500, nor let the request through.
    limiter = Limiter(app, swallow_errors=True)

    @app.get("/")
    @limiter.limit("1 per minute", on_breach=failing_callback)
    def index() -> str:
        return "ok"

    with caplog.at_level("ERROR", logger="hipflask.limiter"):
        assert statuses(client, "/", 2) == [200, 429]
    assert "on_breach callback failed" in caplog.text


def test_a_breach_is_logged_on_the_limiter_s_logger(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app)
    assert limiter.logger is logging.getLogger("hipflask.limiter")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    with caplog.at_level("INFO", logger="hipflask.limiter"):
        assert statuses(client, "/", 2) == [200, 429]
    [record] = [r for r in caplog.records if "exceeded" in r.getMessage()]
    assert record.levelname == "INFO"
    assert "1 per 1 minute" in record.getMessage()
    assert "index" in record.getMessage()


def test_a_failing_on_breach_callback_raises_when_errors_are_not_swallowed(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, swallow_errors=False)

    @app.get("/")
    @limiter.limit("1 per minute", on_breach=failing_callback)
    def index() -> str:
        return "ok"

    assert client.get("/").status_code == 200
    # A bug of the app's, surfaced as any other (TESTING propagates it).
    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_headers_describe_the_smallest_unit_of_the_route_s_limits(
    app: Hipflask, client: Any
) -> None:
    # Flask-Limiter's choice: the route's own limits before shared ones (an
    # application limit), then the smallest unit, the first of equal ones.
    Limiter(app, default_limits=["500 per day", "30 per minute"], application_limits=["9/second"])

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert response.headers["X-RateLimit-Limit"] == "30"
    assert response.headers["X-RateLimit-Remaining"] == "29"


def test_both_on_breach_callbacks_run_the_limiter_s_first(app: Hipflask, client: Any) -> None:
    calls: list[str] = []

    def everywhere(limit: Any) -> Any:
        calls.append("limiter")
        return "from the limiter", 420

    limiter = Limiter(get_remote_address, app=app, on_breach=everywhere)

    @app.get("/x")
    @limiter.limit("1/minute", on_breach=lambda limit: calls.append("limit"))
    def x() -> str:
        return "ok"

    @app.get("/y")
    @limiter.limit("1/minute", on_breach=lambda limit: ("from the limit", 421))
    def y() -> str:
        return "ok"

    @app.get("/z")
    @limiter.limit("1/minute", on_breach=everywhere)
    def z() -> str:
        return "ok"

    client.get("/x")
    refused = client.get("/x")
    assert (refused.status_code, refused.get_data(as_text=True)) == (420, "from the limiter")
    assert calls == ["limiter", "limit"]
    client.get("/y")
    assert client.get("/y").status_code == 421  # the later answer wins
    calls.clear()
    client.get("/z")
    client.get("/z")
    assert calls == ["limiter"]  # the same callback, once


def test_an_error_handler_reads_the_breached_limit_after_on_breach(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"])
    seen: list[RateLimitExceeded] = []

    @app.errorhandler(429)
    def too_many(exc: RateLimitExceeded) -> Any:
        seen.append(exc)
        return f"handler: {exc.description} / {exc.limit.limit}", 429

    @app.get("/x")
    @limiter.limit("1/minute", on_breach=lambda limit: ("from on_breach", 418))
    def x() -> str:
        return "ok"

    @app.get("/y")
    @limiter.limit("1/minute", error_message="custom msg", on_breach=lambda limit: ("no", 418))
    def y() -> str:
        return "ok"

    @app.get("/d")
    def d() -> str:
        return "ok"

    for path in ("/x", "/y", "/d"):
        client.get(path)
    # As under Flask-Limiter, the app's handler wins over on_breach's answer.
    assert client.get("/x").get_data(as_text=True) == "handler: 1 per 1 minute / 1 per 1 minute"
    assert client.get("/y").get_data(as_text=True) == "handler: custom msg / 1 per 1 minute"
    # A default limit, counted at the gate, raises the same exception.
    assert client.get("/d").get_data(as_text=True) == "handler: 1 per 1 minute / 1 per 1 minute"
    breached = seen[1].limit
    assert (breached.breached, breached.error_message, breached.item) == (
        True,
        "custom msg",
        breached.limit,
    )
    assert "127.0.0.1" in breached.key
    assert breached.shared is False


def test_current_limit_says_whether_the_budget_is_shared(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)
    seen: list[Any] = []

    @app.get("/shared")
    @limiter.shared_limit("3/minute", scope="group")
    def shared() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    @app.get("/own")
    @limiter.limit("3/minute")
    def own() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    client.get("/shared")
    client.get("/own")
    assert [limit.shared for limit in seen] == [True, False]


@pytest.mark.parametrize("how", ["mapping", "setting"])
def test_a_renamed_retry_after_replaces_the_standard_one(
    app: Hipflask, client: Any, how: str
) -> None:
    if how == "mapping":
        limiter = Limiter(
            get_remote_address,
            app=app,
            header_name_mapping={HeaderNames.RETRY_AFTER: "X-Retry-In"},
        )
    else:
        app.config["RATELIMIT_HEADER_RETRY_AFTER"] = "X-Retry-In"
        limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["X-Retry-In"]) <= 60
    assert "Retry-After" not in refused.headers


def test_a_breach_callback_reads_the_window_as_flask_limiter_gives_it(
    app: Hipflask, client: Any
) -> None:
    windows: list[Any] = []

    def on_breach(limit: Any) -> None:
        windows.append(limit.window)

    limiter = Limiter(app, on_breach=on_breach)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    before = time.time()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 429
    after = time.time()
    reset_time, remaining = windows[0]
    assert remaining == 0
    # Within the minute's window from the first hit (between before and
    # after), announced on a whole second: rounded up by less than one.
    assert before < reset_time < after + 61
    assert reset_time == int(reset_time)
