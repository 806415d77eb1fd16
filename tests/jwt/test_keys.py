from __future__ import annotations

import hashlib
import hmac

import pytest

from hipflask.errors import ConfigurationError
from hipflask.jwt.keys import allowed_algorithms
from hipflask.jwt.keys import build_key_ring
from hipflask.jwt.keys import fingerprint
from hipflask.jwt.keys import ring_cache_key

from .conftest import pem_pair

SECRET = "s" * 40


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"JWT_ALGORITHM": "none"}, "not accepted"),
        ({"JWT_ALGORITHM": "HS256", "JWT_DECODE_ALGORITHMS": ["none"]}, "not accepted"),
        ({"JWT_ALGORITHM": "HS999"}, "not accepted"),
        ({"JWT_ALGORITHM": "RS256", "JWT_DECODE_ALGORITHMS": ["HS256"]}, "mix HMAC"),
    ],
)
def test_refused_algorithm_settings_fail_at_setup(config: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        allowed_algorithms(config)


def test_decode_algorithms_extend_the_signing_one_without_duplicates() -> None:
    config = {"JWT_ALGORITHM": "RS256", "JWT_DECODE_ALGORITHMS": ["RS256", "PS256"]}
    assert allowed_algorithms(config) == ("RS256", "PS256")


def test_hmac_key_is_derived_from_secret_key_and_is_not_the_secret_itself() -> None:
    ring = build_key_ring({"SECRET_KEY": SECRET})
    assert ring.signing_key != SECRET.encode()
    expected = hmac.new(SECRET.encode(), b"hipflask.jwt.signing", hashlib.sha256).digest()
    assert ring.signing_key == expected
    assert ring.signing_kid == fingerprint(expected)


def test_secret_key_fallbacks_keep_verifying_old_tokens() -> None:
    old = build_key_ring({"SECRET_KEY": "o" * 40})
    ring = build_key_ring({"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": ["o" * 40]})
    assert ring.verifying_keys(old.signing_kid) == [old.signing_key]
    assert len(ring.verifying_keys(None)) == 2
    assert ring.verifying_keys("unknown") == []


def test_missing_secret_key_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        build_key_ring({"SECRET_KEY": ""})


def test_jwt_secret_key_replaces_the_derived_key_and_has_fallbacks() -> None:
    ring = build_key_ring(
        {"SECRET_KEY": SECRET, "JWT_SECRET_KEY": "new", "JWT_SECRET_KEY_FALLBACKS": [b"old"]}
    )
    assert ring.signing_key == b"new"
    assert ring.verifying_keys(fingerprint(b"old")) == [b"old"]


def test_public_key_algorithm_without_keys_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="JWT_PRIVATE_KEY"):
        build_key_ring({"JWT_ALGORITHM": "RS256"})


@pytest.mark.parametrize(("kind", "algorithm"), [("rsa", "RS256"), ("ec", "ES256")])
def test_public_key_is_derived_from_the_private_key(kind: str, algorithm: str) -> None:
    private, public = pem_pair(kind)
    alone = build_key_ring({"JWT_ALGORITHM": algorithm, "JWT_PRIVATE_KEY": private.decode()})
    both = build_key_ring(
        {"JWT_ALGORITHM": algorithm, "JWT_PRIVATE_KEY": private, "JWT_PUBLIC_KEY": public}
    )
    assert alone.signing_kid == both.signing_kid
    assert list(alone.verifying) == [alone.signing_kid]


def test_old_public_keys_verify_by_fingerprint_or_by_declared_kid() -> None:
    private, public = pem_pair("ed25519")
    _old_private, old_public = pem_pair("ed25519")
    listed = build_key_ring(
        {
            "JWT_ALGORITHM": "EdDSA",
            "JWT_PRIVATE_KEY": private,
            "JWT_PUBLIC_KEY_FALLBACKS": [old_public],
            "JWT_KEY_ID": "2026-12",
        }
    )
    assert listed.signing_kid == "2026-12"
    assert len(listed.verifying) == 2
    named = build_key_ring(
        {
            "JWT_ALGORITHM": "EdDSA",
            "JWT_PUBLIC_KEY": public,
            "JWT_PUBLIC_KEY_FALLBACKS": {"2026-11": old_public},
        }
    )
    assert named.signing_key is None
    assert "2026-11" in named.verifying


@pytest.mark.parametrize("as_text", [True, False], ids=["str", "bytes"])
def test_one_old_public_key_not_in_a_list_is_refused_by_name(as_text: bool) -> None:
    # One PEM where the list belongs would be read a character (or a byte)
    # at a time: refused with the setting's name, as the secret fallbacks are.
    private, _public = pem_pair("ed25519")
    _old_private, old_public = pem_pair("ed25519")
    config = {
        "JWT_ALGORITHM": "EdDSA",
        "JWT_PRIVATE_KEY": private,
        "JWT_PUBLIC_KEY_FALLBACKS": old_public.decode() if as_text else old_public,
    }
    with pytest.raises(ConfigurationError, match="JWT_PUBLIC_KEY_FALLBACKS is a single string"):
        build_key_ring(config)


def test_cache_key_changes_with_any_key_setting() -> None:
    first = ring_cache_key({"SECRET_KEY": "a", "SECRET_KEY_FALLBACKS": ["b"]})
    assert first == ring_cache_key({"SECRET_KEY": "a", "SECRET_KEY_FALLBACKS": ["b"]})
    assert first != ring_cache_key({"SECRET_KEY": "a", "SECRET_KEY_FALLBACKS": ["c"]})
    key_object = object()
    mapping = ring_cache_key({"JWT_PUBLIC_KEY_FALLBACKS": {"k": key_object}})
    assert mapping == ring_cache_key({"JWT_PUBLIC_KEY_FALLBACKS": {"k": key_object}})


def test_longer_hmac_algorithms_get_a_longer_derived_key() -> None:
    ring = build_key_ring({"SECRET_KEY": SECRET, "JWT_ALGORITHM": "HS512"})
    assert len(ring.signing_key) == 64


def test_key_objects_are_accepted_as_well_as_pem() -> None:
    from cryptography.hazmat.primitives import serialization

    private_pem, public_pem = pem_pair("ec")
    private = serialization.load_pem_private_key(private_pem, password=None)
    public = serialization.load_pem_public_key(public_pem)
    ring = build_key_ring(
        {"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY": private, "JWT_PUBLIC_KEY": public}
    )
    assert ring.signing_key is private
    assert ring.verifying[ring.signing_kid] is public
