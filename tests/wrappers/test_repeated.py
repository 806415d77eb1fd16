"""Repeated headers: one reading under both protocols.

The test client rebuilds headers from a mapping, so repeated headers are
sent to both adapters by ``test_adapters_fuzz.py`` and to real servers by
``tests/integration/test_reliability.py``.
"""

from __future__ import annotations

import pytest

from hipflask.wrappers.repeated import CONFLICTING_CONTENT_TYPES
from hipflask.wrappers.repeated import content_type_refusal
from hipflask.wrappers.repeated import join_repeated


def test_a_list_without_repeats_is_returned_as_it_is() -> None:
    pairs = [("Host", "x"), ("Cookie", "a=1"), ("Accept", "*/*")]

    assert join_repeated(pairs) is pairs


def test_repeated_cookies_are_joined_as_one_list_where_the_first_was() -> None:
    pairs = [("Cookie", "a=1"), ("Accept", "*/*"), ("cookie", "b=2")]

    assert join_repeated(pairs) == [("Cookie", "a=1; b=2"), ("Accept", "*/*")]


def test_every_other_repeated_header_is_joined_with_commas_as_wsgi_servers_do() -> None:
    pairs = [
        ("Host", "a"),
        ("Content-Type", "text/plain"),
        ("Accept", "text/html;q=0.1"),
        ("Host", "b"),
        ("content-type", "x/y"),
        ("accept", "application/json"),
    ]

    assert join_repeated(pairs) == [
        ("Host", "a,b"),
        ("Content-Type", "text/plain,x/y"),
        ("Accept", "text/html;q=0.1,application/json"),
    ]


@pytest.mark.parametrize(
    "value",
    [None, "", "text/plain", 'multipart/form-data; boundary="a,b"', 'x/y; q="a\\",b"'],
)
def test_one_media_type_is_accepted(value: str | None) -> None:
    assert content_type_refusal(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "text/plain,text/plain",
        "application/json, text/plain",
        'multipart/form-data; boundary="a,b",text/plain',
    ],
)
def test_several_media_types_are_refused(value: str) -> None:
    assert content_type_refusal(value) == CONFLICTING_CONTENT_TYPES
