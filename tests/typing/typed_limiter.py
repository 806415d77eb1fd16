"""Flask-Limiter's documented usage, strictly typed, through hipflask.limiter."""

from __future__ import annotations

from typing_extensions import assert_type

from hipflask import Blueprint
from hipflask import Flask
from hipflask import request
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter
from hipflask.limiter import RateLimitExceeded
from hipflask.limiter.util import get_remote_address

limiter = Limiter(
    get_remote_address,
    default_limits=["200 per day", "50 per hour"],
    storage_uri="memory://",
)
api = Blueprint("api", __name__)
limiter.limit("10/minute")(api)


def api_key() -> str:
    return request.headers.get("X-Api-Key", "") or get_remote_address()


@api.route("/search")
@limiter.limit("5/second", key_func=api_key, methods=["GET"])
def search() -> dict[str, str]:
    return {"q": request.args.get("q", "")}


def create_app() -> Flask:
    app = Flask(__name__)
    limiter.init_app(app)

    @app.route("/slow")
    @limiter.limit("1 per day")
    def slow() -> str:
        return "24"

    @app.route("/shared")
    @limiter.shared_limit("100/hour", scope="shared")
    def shared() -> str:
        return "shared"

    @app.route("/ping")
    @limiter.exempt
    def ping() -> str:
        return "pong"

    @app.route("/dynamic")
    @limiter.limit(lambda: "2/second", exempt_when=lambda: request.remote_addr == "127.0.0.1")
    def dynamic() -> tuple[str, int]:
        return "dynamic", 200

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> tuple[str, int]:
        return f"slow down: {error.description}", 429

    limiter.exempt(api, flags=ExemptionScope.DEFAULT)
    app.register_blueprint(api, url_prefix="/api")
    return app


@limiter.exempt
def health(verbose: bool) -> str:
    return "ok"


@limiter.exempt(flags=ExemptionScope.APPLICATION)
@limiter.limit("1/second")
def status(verbose: bool) -> str:
    return "ok"


# The decorators keep the view's type: the call is checked, the result is not Any.
assert_type(health(True), str)
assert_type(status(True), str)
assert_type(search(), dict[str, str])
