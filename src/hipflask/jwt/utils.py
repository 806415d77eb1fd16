"""Making tokens, reading the current one, and the cookie helpers.

Tokens made during one request share a family id (see
:mod:`hipflask.jwt.blocklist`); a refresh token made in a view that was
called with a refresh token continues that token's family and marks it used.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.local import LocalProxy

from ..contexts.ctx import has_request_context
from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from . import blocklist
from .config import PERSISTENT_COOKIE_MAX_AGE
from .config import family_ttl
from .config import leeway
from .config import setting
from .jwt_manager import PENDING
from .jwt_manager import get_jwt_manager
from .tokens import FAMILY_CLAIM
from .tokens import decode
from .tokens import encode
from .tokens import unverified_header
from .view_decorators import STATE
from .view_decorators import check_csrf

if TYPE_CHECKING:
    from .typing import ExpiresDelta
    from .typing import Fresh

_FAMILY = "_hipflask_jwt_family"
#: Set once the request's refresh token is queued to be marked used.
_ROTATED = "_hipflask_jwt_rotated"


def _state() -> dict[str, Any]:
    state: dict[str, Any] | None = g.get(STATE)
    if state is None:
        raise RuntimeError(
            "No JWT was checked in this request: call verify_jwt_in_request() or decorate"
            " the view with @jwt_required() before reading the token."
        )
    return state


def _write(store: Any, flow: Any) -> None:
    """Write to the blocklist now, or, in a request, just before the response leaves.

    The manager's gate finisher performs the writes of a request, awaiting
    the store under ASGI, so an ``async def`` view never blocks the event
    loop on Redis; the response (and so the client's next request) cannot
    overtake them.
    """
    if has_request_context():
        pending: list[Any] = g.setdefault(PENDING, [])
        pending.append((store, flow))
    else:
        blocklist.run(store, flow)


def get_jwt() -> dict[str, Any]:
    """The claims of the request's token (empty for an optional view without one)."""
    return dict(_state()["data"])


def get_jwt_header() -> dict[str, Any]:
    """The JOSE header of the request's token."""
    return dict(_state()["header"])


def get_jwt_identity() -> Any:
    """The identity (``sub`` claim) of the request's token, ``None`` without one."""
    return _state()["data"].get(setting(current_app.config, "JWT_IDENTITY_CLAIM"))


def get_jwt_request_location() -> str | None:
    """Where the token was found: ``"headers"``, ``"cookies"``, ``"query_string"``, ``"json"``.

    ``None`` when no token was checked in this request (a public view, an
    optional one without a token), not an error as for :func:`get_jwt`:
    Flask-JWT-Extended answers ``None``, and code that logs the location
    from an ``after_request`` hook runs for every view, protected or not.
    """
    state: dict[str, Any] | None = g.get(STATE)
    if state is None:
        return None
    location: str | None = state["location"]
    return location


def get_current_user() -> Any:
    """The user ``user_lookup_loader`` returned for the request's token."""
    state = _state()
    if state["data"] and get_jwt_manager()._user_lookup is None:
        raise RuntimeError(
            "current_user needs a user_lookup_loader: decorate a function"
            " (jwt_header, jwt_data) -> user with @jwt.user_lookup_loader."
        )
    return state["user"]


#: The user of the request's token, through ``user_lookup_loader``.
current_user: Any = LocalProxy(get_current_user)


def _family() -> str | None:
    if not has_request_context():
        return None
    state = g.get(STATE)
    if state and isinstance(state["data"].get(FAMILY_CLAIM), str):
        return str(state["data"][FAMILY_CLAIM])
    family: str | None = g.get(_FAMILY)
    if family is None:
        family = str(uuid.uuid4())
        setattr(g, _FAMILY, family)
    return family


def create_access_token(
    identity: Any,
    fresh: Fresh = False,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
) -> str:
    """A signed access token for ``identity``.

    :param fresh: ``True`` right after a password check; a ``timedelta`` keeps
        it fresh for that long.
    :param expires_delta: overrides ``JWT_ACCESS_TOKEN_EXPIRES``; ``False``
        makes a token that never expires.
    """
    return encode(
        get_jwt_manager(),
        current_app.config,
        identity,
        "access",
        fresh=fresh,
        expires_delta=expires_delta,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
        family=_family(),
    )


def create_refresh_token(
    identity: Any,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: Mapping[str, Any] | None = None,
    additional_headers: Mapping[str, Any] | None = None,
) -> str:
    """A signed refresh token; made in a refresh view, it rotates the one used."""
    manager = get_jwt_manager()
    config = current_app.config
    token = encode(
        manager,
        config,
        identity,
        "refresh",
        expires_delta=expires_delta,
        additional_claims=additional_claims,
        additional_headers=additional_headers,
        family=_family(),
    )
    state = g.get(STATE) if has_request_context() else None
    store = manager.blocklist_store(config)
    if (
        state
        and state["data"].get("type") == "refresh"
        and store is not None
        and not g.get(_ROTATED)
    ):
        # Once per request: a view issuing two tokens used the old one once.
        setattr(g, _ROTATED, True)
        flow = blocklist.mark_used_flow(state["data"], family_ttl(config), leeway(config))
        _write(store, flow)
    return token


def decode_token(
    encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
) -> dict[str, Any]:
    """Verify a token made by this app and return its claims.

    Refusals are the classes Flask-JWT-Extended raises: PyJWT's for a token
    PyJWT refuses (``jwt.InvalidSignatureError``, ``jwt.InvalidAudienceError``,
    ``jwt.ExpiredSignatureError`` ...; only a bad signature and unreadable
    input are ``jwt.DecodeError``), :class:`JWTDecodeError` for a token
    without its identity claim, or without the ``csrf`` claim ``csrf_value``
    is checked against, and :class:`CSRFError` when that claim does not match.
    """
    _header, data = decode(
        get_jwt_manager(), current_app.config, encoded_token, allow_expired=allow_expired
    )
    check_csrf(data, csrf_value)
    return data


def get_unverified_jwt_headers(encoded_token: str) -> dict[str, Any]:
    """A token's header without verifying it (to pick a key, for instance)."""
    return unverified_header(encoded_token)


def get_jti(encoded_token: str) -> str | None:
    """The ``jti`` (unique id) of a token made by this app, verified first."""
    jti = decode_token(encoded_token).get("jti")
    return jti if isinstance(jti, str) else None


def current_user_context_processor() -> dict[str, Any]:
    """``current_user`` for templates (``JWTManager(add_context_processor=True)`` adds it)."""
    return {"current_user": get_current_user()}


def get_csrf_token(encoded_token: str) -> str:
    """The double-submit CSRF value of a token (made while ``JWT_COOKIE_CSRF_PROTECT`` is on).

    :raises KeyError: the token has no ``csrf`` claim, as in
        Flask-JWT-Extended: an empty value would be set as a CSRF cookie
        that no request can ever match.
    """
    return str(decode_token(encoded_token)["csrf"])


def revoke_token(claims: Mapping[str, Any] | None = None, *, family: bool = False) -> None:
    """Put a token (the request's by default) on the built-in blocklist until it expires.

    With ``family=True`` every token of the same login is revoked (logout
    everywhere the refresh token reached).
    """
    data = dict(claims) if claims is not None else get_jwt()
    config = current_app.config
    store = get_jwt_manager().blocklist_store(config)
    if store is None:
        raise RuntimeError("JWT_BLOCKLIST_STORE is None: the built-in blocklist is off.")
    _write(store, blocklist.revoke_flow(data, leeway(config)))
    if family and isinstance(data.get(FAMILY_CLAIM), str):
        _write(store, blocklist.revoke_family_flow(data[FAMILY_CLAIM], family_ttl(config)))


# -- cookies ---------------------------------------------------------------------


def _cookie_options(config: Mapping[str, Any], max_age: Any, domain: Any) -> dict[str, Any]:
    secure = setting(config, "JWT_COOKIE_SECURE")
    if secure is None:
        secure = has_request_context() and request.is_secure
    return {
        "max_age": max_age,
        "secure": secure,
        "domain": domain or setting(config, "JWT_COOKIE_DOMAIN"),
        "samesite": setting(config, "JWT_COOKIE_SAMESITE"),
    }


def _csrf_cookies(config: Mapping[str, Any]) -> bool:
    """Whether CSRF cookies go with the token cookies: set at login, deleted at logout."""
    return bool(
        setting(config, "JWT_COOKIE_CSRF_PROTECT") and setting(config, "JWT_CSRF_IN_COOKIES")
    )


def _set_cookies(response: Any, token: str, kind: str, max_age: Any, domain: Any) -> None:
    config = current_app.config
    if max_age is None and not setting(config, "JWT_SESSION_COOKIE"):
        max_age = PERSISTENT_COOKIE_MAX_AGE
    options = _cookie_options(config, max_age, domain)
    response.set_cookie(
        setting(config, f"JWT_{kind}_COOKIE_NAME"),
        token,
        httponly=True,
        path=setting(config, f"JWT_{kind}_COOKIE_PATH"),
        **options,
    )
    if _csrf_cookies(config):
        # Readable by the page's own script, which copies it into the header.
        response.set_cookie(
            setting(config, f"JWT_{kind}_CSRF_COOKIE_NAME"),
            get_csrf_token(token),
            httponly=False,
            path=setting(config, f"JWT_{kind}_CSRF_COOKIE_PATH"),
            **options,
        )


def set_access_cookies(
    response: Any, encoded_access_token: str, max_age: Any = None, domain: Any = None
) -> None:
    """Send the access token as an ``HttpOnly`` cookie, plus its CSRF cookie."""
    _set_cookies(response, encoded_access_token, "ACCESS", max_age, domain)


def set_refresh_cookies(
    response: Any, encoded_refresh_token: str, max_age: Any = None, domain: Any = None
) -> None:
    """Send the refresh token as an ``HttpOnly`` cookie, plus its CSRF cookie."""
    _set_cookies(response, encoded_refresh_token, "REFRESH", max_age, domain)


def _unset(response: Any, kind: str, domain: Any) -> None:
    """Expire the token cookie and its CSRF cookie.

    Each deletion repeats the attributes its cookie was set with
    (``JWT_COOKIE_SAMESITE``, ``Secure``, ``HttpOnly`` only on the token
    cookie): a deletion with other attributes is a different header than
    the app sent at login, and for ``SameSite=None`` cookies set inside a
    cross-site frame, a ``Lax`` deletion would not even be stored there.
    """
    config = current_app.config
    options = _cookie_options(config, None, domain)
    del options["max_age"]
    cookies = [(f"JWT_{kind}_COOKIE_NAME", f"JWT_{kind}_COOKIE_PATH", True)]
    if _csrf_cookies(config):
        csrf = (f"JWT_{kind}_CSRF_COOKIE_NAME", f"JWT_{kind}_CSRF_COOKIE_PATH", False)
        cookies.append(csrf)
    for name, path, httponly in cookies:
        response.delete_cookie(
            setting(config, name), path=setting(config, path), httponly=httponly, **options
        )


def unset_access_cookies(response: Any, domain: Any = None) -> None:
    """Delete the access token and its CSRF cookie."""
    _unset(response, "ACCESS", domain)


def unset_refresh_cookies(response: Any, domain: Any = None) -> None:
    """Delete the refresh token and its CSRF cookie."""
    _unset(response, "REFRESH", domain)


def unset_jwt_cookies(response: Any, domain: Any = None) -> None:
    """Delete every JWT cookie (at logout)."""
    unset_access_cookies(response, domain)
    unset_refresh_cookies(response, domain)


__all__ = [
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "current_user_context_processor",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "revoke_token",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
]
