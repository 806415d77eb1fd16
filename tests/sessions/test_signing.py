"""The session cookie's direct signing path writes and reads exactly what itsdangerous does."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from datetime import datetime
from datetime import timezone
from typing import Any

import pytest
from itsdangerous import BadData
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup

from hipflask.sessions.signing import SessionSerializer
from hipflask.sessions.signing import SessionSigner
from hipflask.sessions.tag import TaggedJSONSerializer

SALT = "cookie-session"
NOW = 1_764_900_000

KEYS: list[str | bytes] = [
    "test-secret-key-that-is-long-enough-0123456789",
    b"k",
    "ünïcode-secret",
    b"\x00" * 64,
    "x" * 65,
    b"b" * 128,
    b"\xff" * 129,
    "s" * 300,
]

PAYLOADS: list[dict[str, Any]] = [
    {},
    {"counter": 5},
    {"_permanent": True, "user_id": 42, "csrf_token": "0f3a9c-é", "gone": None},
    {"flashes": [("message", "Saved")], "raw": b"\x00\xff", "safe": Markup("<b>x</b>")},
    {"id": uuid.UUID(int=7), "at": datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)},
    {"nested": {" t": [1, 2]}, "ratio": 0.25, "big": 10**30},
    {"cart": list(range(400))},  # compressed
]

DIGESTS = [hashlib.sha256, hashlib.sha1, hashlib.sha512]
DERIVATIONS = ["hmac", "concat", "django-concat", "none"]


def serializer(
    keys: list[str | bytes],
    digest: Callable[..., Any] = hashlib.sha256,
    derivation: str = "hmac",
    tags: TaggedJSONSerializer | None = None,
) -> SessionSerializer:
    """A session serializer set up as the cookie interface sets it up."""
    return SessionSerializer(
        list(keys),
        salt=SALT,
        serializer=tags or TaggedJSONSerializer(),
        signer=SessionSigner,
        signer_kwargs={"key_derivation": derivation, "digest_method": digest},
    )


def reference(
    keys: list[str | bytes],
    digest: Callable[..., Any] = hashlib.sha256,
    derivation: str = "hmac",
) -> URLSafeTimedSerializer:
    """Plain itsdangerous with the same settings."""
    return URLSafeTimedSerializer(
        list(keys),  # type: ignore[arg-type]  # a mixed list is fine at run time
        salt=SALT,
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": derivation, "digest_method": digest},
    )


def reference_sign(
    keys: list[str | bytes], payload: bytes, digest: Callable[..., Any], derivation: str
) -> str:
    signer = TimestampSigner(
        list(keys),  # type: ignore[arg-type]
        salt=SALT,
        key_derivation=derivation,
        digest_method=digest,
    )
    return signer.sign(payload).decode()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The signing clock, for both paths: set ``clock[0]`` to move it."""
    now = [NOW]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])
    yield now


@pytest.fixture
def general_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if itsdangerous' own sign or unsign runs."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the general path ran")

    monkeypatch.setattr(TimestampSigner, "sign", refuse)
    monkeypatch.setattr(TimestampSigner, "unsign", refuse)


# -- the same bytes as itsdangerous ------------------------------------------------


@pytest.mark.parametrize("digest", DIGESTS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("derivation", DERIVATIONS)
@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_signature_is_what_itsdangerous_writes(
    clock: list[int], key: str | bytes, derivation: str, digest: Callable[..., Any]
) -> None:
    ours = serializer([key], digest, derivation)
    for payload in PAYLOADS:
        for stamp in (NOW, 0, 1, 2**32 + 5):
            clock[0] = stamp
            token = ours.dumps(payload)
            expected = reference_sign([key], ours.dump_payload(payload), digest, derivation)
            assert token == expected
            assert ours.loads(token) == payload


@pytest.mark.parametrize("digest", DIGESTS, ids=lambda d: d.__name__)
def test_small_and_large_cookies_equal_plain_itsdangerous(
    clock: list[int], digest: Callable[..., Any]
) -> None:
    """Below the compression threshold only incompressible data is identical."""
    keys: list[str | bytes] = ["old-key-0123456789", "new-key-0123456789"]
    ours = serializer(keys, digest)
    theirs = reference(keys, digest)
    for payload in ({"counter": 5}, {"user": "ann", "n": 1}, {"cart": list(range(400))}):
        token = ours.dumps(payload)
        assert token == theirs.dumps(payload)
        assert theirs.loads(token) == ours.loads(token) == payload


def test_standard_settings_never_take_the_general_path(
    clock: list[int], general_path_only: None
) -> None:
    ours = serializer(["a-key-0123456789"])
    token = ours.dumps({"user": "ann"})
    assert ours.loads(token, max_age=60) == {"user": "ann"}


@pytest.mark.parametrize(
    ("digest", "tags"),
    [(hashlib.md5, None), (lambda data=b"": hashlib.sha256(data), None)],
    ids=["md5", "wrapped-sha256"],
)
def test_other_digests_use_itsdangerous_and_still_agree(
    clock: list[int], digest: Callable[..., Any], tags: Any
) -> None:
    ours = serializer(["a-key-0123456789"], digest)
    theirs = reference(["a-key-0123456789"], digest)
    token = ours.dumps({"user": "ann"})
    assert token == theirs.dumps({"user": "ann"})
    assert ours.loads(token) == {"user": "ann"}


def test_other_serializer_uses_itsdangerous(clock: list[int], general_path_only: None) -> None:
    class Plain:
        @staticmethod
        def dumps(obj: Any) -> str:
            return repr(obj)

        @staticmethod
        def loads(text: str) -> Any:
            return text

    ours = SessionSerializer(["a-key"], salt=SALT, serializer=Plain(), signer=SessionSigner)
    with pytest.raises(AssertionError, match="general path"):
        ours.dumps({"a": 1})


# -- reading: the same verdicts ----------------------------------------------------------


def verdict(reader: URLSafeTimedSerializer, token: str, **options: Any) -> tuple[str, Any]:
    """What loading ``token`` gives: the value, or the error's type and message."""
    try:
        return ("ok", reader.loads(token, **options))
    except BadData as exc:
        return (type(exc).__name__, str(exc))


def mangled(token: str) -> Iterator[str]:
    payload, stamp, signature = token.rsplit(".", 2)
    yield token
    yield f"{payload}x.{stamp}.{signature}"
    yield f"{payload}.{stamp}A.{signature}"
    yield f"{payload}.{stamp}.{signature[:-1]}"
    yield f"{payload}.{stamp}.{signature[:-2]}"
    yield f"{payload}.{stamp}.{signature[:5]}!{signature[5:]}"  # skipped by base64
    yield f"{payload}.{stamp}.{signature}="
    yield f"{payload}.{stamp}.{signature}.extra"
    yield f"{payload}.{signature}"
    yield f"{payload}{stamp}{signature}"
    yield f"{payload}..{signature}"
    yield f".{payload}.{stamp}.{signature}"
    yield f"{payload}.{stamp}x{stamp}.{signature}"
    yield f"{payload}.{stamp}.{signature.swapcase()}"
    yield f"ü{token}"
    yield ""
    yield "..."


@pytest.mark.parametrize("digest", DIGESTS, ids=lambda d: d.__name__)
def test_tampered_cookies_get_itsdangerous_errors(
    clock: list[int], digest: Callable[..., Any]
) -> None:
    keys: list[str | bytes] = ["a-key-0123456789"]
    ours = serializer(keys, digest)
    theirs = reference(keys, digest)
    for payload in PAYLOADS:
        for token in mangled(ours.dumps(payload)):
            assert verdict(ours, token, max_age=60) == verdict(theirs, token, max_age=60), token


def test_a_signed_payload_that_is_not_json_is_a_bad_payload(clock: list[int]) -> None:
    keys: list[str | bytes] = ["a-key-0123456789"]
    signer = TimestampSigner(
        keys[0], salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256
    )
    for payload in (b"bm90IGpzb24", b".bm90IHpsaWI", b"!!!"):
        token = signer.sign(payload).decode()
        ours = verdict(serializer(keys), token)
        assert ours == verdict(reference(keys), token)
        assert ours[0] == "BadPayload"


@pytest.mark.parametrize(
    ("age", "accepted"), [(0, True), (59, True), (60, True), (61, False), (-1, False)]
)
def test_max_age_is_enforced_as_itsdangerous_does(
    clock: list[int], age: int, accepted: bool
) -> None:
    keys: list[str | bytes] = ["a-key-0123456789"]
    token = serializer(keys).dumps({"user": "ann"})
    clock[0] = NOW + age
    ours = verdict(serializer(keys), token, max_age=60)
    assert ours == verdict(reference(keys), token, max_age=60)
    assert (ours[0] == "ok") is accepted
    if not accepted:
        assert ours[0] == "SignatureExpired"


def test_fallback_keys_verify_and_the_newest_signs(clock: list[int]) -> None:
    old: list[str | bytes] = ["old-key-0123456789"]
    rotated: list[str | bytes] = ["older-key-0123456789", "old-key-0123456789", "new-key-012345"]
    old_token = serializer(old).dumps({"user": "ann"})
    assert serializer(rotated).loads(old_token) == {"user": "ann"}
    new_token = serializer(rotated).dumps({"user": "ann"})
    assert new_token == reference(["new-key-012345"]).dumps({"user": "ann"})
    assert verdict(serializer(old), new_token) == verdict(reference(old), new_token)
    assert verdict(serializer(old), new_token)[0] == "BadTimeSignature"


def test_a_retired_key_no_longer_verifies(clock: list[int]) -> None:
    token = serializer(["retired-key-012345"]).dumps({"user": "ann"})
    current: list[str | bytes] = ["current-key-012345"]
    assert verdict(serializer(current), token) == verdict(reference(current), token)


def test_general_loads_options_still_work(clock: list[int]) -> None:
    ours = serializer(["a-key-0123456789"])
    token = ours.dumps({"a": 1})
    data, signed_at = ours.loads(token, return_timestamp=True)
    assert data == {"a": 1}
    assert signed_at == datetime.fromtimestamp(NOW, timezone.utc)
    assert ours.loads(ours.dumps({"b": 2}, salt="elsewhere"), salt="elsewhere") == {"b": 2}


def test_real_clock_round_trip() -> None:
    ours = serializer(["a-key-0123456789"])
    token = ours.dumps({"user": "ann"})
    _data, signed_at = ours.loads(token, return_timestamp=True)
    assert abs(signed_at.timestamp() - time.time()) < 60
    assert ours.loads(token, max_age=60) == {"user": "ann"}


@pytest.mark.parametrize(
    "message",
    [b"eyJhIjoxfQ", b"eyJhIjoxfQ.A", b"eyJhIjoxfQ.AAAAAAAAAAAA", b"eyJhIjoxfQ.", b".aTI8oA"],
    ids=["no-timestamp", "bad-base64", "nine-bytes", "empty", "empty-payload"],
)
def test_validly_signed_odd_timestamps_get_itsdangerous_verdicts(
    clock: list[int], message: bytes
) -> None:
    from itsdangerous import Signer

    keys: list[str | bytes] = ["a-key-0123456789"]
    signer = Signer(keys[0], salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)
    token = signer.sign(message).decode()
    for max_age in (None, 60):
        options = {} if max_age is None else {"max_age": max_age}
        assert verdict(serializer(keys), token, **options) == verdict(
            reference(keys), token, **options
        )
