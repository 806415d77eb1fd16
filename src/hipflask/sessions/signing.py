"""Signing the session cookie: itsdangerous' format, with a direct path for the usual case.

The cookie is exactly what :class:`itsdangerous.URLSafeTimedSerializer`
writes: ``payload.timestamp.signature``, each part URL-safe base64 without
padding, the payload optionally zlib-compressed (then led by a dot), the
signature an HMAC over ``payload.timestamp`` with a key derived from the
secret and the salt. itsdangerous builds that out of a dozen small layers
(signer objects, ``want_bytes``, base64 helpers, a key derivation on every
call), which costs more than the rest of a request that touches the
session.

:class:`SessionSerializer` keeps itsdangerous as the reference and the
general path, and adds a direct one when its parts are the standard ones
(the tagged JSON serializer, HMAC with a :mod:`hashlib` SHA digest): the
keys are derived once, by itsdangerous itself, each key's HMAC state is
keyed once, and each sign or verify is a few hash and :mod:`binascii`
calls, producing the same bytes.
Whatever the direct path does not accept goes through itsdangerous again, so
a rejected cookie raises exactly the error it always did, and a cookie the
direct path accepts is one itsdangerous accepts too: the same signature
check (constant-time, every key from newest to oldest) and the same age
limit.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import zlib
from typing import Any

from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm

from .tag import TaggedJSONSerializer

__all__ = ["SessionSerializer", "SessionSigner"]

# Session JSON shorter than this is not worth a zlib attempt.
_COMPRESS_FROM = 512

# Digests the direct path computes HMACs with; any other digest_method takes
# the general path.
_DIRECT_DIGESTS = frozenset(
    {hashlib.sha1, hashlib.sha224, hashlib.sha256, hashlib.sha384, hashlib.sha512}
)

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")

# Whatever fails on the direct path: the general path then decides, and
# raises its own error.
_REJECTED: Any = object()


def _encode(data: bytes) -> bytes:
    """URL-safe base64 without padding, as ``itsdangerous.encoding.base64_encode``."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _decode(data: bytes) -> bytes:
    """The inverse, as lenient as ``itsdangerous.encoding.base64_decode``.

    Like it, this pads to a multiple of four and lets :mod:`binascii` skip
    characters outside the alphabet, so both accept the same inputs.

    :raises binascii.Error: the data is not base64 even so.
    """
    padded = data + b"=" * (-len(data) % 4)
    return binascii.a2b_base64(padded.translate(_FROM_URLSAFE))


class _HMACKey:
    """One key's HMAC, keyed once and copied for each message.

    ``hmac.digest`` keys two fresh hash states on every call, which with
    OpenSSL 3 costs as much as the rest of a signature; copying an
    :class:`hmac.HMAC` keyed in advance gives the same digest for less.
    """

    __slots__ = ("_keyed",)

    def __init__(self, key: bytes, digest: Any) -> None:
        self._keyed = hmac.new(key, digestmod=digest)

    def sign(self, message: bytes) -> bytes:
        """The HMAC of ``message`` under this key."""
        mac = self._keyed.copy()
        mac.update(message)
        return mac.digest()


class SessionSigner(TimestampSigner):
    """A timestamp signer that derives each signing key once.

    itsdangerous derives the key (one HMAC per key) on every sign and on every
    verify; the inputs never change for a given secret and salt, and the
    session is signed or verified on most requests that use it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        raw = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        key = self._derived.get(raw)
        if key is None:
            key = self._derived[raw] = super().derive_key(raw)
        return key


class SessionSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer tuned for small payloads read on every request.

    It reuses one signer for its own salt (a signer holds no per-call state,
    so sharing it across requests and threads is safe, and it keeps its
    derived keys), signs and verifies directly when its parts allow (see the
    module notes), and only tries zlib on payloads big enough to gain from
    it: compressing costs more than signing, and a typical session (a user
    id, a CSRF token) does not shrink. The output is ordinary itsdangerous
    output either way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # itsdangerous types make_signer as returning the base Signer; the
        # class passed as ``signer`` is a TimestampSigner.
        signer: TimestampSigner = super().make_signer(self.salt)  # type: ignore[assignment]
        self._own_signer = signer
        self._stamp: tuple[int | None, bytes] = (None, b"")
        algorithm = signer.algorithm
        # Newest first, the order itsdangerous tries them in; the first one
        # signs. Derived by itsdangerous, once. Empty: take the general path.
        self._keys: list[_HMACKey] = []
        if (
            type(algorithm) is HMACAlgorithm
            and algorithm.digest_method in _DIRECT_DIGESTS
            and isinstance(signer, SessionSigner)
            and want_bytes(signer.sep) == b"."
            and isinstance(self.serializer, TaggedJSONSerializer)
            and self.is_text_serializer
            and not self.fallback_signers
        ):
            digest = algorithm.digest_method
            self._keys = [
                _HMACKey(signer.derive_key(key), digest) for key in reversed(signer.secret_keys)
            ]

    def make_signer(self, salt: str | bytes | None = None) -> Any:
        if salt is None or want_bytes(salt) == self.salt:
            return self._own_signer
        return super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        data = want_bytes(self.serializer.dumps(obj))
        if len(data) >= _COMPRESS_FROM:
            compressed = zlib.compress(data)
            if len(compressed) < len(data) - 1:
                return b"." + _encode(compressed)
        return _encode(data)

    def dumps(self, obj: Any, salt: str | bytes | None = None) -> str:
        keys = self._keys
        if not keys or salt is not None:
            signed: str = super().dumps(obj, salt)
            return signed
        # The timestamp comes from the signer, so that whatever changes its
        # clock (a subclass, a test) changes it here too.
        timestamp = self._own_signer.get_timestamp()
        # Every cookie signed in the same second has the same timestamp part.
        stamp = self._stamp
        if stamp[0] != timestamp:
            stamp = self._stamp = (
                timestamp,
                _encode(timestamp.to_bytes(8, "big").lstrip(b"\0")),
            )
        message = b"%s.%s" % (self.dump_payload(obj), stamp[1])
        signature = _encode(keys[0].sign(message))
        return (message + b"." + signature).decode("ascii")

    def loads(  # type: ignore[override]  # TimedSerializer.loads' own signature
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> Any:
        if return_timestamp or salt is not None or self.fallback_signers:
            return super().loads(s, max_age, return_timestamp, salt)
        if self._keys:
            value = self._load_directly(s, max_age)
            if value is not _REJECTED:
                return value
        return self.load_payload(self._own_signer.unsign(s, max_age=max_age))

    def _load_directly(self, s: str | bytes, max_age: int | None) -> Any:
        """The payload if the cookie verifies, is young enough and decodes; else rejected.

        Mirrors ``TimestampSigner.unsign`` and ``load_payload`` step for step
        without raising: a rejected cookie is read again by itsdangerous for
        its error, so only the accepting path must (and does) match.
        """
        signed = s.encode("utf-8") if isinstance(s, str) else s
        message, dot, signature = signed.rpartition(b".")
        if not dot:
            return _REJECTED
        try:
            expected = _decode(signature)
        except binascii.Error:
            return _REJECTED
        for key in self._keys:
            if hmac.compare_digest(expected, key.sign(message)):
                break
        else:
            return _REJECTED
        payload, dot, stamp = message.rpartition(b".")
        if not dot:
            return _REJECTED
        try:
            stamp_bytes = _decode(stamp)
        except binascii.Error:
            return _REJECTED
        if len(stamp_bytes) > 8:
            return _REJECTED
        if max_age is not None:
            age = self._own_signer.get_timestamp() - int.from_bytes(stamp_bytes, "big")
            if age > max_age or age < 0:
                return _REJECTED
        try:
            if payload.startswith(b"."):
                data = zlib.decompress(_decode(payload[1:]))
            else:
                data = _decode(payload)
            return self.serializer.loads(data.decode("utf-8"))
        except Exception:  # the general path turns it into BadPayload
            return _REJECTED
