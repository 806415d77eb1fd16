"""CSRF protection for every view: Flask-WTF's ``CSRFProtect`` on the security gate.

``CSRFProtect(app)`` checks a token on every unsafe request (``POST``,
``PUT``, ``PATCH``, ``DELETE``) before ``before_request`` hooks and the view
run, not only on views that build a ``FlaskForm``: a view that reads
``request.form`` directly, or a JSON endpoint called by ``fetch``, is
protected the same way. The token comes from a form field (``csrf_token``,
or any field whose name ends with it, as prefixed forms write it) or from the
``X-CSRFToken`` / ``X-CSRF-Token`` header. A refusal is a :class:`CSRFError`
(400) naming the reason, which ``@app.errorhandler(CSRFError)`` can render.

The check is registered in the gate after the header-based cross-origin
check, which stays in front: a cross-site POST is refused with 403 even when
it carries a valid token (one stolen from a page, say).

The token itself (signing, time limit, binding to the session) is
:mod:`hipflask.security.csrf`; this module finds it in the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from markupsafe import Markup
from werkzeug.exceptions import BadRequest
from wtforms import ValidationError

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..core.blueprints import Blueprint
from ..security import csrf as _tokens
from ..security.gate import ORDER_CSRF

if TYPE_CHECKING:
    from ..core.app import Hipflask
    from ..wrappers.request import Request

__all__ = [
    "CSRFError",
    "CSRFProtect",
    "csrf_meta_tag",
    "generate_csrf",
    "validate_csrf",
]

logger = logging.getLogger("hipflask.forms.csrf")

V = TypeVar("V")

#: The settings and their defaults; ``CSRFProtect.init_app`` puts any that
#: are missing into the app's config (all but ``WTF_CSRF_SECRET_KEY``, which
#: Flask-WTF leaves out too), and forms used without ``CSRFProtect`` read the
#: same defaults.
DEFAULTS: dict[str, Any] = {
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_CHECK_DEFAULT": True,
    "WTF_CSRF_SECRET_KEY": None,
    "WTF_CSRF_TIME_LIMIT": 3600,
    "WTF_CSRF_FIELD_NAME": "csrf_token",
    "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
    "WTF_CSRF_METHODS": {"POST", "PUT", "PATCH", "DELETE"},
    "WTF_CSRF_SSL_STRICT": True,
    "WTF_CSRF_META_NAME": "csrf-token",
}

# Per-request cache of issued tokens on ``g``: one token per page, however
# many forms and ``csrf_token()`` calls render it.
_G_TOKENS = "_hipflask_csrf_tokens"


class CSRFError(BadRequest):
    """A CSRF check failed (400); ``description`` is the named reason.

    Register ``@app.errorhandler(CSRFError)`` to render it your way.
    """

    description = "CSRF validation failed."


def setting(name: str) -> Any:
    """A ``WTF_CSRF_*`` setting of the current app, or its default."""
    return current_app.config.get(name, DEFAULTS[name])


def _secret_key(secret_key: str | bytes | None) -> str | bytes | None:
    return secret_key or setting("WTF_CSRF_SECRET_KEY")


def generate_csrf(secret_key: str | bytes | None = None, token_key: str | None = None) -> str:
    """The CSRF token for the current session, for a form field or a header.

    The same token is returned for the rest of the request; the session
    gets its secret on the first call (so the session cookie is sent).
    The token is also left on ``g`` under the session key
    (``g.csrf_token``), as Flask-WTF leaves it: a test that keeps the
    request context (``with client:``) reads the token of the page it
    fetched from there and posts it back.

    :param secret_key: sign with this key instead of ``WTF_CSRF_SECRET_KEY``
        or the app's key ring.
    :param token_key: the session key that holds the secret
        (``WTF_CSRF_FIELD_NAME``).
    """
    key = _secret_key(secret_key)
    field_name = token_key or setting("WTF_CSRF_FIELD_NAME")
    cache: dict[tuple[str, Any], tuple[Any, str]] | None = g.get(_G_TOKENS)
    if cache is None:
        cache = {}
        setattr(g, _G_TOKENS, cache)
    cached = cache.get((field_name, key))
    # A token issued earlier in this request stands only while the session
    # keeps the secret it was made from (a login may have rotated it since).
    if cached is not None and cached[0] == session.get(field_name):
        token = cached[1]
    else:
        token = _tokens.issue_token(
            current_app.config, session, token_key=field_name, secret_key=key
        )
        cache[(field_name, key)] = (session.get(field_name), token)
    if secret_key is None or field_name not in g:
        # The token a form of the page posts back: one made with a key of the
        # caller's own does not replace it.
        setattr(g, field_name, token)
    return token


def validate_csrf(
    data: object,
    secret_key: str | bytes | None = None,
    time_limit: float | None = None,
    token_key: str | None = None,
) -> None:
    """Check a token against the current session; raise ``ValidationError`` with the reason.

    Parameters left out come from the ``WTF_CSRF_*`` settings. A
    ``ValidationError`` is what WTForms fields raise, so this can be used as
    a field validator as well as in a view. ``data`` may be ``bytes``, as
    with Flask-WTF.
    """
    if time_limit is None:
        time_limit = setting("WTF_CSRF_TIME_LIMIT")
    if isinstance(data, bytes):
        # A token is ASCII; other bytes become text that fails the signature.
        data = data.decode("ascii", "replace")
    try:
        _tokens.verify_token(
            current_app.config,
            session,
            data,
            time_limit=time_limit,
            token_key=token_key or setting("WTF_CSRF_FIELD_NAME"),
            secret_key=_secret_key(secret_key),
        )
    except _tokens.CSRFTokenError as exc:
        raise ValidationError(exc.reason) from None


def csrf_meta_tag(
    name: str | None = None,
    secret_key: str | bytes | None = None,
    token_key: str | None = None,
) -> Markup:
    """A ``<meta name="csrf-token">`` tag for scripts that send the ``X-CSRFToken`` header."""
    meta_name = name or setting("WTF_CSRF_META_NAME")
    token = generate_csrf(secret_key, token_key)
    return Markup('<meta name="{}" content="{}">').format(meta_name, token)


def _method_set(methods: Any) -> set[str]:
    """``WTF_CSRF_METHODS`` as a set of upper-case names, as Flask-WTF keeps a list or tuple.

    Flask-WTF's ``set("POST")`` is the set of its letters and a ``"post"``
    never matches a request's method: either way the check is silently off.
    Here one string is one method, and the names match in any case.
    """
    if isinstance(methods, str):
        methods = [methods]
    return {str(method).upper() for method in methods}


#: Upper-case method names: a set of them is used as it is.
_STANDARD_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def _is_checked(method: str, methods: Any) -> bool:
    """Whether ``WTF_CSRF_METHODS`` covers ``method``, however the app wrote it.

    ``init_app`` turns the setting into a set of upper-case names, which is
    read as it is; a value assigned afterwards (``["post"]``, ``"POST"``) is
    read as :func:`_method_set` reads it, so it cannot turn the check off.
    """
    if type(methods) is set and methods <= _STANDARD_METHODS:
        return method in methods
    return method in _method_set(methods)


def _view_location(view: Callable[..., Any]) -> str:
    return f"{view.__module__}.{view.__name__}"


def _template_names() -> dict[str, Any]:
    return {"csrf_token": generate_csrf, "csrf_meta_tag": csrf_meta_tag}


class CSRFProtect:
    """Require a valid CSRF token on every unsafe request of an app.

    ``CSRFProtect(app)`` or, with an app factory, ``csrf = CSRFProtect()``
    then ``csrf.init_app(app)``. Views and blueprints that must accept
    unsafe requests without a token (a webhook that authenticates by
    signature) are marked with :meth:`exempt`.
    """

    def __init__(self, app: Hipflask | None = None) -> None:
        self._exempt_views: set[str] = set()
        self._exempt_blueprints: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Hipflask) -> None:
        """Register the check and the ``csrf_token()`` template global on ``app``."""
        app.extensions["csrf"] = self
        for name, value in DEFAULTS.items():
            if name == "WTF_CSRF_SECRET_KEY":
                # Unset means the key ring; code that reads the setting with
                # SECRET_KEY as its fallback, as Flask-WTF's forms do, gets it.
                continue
            # Copies: the method set and header list must not be shared
            # between apps, where changing one would change the other.
            app.config.setdefault(name, value.copy() if hasattr(value, "copy") else value)
        app.config["WTF_CSRF_METHODS"] = _method_set(app.config["WTF_CSRF_METHODS"])
        app.jinja_env.globals["csrf_token"] = generate_csrf
        app.jinja_env.globals["csrf_meta_tag"] = csrf_meta_tag
        # In each render's context too, as Flask-WTF puts them: code that
        # reads the context (template_rendered receivers, tests) finds them.
        app.context_processor(_template_names)
        app.gate.add_check("csrf", self._check, order=ORDER_CSRF)

    def _check(self, request: Request) -> None:
        """The gate check: skip what is exempt or off, then :meth:`protect`."""
        config = current_app.config
        if not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"]:
            return None
        if not _is_checked(request.method, config["WTF_CSRF_METHODS"]):
            return None
        if not request.endpoint:
            # No route matched: the 404 or 405 that follows changes nothing.
            return None
        if self._is_exempt(request):
            return None
        self.protect()
        return None

    def _is_exempt(self, request: Request) -> bool:
        """Whether the request's view or one of its blueprints was marked :meth:`exempt`."""
        if self._exempt_blueprints:
            # request.blueprints holds the names blueprints were registered
            # under ("parent.child", or a name= given at registration);
            # exempt() kept each blueprint's own name.
            registered = current_app.blueprints
            names = {
                registered[name].name if name in registered else name for name in request.blueprints
            }
            if not self._exempt_blueprints.isdisjoint(names):
                return True
        endpoint = request.endpoint
        view = current_app.view_functions.get(endpoint) if endpoint else None
        return view is not None and _view_location(view) in self._exempt_views

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the current request's token now; raise :class:`CSRFError` if it fails.

        With ``WTF_CSRF_CHECK_DEFAULT = False`` nothing is checked
        automatically; call this from a ``before_request`` hook or a view to
        choose where tokens are required. ``apply_exemptions=True`` skips the
        views and blueprints marked :meth:`exempt`, as the automatic check
        does (Flask-WTF 1.3).
        """
        if not _is_checked(request.method, setting("WTF_CSRF_METHODS")):
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt(request)):
            # No route matched: the 404 or 405 that follows changes nothing.
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as exc:
            reason = str(exc.args[0])
            logger.info(reason)
            raise CSRFError(reason) from None
        if request.is_secure and setting("WTF_CSRF_SSL_STRICT"):
            reason_or_none = _tokens.check_referrer(request.referrer, request.host)
            if reason_or_none is not None:
                logger.info(reason_or_none)
                raise CSRFError(reason_or_none)
        g.csrf_valid = True

    def _get_csrf_token(self) -> str | None:
        field_name = setting("WTF_CSRF_FIELD_NAME")
        form = request.form
        token = form.get(field_name)
        if token:
            return token
        # A form built with a prefix names the field "<prefix>-csrf_token".
        for key in form:
            # A multipart part without a name is filed under None.
            if isinstance(key, str) and key.endswith(field_name):
                token = form[key]
                if token:
                    return token
        for header in setting("WTF_CSRF_HEADERS"):
            token = request.headers.get(header)
            if token:
                return token
        return None

    def exempt(self, view: V) -> V:
        """Let a view, a blueprint (and the blueprints nested in it) skip the check.

        Takes the view function (use it as a decorator, above ``@app.route``
        or below it), a :class:`~hipflask.Blueprint`, or a view's dotted
        location as a string (``"myapp.views.webhook"``).
        """
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view.name)
        elif isinstance(view, str):
            self._exempt_views.add(view)
        else:
            self._exempt_views.add(_view_location(view))  # type: ignore[arg-type]
        return view
