"""Logging in and out, ``current_user``, and the view decorators.

``login_user`` defends against session fixation: the session gets a new
identity (a new server-side id when the session supports
``regenerate()``; new signed content for cookie sessions), the CSRF secret
planted before login is dropped, and the login is registered as live.
``logout_user`` clears the whole session and ends the login in the
registry, so a copy of the old cookie no longer logs anyone in.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from typing import TypeVar
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from werkzeug.exceptions import HTTPException
from werkzeug.local import LocalProxy

from ..contexts.ctx import has_app_context
from ..contexts.ctx import has_request_context
from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..core.blueprints import Blueprint
from ..core.helpers import url_for
from ..errors import ConfigurationError
from . import signals
from .config import EXEMPT_METHODS
from .cookies import decode_cookie as decode_cookie
from .cookies import encode_cookie as encode_cookie
from .deferred import write
from .login_manager import USER_KEY
from .login_manager import LoginManager
from .login_manager import _create_identifier as _create_identifier
from .password import password_fingerprint
from .redirects import is_safe_next
from .registry import LoginRegistry
from .registry import end_all_flow
from .registry import new_token
from .registry import register_flow
from .remember import OPERATION
from .remember import decode_remember_cookie
from .remember import duration_seconds
from .throttle import _LOGIN_SUCCEEDED

F = TypeVar("F", bound=Callable[..., Any])


_LOGIN_KEYS = (
    "_user_id",
    "_fresh",
    "_id",
    "_login",
    "_gen",
    "_live_until",
    "_pw",
    "_remember_seconds",
)


def _manager() -> LoginManager:
    manager = getattr(current_app, "login_manager", None)
    if not isinstance(manager, LoginManager):
        raise ConfigurationError(
            "This app has no LoginManager: create one with LoginManager(app) (or"
            " login_manager.init_app(app)) and give it a user_loader."
        )
    return manager


def _get_user() -> Any:
    if not has_request_context():
        return None
    if USER_KEY not in g:
        _raise_preload_refusal()
        _manager()._load_user()
    return g.get(USER_KEY)


#: The logged-in user, or an anonymous user; also ``current_user`` in templates.
current_user: Any = LocalProxy(_get_user)


async def load_user_async() -> None:
    """Load ``current_user`` now, awaiting the registry instead of blocking on it.

    Under ASGI the gate already calls it before every request that runs on
    the event loop, and the protecting decorators before an ``async def``
    view; call it yourself where a coroutine of your own reads
    ``current_user`` before either ran.
    """
    if USER_KEY not in g:
        _raise_preload_refusal()
        await _manager()._aload_user()


#: ``g`` key of what the app's loader raised when the gate loaded the user.
_PRELOAD_REFUSAL = "_login_preload_refusal"


async def _load_user_in_gate() -> None:
    """:func:`load_user_async` in the gate, before the hooks and the view, on the event loop.

    An HTTP error the app's loader raises there (a ``request_loader`` that
    aborts with 401 on a bad API key) is raised where ``current_user`` is
    first read instead, as when the user is loaded on first use (under
    WSGI, or with a registry in memory): the request's hooks run around it
    as they do there, and a view that never reads the user is not refused.
    The loader is not run again: each read raises the same error.
    """
    try:
        await load_user_async()
    except HTTPException as exc:
        setattr(g, _PRELOAD_REFUSAL, exc)


def _raise_preload_refusal() -> None:
    refusal = g.get(_PRELOAD_REFUSAL)
    if refusal is not None:
        raise refusal


def _end_session_login(manager: LoginManager) -> None:
    """Forget the login in this session (it is already dead elsewhere)."""
    for key in _LOGIN_KEYS:
        session.pop(key, None)


def _new_session_identity() -> None:
    regenerate = getattr(session, "regenerate", None)
    if callable(regenerate):
        regenerate()


def _has_session() -> bool:
    """Whether there is a session for ``logout_user`` to clear.

    Clearing an empty session the browser never had still marks it
    modified, which makes the session interface send a deletion cookie:
    an anonymous logout (a "log out" link followed twice) would answer with
    a ``Set-Cookie`` where Flask-Login sends none.
    """
    interface = current_app.session_interface
    return bool(session) or interface.get_cookie_name(current_app) in request.cookies


def _forget_identity() -> None:
    g.pop("identity", None)


def _live_ttl(remember: bool, duration: timedelta | None) -> float:
    """How long the registry keeps a new login: twice the session lifetime, or longer.

    Twice, so that a permanent session renewed on pages that never load
    ``current_user`` still finds its login for a while; pages that load it
    extend its time (see ``login_manager._renew_flow``).
    """
    config = current_app.config
    lifetime: float = 2 * current_app.permanent_session_lifetime.total_seconds()
    if remember:
        lifetime = max(lifetime, duration_seconds(duration or config["REMEMBER_COOKIE_DURATION"]))
    return lifetime


def login_user(
    user: Any,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool:
    """Log ``user`` in for this session; ``False`` if the account is inactive.

    :param remember: also set the remember-me cookie (``REMEMBER_COOKIE_*``).
    :param duration: how long that cookie lasts, instead of the setting.
    :param force: log in even an inactive account.
    :param fresh: mark the login fresh (it followed a password check).
    """
    if not force and not user.is_active:
        return False
    if remember and duration is not None and not isinstance(duration, timedelta):
        # Refused before anything is written, where Flask-Login refuses it
        # (after the inactive account, which it turns away first).
        raise TypeError(
            f"login_user(duration=...) must be a datetime.timedelta, not {duration!r};"
            " pass it like duration=timedelta(days=14)."
        )
    manager = _manager()
    user_id = str(getattr(user, manager.id_attribute)())
    registry = manager.registry()
    login_id = generation = live_until = None
    if registry is not None:
        # The registry first: if its store fails, the 503 leaves the session
        # as it was (on the event loop the write waits; see .deferred).
        login_id = registry.new_login_id()
        ttl = _live_ttl(remember, duration)
        live_until = time.time() + ttl
        flow = _replace_login_flow(registry, session.get("_login"), user_id, login_id, ttl)
        generation = write(registry, flow, _keep_generation)
    _new_session_identity()
    _end_session_login(manager)
    # A CSRF secret planted before login (login CSRF, fixation) must not
    # carry over to the authenticated session.
    session.pop("csrf_token", None)
    session["_user_id"] = user_id
    session["_fresh"] = fresh
    session["_id"] = manager._session_identifier_generator()
    session["_pw"] = password_fingerprint(current_app.config, user)
    if login_id is not None:
        session["_login"] = login_id
        session["_live_until"] = live_until
    if generation is not None:
        session["_gen"] = generation
    if remember:
        setattr(g, OPERATION, "set")
        if duration is not None:
            session["_remember_seconds"] = duration.total_seconds()
    setattr(g, USER_KEY, user)
    setattr(g, _LOGIN_SUCCEEDED, True)
    _forget_identity()
    signals.user_logged_in.send(current_app._get_current_object(), user=user)
    return True


def _replace_login_flow(
    registry: LoginRegistry, old_login: Any, user_id: str, login_id: str, ttl: float
) -> Any:
    yield from registry.end_flow(old_login)
    return (yield from register_flow(user_id, login_id, ttl))


def _keep_generation(generation: str) -> None:
    session["_gen"] = generation


def session_login_data(user: Any, fresh: bool = True) -> dict[str, Any]:
    """The session values of a registered login of ``user``, for test clients.

    Call it inside a request context whose client address and browser are
    the test client's, so session protection accepts the session.
    """
    manager = _manager()
    user_id = str(getattr(user, manager.id_attribute)())
    data: dict[str, Any] = {
        "_user_id": user_id,
        "_fresh": fresh,
        "_id": manager._session_identifier_generator(),
        "_pw": password_fingerprint(current_app.config, user),
    }
    registry = manager.registry()
    if registry is not None:
        ttl = _live_ttl(False, None)
        data["_login"], data["_gen"] = registry.register(user_id, ttl)
        data["_live_until"] = time.time() + ttl
    return data


def logout_user() -> bool:
    """Log the current user out: clear the session and end the login everywhere it is copied.

    ``user_logged_out`` receivers still see the user as ``current_user``.
    """
    manager = _manager()
    user = _get_user()
    registry = manager.registry()
    if registry is not None:
        write(registry, registry.end_flow(session.get("_login")))
    if request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]):
        setattr(g, OPERATION, "clear")
    if _has_session():
        session.clear()
        _new_session_identity()
    # Receivers still see the user as ``current_user`` (an audit log reads
    # it there, as under Flask-Login); the request turns anonymous after.
    signals.user_logged_out.send(current_app._get_current_object(), user=user)
    manager._update_request_context_with_user()
    _forget_identity()
    return True


def logout_everywhere(user: Any, keep_current: bool = False) -> None:
    """End every login of ``user``: other browsers, remember-me cookies, copies.

    Call it with ``keep_current=True`` after a password change, so the user
    who changed it stays logged in here and nowhere else.

    :raises ConfigurationError: ``LOGIN_REGISTRY_STORE`` is off.
    """
    manager = _manager()
    registry = manager.registry()
    if registry is None:
        raise ConfigurationError(
            "logout_everywhere needs the login registry; set LOGIN_REGISTRY_STORE"
            " (for example 'memory://' or 'redis://127.0.0.1:6379/0')."
        )
    user_id = str(getattr(user, manager.id_attribute)())
    generation = new_token()
    write(registry, end_all_flow(user_id, generation))
    if keep_current and has_request_context() and session.get("_user_id") == user_id:
        session["_gen"] = generation
        session["_pw"] = password_fingerprint(current_app.config, user)
        if request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]):
            setattr(g, OPERATION, "set")


def confirm_login() -> None:
    """Mark the current login fresh again (after the user re-entered a password)."""
    session["_fresh"] = True
    session["_id"] = _manager()._session_identifier_generator()
    signals.user_login_confirmed.send(current_app._get_current_object())


def login_fresh() -> bool:
    """Whether the current login followed a password check in this session."""
    return bool(session.get("_fresh", False))


def login_remembered() -> bool:
    """Whether the request carries a valid remember-me cookie this request keeps.

    A cookie the request is clearing (a logout, or session protection that
    ended the login) no longer counts, as in Flask-Login.
    """
    if g.get(OPERATION) == "clear":
        return False
    config = current_app.config
    cookie = request.cookies.get(config["REMEMBER_COOKIE_NAME"])
    return cookie is not None and decode_remember_cookie(config, cookie) is not None


def make_next_param(login_url: str, current_url: str) -> str:
    """The ``next`` value for ``current_url``, as Flask-Login makes it.

    A path when the login page is on this site (its URL names no other
    scheme or host): the login view's :func:`safe_next_url` accepts only
    paths. A login page on another site (a central sign-in service) is
    given the whole URL, which it needs to send the user back here.
    """
    parts = urlsplit(current_url)
    login = urlsplit(login_url)
    if (login.scheme and login.scheme != parts.scheme) or (
        login.netloc and login.netloc != parts.netloc
    ):
        return current_url
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def expand_login_view(login_view: str) -> str:
    """The login view's URL: an endpoint name is built with ``url_for``, a URL kept."""
    if login_view.startswith(("https://", "http://", "/")):
        return login_view
    return url_for(login_view)


def login_url(login_view: str, next_url: str | None = None, next_field: str = "next") -> str:
    """The URL of the login page, with ``next`` when given.

    The login URL's own query is kept as written, a parameter given several
    times (``?scope=read&scope=write``) included, and ``next`` goes last (or
    replaces one already there), as Flask-Login builds it: an SSO endpoint
    may need every value, and a test comparing ``Location`` expects that
    order.
    """
    base = expand_login_view(login_view)
    if next_url is None:
        return base
    parts = urlsplit(base)
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    params[next_field] = [make_next_param(base, next_url)]
    # FORCE_HOST_FOR_REDIRECTS names the host of the login page (a proxy's
    # public name, a sign-in host), as in Flask-Login.
    forced = current_app.config.get("FORCE_HOST_FOR_REDIRECTS") if has_app_context() else None
    return urlunsplit(
        parts._replace(netloc=forced or parts.netloc, query=urlencode(params, doseq=True))
    )


def safe_next_url(default: str = "/", next_field: str = "next") -> str:
    """Where to go after logging in: ``next`` if it is a same-site path, else ``default``."""
    target = request.values.get(next_field)
    if current_app.config["USE_SESSION_FOR_NEXT"]:
        target = session.pop("next", target)
    return target if isinstance(target, str) and is_safe_next(target) else default


def _login_refusal(fresh: bool) -> Any:
    """The answer when the login is missing (or stale); ``None`` to let the view run."""
    if request.method in EXEMPT_METHODS or current_app.config.get("LOGIN_DISABLED"):
        return None
    if not current_user.is_authenticated:
        return _manager().unauthorized()
    if fresh and not login_fresh():
        return _manager().needs_refresh()
    return None


def _guard(view: F, fresh: bool) -> F:
    return guarded_by(view, lambda: _login_refusal(fresh))


def guarded_by(view: F, refusal: Callable[[], Any]) -> F:
    """``view`` (or every view of a blueprint) answered by ``refusal()`` when it says so.

    ``refusal`` returns the answer to give instead of the view (a redirect to
    the login page, a 401), raises an ``HTTPException``, or returns ``None``
    to let the view run. An async view first awaits the login, so the live
    login registry is read without blocking the event loop.
    """
    if isinstance(view, Blueprint):
        view.before_request(refusal)
        return view
    if inspect.iscoroutinefunction(view):

        @wraps(view)
        async def async_guarded(*args: Any, **kwargs: Any) -> Any:
            await load_user_async()
            answer = refusal()
            if answer is not None:
                return answer
            return await view(*args, **kwargs)

        return async_guarded  # type: ignore[return-value]

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        answer = refusal()
        if answer is not None:
            return answer
        return current_app.ensure_sync(view)(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def login_required(func: F) -> F:
    """Let only logged-in users in (a view, or every view of a blueprint)."""
    return _guard(func, fresh=False)


def fresh_login_required(func: F) -> F:
    """Let only fresh logins in (for changing a password, paying, deleting)."""
    return _guard(func, fresh=True)


def login_throttled(view: F) -> F:
    """Count failed logins at this view too (``login_view`` is counted already)."""
    view._login_throttled = True  # type: ignore[attr-defined]
    return view


def set_login_view(login_view: str, blueprint: Any = None) -> None:
    """Set the login view for the app, or for one blueprint."""
    manager = _manager()
    if blueprint is None:
        manager.login_view = login_view
    else:
        manager.blueprint_login_views[blueprint.name] = login_view


__all__ = [
    "EXEMPT_METHODS",
    "confirm_login",
    "current_user",
    "decode_cookie",
    "encode_cookie",
    "expand_login_view",
    "fresh_login_required",
    "load_user_async",
    "login_fresh",
    "login_remembered",
    "login_required",
    "login_throttled",
    "login_url",
    "login_user",
    "logout_everywhere",
    "logout_user",
    "make_next_param",
    "safe_next_url",
    "set_login_view",
]
