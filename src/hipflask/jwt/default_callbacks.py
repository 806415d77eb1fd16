"""The loaders a ``JWTManager`` starts with (``flask_jwt_extended.default_callbacks``).

Each is what the manager calls until the app registers its own loader, under
Flask-JWT-Extended's name and signature, so an app can hand one back
(``jwt.expired_token_loader(default_expired_token_callback)``) or call it from
its own loader to wrap the default answer. The answers are JSON
``{JWT_ERROR_MESSAGE_KEY: message}`` with the refusal's status.

Three of Flask-JWT-Extended's defaults have no counterpart here, because the
manager does not work that way (see :doc:`/authentication`):
``default_invalid_token_callback`` (an invalid token is 422 only when it cannot
be parsed, 401 otherwise, and the error string alone does not tell them apart),
``default_encode_key_callback`` and ``default_decode_key_callback`` (tokens are
signed with the key ring's current key and verified with it and its
fallbacks, not with one key).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ..contexts.globals import current_app
from ..core.helpers import jsonify
from .config import setting

__all__ = [
    "default_additional_claims_callback",
    "default_blocklist_callback",
    "default_expired_token_callback",
    "default_jwt_headers_callback",
    "default_needs_fresh_token_callback",
    "default_revoked_token_callback",
    "default_token_verification_callback",
    "default_token_verification_failed_callback",
    "default_unauthorized_callback",
    "default_user_identity_callback",
    "default_user_lookup_error_callback",
]


def _answer(msg: str, status: HTTPStatus) -> Any:
    key = setting(current_app.config, "JWT_ERROR_MESSAGE_KEY")
    return jsonify({key: msg}), status


def default_user_identity_callback(userdata: Any) -> Any:
    """The ``sub`` claim: the identity passed to ``create_access_token``, as given."""
    return userdata


def default_additional_claims_callback(userdata: Any) -> dict[str, Any]:
    """No claims beyond the standard ones."""
    return {}


def default_jwt_headers_callback(default_headers: Any) -> dict[str, Any]:
    """No JOSE headers beyond ``alg`` and ``typ``."""
    return {}


def default_blocklist_callback(jwt_headers: dict[str, Any], jwt_data: dict[str, Any]) -> bool:
    """Revoke nothing of the app's own; the built-in blocklist is checked anyway.

    Unlike Flask-JWT-Extended, where this default leaves revocation to the
    app, ``revoke_token`` and refresh-token reuse detection work without a
    loader (``JWT_BLOCKLIST_STORE``).
    """
    return False


def default_token_verification_callback(
    _jwt_header: dict[str, Any], _jwt_data: dict[str, Any]
) -> bool:
    """Accept every verified token's claims."""
    return True


def default_unauthorized_callback(error_string: str) -> Any:
    """No token where one was looked for, or a cookie token without its CSRF value: 401."""
    return _answer(error_string, HTTPStatus.UNAUTHORIZED)


def default_expired_token_callback(
    _expired_jwt_header: dict[str, Any], _expired_jwt_data: dict[str, Any]
) -> Any:
    """An expired token: 401 (PyJWT's own message is left out of the answer)."""
    return _answer("Token has expired", HTTPStatus.UNAUTHORIZED)


def default_needs_fresh_token_callback(jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> Any:
    """A non-fresh token where the view needs a fresh one: 401."""
    return _answer("Fresh token required", HTTPStatus.UNAUTHORIZED)


def default_revoked_token_callback(jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> Any:
    """A revoked token, or a refresh token used twice: 401."""
    return _answer("Token has been revoked", HTTPStatus.UNAUTHORIZED)


def default_user_lookup_error_callback(
    _jwt_header: dict[str, Any], jwt_data: dict[str, Any]
) -> Any:
    """``user_lookup_loader`` found nobody for the token's identity: 401."""
    identity = jwt_data.get(setting(current_app.config, "JWT_IDENTITY_CLAIM"))
    return _answer(f"Error loading the user {identity}", HTTPStatus.UNAUTHORIZED)


def default_token_verification_failed_callback(
    _jwt_header: dict[str, Any], _jwt_data: dict[str, Any]
) -> Any:
    """``token_verification_loader`` refused the token's claims: 400."""
    return _answer("User claims verification failed", HTTPStatus.BAD_REQUEST)
