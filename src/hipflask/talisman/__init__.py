"""Flask-Talisman's API on the built-in header policy (``flask_talisman`` -> ``hipflask.talisman``).

hipflask already sends security headers on every response
(:mod:`hipflask.security.headers`). ``Talisman(app, ...)`` does not add a
second header layer: it translates Talisman's arguments into the settings
of that one policy, so the headers a ported app sends are the ones its
Talisman call asked for, and there is one place to read them. What
Talisman adds beyond headers is here too: the HTTPS redirect
(``force_https``) and the session cookie flags.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from weakref import WeakKeyDictionary

from werkzeug.exceptions import BadRequest

from hipflask.contexts import globals as _globals
from hipflask.contexts.globals import current_app
from hipflask.contexts.state import request_state
from hipflask.core.helpers import redirect
from hipflask.core.scaffold import SetupFinishedError
from hipflask.errors import ConfigurationError
from hipflask.security.gate import ORDER_HEADERS
from hipflask.security.gate import ORDER_HOST
from hipflask.security.headers import DEFAULT_HSTS_MAX_AGE
from hipflask.security.headers import MANAGED_HEADERS
from hipflask.security.headers import HeaderPolicy
from hipflask.templating.environment import csp_nonce as _policy_nonce

from .live import LiveAttributes
from .live import live_options
from .settings import ALLOW_FROM as ALLOW_FROM
from .settings import TALISMAN_HEADERS
from .settings import MissingReportUriError as MissingReportUriError
from .settings import normalized_options
from .settings import policy_settings
from .settings import unlisted_preload
from .settings import with_app_settings

if TYPE_CHECKING:
    from hipflask.core.app import Hipflask
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = [
    "ALLOW_FROM",
    "DEFAULT_CSP_POLICY",
    "DEFAULT_DOCUMENT_POLICY",
    "DEFAULT_FEATURE_POLICY",
    "DEFAULT_PERMISSIONS_POLICY",
    "DEFAULT_REFERRER_POLICY",
    "DENY",
    "GOOGLE_CSP_POLICY",
    "NONCE_LENGTH",
    "ONE_YEAR_IN_SECS",
    "SAMEORIGIN",
    "Talisman",
]

F = TypeVar("F", bound=Callable[..., Any])

DENY = "DENY"
SAMEORIGIN = "SAMEORIGIN"
ONE_YEAR_IN_SECS = 31556926
#: Characters in ``request.csp_nonce`` and ``csp_nonce()``: hipflask's nonce
#: (128 random bits, URL-safe base64), shorter than Flask-Talisman's 32.
NONCE_LENGTH = 22
DEFAULT_REFERRER_POLICY = "strict-origin-when-cross-origin"
DEFAULT_CSP_POLICY: dict[str, str] = {"default-src": "'self'", "object-src": "'none'"}
DEFAULT_PERMISSIONS_POLICY: dict[str, str] = {"browsing-topics": "()"}
DEFAULT_DOCUMENT_POLICY: dict[str, str] = {}
DEFAULT_FEATURE_POLICY: dict[str, str] = {}
GOOGLE_CSP_POLICY: dict[str, str] = {
    "font-src": "'self' themes.googleusercontent.com *.gstatic.com",
    "frame-src": "'self' www.google.com www.youtube.com",
    "script-src": "'self' ajax.googleapis.com *.googleanalytics.com *.google-analytics.com",
    "style-src": "'self' ajax.googleapis.com fonts.googleapis.com *.gstatic.com",
    "object-src": "'none'",
    "default-src": "'self' *.gstatic.com",
}

_DEFAULTS: dict[str, Any] = {
    "feature_policy": DEFAULT_FEATURE_POLICY,
    "permissions_policy": DEFAULT_PERMISSIONS_POLICY,
    "document_policy": DEFAULT_DOCUMENT_POLICY,
    "force_https": True,
    "force_https_permanent": False,
    "force_file_save": False,
    "frame_options": SAMEORIGIN,
    "frame_options_allow_from": None,
    "strict_transport_security": True,
    "strict_transport_security_preload": False,
    "strict_transport_security_max_age": ONE_YEAR_IN_SECS,
    "strict_transport_security_include_subdomains": True,
    "content_security_policy": DEFAULT_CSP_POLICY,
    "content_security_policy_report_uri": None,
    "content_security_policy_report_only": False,
    "content_security_policy_nonce_in": None,
    "referrer_policy": DEFAULT_REFERRER_POLICY,
    "session_cookie_secure": True,
    "session_cookie_http_only": True,
    "session_cookie_samesite": "Lax",
    "x_content_type_options": True,
    "x_xss_protection": False,
}
_STATE = "talisman"
_HSTS = "Strict-Transport-Security"
_VIEW_HEADERS = MANAGED_HEADERS | TALISMAN_HEADERS

_log = logging.getLogger("hipflask.talisman")


class UnknownOptionError(ConfigurationError, TypeError):
    """A keyword argument Talisman does not take.

    Also a :class:`TypeError`, what Python (and so Flask-Talisman) raises for
    an unexpected keyword, so code that catches ``TypeError`` keeps working.
    """


def _secure_session_cookie(app: Hipflask | None = None) -> None:
    """Make the session cookie ``Secure`` unless the app runs in debug mode.

    Registered to run at the first request, not decided in ``init_app``:
    debug mode is often turned on after the extensions are set up
    (``app.run(debug=True)``), and a ``Secure`` cookie on a plain-HTTP
    development server is dropped by browsers (everywhere but
    ``localhost``), which loses the session, as Flask-Talisman never does.
    hipflask's own default still makes it ``Secure`` over HTTPS. Called
    without ``app``, it decides for the app whose first request this is:
    one ``Talisman`` may be set up on several apps.
    """
    target = current_app if app is None else app
    if not target.debug:
        target.config["SESSION_COOKIE_SECURE"] = True


# A view's options, and the header policy they make.
_View = tuple[dict[str, Any], HeaderPolicy]
_COOKIE_OPTIONS = ("session_cookie_secure", "session_cookie_http_only", "session_cookie_samesite")


# The settings each option's value goes into, by the option's name or its
# family's prefix (content_security_policy_report_uri is a CSP option).
_OPTION_SETTINGS: dict[str, tuple[str, ...]] = {
    "content_security_policy": (
        "CONTENT_SECURITY_POLICY",
        "CONTENT_SECURITY_POLICY_REPORT_ONLY",
        "EXTRA_SECURITY_HEADERS",
    ),
    "frame_options": ("FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "EXTRA_SECURITY_HEADERS"),
    "strict_transport_security": ("HSTS_MAX_AGE", "HSTS_INCLUDE_SUBDOMAINS", "HSTS_PRELOAD"),
    "referrer_policy": ("REFERRER_POLICY",),
    "x_content_type_options": ("X_CONTENT_TYPE_OPTIONS",),
    "permissions_policy": ("PERMISSIONS_POLICY",),
    "document_policy": ("DOCUMENT_POLICY",),
    "feature_policy": ("EXTRA_SECURITY_HEADERS",),
    "x_xss_protection": ("EXTRA_SECURITY_HEADERS",),
    "force_file_save": ("EXTRA_SECURITY_HEADERS",),
}


def _forget(written: Mapping[str, Any], assigned: Iterable[str]) -> dict[str, Any]:
    """``written`` without what the ``assigned`` options go into, so that it is written again."""
    stale = set(assigned)
    for name in assigned:
        for prefix, keys in _OPTION_SETTINGS.items():
            if name.startswith(prefix):
                stale.update(keys)
    return {key: value for key, value in written.items() if key not in stale}


def _differs(before: Mapping[str, Any], key: str, value: Any) -> bool:
    """Whether ``value`` is not what was written for ``key`` last time (or nothing was)."""
    return key not in before or before[key] != value


def _write_cookie_settings(
    app: Hipflask, before: Mapping[str, Any], cookie: Mapping[str, Any]
) -> None:
    """The session cookie settings the cookie options imply, where they changed."""
    # Both flags are only ever turned on, as Flask-Talisman does: False
    # means "Talisman does not insist", not "send the cookie without the
    # flag", so the app's own (secure) setting stays.
    if (
        cookie["session_cookie_secure"]
        and _differs(before, "session_cookie_secure", True)
        and _secure_session_cookie not in app.before_first_request_funcs
    ):
        try:
            app.before_first_request(_secure_session_cookie)
        except SetupFinishedError:
            # The app serves already: its debug mode is the one it runs
            # in, and no first request is left to decide at.
            _secure_session_cookie(app)
    if cookie["session_cookie_http_only"] and _differs(
        before, "session_cookie_http_only", cookie["session_cookie_http_only"]
    ):
        app.config["SESSION_COOKIE_HTTPONLY"] = True
    if _differs(before, "session_cookie_samesite", cookie["session_cookie_samesite"]):
        app.config["SESSION_COOKIE_SAMESITE"] = cookie["session_cookie_samesite"]


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = set(options) - set(_DEFAULTS)
    if unknown:
        raise UnknownOptionError(
            f"Unknown Talisman option(s) {sorted(unknown)}; the options are"
            f" {', '.join(sorted(_DEFAULTS))}."
        )


class Talisman(LiveAttributes):
    """Security headers and HTTPS redirect, configured the way Flask-Talisman is."""

    _option_names = frozenset(_DEFAULTS)

    def __init__(self, app: Hipflask | None = None, **kwargs: Any) -> None:
        self._last_app: weakref.ref[Hipflask] | None = None
        self.options: dict[str, Any] = live_options(dict(_DEFAULTS), self._policy_changed)
        # Everything per app or per view is held weakly: an app factory's
        # apps (one per test) and their views must not live as long as a
        # module-level Talisman.
        self._view_kwargs: WeakKeyDictionary[Callable[..., Any], dict[str, Any]] = (
            WeakKeyDictionary()
        )
        self._views: WeakKeyDictionary[Hipflask, WeakKeyDictionary[Callable[..., Any], _View]] = (
            WeakKeyDictionary()
        )
        # Per app, the settings and cookie options last written into it; its
        # keys are the apps init_app was called with.
        self._written: WeakKeyDictionary[Hipflask, dict[str, Any]] = WeakKeyDictionary()
        if app is not None:
            self.init_app(app, **kwargs)

    @property
    def app(self) -> Hipflask | None:
        """The app ``init_app`` was last called with (while it lives), as Flask-Talisman keeps it.

        The options apply to every app the object was set up on, not to
        this one alone.
        """
        return self._last_app() if self._last_app is not None else None

    def init_app(self, app: Hipflask, **kwargs: Any) -> None:
        """Write the options into the app's header policy and register the redirect.

        One object may be set up on several apps (an app factory called once
        per test): the options are the object's, as in Flask-Talisman, so
        those given here, and any set later as attributes, apply to each of
        them.
        """
        _check_options(kwargs)
        self.options = live_options(
            normalized_options({**_DEFAULTS, **kwargs}), self._policy_changed
        )
        others = [known for known in list(self._written) if known is not app]
        commits = [self._prepare(app, everything=True)]
        commits += [self._prepare(known) for known in others]
        self._commit(commits)
        self._last_app = weakref.ref(app)

    @staticmethod
    def _normalize_options(options: dict[str, Any]) -> dict[str, Any]:
        return normalized_options(options)

    def _apps(self) -> list[Hipflask]:
        return list(self._written)

    def _apply_everywhere(self) -> None:
        """Apply the options to every app, or, if one refuses them, to none."""
        self._commit([self._prepare(app) for app in self._apps()])

    def _commit(self, commits: list[Callable[[], None]]) -> None:
        for commit in commits:
            commit()
        self._pending = False
        self.__dict__.get("_assigned", set()).clear()

    def _prepare(self, app: Hipflask, *, everything: bool = False) -> Callable[[], None]:
        """Work out the options' settings for ``app``; the returned function writes them.

        Everything that can refuse the options is worked out before the first
        setting is written, so a refusal leaves the apps as they were. After
        ``init_app`` (``everything``), only the settings whose value from the
        options changed, or that an assigned option goes into, are written:
        the app may have set the others itself since
        (``SESSION_COOKIE_SAMESITE = "Strict"``), and turning the HTTPS
        redirect off must not undo that.
        """
        own = policy_settings(self.options)
        written = self._written.get(app, {})
        before = {} if everything else _forget(written, self.__dict__.get("_assigned", ()))
        settings = with_app_settings(app.config, own, written.get("EXTRA_SECURITY_HEADERS", ()))
        writes = {key: settings[key] for key in own if _differs(before, key, own[key])}
        HeaderPolicy.from_config({**app.config, **writes})
        # Views decorated before init_app take the app's options as a base now,
        # as Flask-Talisman merges a view's options over the app's.
        views = {view: self._view_policy(app, kwargs) for view, kwargs in self._view_kwargs.items()}
        cookie = {name: self.options[name] for name in _COOKIE_OPTIONS}

        def commit() -> None:
            _warn_unlisted_preload(self.options)
            app.config.update(writes)
            _write_cookie_settings(app, before, cookie)
            self._written[app] = {**own, **cookie}
            app.gate.reset()
            app.extensions["talisman"] = self
            # Flask-Talisman's csp_nonce() is '' when the policy uses no nonce.
            app.jinja_env.globals["csp_nonce"] = self._csp_nonce
            self._views.setdefault(app, WeakKeyDictionary()).update(views)
            self._register(app)

        return commit

    def _register(self, app: Hipflask) -> None:
        """Register only the parts in use: an app with neither the redirect nor
        per-view options keeps the gate's direct path (headers only)."""
        views = list(self._views.get(app, {}).values())
        if self.options["force_https"] or any(options["force_https"] for options, _ in views):
            app.gate.add_check("talisman.force_https", self._force_https, order=ORDER_HOST + 10)
        # A policy of its own, not the gate's: building that one now would
        # keep it from seeing settings the app makes after Talisman(app).
        app_policy = HeaderPolicy.from_config(app.config)
        if app_policy.needs_nonce or any(policy.needs_nonce for _, policy in views):
            # The nonce is made here for every request whose policy uses one,
            # so the gate keeps the page out of shared caches
            # (hipflask.security.cache.keep_nonce_private) after the
            # per-view policy below had its say.
            app.gate.add_check("talisman.nonce", self._expose_nonce, order=ORDER_HOST + 11)
        if unlisted_preload(self.options) is not None or any(
            unlisted_preload(options) is not None for options, _ in views
        ):
            app.gate.add_finisher(
                "talisman.hsts_preload", self._add_preload, order=ORDER_HEADERS + 2
            )
        if views:
            app.gate.add_finisher("talisman.view_before", self._note_own, order=ORDER_HEADERS - 1)
            app.gate.add_finisher("talisman.view_after", self._apply_view, order=ORDER_HEADERS + 1)

    def __call__(self, **kwargs: Any) -> Callable[[F], F]:
        """Per-view options: ``@talisman(frame_options=None)`` on one view."""
        _check_options(kwargs)

        def decorator(view: F) -> F:
            apps = self._apps()
            # Refused here, where the view is decorated, with no app yet too.
            views = {app: self._view_policy(app, kwargs) for app in apps}
            if not apps:
                self._view_policy(None, kwargs)
            self._view_kwargs[view] = kwargs
            for app, found in views.items():
                self._views.setdefault(app, WeakKeyDictionary())[view] = found
                self._register(app)
            return view

        return decorator

    def _view_policy(self, app: Hipflask | None, kwargs: dict[str, Any]) -> _View:
        options = normalized_options({**self.options, **kwargs})
        config: Mapping[str, Any] = app.config if app is not None else {}
        sent = self._written.get(app, {}) if app is not None else {}
        merged = with_app_settings(
            config, policy_settings(options), sent.get("EXTRA_SECURITY_HEADERS", ())
        )
        policy = HeaderPolicy.from_config(merged)
        if unlisted_preload(options) != unlisted_preload(self.options):
            _warn_unlisted_preload(options)  # the app's own was reported by init_app
        return options, policy

    def _view_options(self, req: Request) -> _View | None:
        if not self._view_kwargs:
            return None  # no view of any app has options of its own
        ctx = _cv_request.get(None)
        if ctx is None or req.endpoint is None:
            return None
        views = self._views.get(ctx.app)
        if not views:
            return None
        # Through later decorators too: functools.wraps leaves __wrapped__.
        current: Any = ctx.app.view_functions.get(req.endpoint)
        found = views.get(current) if current is not None else None
        while found is None and hasattr(current, "__wrapped__"):
            current = current.__wrapped__
            found = views.get(current)
        return found

    def _force_https(self, req: Request) -> Response | None:
        """Redirect plain-HTTP requests to HTTPS (not in debug mode, as Talisman).

        Not refused for a ``Host`` the app was not told about: with no
        ``TRUSTED_HOSTS`` every host is one it serves, and a ported app would
        lose its redirect. Such a redirect is kept out of caches instead.

        ``request.is_secure`` already reflects a trusted proxy's
        ``X-Forwarded-Proto`` (``PROXY_FIX``); a client's own header is not
        believed, so it cannot turn the redirect off.
        """
        if req.is_secure:
            return None
        local = self._view_options(req)
        options = local[0] if local is not None else self.options
        if not options["force_https"] or current_app.debug:
            return None
        if not req.host:
            # A Host header with characters no host name has: there is no
            # host to send the client to, and "https:///evil.example" (the
            # path where the host should be) is what browsers follow to
            # https://evil.example/.
            raise BadRequest("The Host header is not a host name.")
        code = 301 if options["force_https_permanent"] else 302
        response = redirect(req.url.replace("http://", "https://", 1), code=code)
        if not req.trusted_hosts:
            # The Location names whatever Host the client sent. Sent back to
            # that client it is harmless (a browser sends the host of the URL
            # it was given), but a shared cache whose key leaves the Host out
            # (nginx's default proxy_cache_key) would store an attacker's
            # "301 to https://evil.example/" for every visitor. With
            # TRUSTED_HOSTS, other hosts were refused with 400 before this;
            # SERVER_NAME alone refuses none (it names the host for URLs
            # built outside a request, as in Flask).
            response.headers["Cache-Control"] = "no-store"
        return response

    def _expose_nonce(self, req: Request) -> None:
        """Put the response's nonce on ``request.csp_nonce``, as Flask-Talisman does.

        Views that build inline markup without a template read it there.
        Only when the request's policy uses a nonce: code written for
        Flask-Talisman tests ``getattr(request, "csp_nonce", "")``.
        """
        local = self._view_options(req)
        policy = local[1] if local is not None else current_app.gate.header_policy
        if policy.needs_nonce:
            req.csp_nonce = _policy_nonce()  # type: ignore[attr-defined]

    def _note_own(self, req: Request, response: Response) -> None:
        if self._view_options(req) is not None:
            own = {name.lower() for name, _ in response.headers} & _VIEW_HEADERS
            request_state().extensions[_STATE] = own

    def _apply_view(self, req: Request, response: Response) -> None:
        local = self._view_options(req)
        if local is None:
            return
        own = request_state().extensions.get(_STATE, set())
        for name in _VIEW_HEADERS - own:
            response.headers.pop(name, None)
        state = request_state()
        sent = local[1].apply(response.headers, req.scheme == "https", state.csp_nonce)
        if state.csp_nonce is None:
            # A nonce made for this header (a check refused the request
            # before the nonce check ran): the gate's cache rule looks for it.
            state.csp_nonce = sent

    def _add_preload(self, req: Request, response: Response) -> None:
        """Add ``; preload`` to the HSTS header the policy could not send with it.

        Only to the policy's own value (sent on HTTPS responses only): a
        header the view wrote differently is the view's choice and is kept.
        """
        local = self._view_options(req)
        value = unlisted_preload(local[0] if local is not None else self.options)
        if value is not None and response.headers.get(_HSTS) == value:
            response.headers[_HSTS] = f"{value}; preload"

    def _csp_nonce(self) -> str:
        """``csp_nonce()`` in templates: the response's nonce, or ``''`` without one.

        Flask-Talisman returns ``''`` when the request's policy puts no nonce
        in any directive, and templates may test it (``{% if csp_nonce() %}``).
        When the policy does use one, this is hipflask's per-response nonce,
        the one the header carries.
        """
        ctx = _cv_request.get(None)
        if ctx is None:
            return _policy_nonce()  # raises, saying a request is needed
        local = self._view_options(ctx.request)
        policy = local[1] if local is not None else ctx.app.gate.header_policy
        return _policy_nonce() if policy.needs_nonce else ""


def _warn_unlisted_preload(options: Mapping[str, Any]) -> None:
    if unlisted_preload(options) is not None:
        _log.warning(
            "strict_transport_security_preload=True with max-age %s%s: browsers'"
            " HSTS preload lists require a max-age of at least %d seconds (a year)"
            " and includeSubDomains, so the site cannot be preloaded with this"
            " header. It is sent as asked.",
            options["strict_transport_security_max_age"],
            ""
            if options["strict_transport_security_include_subdomains"]
            else " and no includeSubDomains",
            DEFAULT_HSTS_MAX_AGE,
        )
