"""The ``JWT_*`` settings: Flask-JWT-Extended's names and defaults.

:class:`JWTManager.init_app <hipflask.jwt.JWTManager.init_app>` puts every
default into ``app.config`` with ``setdefault``, so ``app.config`` shows the
values in force. The few settings that are hipflask's own (the blocklist
store, key rotation) are listed in :data:`HIPFLASK_DEFAULTS`. :data:`config`
is the extension's object reading them by attribute, and
:class:`ClaimsEncoder` writes claims the way the app's ``jsonify`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

from ..contexts.globals import current_app
from ..errors import ConfigurationError
from ..json.provider import DefaultJSONProvider

#: Flask-JWT-Extended's settings, with its defaults except where a safer
#: one does not change what a correct app sees (``JWT_COOKIE_SECURE`` follows
#: the request's scheme when left ``None``; ``JWT_COOKIE_SAMESITE`` is Lax).
DEFAULTS: dict[str, Any] = {
    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
    "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
    "JWT_ALGORITHM": "HS256",
    "JWT_DECODE_ALGORITHMS": None,
    "JWT_SECRET_KEY": None,
    "JWT_PRIVATE_KEY": None,
    "JWT_PUBLIC_KEY": None,
    "JWT_TOKEN_LOCATION": ("headers",),
    "JWT_HEADER_NAME": "Authorization",
    "JWT_HEADER_TYPE": "Bearer",
    "JWT_QUERY_STRING_NAME": "jwt",
    "JWT_QUERY_STRING_VALUE_PREFIX": "",
    "JWT_JSON_KEY": "access_token",
    "JWT_REFRESH_JSON_KEY": "refresh_token",
    "JWT_ACCESS_COOKIE_NAME": "access_token_cookie",
    "JWT_REFRESH_COOKIE_NAME": "refresh_token_cookie",
    "JWT_ACCESS_COOKIE_PATH": "/",
    "JWT_REFRESH_COOKIE_PATH": "/",
    "JWT_COOKIE_SECURE": None,
    "JWT_COOKIE_DOMAIN": None,
    "JWT_COOKIE_SAMESITE": "Lax",
    "JWT_SESSION_COOKIE": True,
    "JWT_COOKIE_CSRF_PROTECT": True,
    "JWT_CSRF_METHODS": ("POST", "PUT", "PATCH", "DELETE"),
    "JWT_CSRF_IN_COOKIES": True,
    "JWT_CSRF_CHECK_FORM": False,
    "JWT_ACCESS_CSRF_COOKIE_NAME": "csrf_access_token",
    "JWT_REFRESH_CSRF_COOKIE_NAME": "csrf_refresh_token",
    "JWT_ACCESS_CSRF_COOKIE_PATH": "/",
    "JWT_REFRESH_CSRF_COOKIE_PATH": "/",
    "JWT_ACCESS_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_REFRESH_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_ACCESS_CSRF_FIELD_NAME": "csrf_token",
    "JWT_REFRESH_CSRF_FIELD_NAME": "csrf_token",
    "JWT_IDENTITY_CLAIM": "sub",
    "JWT_ERROR_MESSAGE_KEY": "msg",
    "JWT_DECODE_AUDIENCE": None,
    "JWT_ENCODE_AUDIENCE": None,
    "JWT_DECODE_ISSUER": None,
    "JWT_ENCODE_ISSUER": None,
    "JWT_DECODE_LEEWAY": 0,
    "JWT_ENCODE_NBF": True,
    "JWT_VERIFY_SUB": True,
}

#: hipflask's own settings: where revoked tokens are kept, the key id of the
#: signing key, and old keys that still verify (key rotation).
HIPFLASK_DEFAULTS: dict[str, Any] = {
    "JWT_BLOCKLIST_STORE": "memory://",
    "JWT_BLOCKLIST_KEY_PREFIX": "hipflask:jwt:",
    "JWT_KEY_ID": None,
    "JWT_SECRET_KEY_FALLBACKS": (),
    "JWT_PUBLIC_KEY_FALLBACKS": (),
}

_LOCATIONS = frozenset({"headers", "cookies", "query_string", "json"})


class JWTSetupError(ConfigurationError, RuntimeError):
    """A JWT setting is missing or malformed, or the app has no ``JWTManager``.

    Also a ``RuntimeError``, the class Flask-JWT-Extended raises for these
    mistakes, so ``except RuntimeError`` (or ``pytest.raises(RuntimeError)``)
    written for the extension still catches them.
    """


def leeway(config: Mapping[str, Any]) -> float:
    """``JWT_DECODE_LEEWAY`` in seconds: how long past ``exp`` a token still verifies."""
    value = seconds(setting(config, "JWT_DECODE_LEEWAY"), "JWT_DECODE_LEEWAY")
    return value or 0.0


def family_ttl(config: Mapping[str, Any]) -> float | None:
    """How long a revoked family is kept: a refresh token's lifetime and the leeway."""
    name = "JWT_REFRESH_TOKEN_EXPIRES"
    lifetime = seconds(setting(config, name), name)
    return None if lifetime is None else lifetime + leeway(config)


def seconds(value: Any, name: str) -> float | None:
    """A lifetime setting in seconds; ``False`` means the token never expires.

    Besides a ``timedelta`` and a number of seconds, Flask-JWT-Extended takes
    anything that can be added to a ``datetime`` (its documentation names
    ``dateutil.relativedelta``, for lifetimes in calendar months): such a
    value is measured from now.
    """
    if value is False or value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    now = datetime.now(timezone.utc)
    try:
        later = now + value
    except TypeError:
        later = None
    if isinstance(later, datetime):
        return (later - now).total_seconds()
    raise JWTSetupError(
        f"{name} must be a datetime.timedelta, a dateutil.relativedelta (or another value"
        f" that can be added to a datetime), a number of seconds, or False; got {value!r}."
    )


def token_locations(value: Any, source: str = "JWT_TOKEN_LOCATION") -> tuple[str, ...]:
    """Validate ``JWT_TOKEN_LOCATION`` (a name or a list of names).

    ``source`` names where the value came from in the error: the setting, or
    a view's ``jwt_required(locations=...)``.
    """
    names: Iterable[Any] = (value,) if isinstance(value, str) else value
    locations = tuple(names)
    unknown = [item for item in locations if item not in _LOCATIONS]
    if unknown or not locations:
        raise JWTSetupError(
            f"{source} has {unknown or 'nothing'}; use any of"
            " 'headers', 'cookies', 'query_string' and 'json'."
        )
    return locations


def setting(config: Mapping[str, Any], name: str) -> Any:
    """A setting's value, with its default when the app was set up elsewhere."""
    if name in config:
        return config[name]
    return DEFAULTS[name] if name in DEFAULTS else HIPFLASK_DEFAULTS[name]


#: ``max_age`` of a persistent token cookie (``JWT_SESSION_COOKIE = False``):
#: one year, Flask-JWT-Extended's value. Not the token's lifetime: the token
#: itself says when it stops verifying, and the cookie must outlive a token
#: with a long or no ``exp`` (an app may also refresh it in place).
PERSISTENT_COOKIE_MAX_AGE = 31540000


def csrf_methods(value: Any) -> list[str]:
    """``JWT_CSRF_METHODS`` as the double-submit check reads it, however the app wrote it.

    Upper or lower case, a list or one comma-separated string: a setting
    written ``["post"]`` must not switch the check off, which comparing with
    the request's upper-case method as written would do.
    """
    names = value.split(",") if isinstance(value, str) else value or ()
    return [str(name).strip().upper() for name in names]


class ClaimsEncoder(json.JSONEncoder):
    """Write what JSON lacks in claims and headers the way the app's ``jsonify`` does.

    Flask-JWT-Extended encodes tokens through the app's JSON provider, so a
    ``date``, ``Decimal`` or ``UUID`` in ``additional_claims`` (or a type a
    custom provider's ``default`` handles) goes into the token as it would
    go into a response; the stdlib encoder alone refuses them, and the login
    view making the token fails.
    """

    def default(self, o: Any) -> Any:
        hook = getattr(current_app.json, "default", DefaultJSONProvider.default)
        return hook(o)


class _Setting:
    """One ``JWT_*`` setting of the current app, read as an attribute."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return setting(current_app.config, self.name)


class _AppSettings:
    """Flask-JWT-Extended's ``config`` object: the current app's settings by attribute.

    Code written for the extension reads ``config.access_cookie_name``,
    ``config.jwt_in_cookies`` or ``config.decode_key`` from
    ``flask_jwt_extended.config``; each read looks at the current app, so it
    needs an application context, as there. The keys are the manager's: with
    no ``JWT_SECRET_KEY`` that is the key derived from ``SECRET_KEY``, never
    ``SECRET_KEY`` itself.
    """

    access_cookie_name = _Setting("JWT_ACCESS_COOKIE_NAME")
    access_cookie_path = _Setting("JWT_ACCESS_COOKIE_PATH")
    access_csrf_cookie_name = _Setting("JWT_ACCESS_CSRF_COOKIE_NAME")
    access_csrf_cookie_path = _Setting("JWT_ACCESS_CSRF_COOKIE_PATH")
    access_csrf_field_name = _Setting("JWT_ACCESS_CSRF_FIELD_NAME")
    access_csrf_header_name = _Setting("JWT_ACCESS_CSRF_HEADER_NAME")
    access_expires = _Setting("JWT_ACCESS_TOKEN_EXPIRES")
    algorithm = _Setting("JWT_ALGORITHM")
    cookie_csrf_protect = _Setting("JWT_COOKIE_CSRF_PROTECT")
    cookie_domain = _Setting("JWT_COOKIE_DOMAIN")
    cookie_samesite = _Setting("JWT_COOKIE_SAMESITE")
    cookie_secure = _Setting("JWT_COOKIE_SECURE")
    csrf_check_form = _Setting("JWT_CSRF_CHECK_FORM")
    csrf_in_cookies = _Setting("JWT_CSRF_IN_COOKIES")
    decode_audience = _Setting("JWT_DECODE_AUDIENCE")
    decode_issuer = _Setting("JWT_DECODE_ISSUER")
    encode_audience = _Setting("JWT_ENCODE_AUDIENCE")
    encode_issuer = _Setting("JWT_ENCODE_ISSUER")
    encode_nbf = _Setting("JWT_ENCODE_NBF")
    error_msg_key = _Setting("JWT_ERROR_MESSAGE_KEY")
    header_name = _Setting("JWT_HEADER_NAME")
    header_type = _Setting("JWT_HEADER_TYPE")
    identity_claim_key = _Setting("JWT_IDENTITY_CLAIM")
    json_key = _Setting("JWT_JSON_KEY")
    leeway = _Setting("JWT_DECODE_LEEWAY")
    query_string_name = _Setting("JWT_QUERY_STRING_NAME")
    query_string_value_prefix = _Setting("JWT_QUERY_STRING_VALUE_PREFIX")
    refresh_cookie_name = _Setting("JWT_REFRESH_COOKIE_NAME")
    refresh_cookie_path = _Setting("JWT_REFRESH_COOKIE_PATH")
    refresh_csrf_cookie_name = _Setting("JWT_REFRESH_CSRF_COOKIE_NAME")
    refresh_csrf_cookie_path = _Setting("JWT_REFRESH_CSRF_COOKIE_PATH")
    refresh_csrf_field_name = _Setting("JWT_REFRESH_CSRF_FIELD_NAME")
    refresh_csrf_header_name = _Setting("JWT_REFRESH_CSRF_HEADER_NAME")
    refresh_expires = _Setting("JWT_REFRESH_TOKEN_EXPIRES")
    refresh_json_key = _Setting("JWT_REFRESH_JSON_KEY")
    session_cookie = _Setting("JWT_SESSION_COOKIE")
    verify_sub = _Setting("JWT_VERIFY_SUB")

    #: The encoder tokens are written with (the app's JSON ``default``).
    json_encoder = ClaimsEncoder
    #: Methods no view decorator checks a token for (CORS preflights).
    exempt_methods = frozenset({"OPTIONS"})

    @property
    def token_location(self) -> tuple[str, ...]:
        return token_locations(setting(current_app.config, "JWT_TOKEN_LOCATION"))

    @property
    def jwt_in_cookies(self) -> bool:
        return "cookies" in self.token_location

    @property
    def jwt_in_headers(self) -> bool:
        return "headers" in self.token_location

    @property
    def jwt_in_json(self) -> bool:
        return "json" in self.token_location

    @property
    def jwt_in_query_string(self) -> bool:
        return "query_string" in self.token_location

    @property
    def csrf_request_methods(self) -> list[str]:
        """Upper case, and a comma-separated string split, as the check reads them."""
        return csrf_methods(setting(current_app.config, "JWT_CSRF_METHODS"))

    @property
    def cookie_max_age(self) -> int | None:
        """A browser-session cookie has none; otherwise the extension's one year."""
        if setting(current_app.config, "JWT_SESSION_COOKIE"):
            return None
        return PERSISTENT_COOKIE_MAX_AGE

    @property
    def is_asymmetric(self) -> bool:
        return not str(self.algorithm).upper().startswith("HS")

    @property
    def decode_algorithms(self) -> list[str]:
        return list(self._key_ring().algorithms)

    @property
    def encode_key(self) -> Any:
        return self._key_ring().signing_key

    @property
    def decode_key(self) -> Any:
        ring = self._key_ring()
        return ring.verifying.get(ring.signing_kid, ring.signing_key)

    def _key_ring(self) -> Any:
        # Looked up by its extension key rather than imported: the manager
        # module imports this one.
        manager = current_app.extensions.get("flask-jwt-extended")
        if manager is None:
            raise JWTSetupError(
                "This app has no JWTManager: create one with JWTManager(app) (or"
                " jwt.init_app(app)) before reading its keys."
            )
        return manager.key_ring(current_app.config)


#: Flask-JWT-Extended's ``from flask_jwt_extended.config import config``.
config = _AppSettings()


__all__ = [
    "DEFAULTS",
    "HIPFLASK_DEFAULTS",
    "PERSISTENT_COOKIE_MAX_AGE",
    "ClaimsEncoder",
    "JWTSetupError",
    "config",
    "csrf_methods",
    "seconds",
    "setting",
    "token_locations",
]
