from __future__ import annotations

import argon2
import pytest
from werkzeug import security as werkzeug_security

from hipflask.security import check_password_hash
from hipflask.security import generate_password_hash
from hipflask.security import password_needs_rehash
from hipflask.security.passwords import ARGON2_MEMORY_COST


def test_new_hashes_are_argon2id_with_owasp_parameters() -> None:
    pwhash = generate_password_hash("correct horse")
    params = argon2.extract_parameters(pwhash)

    assert pwhash.startswith("$argon2id$")
    assert params.memory_cost == ARGON2_MEMORY_COST == 19456
    assert (params.time_cost, params.parallelism) == (2, 1)


def test_same_password_hashes_differently_each_time() -> None:
    assert generate_password_hash("pw") != generate_password_hash("pw")


def test_argon2_hash_verifies_the_right_password_only() -> None:
    pwhash = generate_password_hash("correct horse")

    assert check_password_hash(pwhash, "correct horse")
    assert not check_password_hash(pwhash, "correct horse ")


@pytest.mark.parametrize("method", ["pbkdf2:sha256", "pbkdf2:sha256:1000", "scrypt"])
def test_werkzeug_hashes_still_verify(method: str) -> None:
    pwhash = werkzeug_security.generate_password_hash("legacy", method)

    assert check_password_hash(pwhash, "legacy")
    assert not check_password_hash(pwhash, "Legacy")


@pytest.mark.parametrize(
    "pwhash",
    ["", "plaintext", "$argon2id$garbage", "pbkdf2:nodigest:1$salt$hash", "scrypt:x$y$z", "md5$a"],
)
def test_malformed_or_unknown_hash_is_a_mismatch_not_an_error(pwhash: str) -> None:
    assert check_password_hash(pwhash, "anything") is False


def test_non_string_inputs_are_a_mismatch() -> None:
    assert check_password_hash(None, "pw") is False  # type: ignore[arg-type]
    assert check_password_hash(generate_password_hash("pw"), None) is False  # type: ignore[arg-type]


def test_werkzeug_and_weaker_argon2_hashes_need_rehash() -> None:
    assert password_needs_rehash(werkzeug_security.generate_password_hash("pw", "scrypt"))
    assert password_needs_rehash(werkzeug_security.generate_password_hash("pw", "pbkdf2"))
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert password_needs_rehash(weak)
    assert password_needs_rehash("$argon2id$garbage")


def test_current_hash_needs_no_rehash() -> None:
    assert not password_needs_rehash(generate_password_hash("pw"))


def test_werkzeug_methods_can_still_be_asked_for() -> None:
    pwhash = generate_password_hash("pw", method="pbkdf2:sha256:1000", salt_length=8)

    assert pwhash.startswith("pbkdf2:sha256:1000$")
    assert check_password_hash(pwhash, "pw")


def test_werkzeug_import_in_user_code_keeps_working() -> None:
    from werkzeug.security import check_password_hash as wz_check
    from werkzeug.security import generate_password_hash as wz_generate

    assert wz_check(wz_generate("pw"), "pw")


def test_missing_argon2_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from hipflask.errors import MissingExtraError
    from hipflask.security import passwords

    passwords._hasher.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "argon2", None)
    try:
        with pytest.raises(MissingExtraError, match=r"hipflask\[passwords\]"):
            generate_password_hash("pw")
        # Werkzeug's hashes need no extra.
        assert check_password_hash(werkzeug_security.generate_password_hash("pw"), "pw")
    finally:
        passwords._hasher.cache_clear()
