"""The remember-me cookie: signed, timestamped, and tied to one login.

Flask-Login's cookie holds the user id and an HMAC of it, valid for as long
as the secret key is, so a stolen cookie outlives the logout. Here the
cookie is itsdangerous-signed with a key derived from ``SECRET_KEY`` for
this purpose only (``SECRET_KEY_FALLBACKS`` still verify), carries its own
lifetime, and names the login it belongs to, so the registry ends it with
that login.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..errors import ConfigurationError
from ..security.keys import fallback_keys
from ..sessions.base import keeps_its_cookies

_SALT = "hipflask.login.remember"

#: What the remember-me cookie needs at the end of this request: "set" or "clear".
OPERATION = "_hipflask_remember"


def _serializer(config: Mapping[str, Any]) -> URLSafeTimedSerializer | None:
    secret = config.get("SECRET_KEY")
    if not secret:
        return None
    fallbacks = list(fallback_keys(config))
    return URLSafeTimedSerializer(
        [*fallbacks, secret],
        salt=_SALT,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )


def encode_remember_cookie(
    config: Mapping[str, Any],
    user_id: str,
    login_id: Any,
    generation: Any,
    seconds: float,
    password: Any = None,
) -> str | None:
    """The cookie value for a login, ``None`` without a secret key."""
    serializer = _serializer(config)
    if serializer is None:
        return None
    return serializer.dumps([user_id, login_id, generation, seconds, password])


def decode_remember_cookie(
    config: Mapping[str, Any], value: str
) -> tuple[str, Any, Any, Any] | None:
    """The (user id, login id, generation, password fingerprint) of a valid, unexpired cookie."""
    serializer = _serializer(config)
    if serializer is None:
        return None
    try:
        data, signed_at = serializer.loads(value, return_timestamp=True)
    except BadData:
        return None
    if not isinstance(data, list) or len(data) != 5 or not isinstance(data[0], str):
        return None
    lifetime = data[3]
    if not isinstance(lifetime, (int, float)) or time.time() - signed_at.timestamp() > lifetime:
        return None
    return data[0], data[1], data[2], data[4]


def duration_seconds(value: Any) -> float:
    """``REMEMBER_COOKIE_DURATION`` in seconds: a ``timedelta``, or an ``int`` of seconds.

    What Flask-Login takes. Anything else is refused, not converted: a
    string (``"123"``, from an environment variable) or a float is refused
    there too, and a ``True`` would be a one-second cookie.
    """
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise ConfigurationError(
        f"REMEMBER_COOKIE_DURATION must be a datetime.timedelta (or an int of seconds),"
        f" not {value!r}; set it like timedelta(days=14)."
    )


def longest_remember_seconds(value: Any) -> float:
    """``REMEMBER_COOKIE_DURATION`` in seconds, or ``0`` when it is not a duration.

    For what only needs to outlast a remember-me cookie (how long the login
    registry keeps a login). Flask-Login reads the setting only when it sets
    the cookie, so an app that never asks for one works whatever the
    setting holds; refusing it here would fail every request that loads a
    user. :func:`duration_seconds` refuses it where a cookie is set.
    """
    try:
        return duration_seconds(value)
    except ConfigurationError:
        return 0.0


def _renews(config: Mapping[str, Any], response: Any) -> bool:
    """Whether ``REMEMBER_COOKIE_REFRESH_EACH_REQUEST`` renews the cookie on this response.

    Only a cookie the request carried that names the session's own login,
    so a login made without ``remember=True`` never becomes a remembered
    one: not even in a shared browser still holding the cookie of the user
    before, which renewed for the new login would keep it signed in for the
    cookie's whole duration. As in Flask-Login, a page that never loaded the
    user renews it too, while the session holds a login; a cookie renewed
    for a login ended elsewhere is refused on use all the same, since it
    names that login. As with the session's own refresh, a response that
    sets or deletes the cookie itself, or one meant for caches (a static
    file), is left alone: the cookie would make it ``no-store``, downloaded
    again on every page.
    """
    name = config["REMEMBER_COOKIE_NAME"]
    cookie = request.cookies.get(name)
    if not cookie or keeps_its_cookies(response, name):
        return False
    loaded = g.get("_login_user")
    if loaded is not None and not getattr(loaded, "is_authenticated", False):
        return False
    if "_user_id" not in session:
        return False
    remembered = decode_remember_cookie(config, cookie)
    return remembered is not None and remembered[:2] == (
        str(session["_user_id"]),
        session.get("_login"),
    )


def update_remember_cookie(response: Any) -> Any:
    """Set or delete the cookie as ``login_user``/``logout_user`` asked this request."""
    operation = g.get(OPERATION)
    config = current_app.config
    if operation is None and config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"]:
        operation = "set" if _renews(config, response) else None
    if operation is None:
        return response
    name = config["REMEMBER_COOKIE_NAME"]
    secure = config["REMEMBER_COOKIE_SECURE"]
    options = {
        "path": config["REMEMBER_COOKIE_PATH"],
        "domain": config["REMEMBER_COOKIE_DOMAIN"],
        "secure": request.is_secure if secure is None else secure,
        "httponly": config["REMEMBER_COOKIE_HTTPONLY"],
        "samesite": config["REMEMBER_COOKIE_SAMESITE"],
    }
    if operation == "clear":
        response.delete_cookie(name, **options)
        return response
    seconds = session.get("_remember_seconds") or duration_seconds(
        config["REMEMBER_COOKIE_DURATION"]
    )
    value = encode_remember_cookie(
        config,
        str(session.get("_user_id")),
        session.get("_login"),
        session.get("_gen"),
        seconds,
        session.get("_pw"),
    )
    if value is not None and "_user_id" in session:
        response.set_cookie(name, value, max_age=int(seconds), **options)
    return response


__all__ = [
    "OPERATION",
    "decode_remember_cookie",
    "duration_seconds",
    "encode_remember_cookie",
    "longest_remember_seconds",
    "update_remember_cookie",
]
