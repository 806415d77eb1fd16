from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
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
