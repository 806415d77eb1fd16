"""The demo's settings: safe embedded defaults, real servers from the environment.

``HIPFLASK_DATABASE_URL`` (an SQLAlchemy URL) moves the notes, and
``HIPFLASK_REDIS_URL`` moves sessions, rate-limit counters, live logins and
revoked tokens, to servers that several workers share. Without them the
database is ``notes.db`` in the instance folder and the stores live in the
process (sessions in files under the instance folder), which is right for
one process on one machine.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

#: A script may only run with this response's nonce; styles come from our own file.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": ["'self'", "{nonce}"],
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def secret_key(instance_path: str) -> str:
    """``HIPFLASK_SECRET_KEY``, or a random key kept in the instance folder.

    A development copy gets a strong key on its first run and keeps it, so
    logins survive a restart; a deployment sets the variable.
    """
    from_env = os.environ.get("HIPFLASK_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def build(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting of the app, for ``app.config.update``."""
    overrides = overrides or {}
    database = overrides.get("DATABASE_URL") or os.environ.get("HIPFLASK_DATABASE_URL")
    redis_url = overrides.get("REDIS_URL") or os.environ.get("HIPFLASK_REDIS_URL")
    prefix = overrides.get("STORE_PREFIX") or os.environ.get("NOTES_STORE_PREFIX", "notes:")
    config: dict[str, Any] = {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database or f"sqlite:///{Path(instance_path) / 'notes.db'}",
        "PERMANENT_SESSION_LIFETIME": timedelta(days=7),
        "SESSION_PERMANENT": True,
        "SESSION_KEY_PREFIX": f"{prefix}session:",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "CONTENT_SECURITY_POLICY": CONTENT_SECURITY_POLICY,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
        "JWT_BLOCKLIST_KEY_PREFIX": f"{prefix}jwt:",
        "LOGIN_REGISTRY_KEY_PREFIX": f"{prefix}login:",
        "RATELIMIT_KEY_PREFIX": f"{prefix}limit",
        "RATELIMIT_DEFAULT": "300 per minute",
        "OPENAPI_ENABLED": True,
        "OPENAPI_TITLE": "Notes API",
        "OPENAPI_VERSION": "1.0.0",
        # The one other site allowed to call the JSON API from a browser.
        "NOTES_API_ORIGIN": os.environ.get("NOTES_API_ORIGIN", "http://localhost:5173"),
        "NOTES_PER_PAGE": 5,
    }
    if redis_url:
        config.update(
            SESSION_TYPE="redis",
            SESSION_REDIS=redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            LOGIN_THROTTLE_STORAGE=redis_url,
            LOGIN_REGISTRY_STORE=redis_url,
            JWT_BLOCKLIST_STORE=redis_url,
        )
    else:
        config.update(
            SESSION_TYPE="filesystem",
            SESSION_FILE_DIR=str(Path(instance_path) / "sessions"),
        )
    config.update({k: v for k, v in overrides.items() if k.isupper()})
    return config
