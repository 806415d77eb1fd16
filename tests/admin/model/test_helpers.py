"""Model view helpers."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from hipflask.admin.model.helpers import get_mdict_item_or_list
from hipflask.admin.model.helpers import prettify_name


def test_prettify_name() -> None:
    assert prettify_name("first_name") == "First Name"
    assert prettify_name("user.email") == "User.Email"


def test_get_mdict_item_or_list() -> None:
    assert get_mdict_item_or_list(MultiDict([("id", "1")]), "id") == "1"
    assert get_mdict_item_or_list(MultiDict([("id", "1"), ("id", "2")]), "id") == ("1", "2")
    assert get_mdict_item_or_list(MultiDict(), "id") is None
    assert get_mdict_item_or_list(MultiDict([("id", "")]), "id") is None
    assert get_mdict_item_or_list({"id": "3"}, "id") == "3"
