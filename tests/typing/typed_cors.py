"""Flask-CORS and Flask-Talisman's documented usage, strictly typed, through hipflask."""

from __future__ import annotations

from hipflask import Flask
from hipflask.cors import CORS
from hipflask.cors import cross_origin
from hipflask.talisman import Talisman

cors = CORS(resources={r"/api/*": {"origins": ["https://example.com"]}}, supports_credentials=True)
talisman = Talisman()


def create_app() -> Flask:
    app = Flask(__name__)
    cors.init_app(app)
    talisman.init_app(
        app,
        force_https=True,
        content_security_policy={"default-src": "'self'", "img-src": ["'self'", "data:"]},
        content_security_policy_nonce_in=["script-src"],
        strict_transport_security_max_age=31536000,
    )

    @app.route("/api/items")
    def items() -> dict[str, list[int]]:
        return {"items": [1, 2]}

    @app.route("/public")
    @cross_origin(origins="*", methods=["GET"], max_age=600)
    def public() -> str:
        return "public"

    @app.route("/embed")
    @talisman(frame_options="ALLOWFROM", frame_options_allow_from="https://example.com")
    def embed() -> str:
        return "embed"

    return app


def create_other_app() -> Flask:
    app = Flask(__name__)
    CORS(app)
    Talisman(app, content_security_policy=None)
    return app
