from __future__ import annotations

from typing import Any

from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from hipflask.login import credentials
from hipflask.login import verify_login


class Account:
    def __init__(self, password: str, method: str = "pbkdf2:sha256:1000") -> None:
        self.password_hash = generate_password_hash(password, method=method)


def test_right_password_passes_and_wrong_one_fails() -> None:
    account = Account("pw")
    assert verify_login(account, "pw")
    assert not verify_login(account, "nope")


def test_unknown_user_still_costs_one_hash_check_of_the_same_method() -> None:
    calls: list[tuple[str, str]] = []

    def spy(stored: str, password: str) -> bool:
        calls.append((stored, password))
        return check_password_hash(stored, password)

    verify_login(Account("pw", "pbkdf2:sha256:1234"), "x", check=spy)
    assert not verify_login(None, "guess", check=spy)
    assert calls[1][0].startswith("pbkdf2:sha256:1234$")
    assert calls[1][1] == "guess"


def test_user_without_a_hash_is_treated_as_unknown() -> None:
    class Bare:
        password_hash: Any = None

    assert not verify_login(Bare(), "x", check=lambda stored, pw: True)
    assert not verify_login(Account("pw"), "pw", hash_attribute="missing")


def test_hash_without_a_method_prefix_is_checked_as_is() -> None:
    class Legacy:
        password_hash = "plain-legacy"

    seen: list[str] = []
    assert verify_login(Legacy(), "x", check=lambda stored, pw: seen.append(stored) or True)
    assert seen == ["plain-legacy"]


def test_default_dummy_method_before_any_user_is_seen_is_argon2id() -> None:
    credentials._last_method.clear()
    seen: list[str] = []
    verify_login(None, "x", check=lambda stored, pw: seen.append(stored) or False)
    assert seen[0].startswith("$argon2id$")


def test_hipflask_hashes_pass_and_an_unknown_user_costs_an_argon2_check() -> None:
    from hipflask.security import generate_password_hash as hipflask_hash

    class Modern:
        password_hash = hipflask_hash("right")

    seen: list[str] = []

    def spy(stored: str, password: str) -> bool:
        seen.append(stored)
        return credentials.check_password_hash(stored, password)

    assert verify_login(Modern(), "right")
    assert not verify_login(Modern(), "wrong")
    assert not verify_login(None, "guess", check=spy)
    assert seen[0].startswith("$argon2id$")
    assert seen[0] != Modern.password_hash
