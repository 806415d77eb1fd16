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
