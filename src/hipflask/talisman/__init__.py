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

from collections.abc import Callable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from hipflask.contexts.state import request_state
from hipflask.core.helpers import redirect
from hipflask.errors import ConfigurationError
from hipflask.security.gate import ORDER_HEADERS
from hipflask.security.gate import ORDER_HOST
from hipflask.security.headers import MANAGED_HEADERS
from hipflask.security.headers import HeaderPolicy

if TYPE_CHECKING:
    from hipflask.core.app import Hipflask
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

__all__ = [
    "ALLOW_FROM",
    "DEFAULT_CSP_POLICY",
    "DEFAULT_DOCUMENT_POLICY",
    "DEFAULT_FEATURE_POLICY",
    "DEFAULT_PERMISSIONS_POLICY",
    "DEFAULT_REFERRER_POLICY",
    "DENY",
    "GOOGLE_CSP_POLICY",
    "ONE_YEAR_IN_SECS",
    "SAMEORIGIN",
    "Talisman",
]

F = TypeVar("F", bound=Callable[..., Any])

DENY = "DENY"
SAMEORIGIN = "SAMEORIGIN"
ALLOW_FROM = "ALLOW-FROM"
ONE_YEAR_IN_SECS = 31556926
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
    for name in options["content_security_policy_nonce_in"] or ():
        directives.setdefault(name, [])
        directives[name] = [*directives[name], "{nonce}"]
    if options["content_security_policy_report_uri"]:
        directives["report-uri"] = [options["content_security_policy_report_uri"]]
    return directives


def policy_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """Translate Talisman's arguments into the header policy's settings."""
    frame = options["frame_options"]
    csp = _csp(options)
    if frame == ALLOW_FROM:
        # ALLOW-FROM is ignored by current browsers; CSP frame-ancestors is
        # what they honour, so the allowed origin goes there instead.
        allowed = options["frame_options_allow_from"]
        if not allowed:
            raise ConfigurationError("frame_options=ALLOW_FROM needs frame_options_allow_from.")
        csp = dict(csp or {})
        csp.setdefault("frame-ancestors", [allowed])
        frame = None
    hsts = options["strict_transport_security"]
    extra = []
    if options["x_xss_protection"]:
        extra.append(("X-XSS-Protection", "1; mode=block"))
    if options["force_file_save"]:
        extra.append(("X-Download-Options", "noopen"))
    if options["feature_policy"]:
        feature = options["feature_policy"]
        if isinstance(feature, Mapping):
            feature = "; ".join(f"{name} {value}" for name, value in feature.items())
        extra.append(("Feature-Policy", feature))
    return {
        "CONTENT_SECURITY_POLICY": csp,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": bool(options["content_security_policy_report_only"]),
        "FRAME_OPTIONS": frame,
        "REFERRER_POLICY": options["referrer_policy"],
        "HSTS_MAX_AGE": options["strict_transport_security_max_age"] if hsts else None,
        "HSTS_INCLUDE_SUBDOMAINS": bool(options["strict_transport_security_include_subdomains"]),
        "HSTS_PRELOAD": bool(options["strict_transport_security_preload"]),
        "X_CONTENT_TYPE_OPTIONS": bool(options["x_content_type_options"]),
        "PERMISSIONS_POLICY": options["permissions_policy"] or None,
        "DOCUMENT_POLICY": options["document_policy"] or None,
        "EXTRA_SECURITY_HEADERS": extra,
    }


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = set(options) - set(_DEFAULTS)
    if unknown:
        raise ConfigurationError(
            f"Unknown Talisman option(s) {sorted(unknown)}; the options are"
            f" {', '.join(sorted(_DEFAULTS))}."
        )


class Talisman:
    """Security headers and HTTPS redirect, configured the way Flask-Talisman is."""

    def __init__(self, app: Hipflask | None = None, **kwargs: Any) -> None:
        self.app = app
        self.options: dict[str, Any] = dict(_DEFAULTS)
        self._views: dict[Callable[..., Any], tuple[dict[str, Any], HeaderPolicy]] = {}
        self._view_kwargs: dict[Callable[..., Any], dict[str, Any]] = {}
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Hipflask, **kwargs: Any) -> None:
        """Write the options into the app's header policy and register the redirect."""
        _check_options(kwargs)
        self.app = app
        self.options = {**_DEFAULTS, **kwargs}
        settings = policy_settings(self.options)
        app.config.update(settings)
        if self.options["session_cookie_secure"] and not app.debug:
            app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_HTTPONLY"] = bool(self.options["session_cookie_http_only"])
        app.config["SESSION_COOKIE_SAMESITE"] = self.options["session_cookie_samesite"]
        app.gate.reset()
        app.extensions["talisman"] = self
        # Views decorated before init_app take the app's options as a base now,
        # as Flask-Talisman merges a view's options over the app's.
        for view, view_kwargs in self._view_kwargs.items():
            self._views[view] = self._view_policy(view_kwargs)
        self._register(app)

    def _register(self, app: Hipflask) -> None:
        """Register only the parts in use: an app with neither the redirect nor
        per-view options keeps the gate's direct path (headers only)."""
        views = self._views.values()
        if self.options["force_https"] or any(options["force_https"] for options, _ in views):
            app.gate.add_check("talisman.force_https", self._force_https, order=ORDER_HOST + 10)
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
        options = {**self.options, **kwargs}
        return options, HeaderPolicy.from_config(policy_settings(options))

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
        code = 301 if options["force_https_permanent"] else 302
        return redirect(req.url.replace("http://", "https://", 1), code=code)

    def _note_own(self, req: Request, response: Response) -> None:
        if self._view_options(req) is not None:
            own = {name.lower() for name, _ in response.headers} & MANAGED_HEADERS
            request_state().extensions[_STATE] = own

    def _apply_view(self, req: Request, response: Response) -> None:
        local = self._view_options(req)
        if local is None:
            return
        own = request_state().extensions.get(_STATE, set())
        for name in MANAGED_HEADERS - own:
            response.headers.pop(name, None)
        local[1].apply(response.headers, req.scheme == "https", request_state().csp_nonce)
