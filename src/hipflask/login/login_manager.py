"""``LoginManager``: loading the logged-in user, and answering anonymous visitors.

The user is loaded lazily, the first time ``current_user`` is read in a
request: from the session (if the registry still knows the login), else
from the remember-me cookie (same condition), else from the
``request_loader``. On the event loop (an ``async def`` view under ASGI),
when the login registry lives in a network store, it is loaded before the
view instead, by a gate check that awaits the store. An anonymous visitor
to a protected view is redirected to ``login_view`` with a same-site
``next``, except JSON clients, which get 401.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from functools import partial
from typing import Any
from typing import TypeVar
from typing import cast

from werkzeug.exceptions import Unauthorized

from ..contexts.ctx import has_app_context
from ..contexts.ctx import has_request_context
from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..core.flashing import flash
from ..core.helpers import jsonify
from ..core.helpers import redirect
from ..core.pipeline import every_response
from ..errors import ConfigurationError
from ..principal.principal import add_identity_provider
from ..security.gate import ORDER_AUTH
from ..security.gate import ORDER_RATE_LIMIT
from ..security.gate import ORDER_RATE_LIMIT_HEADERS
from ..security.origin import SAFE_METHODS
from . import signals
from .app_state import STATE_LOCK
from .app_state import app_state
from .app_state import close_stores
from .config import AUTH_HEADER_NAME
from .config import DEFAULTS
from .config import ID_ATTRIBUTE
from .config import LOGIN_MESSAGE
from .config import LOGIN_MESSAGE_CATEGORY
from .config import REFRESH_MESSAGE
from .config import REFRESH_MESSAGE_CATEGORY
from .mixins import AnonymousUserMixin
from .password import password_unchanged
from .protection import _create_identifier as _create_identifier
from .protection import protection_failed
from .protection import session_identifier as session_identifier
from .redirects import vary_on_negotiation
from .redirects import wants_json as wants_json
from .registry import Flow
from .registry import LoginRegistry
from .registry import open_registry
from .remember import OPERATION
from .remember import decode_remember_cookie
from .remember import longest_remember_seconds
from .remember import update_remember_cookie
from .throttle import _LOGIN_SUCCEEDED
from .throttle import _THROTTLED
from .throttle import LoginThrottle

F = TypeVar("F", bound=Callable[..., Any])

#: Where the loaded user lives on ``g`` for the rest of the request.
USER_KEY = "_login_user"

_HOOKS_KEY = "hipflask.login.hooks"


class LoginManager:
    """Session logins for an app: ``LoginManager(app)`` or ``init_app``."""

    def __init__(self, app: Any = None, add_context_processor: bool = True) -> None:
        self.anonymous_user: Callable[[], Any] = AnonymousUserMixin
        self.login_view: str | None = None
        self.blueprint_login_views: dict[str | None, str] = {}
        self.login_message: str | None = LOGIN_MESSAGE
        self.login_message_category = LOGIN_MESSAGE_CATEGORY
        self.refresh_view: str | None = None
        self.needs_refresh_message = REFRESH_MESSAGE
        self.needs_refresh_message_category = REFRESH_MESSAGE_CATEGORY
        self.session_protection: str | None = "basic"
        self.localize_callback: Callable[[str], str] | None = None
        self.id_attribute = ID_ATTRIBUTE
        self._user_callback: Callable[[str], Any] | None = None
        self._request_callback: Callable[[Any], Any] | None = None
        self._header_callback: Callable[[str], Any] | None = None
        self.unauthorized_callback: Callable[[], Any] | None = None
        self.needs_refresh_callback: Callable[[], Any] | None = None
        #: What session protection compares (Flask-Login's name, which apps
        #: replace to compare the browser alone, say for mobile networks).
        self._session_identifier_generator: Callable[[], str] = session_identifier
        if app is not None:
            self.init_app(app, add_context_processor)

    def setup_app(self, app: Any, add_context_processor: bool = True) -> None:
        """Deprecated name of :meth:`init_app` (Flask-Login 0.6 warns the same way)."""
        warnings.warn(
            "'setup_app' is deprecated (it goes in Flask-Login 0.7); use 'init_app'.",
            DeprecationWarning,
            stacklevel=2,
        )
        self.init_app(app, add_context_processor)

    @property
    def _login_disabled(self) -> bool:
        """Deprecated view of the ``LOGIN_DISABLED`` setting (Flask-Login 0.6 warns the same way).

        Decorators written for older Flask-Login versions read it; outside an
        app context there is no setting to read, and it is ``False``.
        """
        _warn_login_disabled()
        if has_app_context():
            return bool(current_app.config.get("LOGIN_DISABLED", False))
        return False

    @_login_disabled.setter
    def _login_disabled(self, value: bool) -> None:
        _warn_login_disabled()
        current_app.config["LOGIN_DISABLED"] = value

    def init_app(self, app: Any, add_context_processor: bool = True) -> None:
        """Attach to ``app`` (``app.login_manager``) and register the hooks.

        Calling it again for the same app (a factory that also wrote
        ``LoginManager(app)``) makes this manager the app's without adding
        the response hooks twice.
        """
        app.login_manager = self
        for name, value in DEFAULTS.items():
            app.config.setdefault(name, value)
        if not app.extensions.get(_HOOKS_KEY):
            # Once per app: an app factory calling init_app again (after
            # LoginManager(app)) must not send the remember-me cookie twice.
            app.extensions[_HOOKS_KEY] = True
            _add_response_hooks(app)
            # Appended directly: init_app may run after the first request.
            app.after_serving_funcs.append(partial(close_stores, app))
        # On the event loop, where loading waits on a network store, the user
        # is loaded before the view, awaiting it, so reading ``current_user``
        # there never blocks the loop (see ``_loading_waits``).
        app.gate.add_check(
            "hipflask.login.user",
            _load_lazily,
            order=ORDER_AUTH,
            check_async=self._preload_user,
        )
        # Password guessing is refused before any hook or view runs, with the
        # other rate limits, each attempt counted then; a login that succeeds
        # takes its user name's count back once its response is made.
        app.gate.add_check(
            "hipflask.login.throttle",
            self._check_throttle,
            order=ORDER_RATE_LIMIT,
            check_async=self._check_throttle_async,
        )
        # One finisher for both, as every one costs each response a call:
        # the Vary of an answer that asked wants_json, then the count. Not
        # named after the throttle: taking the throttle out of the gate must
        # keep the Vary (the count then has nothing to take back).
        app.gate.add_finisher(
            "hipflask.login.response",
            self._count_success,
            order=ORDER_RATE_LIMIT_HEADERS,
            finisher_async=self._count_success_async,
        )
        if add_context_processor:
            app.context_processor(_user_context_processor)
        add_identity_provider(app, _login_identity)

    def _update_remember_cookie(self, response: Any) -> Any:
        """The response hook that sets or deletes the remember-me cookie.

        Flask-Login's name: a subclass that keeps no remember-me cookie
        overrides it to return ``response`` as it is.
        """
        return update_remember_cookie(response)

    # -- loaders and handlers -----------------------------------------------

    def user_loader(self, callback: F) -> F:
        """Load a user from the id ``login_user`` stored; ``None`` for none."""
        self._user_callback = callback
        return callback

    @property
    def user_callback(self) -> Callable[[str], Any] | None:
        return self._user_callback

    def request_loader(self, callback: F) -> F:
        """Load a user from the request itself (an API key header, for instance)."""
        self._request_callback = callback
        return callback

    @property
    def request_callback(self) -> Callable[[Any], Any] | None:
        return self._request_callback

    def header_loader(self, callback: F) -> F:
        """Deprecated: load a user from the ``AUTH_HEADER_NAME`` header's value.

        Flask-Login 0.6 still has it (with a warning) and 0.7 removes it; use
        :meth:`request_loader`, which sees the whole request. It is asked
        last, after the session, the remember-me cookie and a request loader.
        """
        warnings.warn(
            "'header_loader' is deprecated (it goes in Flask-Login 0.7); use 'request_loader'.",
            DeprecationWarning,
            stacklevel=2,
        )
        self._header_callback = callback
        return callback

    def unauthorized_handler(self, callback: F) -> F:
        """Answer anonymous visitors of protected views yourself."""
        self.unauthorized_callback = callback
        return callback

    def needs_refresh_handler(self, callback: F) -> F:
        """Answer non-fresh logins on ``fresh_login_required`` views yourself."""
        self.needs_refresh_callback = callback
        return callback

    # -- answers ---------------------------------------------------------------

    def _message(self, message: str) -> str:
        return self.localize_callback(message) if self.localize_callback else message

    def _redirect_to(self, view: str | None, message: str | None, category: str) -> Any:
        from .utils import login_url
        from .utils import make_next_param

        if not view:
            raise Unauthorized()
        if wants_json():
            return jsonify(msg=self._message(message or "Unauthorized")), 401
        if message:
            flash(self._message(message), category=category)
        config = current_app.config
        if config["USE_SESSION_FOR_NEXT"]:
            target = login_url(view)
            session["_id"] = self._session_identifier_generator()
            session["next"] = make_next_param(target, request.url)
            return redirect(target)
        return redirect(login_url(view, next_url=request.url))

    def unauthorized(self) -> Any:
        """The answer for an anonymous visitor: redirect, JSON 401, or plain 401."""
        signals.user_unauthorized.send(current_app._get_current_object())
        if self.unauthorized_callback is not None:
            return current_app.ensure_sync(self.unauthorized_callback)()
        view = self.blueprint_login_views.get(request.blueprint, self.login_view)
        return self._redirect_to(view, self.login_message, self.login_message_category)

    def needs_refresh(self) -> Any:
        """The answer for a stale login on a view needing a fresh one."""
        signals.user_needs_refresh.send(current_app._get_current_object())
        if self.needs_refresh_callback is not None:
            return current_app.ensure_sync(self.needs_refresh_callback)()
        return self._redirect_to(
            self.refresh_view, self.needs_refresh_message, self.needs_refresh_message_category
        )

    # -- the registry and the throttle -------------------------------------------

    def registry(self) -> LoginRegistry | None:
        """The live-login registry (``LOGIN_REGISTRY_STORE``), opened once per app."""
        state = app_state()
        value = current_app.config.get("LOGIN_REGISTRY_STORE")
        cached = state.registry
        if cached is None or cached[0] is not value:
            with STATE_LOCK:
                # Threads seeing a new setting at once open one store, and
                # the one it replaces is closed once (see replace_registry).
                cached = state.registry
                if cached is None or cached[0] is not value:
                    cached = (value, self._open_registry(value))
                    state.replace_registry(cached)
        return cached[1]

    @staticmethod
    def _open_registry(value: Any) -> LoginRegistry | None:
        config = current_app.config
        prefix = config.get("LOGIN_REGISTRY_KEY_PREFIX", "hipflask:login:")
        # What a process-local registry keeps: as long as a login can live.
        keep = max(
            2 * current_app.permanent_session_lifetime.total_seconds(),
            longest_remember_seconds(config["REMEMBER_COOKIE_DURATION"]),
        )
        return open_registry(value, prefix, keep)

    def _is_login_endpoint(self) -> bool:
        # No endpoint (an unmatched URL) finds no view.
        view = current_app.view_functions.get(request.endpoint)  # type: ignore[arg-type]
        if getattr(view, "_login_throttled", False):
            return True
        endpoints = {self.login_view, *self.blueprint_login_views.values()}
        return request.endpoint is not None and request.endpoint in endpoints

    def _throttled_attempt(self, request: Any) -> tuple[LoginThrottle, tuple[str, ...]] | None:
        """The throttle and user names when this request is a login attempt, else ``None``."""
        # Every method that may check a password (a JSON API's PUT /session
        # too), not POST alone; the safe ones load the login page.
        if request.method in SAFE_METHODS or not current_app.config["LOGIN_THROTTLE"]:
            return None
        if not self._is_login_endpoint():
            return None
        state = app_state()
        if state.throttle is None:
            with STATE_LOCK:
                if state.throttle is None:
                    state.throttle = LoginThrottle(current_app.config)
        if not state.throttle.carries_credentials(request):
            return None  # a logout sent to the login URL checks no password
        names = state.throttle.user_names(request)
        setattr(g, _THROTTLED, names)
        return state.throttle, names

    def _check_throttle(self, request: Any) -> None:
        attempt = self._throttled_attempt(request)
        if attempt is not None:
            attempt[0].check(attempt[1], request.remote_addr, as_json=wants_json)

    async def _check_throttle_async(self, request: Any) -> None:
        attempt = self._throttled_attempt(request)
        if attempt is not None:
            await attempt[0].check_async(attempt[1], request.remote_addr, as_json=wants_json)

    def _succeeded_attempt(self) -> LoginThrottle | None:
        """The throttle to take a counted attempt back from, when it ended in a login."""
        # The attempt was counted before the view; only a success changes that.
        # g.get with a marker, not hasattr: a miss (every response but a
        # login attempt's) would raise and catch an AttributeError.
        if g.get(_THROTTLED, _NOT_ATTEMPTED) is _NOT_ATTEMPTED or not g.get(_LOGIN_SUCCEEDED):
            return None
        return app_state().throttle

    def _count_success(self, request: Any, response: Any) -> None:
        vary_on_negotiation(request, response)
        throttle = self._succeeded_attempt()
        if throttle is not None:
            throttle.succeed(g.get(_THROTTLED))

    async def _count_success_async(self, request: Any, response: Any) -> None:
        vary_on_negotiation(request, response)
        throttle = self._succeeded_attempt()
        if throttle is not None:
            await throttle.succeed_async(g.get(_THROTTLED))

    # -- loading ------------------------------------------------------------------

    def _update_request_context_with_user(self, user: Any = None) -> None:
        setattr(g, USER_KEY, self.anonymous_user() if user is None else user)

    def _session_protection_failed(self) -> bool:
        return protection_failed(self)

    def _load_flow(self, registry: LoginRegistry | None) -> Flow:
        """Load the user, yielding the registry's store operations on the way.

        One logic for both drivers: :meth:`_load_user` runs the operations
        with blocking store calls, :meth:`_aload_user` awaits them (on the
        event loop, see :func:`hipflask.login.load_user_async`).
        """
        signals.user_accessed.send(current_app._get_current_object())
        if self._session_protection_failed():
            self._update_request_context_with_user()
            return
        user = yield from self._from_session_flow(registry)
        if user is None:
            config = current_app.config
            cookie = request.cookies.get(config["REMEMBER_COOKIE_NAME"])
            if cookie and g.get(OPERATION) != "clear" and self._user_callback is not None:
                user = yield from self._remember_cookie_flow(registry, cookie)
            elif self._request_callback is not None:
                user = self._load_user_from_request(request)
            elif self._header_callback is not None:
                user = self._load_user_from_header(config)
        self._update_request_context_with_user(user)

    def _require_loader(self) -> None:
        if not self.has_loader:
            raise ConfigurationError(
                "LoginManager has no user_loader: decorate a function (user_id) -> user"
                " with @login_manager.user_loader (or a request_loader)."
            )

    @property
    def has_loader(self) -> bool:
        """Whether a user can be loaded at all (a user, request or header loader is set)."""
        return (
            self._user_callback is not None
            or self._request_callback is not None
            or self._header_callback is not None
        )

    def _load_user(self) -> None:
        self._require_loader()
        registry = self.registry()
        flow = self._load_flow(registry)
        if registry is None:
            next(flow, None)  # without a registry the flow yields nothing
            return
        registry.run(flow)

    async def _aload_user(self) -> None:
        self._require_loader()
        registry = self.registry()
        flow = self._load_flow(registry)
        if registry is None:
            next(flow, None)  # without a registry the flow yields nothing
            return
        await registry.arun(flow)

    def _from_session_flow(self, registry: LoginRegistry | None) -> Flow:
        user_id = session.get("_user_id")
        if user_id is None or self._user_callback is None:
            return None
        if registry is not None:
            live = yield from registry.is_live_flow(
                str(user_id), session.get("_login"), session.get("_gen")
            )
            if not live:
                # Logged out elsewhere (or this is a copy of a logged-out cookie).
                from .utils import _end_session_login

                _end_session_login(self)
                return None
            # A live login is a string: is_live_flow refuses any other value.
            yield from _renew_flow(cast("str", session.get("_login")))
        user = self._user_callback(user_id)
        if user is not None and not password_unchanged(
            current_app.config, user, session.get("_pw")
        ):
            # The password changed since this login: end it (see .password).
            from .utils import _end_session_login

            if registry is not None:
                yield from registry.end_flow(session.get("_login"))
            _end_session_login(self)
            setattr(g, OPERATION, "clear")
            return None
        return user

    def _remember_cookie_flow(self, registry: LoginRegistry | None, cookie: str) -> Flow:
        decoded = decode_remember_cookie(current_app.config, cookie)
        callback = self._user_callback
        if decoded is None or callback is None:
            return None
        user_id, login_id, generation, password = decoded
        if registry is not None and not (
            yield from registry.is_live_flow(user_id, login_id, generation)
        ):
            setattr(g, OPERATION, "clear")
            return None
        user = callback(user_id)
        if user is not None and not password_unchanged(current_app.config, user, password):
            setattr(g, OPERATION, "clear")
            return None
        if user is not None:
            session["_pw"] = password
            session["_user_id"] = user_id
            session["_fresh"] = False
            session["_login"] = login_id
            session["_gen"] = generation
            session["_id"] = self._session_identifier_generator()
            app = current_app._get_current_object()
            signals.user_loaded_from_cookie.send(app, user=user)
        return user

    async def _preload_user(self, request: Any) -> None:
        if self.has_loader and self._loading_waits():
            from .utils import _load_user_in_gate

            await _load_user_in_gate()

    def _loading_waits(self) -> bool:
        """Whether loading the user waits on the registry's network store.

        Only then is ``current_user`` loaded before an ``async def`` view,
        awaiting the store. A registry in this process's memory (the default),
        or none, costs no wait: the user is then loaded on first use, as in
        Flask-Login, and a view that never reads it pays nothing for it. (A
        server-side session is already opened, awaited, before the view.)
        """
        registry = self.registry()
        return registry is not None and not registry.local

    def _load_user_from_header(self, config: Mapping[str, Any]) -> Any:
        header = request.headers.get(config.get("AUTH_HEADER_NAME", AUTH_HEADER_NAME))
        if not header or self._header_callback is None:
            return None
        user = self._header_callback(header)
        if user is not None:
            signals._user_loaded_from_header.send(current_app._get_current_object(), user=user)
        return user

    def _load_user_from_request(self, req: Any) -> Any:
        user = self._request_callback(req) if self._request_callback else None
        if user is not None:
            signals.user_loaded_from_request.send(current_app._get_current_object(), user=user)
        return user


#: What ``g`` holds under ``_THROTTLED`` for a request that is no login attempt.
_NOT_ATTEMPTED = object()


def _remember_cookie_hook(response: Any) -> Any:
    """Hand the response to the app's manager (of the last ``init_app``).

    Its ``_update_remember_cookie`` writes the cookie; a subclass may override it.
    """
    manager: LoginManager = current_app.login_manager  # type: ignore[attr-defined]
    return manager._update_remember_cookie(response)


def _add_response_hooks(app: Any) -> None:
    from .deferred import perform

    # On every response, even one of the gate's answers on which another
    # hook failed: an error handler's logout_user() must clear the cookie
    # and end the login there as well.
    app.after_request(every_response(_remember_cookie_hook))
    # Response hooks run last-registered first: the registry writes of a
    # request on the event loop are awaited before the remember-me cookie
    # and the session are written, so a failed write changes neither.
    app.after_request(every_response(perform))


def _warn_login_disabled() -> None:
    warnings.warn(
        "'_login_disabled' is deprecated (it goes in Flask-Login 0.7);"
        " use 'LOGIN_DISABLED' in 'app.config'.",
        DeprecationWarning,
        stacklevel=3,
    )


def _load_lazily(request: Any) -> None:
    """Off the event loop ``current_user`` is loaded on first use, as in Flask-Login."""


def _user_context_processor() -> dict[str, Any]:
    """``current_user`` for templates: the proxy in a request, loaded on first use.

    Outside a request (a mail rendered in an app context) there is no user,
    and the template gets ``None`` itself, as with Flask-Login, so that
    ``current_user is none`` holds there.
    """
    from .utils import current_user

    return {"current_user": current_user if has_request_context() else None}


def _login_identity() -> Any:
    from .roles import identity_for_current_user

    return identity_for_current_user()


def _renew_flow(login_id: str) -> Flow:
    """Keep a login alive as long as its sliding session: extend its entry when due.

    A login is registered for twice ``PERMANENT_SESSION_LIFETIME`` (longer
    with remember-me), but a permanent session renewed on every request
    (``SESSION_REFRESH_EACH_REQUEST``) outlives any fixed time while its
    user is active, as in Flask. Its entry's time is therefore extended to
    two lifetimes once less than one is left: one store write per lifetime
    of activity, not one per request. The session records when the entry
    runs out (``_live_until``); a login made before it did keeps the time
    it was given.
    """
    if not session.permanent or not current_app.config["SESSION_REFRESH_EACH_REQUEST"]:
        return
    until = session.get("_live_until")
    if not isinstance(until, (int, float)) or isinstance(until, bool):
        return
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    now = time.time()
    if until - now > lifetime:
        return
    # A touch, not a write: it lengthens a live entry and can never bring
    # back one that a logout deleted meanwhile.
    if (yield ("touch", "live:" + login_id, 2 * lifetime)):
        session["_live_until"] = now + 2 * lifetime


__all__ = ["USER_KEY", "LoginManager", "session_identifier", "wants_json"]
