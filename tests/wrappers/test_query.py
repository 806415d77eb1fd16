from __future__ import annotations

import copy
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.query import parse_multidict
from hipflask.wrappers.query import parse_pairs

CASES = [
    "",
    "a=1",
    "a=1&b=two",
    "a=1&&b=2&",
    "a",
    "a=",
    "=b",
    "a=1&a=2",
    "a=b=c",
    "name=caf\u00e9",
    "q=hello+world",
    "q=100%25&x=%E2%9C%93",
    "bad=%ZZ&also=%",
    "semi=1;2",
]


@pytest.mark.parametrize("text", CASES)
def test_pairs_are_what_parse_qsl_gives_as_werkzeug_calls_it(text: str) -> None:
    expected = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    assert parse_pairs(text) == expected


def _same_multidict(ours: MultiDict[str, str], theirs: MultiDict[str, str]) -> None:
    assert type(ours) is type(theirs)
    assert ours == theirs
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
    assert ours.to_dict(flat=False) == theirs.to_dict(flat=False)
    assert list(ours) == list(theirs)
    assert repr(ours) == repr(theirs)
    assert copy.deepcopy(ours) == theirs
    assert ours.copy() == theirs.copy()
    for key in theirs:
        assert ours.getlist(key) == theirs.getlist(key)
        assert ours.get(key) == theirs.get(key)
        assert ours[key] == theirs[key]


@pytest.mark.parametrize("cls", [ImmutableMultiDict, MultiDict])
@pytest.mark.parametrize("text", CASES)
def test_multidict_is_what_the_class_builds_from_the_pairs(
    text: str, cls: type[MultiDict[str, str]]
) -> None:
    _same_multidict(parse_multidict(text, cls), cls(parse_pairs(text)))


@given(st.text(alphabet="ab=&%+2F \u00e9", max_size=40))
def test_multidict_matches_for_any_query_text(text: str) -> None:
    _same_multidict(
        parse_multidict(text, ImmutableMultiDict), ImmutableMultiDict(parse_pairs(text))
    )


def test_multidict_of_werkzeug_class_stays_immutable() -> None:
    args = parse_multidict("a=1&a=2", ImmutableMultiDict)
    with pytest.raises(TypeError):
        args["a"] = "3"  # type: ignore[index]
    # A mutable class gets independent lists: adding does not leak anywhere.
    mutable = parse_multidict("a=1", MultiDict)
    mutable.add("a", "2")
    assert mutable.getlist("a") == ["1", "2"]
    assert parse_multidict("a=1", MultiDict).getlist("a") == ["1"]


def test_views_see_query_and_form_values_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/")
    def index() -> dict[str, object]:
        return {
            "args": request.args.getlist("a"),
            "blank": request.args["blank"],
            "plus": request.args["p"],
            "form": request.form.getlist("f"),
            "escaped": request.form["e"],
        }

    response = client.post(
        "/?a=1&a=2&blank=&p=x+y",
        data=b"f=one&f=two&e=%C3%A9t%C3%A9",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.json == {
        "args": ["1", "2"],
        "blank": "",
        "plus": "x y",
        "form": ["one", "two"],
        "escaped": "\u00e9t\u00e9",
    }
