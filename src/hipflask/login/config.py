"""Login settings: Flask-Login's names, plus the registry and throttling ones.

Where Flask-Login's default would leave a hole, the default here closes it
without changing what a correct app sees: the remember-me cookie is
``Secure`` over HTTPS (``REMEMBER_COOKIE_SECURE = None`` follows the request)
and ``SameSite=Lax``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

DEFAULTS: dict[str, Any] = {
    "REMEMBER_COOKIE_NAME": "remember_token",
    "REMEMBER_COOKIE_DURATION": timedelta(days=365),
    "REMEMBER_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_PATH": "/",
    "REMEMBER_COOKIE_DOMAIN": None,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
    "USE_SESSION_FOR_NEXT": False,
    "LOGIN_DISABLED": False,
    # Where live logins are kept (a store URL, a store, or None for none).
    "LOGIN_REGISTRY_STORE": "memory://",
    "LOGIN_REGISTRY_KEY_PREFIX": "hipflask:login:",
    # The user attribute holding the password hash: a changed hash ends the
    # user's other logins (None turns the check off).
    "LOGIN_PASSWORD_ATTRIBUTE": "password_hash",
    # Failed logins allowed per submitted user name and per client address
    # (limits' notation), and where the counts live (limits' storage URL).
    "LOGIN_THROTTLE": True,
    "LOGIN_THROTTLE_PER_USER": "5/minute",
    "LOGIN_THROTTLE_PER_ADDRESS": "20/minute",
    "LOGIN_THROTTLE_STORAGE": "memory://",
    "LOGIN_THROTTLE_USER_FIELDS": ("username", "email", "login", "user"),
}

__all__ = ["DEFAULTS"]
