"""``JWTManager``: the settings, the loaders, and the answers to refused tokens.

The loaders have Flask-JWT-Extended's names and signatures. Left unset, each
refusal answers JSON ``{"msg": "..."}`` with the status of its exception
(see :mod:`hipflask.jwt.exceptions`): 422 for a token that is not even a
JWT, 401 for the rest. The manager registers its error handler on the app
for ``JWTExtendedException``, ``PyJWTRefusal`` and the PyJWT classes
Flask-JWT-Extended answers, so a refused token never reaches the app's
generic 500 handler, while an app handler for a PyJWT class still wins
(see ``_PYJWT_HANDLED``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

import jwt as pyjwt

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..core.helpers import jsonify
from ..security.gate import ORDER_CACHE
from ..security.revocation import StoreLike
from ..security.revocation import open_store
from . import default_callbacks as cb
from . import exceptions as exc
from .blocklist import run
from .blocklist import run_async
from .config import DEFAULTS
from .config import HIPFLASK_DEFAULTS
from .config import JWTSetupError
from .config import setting
from .keys import KeyRing
from .keys import build_key_ring
from .keys import ring_cache_key

F = TypeVar("F", bound=Callable[..., Any])

#: The key under ``app.extensions``, Flask-JWT-Extended's own.
EXTENSION_KEY = "flask-jwt-extended"

#: Blocklist writes of the current request, kept on ``g`` until its response leaves.
PENDING = "_hipflask_jwt_pending"


def _flush(request: Any, response: Any) -> None:
    # A store failing here raises BlocklistUnavailable, a StoreUnavailable:
    # the pipeline answers it with the app's 503 in place of this response,
    # so a logout that did not revoke its token does not say it did, nor a
    # refresh whose old token was not marked used hand out the new ones.
    for store, flow in g.pop(PENDING, ()):
        run(store, flow)


async def _flush_async(request: Any, response: Any) -> None:
    for store, flow in g.pop(PENDING, ()):
        await run_async(store, flow)


#: PyJWT's classes Flask-JWT-Extended answers, each registered for the manager
#: too. A refused token's class is PyJWT's (see :mod:`hipflask.jwt.exceptions`),
#: so Flask's walk of its MRO meets exactly these as with Flask-JWT-Extended:
#: an app handler registered for one of them, or for a subclass
#: (``jwt.InvalidSignatureError``), wins; one for ``jwt.DecodeError`` answers
#: a bad signature but not a wrong audience; one for a base the manager does
#: not register (``jwt.PyJWTError``) stays behind the manager.
_PYJWT_HANDLED: tuple[type[Exception], ...] = (
    pyjwt.DecodeError,
    pyjwt.ExpiredSignatureError,
    pyjwt.MissingRequiredClaimError,
    pyjwt.InvalidAudienceError,
    pyjwt.InvalidIssuerError,
    pyjwt.InvalidTokenError,
)

#: The extension's own classes, each registered as Flask-JWT-Extended does, so
#: an app handler for their base (``JWTExtendedException``), registered after
#: the manager, stays behind the manager instead of replacing every answer.
_OWN_HANDLED: tuple[type[Exception], ...] = (
    exc.CSRFError,
    exc.FreshTokenRequired,
    exc.InvalidHeaderError,
    exc.InvalidQueryParamError,
    exc.JWTDecodeError,
    exc.NoAuthorizationError,
    exc.RevokedTokenError,
    exc.UserClaimsVerificationError,
    exc.UserLookupError,
    exc.WrongTokenError,
)

#: A loader given a refused token's header and claims.
_TokenLoader = Callable[[dict[str, Any], dict[str, Any]], Any]

#: The default answer to an expired token (the exception keeps PyJWT's message).
_EXPIRED_MSG = "Token has expired"


def _answer(msg: str, status: int) -> Any:
    key = setting(current_app.config, "JWT_ERROR_MESSAGE_KEY")
    return jsonify({key: msg}), status


class JWTManager:
    """Set up JSON Web Tokens for an app: ``JWTManager(app)`` or ``init_app``."""

    def __init__(self, app: Any = None, add_context_processor: bool = False) -> None:
        self._user_identity: Callable[[Any], Any] = cb.default_user_identity_callback
        self._additional_claims: Callable[[Any], dict[str, Any]] = (
            cb.default_additional_claims_callback
        )
        self._additional_headers: Callable[[Any], dict[str, Any]] = cb.default_jwt_headers_callback
        self._user_lookup: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None
        self._blocklist_check: Callable[[dict[str, Any], dict[str, Any]], bool] = (
            cb.default_blocklist_callback
        )
        self._token_verification: Callable[[dict[str, Any], dict[str, Any]], bool] = (
            cb.default_token_verification_callback
        )
        self._encode_key: Callable[[Any], Any] | None = None
        self._decode_key: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None
        self._jwt_data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self._on_unauthorized: Callable[[str], Any] = cb.default_unauthorized_callback
        # None: the answer's status is the refusal's (422 or 401), see _handle_error.
        self._on_invalid: Callable[[str], Any] | None = None
        self._on_expired: _TokenLoader = cb.default_expired_token_callback
        self._on_revoked: _TokenLoader = cb.default_revoked_token_callback
        self._on_needs_fresh: _TokenLoader = cb.default_needs_fresh_token_callback
        self._on_user_lookup_error: _TokenLoader = cb.default_user_lookup_error_callback
        self._on_verification_failed: _TokenLoader = cb.default_token_verification_failed_callback
        self._ring: tuple[tuple[Any, ...], KeyRing] | None = None
        self._store: tuple[Any, StoreLike | None] | None = None
        self._add_context_processor = add_context_processor
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Any, add_context_processor: bool = False) -> None:
        """Register the defaults, the error handler and (optionally) template names."""
        app.extensions[EXTENSION_KEY] = self
        for name, value in {**DEFAULTS, **HIPFLASK_DEFAULTS}.items():
            app.config.setdefault(name, value)
        self._set_error_handler_callbacks(app)
        app.gate.add_finisher(
            "hipflask.jwt.blocklist", _flush, order=ORDER_CACHE, finisher_async=_flush_async
        )
        # Close the blocklist store's async connections when an ASGI server
        # shuts down (appended directly: init_app may run after the first request).
        if self._aclose not in app.after_serving_funcs:
            app.after_serving_funcs.append(self._aclose)
        if add_context_processor or self._add_context_processor:
            app.context_processor(_template_names)

    def _set_error_handler_callbacks(self, app: Any) -> None:
        """Answer refused tokens on ``app`` with the loaders: Flask-JWT-Extended's hook.

        :meth:`init_app` calls it for the app. Code written for Flask-JWT-
        Extended also calls it for a blueprint whose own catch-all handler
        (``@bp.errorhandler(Exception)``) would otherwise answer its views'
        refusals first, or for any object with ``errorhandler``. A handler
        registered there before, for one of the refusal classes, is kept (see
        :meth:`init_app`).
        """

        def by_decorator(cls: type[Exception], handler: Callable[..., Any]) -> None:
            app.errorhandler(cls)(handler)

        # An API object may have only the decorator (Flask-RESTX's).
        register: Callable[[type[Exception], Callable[..., Any]], Any] = getattr(
            app, "register_error_handler", by_decorator
        )
        register(exc.JWTExtendedException, self._handle_error)
        # Behind PyJWT's classes in every refusal's MRO: reached only by the
        # ones no handler above catches (jwt.InvalidKeyError for a key of the
        # wrong kind), which must not become a 500.
        register(exc.PyJWTRefusal, self._handle_error)
        spec = getattr(app, "error_handler_spec", None)
        handlers = spec.get(None, {}).get(None, {}) if isinstance(spec, dict) else {}
        for refusal_class in (*_OWN_HANDLED, *_PYJWT_HANDLED):
            # A handler for one of these, registered before, is kept: the app
            # asked for it, whatever the order (Flask-JWT-Extended replaces it).
            if refusal_class not in handlers:
                register(refusal_class, self._handle_error)

    # -- what the rest of the package asks for ---------------------------------

    def key_ring(self, config: Any) -> KeyRing:
        """The key ring for the current keys, rebuilt only when a key setting changes."""
        loaders = self._decode_key is not None or self._encode_key is not None
        cache_key = (*ring_cache_key(config), loaders)
        cached = self._ring
        if cached is None or cached[0] != cache_key:
            cached = self._ring = (cache_key, build_key_ring(config, loaders))
        return cached[1]

    def blocklist_store(self, config: Any) -> StoreLike | None:
        """The built-in blocklist's store (``JWT_BLOCKLIST_STORE``), opened once."""
        value = setting(config, "JWT_BLOCKLIST_STORE")
        cached = self._store
        if cached is None or cached[0] is not value:
            prefix = setting(config, "JWT_BLOCKLIST_KEY_PREFIX")
            store = open_store(value, prefix, "JWT_BLOCKLIST_STORE")
            cached = self._store = (value, store)
        return cached[1]

    async def _aclose(self) -> None:
        """Close the blocklist store's async connections (an ``after_serving`` hook).

        Each event loop gets connections of its own; the server's shutdown is
        the last moment those of its loop can be closed, as the rate limiter
        and the sessions close theirs.
        """
        cached = self._store
        if cached is not None and cached[1] is not None:
            await cached[1].aclose()

    # -- the loaders ------------------------------------------------------------

    def user_identity_loader(self, callback: F) -> F:
        """Turn the object passed to ``create_access_token`` into the ``sub`` claim."""
        self._user_identity = callback
        return callback

    def additional_claims_loader(self, callback: F) -> F:
        """Claims added to every token made for an identity."""
        self._additional_claims = callback
        return callback

    def additional_headers_loader(self, callback: F) -> F:
        """JOSE headers added to every token made for an identity."""
        self._additional_headers = callback
        return callback

    def user_lookup_loader(self, callback: F) -> F:
        """Load the user for ``current_user``; returning ``None`` refuses the token."""
        self._user_lookup = callback
        return callback

    def token_in_blocklist_loader(self, callback: F) -> F:
        """Say whether a token is revoked; checked besides the built-in blocklist."""
        self._blocklist_check = callback
        return callback

    def token_verification_loader(self, callback: F) -> F:
        """Check a token's claims; ``False`` refuses it (400)."""
        self._token_verification = callback
        return callback

    def encode_key_loader(self, callback: F) -> F:
        """Sign with a key chosen per identity instead of the key ring's."""
        self._encode_key = callback
        return callback

    def decode_key_loader(self, callback: F) -> F:
        """Verify with a key chosen from the unverified header and claims."""
        self._decode_key = callback
        return callback

    def unauthorized_loader(self, callback: F) -> F:
        """Answer a request without a token (or with a bad CSRF value)."""
        self._on_unauthorized = callback
        return callback

    def invalid_token_loader(self, callback: F) -> F:
        """Answer a token that does not verify or is malformed."""
        self._on_invalid = callback
        return callback

    def expired_token_loader(self, callback: F) -> F:
        """Answer an expired token."""
        self._on_expired = callback
        return callback

    def revoked_token_loader(self, callback: F) -> F:
        """Answer a revoked token."""
        self._on_revoked = callback
        return callback

    def needs_fresh_token_loader(self, callback: F) -> F:
        """Answer a non-fresh token where a fresh one is needed."""
        self._on_needs_fresh = callback
        return callback

    def user_lookup_error_loader(self, callback: F) -> F:
        """Answer a token whose user could not be loaded."""
        self._on_user_lookup_error = callback
        return callback

    def token_verification_failed_loader(self, callback: F) -> F:
        """Answer a token refused by ``token_verification_loader``."""
        self._on_verification_failed = callback
        return callback

    # -- refusals -----------------------------------------------------------------

    def _handle_error(self, error: exc.JWTExtendedException | pyjwt.PyJWTError) -> Any:
        """Turn a refusal into the registered loader's answer, or the default one.

        Also reached by PyJWT's own errors raised outside this package (an
        app calling ``jwt.decode`` itself), which Flask-JWT-Extended answers
        as refused tokens too. (A :class:`~hipflask.jwt.exceptions.PyJWTRefusal`
        is always a ``jwt.PyJWTError`` as well.)
        """
        refusal = error if isinstance(error, exc.JWTExtendedException) else exc.from_pyjwt(error)
        handler, args, msg = self._loader_for(refusal)
        if handler is None:
            return _answer(msg, refusal.status)
        return current_app.ensure_sync(handler)(*args)

    def _loader_for(
        self, refusal: exc.JWTExtendedException | exc.PyJWTRefusal
    ) -> tuple[Callable[..., Any] | None, tuple[Any, ...], str]:
        """The loader answering ``refusal``, its arguments, and the default message."""
        if isinstance(refusal, exc.ExpiredSignatureError):
            return self._on_expired, (refusal.jwt_header, refusal.jwt_data), _EXPIRED_MSG
        if isinstance(refusal, (exc.NoAuthorizationError, exc.CSRFError)):
            return self._on_unauthorized, (refusal.msg,), refusal.msg
        if isinstance(refusal, exc._WithToken):
            handlers: tuple[tuple[type[Exception], Any], ...] = (
                (exc.RevokedTokenError, self._on_revoked),
                (exc.FreshTokenRequired, self._on_needs_fresh),
                (exc.UserLookupError, self._on_user_lookup_error),
                (exc.UserClaimsVerificationError, self._on_verification_failed),
            )
            handler = next((h for cls, h in handlers if isinstance(refusal, cls)), None)
            return handler, (refusal.jwt_header, refusal.jwt_data), refusal.msg
        # Everything else, PyJWT's refusals and JWTDecodeError included, is
        # answered by invalid_token_loader, as in Flask-JWT-Extended.
        return self._on_invalid, (refusal.msg,), refusal.msg


def get_jwt_manager() -> JWTManager:
    """The current app's manager.

    :raises JWTSetupError: the app has no ``JWTManager``.
    """
    manager = current_app.extensions.get(EXTENSION_KEY)
    if not isinstance(manager, JWTManager):
        raise JWTSetupError(
            "This app has no JWTManager: create one with JWTManager(app) (or"
            " jwt.init_app(app)) before creating or checking tokens."
        )
    return manager


def _template_names() -> dict[str, Any]:
    from .utils import current_user

    return {"current_user": current_user}


__all__ = ["EXTENSION_KEY", "JWTManager", "get_jwt_manager"]
