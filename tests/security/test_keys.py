from __future__ import annotations

import pytest

from hipflask.errors import ConfigurationError
from hipflask.security.keys import NoSecretKeyError
from hipflask.security.keys import key_ring
from hipflask.security.keys import timed_serializer

SECRET = "k" * 40
OLD = "o" * 40


def test_ring_lists_fallbacks_first_and_signs_with_the_secret_key() -> None:
    config = {"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": [OLD]}

    assert key_ring(config, "tokens") == (OLD, SECRET)


def test_suite_key_replaces_the_whole_ring() -> None:
    config = {"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": [OLD]}

    assert key_ring(config, "tokens", override="own") == ("own",)


def test_missing_secret_key_says_what_to_set() -> None:
    with pytest.raises(NoSecretKeyError, match="needs a SECRET_KEY"):
        key_ring({"SECRET_KEY": None}, "CSRF tokens")


def test_missing_secret_key_is_the_runtime_error_extensions_raise() -> None:
    # Flask-WTF's generate_csrf raises RuntimeError without a key.
    with pytest.raises(RuntimeError, match="needs a SECRET_KEY"):
        key_ring({"SECRET_KEY": None}, "CSRF tokens")


def test_fallbacks_given_as_one_string_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="list of old keys"):
        key_ring({"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": OLD}, "tokens")


def test_value_signed_with_an_old_key_verifies_until_it_is_removed() -> None:
    old = timed_serializer({"SECRET_KEY": OLD}, "purpose").dumps("value")
    rotated = {"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": [OLD]}

    assert timed_serializer(rotated, "purpose").loads(old) == "value"
    with pytest.raises(Exception, match="Signature"):
        timed_serializer({"SECRET_KEY": SECRET}, "purpose").loads(old)


def test_signature_for_one_purpose_does_not_verify_for_another() -> None:
    config = {"SECRET_KEY": SECRET}
    signed = timed_serializer(config, "session").dumps("value")

    with pytest.raises(Exception, match="Signature"):
        timed_serializer(config, "csrf").loads(signed)


def _remember(config: dict[str, object]) -> object:
    from hipflask.login.remember import decode_remember_cookie

    return decode_remember_cookie(config, "forged")


def _password(config: dict[str, object]) -> object:
    from hipflask.login.password import _keys

    return _keys(config)


def _session_id(config: dict[str, object]) -> object:
    from types import SimpleNamespace

    from hipflask.sessions.server import ServerSideSessionInterface
    from hipflask.stores.memory import MemoryStore

    interface = ServerSideSessionInterface(MemoryStore(), use_signer=True)
    return interface._signer(SimpleNamespace(config=config))


def _cookie_session(config: dict[str, object]) -> object:
    from types import SimpleNamespace

    from hipflask.sessions.cookie import SecureCookieSessionInterface

    return SecureCookieSessionInterface().get_signing_serializer(SimpleNamespace(config=config))


@pytest.mark.parametrize("signer", [_remember, _password, _session_id, _cookie_session])
@pytest.mark.parametrize("fallbacks", ["old-secret-0123456789abcdef", b"old-secret"])
def test_every_signer_refuses_fallbacks_written_as_one_string(
    signer: object, fallbacks: object
) -> None:
    # Each character of the string would be a key that verifies: a remember-me
    # cookie or a session id signed with "o" would be accepted.
    config = {"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": fallbacks}
    with pytest.raises(ConfigurationError, match="SECRET_KEY_FALLBACKS is a single string"):
        signer(config)  # type: ignore[operator]
