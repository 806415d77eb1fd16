"""The user names the login throttle counts one attempt under: as a database finds them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.real_servers import require_server
from werkzeug.security import check_password_hash

from hipflask import Hipflask
from hipflask import request
from hipflask.login import login_throttled
from hipflask.login import login_user
from hipflask.login.throttle import user_key
from hipflask.login.throttle import user_keys

from .conftest import User
from .conftest import build_app
from .conftest import log_in


def test_user_names_are_compared_case_insensitively(client: Any) -> None:
    for name in ("Alice", "ALICE ", "alice", "aLiCe", "alice"):
        log_in(client, name, password="guess")
    assert log_in(client, "ALICE", password="guess").status_code == 429


def test_user_names_a_database_collation_compares_equal_share_one_count(protocol: str) -> None:
    # MariaDB's and MySQL's default collations find "alice" for each of these
    # (accents, width, case and invisible characters ignored); each must not
    # be a fresh budget of guesses at alice's password.
    client = build_app().test_client(protocol=protocol)
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in "alice")
    variants = ["alicé", "ALİCE", full_width, "álíçe", "a\u200blice"]
    assert [log_in(client, name, password="x").status_code for name in variants] == [401] * 5
    assert log_in(client, "alice", password="x").status_code == 429
    assert log_in(client, "bob", password="x").status_code == 401


def _exact_login_app(**extra_users: str) -> Hipflask:
    """A login view finding users by the name exactly as sent, with ``extra_users``."""
    app = build_app(LOGIN_THROTTLE_PER_ADDRESS="100/minute")
    users = app.extensions["test_users"]
    for name, password in extra_users.items():
        users[name] = User(name, password)

    @app.post("/exact-login")
    @login_throttled
    def exact_login() -> Any:
        user = users.get(request.form["username"])
        if user is None or not check_password_hash(user.password_hash, request.form["password"]):
            return "Invalid user name or password.", 401
        login_user(user)
        return "welcome"

    return app


@pytest.mark.parametrize("own", ["ALICE", "Alice", "alicé", "a\u200blice"])
def test_a_login_to_an_account_counted_under_another_name_forgives_nothing(
    protocol: str, own: str
) -> None:
    # Where the database tells "alice" and the attacker's own account apart,
    # but the throttle counts both under "alice", the attacker's successful
    # login must not take back the guesses at alice's password.
    client = _exact_login_app(**{own: "mine"}).test_client(protocol=protocol)

    def attempt(name: str, password: str) -> int:
        form = {"username": name, "password": password}
        return int(client.post("/exact-login", data=form).status_code)

    assert [attempt("alice", "guess") for _ in range(4)] == [401] * 4
    assert attempt(own, "mine") == 200
    assert attempt("alice", "guess") == 429
    # Alice's own login is refused too until the window moves on.
    assert attempt("alice", "wonderland") == 429


def test_a_login_spelled_as_counted_takes_back_its_failures(protocol: str) -> None:
    client = _exact_login_app().test_client(protocol=protocol)
    form = {"username": "alice", "password": "guess"}
    assert [client.post("/exact-login", data=form).status_code for _ in range(4)] == [401] * 4
    assert client.post("/exact-login", data={**form, "password": "wonderland"}).status_code == 200
    assert [client.post("/exact-login", data=form).status_code for _ in range(5)] == [401] * 5


@pytest.mark.parametrize("name", ["al\u0131ce", "AL\u0131CE", "al\u0131cé"])
def test_a_dotless_i_counts_as_the_i_mariadb_finds(protocol: str, name: str) -> None:
    # utf8mb4_general_ci, MariaDB's default, finds "alice" for it spelled
    # with U+0131, the Turkish dotless i: counted apart it would be a fresh
    # budget of guesses at alice's password.
    client = build_app().test_client(protocol=protocol)
    assert [log_in(client, name, password="x").status_code for _ in range(5)] == [401] * 5
    assert log_in(client, "alice", password="x").status_code == 429


# (spelling, account): whether a database finds the account for the spelling.
_SPELLINGS = [
    ("alice", "alice"),
    ("ALICE", "alice"),
    ("alicé", "alice"),
    ("álíçe", "alice"),
    ("ALİCE", "alice"),
    ("al\u0131ce", "alice"),
    ("AL\u0131CE", "alice"),
    ("".join(chr(ord(char) + 0xFEE0) for char in "alice"), "alice"),
    ("a\u200blice", "alice"),
    ("alice\u0301", "alice"),
    ("alise", "alice"),
    ("bob", "alice"),
    ("ali\u00dfa", "alisa"),
    ("ALI\u00dfA", "alisa"),
    ("ali\u00dfa", "alissa"),
    ("al\u0131\u00dfa", "alisa"),
]


def _found(collation: str) -> list[tuple[str, str]]:
    """The pairs of :data:`_SPELLINGS` the real MariaDB finds equal under ``collation``."""
    import pymysql

    connection = pymysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", charset="utf8mb4"
    )
    try:
        with connection.cursor() as cursor:
            if collation == "default":
                cursor.execute(
                    "SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS"
                    " WHERE CHARACTER_SET_NAME = 'utf8mb4'"
                )
                row = cursor.fetchone()
                assert row is not None
                collation = str(row[0])
            assert re.fullmatch(r"utf8mb4_\w+", collation)
            found = []
            for spelling, account in _SPELLINGS:
                cursor.execute(f"SELECT %s = %s COLLATE {collation}", (spelling, account))
                equal = cursor.fetchone()
                if equal is not None and equal[0]:
                    found.append((spelling, account))
            return found
    finally:
        connection.close()


@pytest.mark.parametrize("collation", ["default", "utf8mb4_unicode_ci"])
def test_every_spelling_mariadb_finds_an_account_for_counts_against_it(collation: str) -> None:
    # Asked of the real server: what its default utf8mb4 collation (the one
    # a user table gets when nothing else is said), or the Unicode one many
    # apps choose, treats as equal must share a count. Counting more names
    # together is the safe direction.
    require_server("MariaDB")
    found = _found(collation)
    assert ("alice", "alice") in found
    assert [pair for pair in found if user_key(pair[1]) not in user_keys(pair[0])] == []


def test_the_dotless_i_and_sharp_s_cases_are_the_default_collation_s() -> None:
    # What the folding below was written for, as this server's default says.
    require_server("MariaDB")
    found = _found("default")
    assert ("al\u0131ce", "alice") in found
    assert ("ali\u00dfa", "alisa") in found


@pytest.mark.parametrize("name", ["ali\u00dfa", "ALI\u00dfA", "ali\u1e9ea"])
def test_a_sharp_s_counts_against_both_names_a_database_may_find(protocol: str, name: str) -> None:
    # utf8mb4_general_ci, MariaDB's default, finds "alisa" for it; the
    # Unicode collations (MariaDB's and MySQL's unicode ones, PostgreSQL's
    # ICU) find "alissa". Guesses sent with it use up both names' limits.
    client = build_app().test_client(protocol=protocol)
    assert [log_in(client, name, password="x").status_code for _ in range(5)] == [401] * 5
    assert log_in(client, "alisa", password="x").status_code == 429
    assert log_in(client, "alissa", password="x").status_code == 429
    assert log_in(client, "alice", password="x").status_code == 401
