"""``Principal``: loading the request's identity, and the two signals.

Before every request the identity is loaded by the ``identity_loader``
functions, the last registered first. With ``use_sessions`` the session's
loader is registered by ``init_app``, as in Flask-Principal: loaders
registered after it are asked before the session, loaders registered
before it only when the session holds no identity. The user logged in with
:mod:`hipflask.login`, when that is in use, is asked just before the
session (or last, without one). Whoever is found is announced with
``identity_loaded``, whose receivers add the needs the identity provides.
Nobody found means :class:`AnonymousIdentity`.

Views that change who is logged in send ``identity_changed``; the identity is
then set for the rest of the request and saved (in the session by default).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from blinker import Namespace
from werkzeug.exceptions import Forbidden

from ..contexts.ctx import has_request_context
from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..core.handler_marks import app_error_handler
from .identity import AnonymousIdentity
from .identity import Identity
from .permission import PermissionDenied

signals = Namespace()

#: Sent by the app when the logged-in identity changes: ``identity=...``.
identity_changed = signals.signal("identity-changed")

#: Sent when an identity is set for a request; receivers fill ``identity.provides``.
identity_loaded = signals.signal("identity-loaded")

#: The key under ``app.extensions`` holding functions that return the identity
#: of the logged-in user (:mod:`hipflask.login` adds one), or ``None``.
PROVIDERS_KEY = "hipflask.identity_providers"

IdentityLoader = Callable[[], "Identity | None"]
IdentitySaver = Callable[[Identity], Any]


def add_identity_provider(app: Any, provider: IdentityLoader) -> None:
    """Let a login system supply the identity of its logged-in user."""
    providers: list[IdentityLoader] = app.extensions.setdefault(PROVIDERS_KEY, [])
    if provider not in providers:
        providers.append(provider)


def _from_providers() -> Identity | None:
    providers: list[IdentityLoader] = current_app.extensions.get(PROVIDERS_KEY, [])
    for provider in providers:
        identity = provider()
        if identity is not None:
            return identity
    return None


def session_identity_loader() -> Identity | None:
    """The identity saved in the session by :func:`session_identity_saver`."""
    if "identity.id" in session and "identity.auth_type" in session:
        return Identity(session["identity.id"], session["identity.auth_type"])
    return None


def session_identity_saver(identity: Identity) -> None:
    """Keep the identity in the session for the next requests."""
    session["identity.id"] = identity.id
    session["identity.auth_type"] = identity.auth_type
    session.modified = True


def _announce(identity: Identity) -> None:
    g.identity = identity
    identity_loaded.send(current_app._get_current_object(), identity=identity)


def get_identity() -> Identity:
    """The request's identity, loading it now if no ``before_request`` did.

    Works with or without a :class:`Principal` on the app, so permission
    checks and the roles shortcuts of :mod:`hipflask.login` need no setup.
    """
    identity = g.get("identity")
    if isinstance(identity, Identity):
        return identity
    principal = current_app.extensions.get("principal")
    if isinstance(principal, Principal):
        principal._load()
    else:
        found = _from_providers()
        if found is None:
            g.identity = AnonymousIdentity()
        else:
            _announce(found)
    loaded: Identity = g.identity
    return loaded


class Principal:
    """Identity management for an app: ``Principal(app)`` or ``init_app``.

    :param use_sessions: load and save the identity in the session.
    :param skip_static: do not load identities for static files.
    """

    def __init__(
        self, app: Any = None, use_sessions: bool = True, skip_static: bool = False
    ) -> None:
        self.identity_loaders: deque[IdentityLoader] = deque()
        self.identity_savers: deque[IdentitySaver] = deque()
        self.use_sessions = use_sessions
        self.skip_static = skip_static
        self._static_path: str | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        """Load identities before each request and answer ``PermissionDenied`` with 403.

        The 403 is the app's: its ``errorhandler(403)`` (or the blueprint's)
        answers it, as it answers an ``abort(403)``.

        An app handler for ``PermissionDenied``, or for a class it derives
        from (``RuntimeError``, a catch-all ``Exception`` page), registered
        before this call is kept: the app chose how to answer a refusal (a
        redirect to its login page, say), and with Flask-Principal, which
        registers none, that handler answers whatever the order.
        """
        app.extensions["principal"] = self
        self._static_path = app.static_url_path
        app.before_request(self._on_before_request)
        identity_changed.connect(self._on_identity_changed, app)
        app_handlers = app.error_handler_spec.get(None, {}).get(None, {})
        # A handler for a class PermissionDenied derives from (RuntimeError,
        # Exception: an app's catch-all page) answers it in Flask too.
        # A handler another extension put in front of the app's (a REST API's
        # error router) is not the app's choice, and an empty slot behind it
        # is no handler at all.
        if not any(app_error_handler(app_handlers.get(cls)) for cls in PermissionDenied.__mro__):
            app.register_error_handler(PermissionDenied, _forbidden)
        if self.use_sessions:
            # In front, as Flask-Principal registers them: the session is
            # asked before loaders registered ahead of init_app, and after
            # those registered later (each goes in front in turn).
            if session_identity_loader not in self.identity_loaders:
                self.identity_loaders.appendleft(session_identity_loader)
            if session_identity_saver not in self.identity_savers:
                self.identity_savers.appendleft(session_identity_saver)

    def set_identity(self, identity: Identity) -> None:
        """Use ``identity`` for this request, announce it and save it."""
        _announce(identity)
        for saver in self.identity_savers:
            saver(identity)

    def identity_loader(self, f: IdentityLoader) -> IdentityLoader:
        """Register a function returning the request's identity, or ``None``."""
        self.identity_loaders.appendleft(f)
        return f

    def identity_saver(self, f: IdentitySaver) -> IdentitySaver:
        """Register a function keeping an identity set with ``identity_changed``."""
        self.identity_savers.appendleft(f)
        return f

    def _is_static_route(self) -> bool:
        return bool(
            self.skip_static
            and self._static_path
            and has_request_context()
            and request.path.startswith(self._static_path)
        )

    def _on_identity_changed(self, app: Any, identity: Identity) -> None:
        if not self._is_static_route():
            self.set_identity(identity)

    def _load(self) -> None:
        g.identity = AnonymousIdentity()
        for loader in self.identity_loaders:
            # The logged-in user outranks an identity left in the session.
            found = _from_providers() if loader is session_identity_loader else None
            if found is not None:
                _announce(found)
                return
            identity = loader()
            if identity is not None:
                self.set_identity(identity)
                return
        found = _from_providers()
        if found is not None:
            _announce(found)

    def _on_before_request(self) -> None:
        if not self._is_static_route():
            self._load()


def _forbidden(error: PermissionDenied) -> Any:
    """Answer a refusal as the app answers a 403: its own 403 page, if it has one.

    An app handler for a class ``PermissionDenied`` derives from
    (``RuntimeError``, a catch-all ``Exception`` page), registered after
    ``Principal(app)``, answers it first and is given the refusal itself, as
    in Flask, where nothing stands in its way (registered before, it is kept
    and this is not registered). A blueprint's handler for those classes
    has already been found before this one. Otherwise
    ``handle_http_exception`` finds the app's or the view's blueprint's
    handler for 403 (sync or async); with none, the stock 403 page.
    """
    app_handlers = current_app.error_handler_spec.get(None, {}).get(None, {})
    for cls in type(error).__mro__:
        # The app's own handler, not one standing in front of it: a REST API's
        # router would hand the refusal back here.
        handler = (
            None
            if issubclass(cls, PermissionDenied)
            # object, the MRO's last class, finds no handler.
            else app_error_handler(app_handlers.get(cls))  # type: ignore[arg-type]
        )
        if handler is not None:
            return handler(error)
    return current_app.handle_http_exception(Forbidden())


__all__ = [
    "PROVIDERS_KEY",
    "Principal",
    "add_identity_provider",
    "get_identity",
    "identity_changed",
    "identity_loaded",
    "session_identity_loader",
    "session_identity_saver",
]
