"""Backend helpers: composite keys in one URL value, attribute paths."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask.admin import tools


@pytest.mark.parametrize(
    "values",
    [("1",), ("a", "b"), ("a,b", "c.d", "3"), ("", ""), ("..", ",,")],
)
def test_iterencode_round_trips(values: tuple[str, ...]) -> None:
    assert tools.iterdecode(tools.iterencode(values)) == values


def test_no_values_round_trip_through_the_empty_string() -> None:
    assert tools.iterencode([]) == ""
    assert tools.iterdecode("") == ()
    assert tools.iterdecode(",") == ("", "")


def test_iterencode_escapes_like_flask_admin() -> None:
    assert tools.iterencode(["a,b", "c.d", 3]) == "a.,b,c..d,3"
    assert tools.escape(b"a.b,c") == "a..b.,c"


def test_rec_getattr_and_get_dict_attr() -> None:
    class Lazy:
        declared = "plain"

        def __getattr__(self, name: str) -> Any:
            raise AssertionError("must not be called")

    class Node:
        def __init__(self, child: Any = None) -> None:
            self.child = child
            self.name = "leaf" if child is None else "branch"

    tree = Node(Node())
    assert tools.rec_getattr(tree, "child.name") == "leaf"
    assert tools.rec_getattr(tree, "child.missing.name", "none") == "none"
    assert tools.get_dict_attr(Lazy(), "declared") == "plain"
    assert tools.get_dict_attr(Lazy(), "other", 0) == 0
