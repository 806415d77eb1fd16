from __future__ import annotations

import time
from typing import Any

import pytest

from hipflask.security import csrf
from hipflask.security.csrf import CSRFTokenError
from hipflask.security.csrf import check_referrer
from hipflask.security.csrf import issue_token
from hipflask.security.csrf import rotate_csrf_secret
from hipflask.security.csrf import verify_token
from hipflask.security.keys import timed_serializer

CONFIG = {"SECRET_KEY": "s" * 40}


def refusal(session: dict[str, Any], token: object, **kwargs: Any) -> str:
    with pytest.raises(CSRFTokenError) as info:
        verify_token(CONFIG, session, token, **kwargs)
    return info.value.reason


def test_issued_token_verifies_for_its_session() -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session)

    verify_token(CONFIG, session, token)
    assert isinstance(session["csrf_token"], str)
    assert session["csrf_token"] not in token  # the secret is signed, not shown raw


def test_issuing_again_keeps_the_session_secret() -> None:
    session: dict[str, Any] = {}
    issue_token(CONFIG, session)
    secret = session["csrf_token"]
    issue_token(CONFIG, session)

    assert session["csrf_token"] == secret


@pytest.mark.parametrize("token", [None, "", 12, b"bytes"])
def test_missing_token_is_refused(token: object) -> None:
    assert refusal({"csrf_token": "a" * 40}, token) == csrf.REASON_MISSING


def test_session_without_a_secret_refuses_any_token() -> None:
    token = issue_token(CONFIG, {})

    assert refusal({}, token) == csrf.REASON_SESSION_MISSING


def test_token_of_another_session_is_refused() -> None:
    attacker: dict[str, Any] = {}
    victim: dict[str, Any] = {}
    attackers_token = issue_token(CONFIG, attacker)
    issue_token(CONFIG, victim)

    assert refusal(victim, attackers_token) == csrf.REASON_MISMATCH


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.rsplit(".", 2)[0],
        lambda _token: "not-a-token",
        lambda _token: "x" * 5000,
        lambda token: timed_serializer({"SECRET_KEY": "other" * 10}, csrf.CSRF_SALT).dumps(
            "attacker"
        ),
        lambda _token: timed_serializer(CONFIG, "cookie-session").dumps("a" * 40),
    ],
    ids=["bad-signature", "unsigned", "garbage", "huge", "other-key", "other-purpose"],
)
def test_forged_token_is_refused_as_invalid(forge: Any) -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session)

    assert refusal(session, forge(token)) == csrf.REASON_INVALID


def test_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)

    assert refusal(session, token, time_limit=3600) == csrf.REASON_EXPIRED


def test_no_time_limit_accepts_old_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session)
    later = time.time() + 10 * 86400
    monkeypatch.setattr(time, "time", lambda: later)

    verify_token(CONFIG, session, token, time_limit=None)


def test_own_secret_key_signs_tokens_the_ring_does_not_accept() -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session, secret_key="own-key" * 6)

    verify_token(CONFIG, session, token, secret_key="own-key" * 6)
    assert refusal(session, token) == csrf.REASON_INVALID


def test_rotating_the_secret_invalidates_issued_tokens() -> None:
    session: dict[str, Any] = {}
    token = issue_token(CONFIG, session)
    rotate_csrf_secret(session)

    assert "csrf_token" not in session
    assert refusal(session, token) == csrf.REASON_SESSION_MISSING


def test_non_string_secret_in_session_is_replaced() -> None:
    session: dict[str, Any] = {"csrf_token": 42}
    token = issue_token(CONFIG, session)

    verify_token(CONFIG, session, token)


@pytest.mark.parametrize(
    ("referrer", "host", "reason"),
    [
        ("https://bank.example/form", "bank.example", None),
        ("https://bank.example:443/form", "bank.example", None),
        ("https://bank.example:8443/", "bank.example:8443", None),
        (None, "bank.example", csrf.REASON_NO_REFERRER),
        ("", "bank.example", csrf.REASON_NO_REFERRER),
        ("http://bank.example/form", "bank.example", csrf.REASON_BAD_REFERRER),
        ("https://evil.example/", "bank.example", csrf.REASON_BAD_REFERRER),
        ("https://bank.example.evil.example/", "bank.example", csrf.REASON_BAD_REFERRER),
        ("https://bank.example:8443/", "bank.example", csrf.REASON_BAD_REFERRER),
        ("https://bank.example:99999/", "bank.example", csrf.REASON_BAD_REFERRER),
    ],
)
def test_strict_referrer_must_be_this_host_over_https(
    referrer: str | None, host: str, reason: str | None
) -> None:
    assert check_referrer(referrer, host) == reason


def test_token_signed_before_a_key_rotation_verifies_until_the_old_key_is_removed() -> None:
    session: dict[str, Any] = {}
    token = issue_token({"SECRET_KEY": "old" * 14}, session)
    rotated = {"SECRET_KEY": "new" * 14, "SECRET_KEY_FALLBACKS": ["old" * 14]}

    verify_token(rotated, session, token)
    with pytest.raises(CSRFTokenError):
        verify_token({"SECRET_KEY": "new" * 14}, session, token)


def test_every_token_is_different_but_all_verify() -> None:
    # Masked with a fresh pad each time: nothing stable for BREACH to measure.
    session: dict[str, Any] = {}
    tokens = {issue_token(CONFIG, session) for _ in range(5)}

    assert len(tokens) == 5
    for token in tokens:
        verify_token(CONFIG, session, token)


def test_signed_value_that_is_not_a_masked_secret_is_invalid() -> None:
    session: dict[str, Any] = {}
    issue_token(CONFIG, session)
    serializer = timed_serializer(CONFIG, csrf.CSRF_SALT)

    for payload in (session["csrf_token"], "zz" * 40, 42):
        assert refusal(session, serializer.dumps(payload)) == csrf.REASON_INVALID
