"""The tojson filter: escaped for scripts and attributes, through the app's JSON provider."""

from __future__ import annotations

import json
from typing import Any

from hipflask import Hipflask
from hipflask.json.provider import DefaultJSONProvider
from hipflask.json.provider import JSONProvider
from hipflask.templating import render_template
from hipflask.templating import render_template_string


def test_tojson_escapes_characters_that_could_end_a_script_or_attribute(
    app: Hipflask, client: Any
) -> None:
    data = {"html": "</script><b>", "quote": "it's", "amp": "a&b"}

    @app.route("/")
    def index() -> str:
        return render_template("data.html", data=data)

    text = client.get("/").text
    body = text.removeprefix("<script>const data = ").removesuffix(";</script>")
    for dangerous in "<>&'":
        assert dangerous not in body
    assert "\\u003c/script\\u003e" in body
    assert "\\u0027" in body
    assert "\\u0026" in body
    assert json.loads(body) == data


def test_tojson_uses_the_apps_json_provider(app: Hipflask) -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    class PointProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, Point):
                return [o.x, o.y]
            raise TypeError(type(o).__name__)

    app.json = PointProvider(app)
    with app.app_context():
        assert render_template_string("{{ p|tojson }}", p=Point(1, 2)) == "[1, 2]"


def test_tojson_sorts_keys_whatever_the_provider_says(app: Hipflask, client: Any) -> None:
    class Unsorted(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s, **kwargs)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ v|tojson }}", v={"b": 1, "a": 2})

    app.json.sort_keys = False  # type: ignore[attr-defined]
    assert client.get("/").text == '{"a": 2, "b": 1}'
    app.json = Unsorted(app)
    assert client.get("/").text == '{"a": 2, "b": 1}'


def test_tojson_accepts_an_indent(app: Hipflask) -> None:
    with app.app_context():
        rv = render_template_string("{{ v|tojson(indent=2) }}", v={"a": 1})
    assert rv == '{\n  "a": 1\n}'
