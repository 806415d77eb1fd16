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
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

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
ALLOW_FROM = "ALLOW-FROM"
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
# The headers Talisman sends beyond the policy's own (as its
# EXTRA_SECURITY_HEADERS): a view's options replace them as they replace the
# policy's, or the app's Feature-Policy would stand in for the view's.
_TALISMAN_HEADERS = frozenset({"x-xss-protection", "x-download-options", "feature-policy"})
_VIEW_HEADERS = MANAGED_HEADERS | _TALISMAN_HEADERS

_log = logging.getLogger("hipflask.talisman")


class UnknownOptionError(ConfigurationError, TypeError):
    """A keyword argument Talisman does not take.

    Also a :class:`TypeError`, what Python (and so Flask-Talisman) raises for
    an unexpected keyword, so code that catches ``TypeError`` keeps working.
    """


class MissingReportUriError(ConfigurationError, ValueError):
    """``content_security_policy_report_only`` without a report URI.

    Also a :class:`ValueError`, which Flask-Talisman raises here, so code
    that catches ``ValueError`` keeps working.
    """


def _csp(options: Mapping[str, Any]) -> dict[str, Any] | None:
    """Talisman's CSP options as the policy's ``CONTENT_SECURITY_POLICY``."""
    value = options["content_security_policy"]
    if not value:
        return None
    if isinstance(value, str):
        directives: dict[str, Any] = {}
        for part in value.split(";"):
            tokens = part.split()
            if tokens:
                directives[tokens[0]] = tokens[1:]
    else:
        directives = {
            name: sources.split() if isinstance(sources, str) else list(sources)
            for name, sources in value.items()
        }
    # The nonce goes into the named directives the policy has, never a new
    # one: a new "script-src 'nonce-...'" would override default-src for
    # scripts and block every script the policy allowed by origin
    # (Flask-Talisman's documented behaviour, and what ported apps rely on).
    wanted = {
        name.lower() for name in _directive_names(options["content_security_policy_nonce_in"])
    }
    for name, sources in directives.items():
        if name.lower() in wanted:
            directives[name] = [*sources, "{nonce}"]
    # A report-uri the policy names itself is kept, as Flask-Talisman keeps
    # it: the argument is then a fallback, and two report-uri directives
    # would leave browsers using only the first.
    report_uri = options["content_security_policy_report_uri"]
    if report_uri and "report-uri" not in {name.lower() for name in directives}:
        directives["report-uri"] = [report_uri]
    return directives


def _directive_names(nonce_in: str | Iterable[str] | None) -> list[str]:
    """``content_security_policy_nonce_in`` as a list of directive names.

    A string is taken as names separated by spaces or commas, not as its
    characters: Flask-Talisman looks directives up *in* it, so
    ``nonce_in="script-src"`` works there and must work in a port.
    """
    if not nonce_in:
        return []
    if isinstance(nonce_in, str):
        return nonce_in.replace(",", " ").split()
    return list(nonce_in)


def _feature_policy(value: str | Mapping[str, Any]) -> str:
    """Render ``feature_policy`` as Flask-Talisman does: ``feature origins; ...``.

    A feature's allowlist may be a string or a list of origins, as a CSP
    directive's may; a list (or a tuple or a set: Flask-Talisman joins
    whatever is not a string) is written space-separated, the header's own
    syntax, so ``{"camera": ["'self'", "https://a.example"]}`` allows both.
    """
    if not isinstance(value, Mapping):
        return value
    return "; ".join(f"{name} {_origins(allow)}" for name, allow in value.items())


def _origins(allow: Any) -> str:
    """A feature's allowlist as the header writes it: origins space-separated."""
    if isinstance(allow, Iterable) and not isinstance(allow, (str, bytes)):
        return " ".join(map(str, allow))
    return str(allow)


def _unlisted_preload(options: Mapping[str, Any]) -> str | None:
    """The HSTS value that must gain ``; preload`` after the header policy sent it.

    The header policy refuses ``HSTS_PRELOAD`` with a max-age under a year or
    without ``includeSubDomains``, since the preload lists reject such a
    header. Flask-Talisman sends it anyway, and a port must not start
    failing: the policy sends the header without ``preload`` and Talisman
    adds it (see :meth:`Talisman._add_preload`). ``None`` when the policy can
    send the header itself.
    """
    max_age = options["strict_transport_security_max_age"]
    subdomains = bool(options["strict_transport_security_include_subdomains"])
    if (
        not options["strict_transport_security"]
        or not options["strict_transport_security_preload"]
        or (isinstance(max_age, int) and max_age >= DEFAULT_HSTS_MAX_AGE and subdomains)
    ):
        return None
    return f"max-age={max_age}; includeSubDomains" if subdomains else f"max-age={max_age}"


def policy_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """Translate Talisman's arguments into the header policy's settings."""
    report_only = options["content_security_policy_report_only"]
    if report_only and options["content_security_policy_report_uri"] is None:
        # A report-only policy blocks nothing; without a URI it reports to
        # nobody either, so it would do nothing at all.
        raise MissingReportUriError(
            "content_security_policy_report_only=True needs"
            " content_security_policy_report_uri: a report-only policy blocks"
            " nothing, and without a URI its reports go nowhere."
        )
    frame = options["frame_options"]
    csp = _csp(options)
    extra = []
    if frame == ALLOW_FROM:
        # ALLOW-FROM is ignored by current browsers; CSP frame-ancestors is
        # what they honour, so the allowed origin goes there instead.
        allowed = options["frame_options_allow_from"]
        if not allowed:
            raise ConfigurationError("frame_options=ALLOW_FROM needs frame_options_allow_from.")
        csp = dict(csp or {})
        csp.setdefault("frame-ancestors", [allowed])
        frame = None
        if report_only:
            # With no X-Frame-Options, a report-only frame-ancestors would
            # leave framing unprotected: it is enforced on its own.
            extra.append(("Content-Security-Policy", f"frame-ancestors {allowed}"))
    hsts = options["strict_transport_security"]
    preload = bool(options["strict_transport_security_preload"])
    if _unlisted_preload(options) is not None:
        preload = False
    if options["x_xss_protection"]:
        extra.append(("X-XSS-Protection", "1; mode=block"))
    if options["force_file_save"]:
        extra.append(("X-Download-Options", "noopen"))
    if options["feature_policy"]:
        extra.append(("Feature-Policy", _feature_policy(options["feature_policy"])))
    return {
        "CONTENT_SECURITY_POLICY": csp,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": bool(report_only),
        "FRAME_OPTIONS": frame,
        "REFERRER_POLICY": options["referrer_policy"],
        "HSTS_MAX_AGE": options["strict_transport_security_max_age"] if hsts else None,
        "HSTS_INCLUDE_SUBDOMAINS": bool(options["strict_transport_security_include_subdomains"]),
        "HSTS_PRELOAD": preload,
        "X_CONTENT_TYPE_OPTIONS": bool(options["x_content_type_options"]),
        "PERMISSIONS_POLICY": options["permissions_policy"] or None,
        "DOCUMENT_POLICY": options["document_policy"] or None,
        "EXTRA_SECURITY_HEADERS": extra,
    }


# The header policy's settings Talisman has no argument for: the app's own
# choice stays, under a view's options too.
_APP_ONLY_SETTINGS = ("SECURITY_HEADERS", "CROSS_ORIGIN_OPENER_POLICY")


def _is_pairs(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], str)
        for pair in value
    )


def _with_app_settings(
    config: Mapping[str, Any], settings: dict[str, Any], sent: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Talisman's settings on top of the header settings the app made itself.

    ``EXTRA_SECURITY_HEADERS`` is added up rather than replaced: the app's
    own headers stay beside the ones Talisman sends, which Talisman alone
    decides (so applying the options again replaces its own, never doubles
    them: ``sent`` are those it wrote there before, such as the enforced
    ``frame-ancestors`` of a report-only policy).
    ``CROSS_ORIGIN_OPENER_POLICY`` and ``SECURITY_HEADERS`` are the app's.
    """
    merged = {key: config[key] for key in _APP_ONLY_SETTINGS if key in config}
    merged.update(settings)
    own = config.get("EXTRA_SECURITY_HEADERS") or []
    if _is_pairs(own):
        earlier = set(sent)
        kept = [
            pair
            for pair in own
            if pair[0].lower() not in _TALISMAN_HEADERS and tuple(pair) not in earlier
        ]
        merged["EXTRA_SECURITY_HEADERS"] = [*kept, *settings["EXTRA_SECURITY_HEADERS"]]
    else:
        # Malformed: left for the header policy to refuse, naming the setting.
        merged["EXTRA_SECURITY_HEADERS"] = own
    return merged


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


def _normalized(options: dict[str, Any]) -> dict[str, Any]:
    """The options with a max-age given as digits or a whole float made an int.

    Flask-Talisman writes the max-age into the header as it is given, so one
    read from the environment (``os.environ.get("HSTS_MAX_AGE", ...)``)
    starts there, and so does ``timedelta(days=365).total_seconds()``
    (whose ``max-age=31536000.0`` browsers then ignore); the header policy
    takes integers only. Anything else is left for the policy to refuse.
    """
    max_age = options["strict_transport_security_max_age"]
    if isinstance(max_age, str):
        digits = max_age.strip()
        if digits.isascii() and digits.isdigit():
            options["strict_transport_security_max_age"] = int(digits)
    elif isinstance(max_age, float) and max_age.is_integer() and max_age >= 0:
        options["strict_transport_security_max_age"] = int(max_age)
    return options


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
        self.app = app
        self.options: dict[str, Any] = live_options(dict(_DEFAULTS), self._reapply)
        self._views: dict[Callable[..., Any], tuple[dict[str, Any], HeaderPolicy]] = {}
        self._view_kwargs: dict[Callable[..., Any], dict[str, Any]] = {}
        # The EXTRA_SECURITY_HEADERS pairs last written into the app's settings.
        self._sent: list[tuple[str, str]] = []
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Hipflask, **kwargs: Any) -> None:
        """Write the options into the app's header policy and register the redirect."""
        _check_options(kwargs)
        self.app = app
        self.options = live_options(_normalized({**_DEFAULTS, **kwargs}), self._reapply)
        self._apply(app)

    @staticmethod
    def _normalize_options(options: dict[str, Any]) -> dict[str, Any]:
        return _normalized(options)

    def _apply(self, app: Hipflask) -> None:
        """Write the options into the app's settings; again after one changes.

        Everything that can refuse the options is worked out before the first
        setting is written, so a refusal leaves the app as it was.
        """
        own = policy_settings(self.options)
        settings = _with_app_settings(app.config, own, self._sent)
        HeaderPolicy.from_config({**app.config, **settings})
        # Views decorated before init_app take the app's options as a base now,
        # as Flask-Talisman merges a view's options over the app's.
        views = {view: self._view_policy(kwargs) for view, kwargs in self._view_kwargs.items()}
        _warn_unlisted_preload(self.options)
        app.config.update(settings)
        self._pending = False
        self._sent = [tuple(pair) for pair in own["EXTRA_SECURITY_HEADERS"]]
        # Both flags are only ever turned on, as Flask-Talisman does: False
        # means "Talisman does not insist", not "send the cookie without the
        # flag", so the app's own (secure) setting stays.
        if (
            self.options["session_cookie_secure"]
            and _secure_session_cookie not in app.before_first_request_funcs
        ):
            try:
                app.before_first_request(_secure_session_cookie)
            except SetupFinishedError:
                # The app serves already: its debug mode is the one it runs
                # in, and no first request is left to decide at.
                _secure_session_cookie(app)
        if self.options["session_cookie_http_only"]:
            app.config["SESSION_COOKIE_HTTPONLY"] = True
        app.config["SESSION_COOKIE_SAMESITE"] = self.options["session_cookie_samesite"]
        app.gate.reset()
        app.extensions["talisman"] = self
        # Flask-Talisman's csp_nonce() is '' when the policy uses no nonce.
        app.jinja_env.globals["csp_nonce"] = self._csp_nonce
        self._views.update(views)
        self._register(app)

    def _register(self, app: Hipflask) -> None:
        """Register only the parts in use: an app with neither the redirect nor
        per-view options keeps the gate's direct path (headers only)."""
        views = self._views.values()
        if self.options["force_https"] or any(options["force_https"] for options, _ in views):
            app.gate.add_check("talisman.force_https", self._force_https, order=ORDER_HOST + 10)
        # A policy of its own, not the gate's: building that one now would
        # keep it from seeing settings the app makes after Talisman(app).
        app_policy = HeaderPolicy.from_config(app.config)
        if app_policy.needs_nonce or any(policy.needs_nonce for _, policy in views):
            app.gate.add_check("talisman.nonce", self._expose_nonce, order=ORDER_HOST + 11)
        if _unlisted_preload(self.options) is not None or any(
            _unlisted_preload(options) is not None for options, _ in views
        ):
            app.gate.add_finisher(
                "talisman.hsts_preload", self._add_preload, order=ORDER_HEADERS + 2
            )
        if self._views:
            app.gate.add_finisher("talisman.view_before", self._note_own, order=ORDER_HEADERS - 1)
            app.gate.add_finisher("talisman.view_after", self._apply_view, order=ORDER_HEADERS + 1)

    def __call__(self, **kwargs: Any) -> Callable[[F], F]:
        """Per-view options: ``@talisman(frame_options=None)`` on one view."""
        _check_options(kwargs)

        def decorator(view: F) -> F:
            self._view_kwargs[view] = kwargs
            self._views[view] = self._view_policy(kwargs)
            if self.app is not None:
                self._register(self.app)
            return view

        return decorator

    def _view_policy(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], HeaderPolicy]:
        options = _normalized({**self.options, **kwargs})
        config: Mapping[str, Any] = self.app.config if self.app is not None else {}
        merged = _with_app_settings(config, policy_settings(options), self._sent)
        policy = HeaderPolicy.from_config(merged)
        if _unlisted_preload(options) != _unlisted_preload(self.options):
            _warn_unlisted_preload(options)  # the app's own was reported by init_app
        return options, policy

    def _view_options(self, req: Request) -> tuple[dict[str, Any], HeaderPolicy] | None:
        if not self._views or self.app is None or req.endpoint is None:
            return None
        # Through later decorators too: functools.wraps leaves __wrapped__.
        current: Any = self.app.view_functions.get(req.endpoint)
        found = self._views.get(current)
        while found is None and hasattr(current, "__wrapped__"):
            current = current.__wrapped__
            found = self._views.get(current)
        return found

    def _force_https(self, req: Request) -> Response | None:
        """Redirect plain-HTTP requests to HTTPS (not in debug mode, as Talisman).

        ``request.is_secure`` already reflects a trusted proxy's
        ``X-Forwarded-Proto`` (``PROXY_FIX``); a client's own header is not
        believed, so it cannot turn the redirect off.
        """
        local = self._view_options(req)
        options = local[0] if local is not None else self.options
        if not options["force_https"] or req.is_secure or (self.app and self.app.debug):
            return None
        if not req.host:
            # A Host header with characters no host name has: there is no
            # host to send the client to, and "https:///evil.example" (the
            # path where the host should be) is what browsers follow to
            # https://evil.example/.
            raise BadRequest("The Host header is not a host name.")
        code = 301 if options["force_https_permanent"] else 302
        return redirect(req.url.replace("http://", "https://", 1), code=code)

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
        local[1].apply(response.headers, req.scheme == "https", request_state().csp_nonce)

    def _add_preload(self, req: Request, response: Response) -> None:
        """Add ``; preload`` to the HSTS header the policy could not send with it.

        Only to the policy's own value (sent on HTTPS responses only): a
        header the view wrote differently is the view's choice and is kept.
        """
        local = self._view_options(req)
        value = _unlisted_preload(local[0] if local is not None else self.options)
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
    if _unlisted_preload(options) is not None:
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
