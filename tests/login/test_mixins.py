from __future__ import annotations

import pytest

from hipflask.login import AnonymousUserMixin
from hipflask.login import UserMixin


class Member(UserMixin):
    def __init__(self, id: object) -> None:
        self.id = id


def test_user_mixin_defaults_and_equality_by_id() -> None:
    user = Member(7)
    assert (user.is_active, user.is_authenticated, user.is_anonymous) == (True, True, False)
    assert user.get_id() == "7"
    assert user == Member("7")
    assert user != Member(8)
    assert user.__ne__(Member(7)) is False
    assert user.__eq__("7") is NotImplemented
    assert user.__ne__("7") is NotImplemented
    assert hash(user) != hash(Member(7)) or user is not Member(7)


def test_user_without_id_says_to_override_get_id() -> None:
    with pytest.raises(NotImplementedError, match="get_id"):
        UserMixin().get_id()


def test_anonymous_user_is_nobody() -> None:
    anonymous = AnonymousUserMixin()
    assert (anonymous.is_authenticated, anonymous.is_active, anonymous.is_anonymous) == (
        False,
        False,
        True,
    )
    assert anonymous.get_id() is None
