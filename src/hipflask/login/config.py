"""Login settings: Flask-Login's names, plus the registry and throttling ones.

Where Flask-Login's default would leave a hole, the default here closes it
without changing what a correct app sees: the remember-me cookie is
``Secure`` over HTTPS (``REMEMBER_COOKIE_SECURE = None`` follows the request)
and ``SameSite=Lax``.

The module-level constants are Flask-Login's (``flask_login.config``), for
code that imports them; the values an app runs with are its config keys
(:data:`DEFAULTS`), whose defaults the constants mirror.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

#: The remember-me cookie's default name.
COOKIE_NAME = "remember_token"
#: How long the remember-me cookie lasts.
COOKIE_DURATION = timedelta(days=365)
#: ``None``: ``Secure`` whenever the request came over HTTPS (Flask-Login: ``False``).
COOKIE_SECURE: bool | None = None
#: The remember-me cookie is out of reach of scripts.
COOKIE_HTTPONLY = True
#: ``Lax`` stops the cookie riding on cross-site POSTs (Flask-Login: ``None``).
COOKIE_SAMESITE: str | None = "Lax"
#: Flashed when an anonymous visitor is sent to the login view.
LOGIN_MESSAGE = "Please log in to access this page."
LOGIN_MESSAGE_CATEGORY = "message"
#: Flashed when a stale login is sent to the refresh view.
REFRESH_MESSAGE = "Please reauthenticate to access this page."
REFRESH_MESSAGE_CATEGORY = "message"
#: The user method giving the id stored in the session.
ID_ATTRIBUTE = "get_id"
#: The header the deprecated ``header_loader`` reads (``AUTH_HEADER_NAME`` setting).
AUTH_HEADER_NAME = "Authorization"
#: The session keys a login owns; logging out clears the whole session anyway.
SESSION_KEYS = frozenset(
    {"_user_id", "_fresh", "_id", "_login", "_gen", "_pw", "_remember_seconds", "next"}
)
#: Methods that never need a login (CORS preflights). A set, as in
#: Flask-Login: an app may add to it (``EXEMPT_METHODS.add("HEAD")``).
EXEMPT_METHODS = {"OPTIONS"}
#: Keep ``next`` in the session instead of the login URL's query.
USE_SESSION_FOR_NEXT = False

DEFAULTS: dict[str, Any] = {
    "REMEMBER_COOKIE_NAME": COOKIE_NAME,
    "REMEMBER_COOKIE_DURATION": COOKIE_DURATION,
    "REMEMBER_COOKIE_SECURE": COOKIE_SECURE,
    "REMEMBER_COOKIE_HTTPONLY": COOKIE_HTTPONLY,
    "REMEMBER_COOKIE_PATH": "/",
    "REMEMBER_COOKIE_DOMAIN": None,
    "REMEMBER_COOKIE_SAMESITE": COOKIE_SAMESITE,
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
    "USE_SESSION_FOR_NEXT": USE_SESSION_FOR_NEXT,
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
    # The counts' keys start with it: apps sharing one storage server keep
    # their counts apart by giving each its own.
    "LOGIN_THROTTLE_KEY_PREFIX": "hipflask-login",
    "LOGIN_THROTTLE_USER_FIELDS": ("username", "email", "login", "user"),
}

__all__ = [
    "AUTH_HEADER_NAME",
    "COOKIE_DURATION",
    "COOKIE_HTTPONLY",
    "COOKIE_NAME",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "DEFAULTS",
    "EXEMPT_METHODS",
    "ID_ATTRIBUTE",
    "LOGIN_MESSAGE",
    "LOGIN_MESSAGE_CATEGORY",
    "REFRESH_MESSAGE",
    "REFRESH_MESSAGE_CATEGORY",
    "SESSION_KEYS",
    "USE_SESSION_FOR_NEXT",
]
