"""A per-user rate-limited API for ``test_per_user_servers.py``, served as ``peruserapp:app``.

Built by a factory that runs twice, as a server that imports the app twice
does: the limit must still count each request once. The store comes from the
environment, so the test can point it at Redis under a prefix of its own.
"""

from __future__ import annotations

import os

from hipflask import Hipflask
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.limiter import Limiter

limiter = Limiter(key_func=lambda: get_jwt_identity())


def create_app() -> Hipflask:
    app = Hipflask(__name__)
    app.config["JWT_SECRET_KEY"] = "peruserapp-jwt-key-that-is-long-enough-0123"
    app.config["RATELIMIT_STORAGE_URI"] = os.environ.get("PERUSERAPP_STORAGE", "memory://")
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": os.environ.get("PERUSERAPP_PREFIX")}
    JWTManager(app)
    limiter.init_app(app)

    @app.post("/token/<name>")
    def token(name: str) -> str:
        return create_access_token(name)

    @app.get("/me")
    @jwt_required()
    @limiter.limit("2 per minute")
    def me() -> str:
        return str(get_jwt_identity())

    @app.get("/async-me")
    @jwt_required()
    @limiter.limit("2 per minute")
    async def async_me() -> str:
        return str(get_jwt_identity())

    return app


create_app()
app = create_app()
