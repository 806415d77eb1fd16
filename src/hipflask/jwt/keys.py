"""Which keys sign and verify tokens, and which algorithms are accepted.

HS256 tokens are signed, by default, with a key derived from ``SECRET_KEY``
for this purpose only (an HMAC of the secret with a JWT label), so a token
signature never doubles as a session or CSRF signature, and the keys in
``SECRET_KEY_FALLBACKS`` keep verifying tokens signed before a rotation.
``JWT_SECRET_KEY`` replaces the derived key, as in Flask-JWT-Extended.

Every key has a key id (``kid`` header), by default a fingerprint of the key,
so verification picks the one key that made the signature; old keys stay
accepted while they are listed (``SECRET_KEY_FALLBACKS``,
``JWT_SECRET_KEY_FALLBACKS``, ``JWT_PUBLIC_KEY_FALLBACKS``). A token without
a ``kid``, or with one the app wrote itself that names no key here, is tried
against each key.

The algorithm is pinned: the accepted list is ``JWT_ALGORITHM`` plus
``JWT_DECODE_ALGORITHMS``, never ``none``, and never HMAC next to a public-key
algorithm (HS/RS confusion: a public key used as an HMAC secret lets anyone
who knows it forge tokens).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization

from ..security.keys import fallback_keys
from .config import JWTSetupError
from .config import setting

_HMAC = frozenset({"HS256", "HS384", "HS512"})
_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_PURPOSE = b"hipflask.jwt.signing"


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def fingerprint(material: bytes) -> str:
    """A short, stable key id for a key."""
    return hashlib.sha256(material).hexdigest()[:16]


def _load_public(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        return serialization.load_pem_public_key(_as_bytes(value))
    return value


def _load_private(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        return serialization.load_pem_private_key(_as_bytes(value), password=None)
    return value


def _public_id(key: Any) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return fingerprint(der)


def allowed_algorithms(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The pinned list of algorithms a token may name.

    :raises JWTSetupError: ``none``, an unknown name, or HMAC mixed with
        a public-key algorithm.
    """
    algorithm = setting(config, "JWT_ALGORITHM")
    extra = setting(config, "JWT_DECODE_ALGORITHMS") or ()
    names = tuple(dict.fromkeys((algorithm, *extra)))
    unknown = [name for name in names if name not in _HMAC | _ASYMMETRIC]
    if unknown:
        raise JWTSetupError(
            f"JWT algorithm(s) {unknown} are not accepted; use HS256/384/512, RS*, PS*,"
            " ES256/384/512 or EdDSA ('none' is never accepted)."
        )
    families = {name in _HMAC for name in names}
    if len(families) > 1:
        raise JWTSetupError(
            f"JWT_ALGORITHM and JWT_DECODE_ALGORITHMS mix HMAC and public-key algorithms"
            f" ({list(names)}); a public key would then verify as an HMAC secret. Pick one"
            " family."
        )
    return names


@dataclass(frozen=True)
class KeyRing:
    """The signing key and every key that verifies, by key id."""

    algorithm: str
    algorithms: tuple[str, ...]
    signing_key: Any
    signing_kid: str
    verifying: dict[str, Any]

    def verifying_keys(self, kid: Any) -> list[Any]:
        """The keys to try for a token's ``kid`` header (all of them without one)."""
        if isinstance(kid, str):
            key = self.verifying.get(kid)
            return [] if key is None else [key]
        return list(self.verifying.values())


def _hmac_ring(config: Mapping[str, Any], algorithm: str, names: tuple[str, ...]) -> KeyRing:
    explicit = setting(config, "JWT_SECRET_KEY")
    if explicit:
        secrets = [_as_bytes(explicit)]
        name = "JWT_SECRET_KEY_FALLBACKS"
        secrets += [_as_bytes(k) for k in fallback_keys({name: setting(config, name)}, name)]
    else:
        secret = config.get("SECRET_KEY")
        if not secret:
            raise JWTSetupError(
                "JWT tokens are signed with a key derived from SECRET_KEY, which is empty."
                " Set SECRET_KEY (or JWT_SECRET_KEY) before creating or checking tokens."
            )
        fallbacks = fallback_keys(config)
        # RFC 7518 wants an HMAC key at least as long as the hash output.
        digest = hashlib.sha256 if algorithm == "HS256" else hashlib.sha512
        secrets = [
            hmac.new(_as_bytes(raw), _PURPOSE, digest).digest() for raw in (secret, *fallbacks)
        ]
    verifying = {fingerprint(key): key for key in secrets}
    return KeyRing(algorithm, names, secrets[0], fingerprint(secrets[0]), verifying)


def _fallback_public_keys(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {str(kid): _load_public(key) for kid, key in value.items()}
    if isinstance(value, (str, bytes)):
        # One PEM where the list belongs: a character is no key. Refused
        # with the same message as the other fallback settings.
        fallback_keys({"JWT_PUBLIC_KEY_FALLBACKS": value}, "JWT_PUBLIC_KEY_FALLBACKS")
    keys = [_load_public(key) for key in value or ()]
    return {_public_id(key): key for key in keys}


def _asymmetric_ring(
    config: Mapping[str, Any], algorithm: str, names: tuple[str, ...], loaders: bool
) -> KeyRing:
    private_value = setting(config, "JWT_PRIVATE_KEY")
    public_value = setting(config, "JWT_PUBLIC_KEY")
    if not private_value and not public_value:
        if loaders:
            # The keys come from the manager's loaders (a JWKS fetched at run
            # time), as Flask-JWT-Extended allows: no key of the settings.
            return KeyRing(algorithm, names, None, "", {})
        raise JWTSetupError(
            f"JWT_ALGORITHM is {algorithm}, which needs a key pair: set JWT_PRIVATE_KEY"
            " (PEM) to sign tokens and JWT_PUBLIC_KEY (PEM) to verify them."
        )
    private = _load_private(private_value) if private_value else None
    public = _load_public(public_value) if public_value else private.public_key()  # type: ignore[union-attr]
    kid = setting(config, "JWT_KEY_ID") or _public_id(public)
    verifying = {kid: public}
    verifying.update(_fallback_public_keys(setting(config, "JWT_PUBLIC_KEY_FALLBACKS")))
    return KeyRing(algorithm, names, private, kid, verifying)


def build_key_ring(config: Mapping[str, Any], loaders: bool = False) -> KeyRing:
    """Read the key settings once; see the module docstring.

    ``loaders``: the manager has a ``decode_key_loader`` or an
    ``encode_key_loader``, so a public-key algorithm needs no key setting.

    :raises JWTSetupError: a key is missing or the algorithm is refused.
    """
    names = allowed_algorithms(config)
    algorithm = names[0]
    if algorithm in _HMAC:
        return _hmac_ring(config, algorithm, names)
    return _asymmetric_ring(config, algorithm, names, loaders)


_RING_SETTINGS = (
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "JWT_ALGORITHM",
    "JWT_DECODE_ALGORITHMS",
    "JWT_SECRET_KEY",
    "JWT_SECRET_KEY_FALLBACKS",
    "JWT_PRIVATE_KEY",
    "JWT_PUBLIC_KEY",
    "JWT_PUBLIC_KEY_FALLBACKS",
    "JWT_KEY_ID",
)


def ring_cache_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the key ring depends on, so it is rebuilt only when a key changes."""
    return tuple(_freeze(config.get(name)) for name in _RING_SETTINGS)


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    return id(value)


__all__ = ["KeyRing", "allowed_algorithms", "build_key_ring", "fingerprint", "ring_cache_key"]
