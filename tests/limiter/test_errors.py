"""``flask_limiter.errors``: the refusal's class, importable where Flask-Limiter keeps it."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.limiter import Limiter
from hipflask.limiter import RateLimitExceeded as PackageRateLimitExceeded
from hipflask.limiter.errors import RateLimitExceeded


def test_the_module_holds_the_package_s_class() -> None:
    assert RateLimitExceeded is PackageRateLimitExceeded


def test_a_handler_registered_for_the_class_answers_the_refusal(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Any:
        return jsonify(error="slow down", limit=str(error.limit.limit)), 429

    @app.get("/")
    def index() -> str:
        return "ok"

    assert client.get("/").status_code == 200
    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.get_json() == {"error": "slow down", "limit": "1 per 1 minute"}
    assert limiter.enabled


def test_a_refusal_raised_by_the_app_is_described_by_its_limit(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/")
    @limiter.limit("5 per minute", error_message=lambda: "Wait a minute.")
    def index() -> str:
        # An app refusing by itself, with the limit the request counted against.
        raise RateLimitExceeded(limiter.current_limit)

    @app.get("/plain")
    @limiter.limit("5 per minute")
    def plain() -> str:
        raise RateLimitExceeded(limiter.current_limit)

    refused = client.get("/")
    assert refused.status_code == 429
    assert "Wait a minute." in refused.get_data(as_text=True)
    assert "5 per 1 minute" in client.get("/plain").get_data(as_text=True)


def test_a_refusal_raised_by_the_app_may_carry_its_response(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/")
    @limiter.limit("5 per minute")
    def index() -> str:
        answer = jsonify(error="busy")
        answer.status_code = 429
        raise RateLimitExceeded(limiter.current_limit, answer)

    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.get_json() == {"error": "busy"}


def test_the_breached_limit_s_key_func_is_the_one_that_counted(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/keyed")
    @limiter.limit("1 per minute", key_func=lambda: "by-header")
    def keyed() -> str:
        return "ok"

    @app.errorhandler(429)
    def too_many(error: RateLimitExceeded) -> Any:
        # Who was refused, as a handler written for Flask-Limiter logs it.
        return jsonify(key=error.limit.key_func(), meta=list(error.limit.meta_limits)), 429

    for path, key in (("/", "127.0.0.1"), ("/keyed", "by-header")):
        client.get(path)
        refused = client.get(path)
        assert refused.status_code == 429
        assert refused.get_json() == {"key": key, "meta": []}
