"""``jwt_required`` and ``verify_jwt_in_request``: the checks a protected view runs.

Order: find the token, verify signature, algorithm and expiry, check the
CSRF value of a cookie token, the blocklist (built-in and
``token_in_blocklist_loader``), the token type, freshness, the
``token_verification_loader``, then load the user. The first failure
raises the matching :mod:`~hipflask.jwt.exceptions` class, answered by the
manager's loader. For ``async def`` views the blocklist store is awaited.
"""

from __future__ import annotations

import hmac
import inspect
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from . import blocklist
from .config import family_ttl
from .config import setting
from .exceptions import CSRFError
from .exceptions import FreshTokenRequired
from .exceptions import JWTDecodeError
from .exceptions import NoAuthorizationError
from .exceptions import RevokedTokenError
from .exceptions import UserClaimsVerificationError
from .exceptions import UserLookupError
from .exceptions import WrongTokenError
from .jwt_manager import JWTManager
from .jwt_manager import get_jwt_manager
from .locations import find_token
from .tokens import decode

F = TypeVar("F", bound=Callable[..., Any])

#: Where the verified token lives on ``g`` for the rest of the request.
STATE = "_hipflask_jwt"

_EXEMPT = frozenset({"OPTIONS"})


class _Verified:
    __slots__ = ("data", "header", "location", "manager")

    def __init__(
        self, manager: JWTManager, header: dict[str, Any], data: dict[str, Any], location: str
    ) -> None:
        self.manager = manager
        self.header = header
        self.data = data
        self.location = location


def _store_state(header: dict[str, Any], data: dict[str, Any], user: Any, location: Any) -> None:
    setattr(g, STATE, {"header": header, "data": data, "user": user, "location": location})


def csrf_matches(expected: object, given: str) -> bool:
    """Whether a double-submit value equals the token's ``csrf`` claim, in constant time.

    Compared as bytes: ``hmac.compare_digest`` raises ``TypeError`` for
    ``str`` with non-ASCII characters, which any client can send in a header.
    """
    return isinstance(expected, str) and hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def check_csrf(data: dict[str, Any], csrf: str | None) -> None:
    """Compare a double-submit value with the token's ``csrf`` claim (``None``: nothing sent).

    A token without the claim (made while ``JWT_COOKIE_CSRF_PROTECT`` was
    off) is an invalid token, as in Flask-JWT-Extended, answered by
    ``invalid_token_loader``: no value the client sends can match it.
    """
    if csrf is None:
        return
    expected = data.get("csrf")
    if expected is None:
        raise JWTDecodeError("Missing claim: csrf")
    if not csrf_matches(expected, csrf):
        raise CSRFError("CSRF double submit tokens do not match")


def _is_fresh(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, (int, float)) and value > time.time()


def _decode_request_token(
    optional: bool, fresh: bool, refresh: bool, locations: Any, verify_type: bool
) -> _Verified | None:
    """Everything before the blocklist: no I/O, so shared by both drivers."""
    if request.method in _EXEMPT:
        return None
    manager = get_jwt_manager()
    config = current_app.config
    try:
        token, location, csrf = find_token(config, refresh, locations)
    except NoAuthorizationError:
        if optional:
            _store_state({}, {}, None, None)
            return None
        raise
    header, data = decode(manager, config, token)
    if location == "cookies":
        check_csrf(data, csrf)
    if verify_type:
        if refresh and data.get("type") != "refresh":
            raise WrongTokenError("Only refresh tokens are allowed")
        if not refresh and data.get("type") == "refresh":
            raise WrongTokenError("Only non-refresh tokens are allowed")
    if fresh and not _is_fresh(data.get("fresh")):
        raise FreshTokenRequired("Fresh token required", header, data)
    return _Verified(manager, header, data, location)


def _family_ttl() -> float | None:
    return family_ttl(current_app.config)


def _finish(
    verified: _Verified, revoked: bool, skip_revocation_check: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything after the built-in blocklist: the app's own loaders.

    ``skip_revocation_check`` skips ``token_in_blocklist_loader`` as well as
    the built-in blocklist: a view that opts out (a logout that must work
    with a revoked token, say) must not be refused by the app's own list.
    """
    manager, header, data = verified.manager, verified.header, verified.data
    if not skip_revocation_check and manager._blocklist_check(header, data):
        revoked = True
    if revoked:
        raise RevokedTokenError(header, data)
    if not manager._token_verification(header, data):
        raise UserClaimsVerificationError("User claims verification failed", header, data)
    user = None
    if manager._user_lookup is not None:
        user = manager._user_lookup(header, data)
        if user is None:
            identity = data.get(setting(current_app.config, "JWT_IDENTITY_CLAIM"))
            # Flask-JWT-Extended's message; the default answer (the
            # user_lookup_error_loader's) says "Error loading the user".
            raise UserLookupError(f"user_lookup returned None for {identity}", header, data)
    _store_state(header, data, user, verified.location)
    return header, data


def verify_jwt_in_request(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: Any = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Check the request's token and remember it for ``get_jwt`` and ``current_user``.

    Returns the token's header and claims, or ``None`` when ``optional`` and
    there is no token (a token that is present but bad is still refused).
    """
    verified = _decode_request_token(optional, fresh, refresh, locations, verify_type)
    if verified is None:
        return None
    revoked = False
    store = verified.manager.blocklist_store(current_app.config)
    if store is not None and not skip_revocation_check:
        flow = blocklist.is_revoked_flow(verified.data, _family_ttl())
        revoked = blocklist.run(store, flow)
    return _finish(verified, revoked, skip_revocation_check)


async def verify_jwt_in_request_async(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: Any = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """:func:`verify_jwt_in_request` awaiting the blocklist store."""
    verified = _decode_request_token(optional, fresh, refresh, locations, verify_type)
    if verified is None:
        return None
    revoked = False
    store = verified.manager.blocklist_store(current_app.config)
    if store is not None and not skip_revocation_check:
        flow = blocklist.is_revoked_flow(verified.data, _family_ttl())
        revoked = await blocklist.run_async(store, flow)
    return _finish(verified, revoked, skip_revocation_check)


def jwt_required(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: Any = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Callable[[F], F]:
    """Protect a view: it runs only with a valid token (see :func:`verify_jwt_in_request`).

    Use it called, ``@jwt_required()``, as in Flask-JWT-Extended 4.
    """
    options = (optional, fresh, refresh, locations, verify_type, skip_revocation_check)

    def decorator(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                await verify_jwt_in_request_async(*options)
                return await view(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request(*options)
            return current_app.ensure_sync(view)(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


__all__ = ["jwt_required", "verify_jwt_in_request", "verify_jwt_in_request_async"]
