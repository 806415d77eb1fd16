"""The JSON provider: types Flask users expect, settings, jsonify, and orjson vs stdlib."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid
from typing import Any

import pytest
from markupsafe import Markup

import hipflask.json
import hipflask.json.provider as provider_module
from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.json.provider import DefaultJSONProvider
from hipflask.json.provider import JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Event:
    name: str
    on: datetime.date
    where: Point


class Snippet:
    """Not a str: only ``__html__`` says how to render it."""

    def __html__(self) -> str:
        return "<em>hi</em>"


SAMPLE: dict[str, Any] = {
    "event": Event("launch", datetime.date(2024, 2, 29), Point(1, 2)),
    "naive": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "aware": datetime.datetime(
        2024, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    "price": decimal.Decimal("19.90"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "markup": Markup("<b>bold</b>"),
    "snippet": Snippet(),
    "text": "naïve café ☕",
    "nested": [{"b": 2, "a": 1}, None, True, 1.5],
}

EXPECTED: dict[str, Any] = {
    "event": {
        "name": "launch",
        "on": "Thu, 29 Feb 2024 00:00:00 GMT",
        "where": {"x": 1, "y": 2},
    },
    "naive": "Tue, 02 Jan 2024 03:04:05 GMT",
    "aware": "Tue, 02 Jan 2024 03:04:05 GMT",
    "price": "19.90",
    "id": "12345678-1234-5678-1234-567812345678",
    "markup": "<b>bold</b>",
    "snippet": "<em>hi</em>",
    "text": "naïve café ☕",
    "nested": [{"a": 1, "b": 2}, None, True, 1.5],
}


@pytest.fixture(params=["orjson", "stdlib"])
def encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with orjson (when installed) and with the stdlib fallback."""
    if request.param == "orjson":
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(provider_module, "_orjson", None)
    return str(request.param)


# -- types ----------------------------------------------------------------------------


def test_flask_types_are_serialised(app: Hipflask, encoder: str) -> None:
    assert json.loads(app.json.dump_bytes(SAMPLE)) == EXPECTED
    assert json.loads(app.json.dumps(SAMPLE)) == EXPECTED


def test_orjson_and_stdlib_give_the_same_document(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("orjson")
    fast = app.json.dump_bytes(SAMPLE)
    monkeypatch.setattr(provider_module, "_orjson", None)
    slow = app.json.dump_bytes(SAMPLE)

    assert json.loads(fast) == json.loads(slow) == EXPECTED
    assert fast == slow


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2020, 1, 2), "Thu, 02 Jan 2020 00:00:00 GMT"),
        (datetime.datetime(2020, 1, 2, 3, 4, 5), "Thu, 02 Jan 2020 03:04:05 GMT"),
        (
            datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "Thu, 02 Jan 2020 03:04:05 GMT",
        ),
    ],
)
def test_dates_are_http_dates(app: Hipflask, encoder: str, value: Any, expected: str) -> None:
    assert json.loads(app.json.dump_bytes({"when": value})) == {"when": expected}


def test_decimal_keeps_its_digits_as_a_string(app: Hipflask, encoder: str) -> None:
    assert app.json.dump_bytes([decimal.Decimal("0.10")]) == b'["0.10"]'


def test_unknown_type_is_a_type_error_naming_it(app: Hipflask, encoder: str) -> None:
    with pytest.raises(TypeError, match="object"):
        app.json.dump_bytes({"x": object()})


def test_non_ascii_is_sent_as_utf8(app: Hipflask, encoder: str) -> None:
    assert app.json.dump_bytes({"city": "Zürich"}) == '{"city":"Zürich"}'.encode()


def test_ensure_ascii_escapes_non_ascii(app: Hipflask, encoder: str) -> None:
    app.json.ensure_ascii = True  # type: ignore[attr-defined]

    assert app.json.dump_bytes({"city": "Zürich"}) == b'{"city":"Z\\u00fcrich"}'


def test_integers_beyond_64_bits_still_serialise(app: Hipflask, encoder: str) -> None:
    assert json.loads(app.json.dump_bytes({"big": 2**70})) == {"big": 2**70}


# -- settings -------------------------------------------------------------------------------


def test_keys_are_sorted_by_default(app: Hipflask, encoder: str) -> None:
    assert app.json.dump_bytes({"b": 1, "a": 2, "c": {"z": 0, "y": 1}}) == (
        b'{"a":2,"b":1,"c":{"y":1,"z":0}}'
    )


def test_sort_keys_false_keeps_insertion_order(app: Hipflask, encoder: str) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]

    assert app.json.dump_bytes({"b": 1, "a": 2}) == b'{"b":1,"a":2}'


def test_output_is_compact_outside_debug(app: Hipflask, encoder: str) -> None:
    assert app.json.dump_bytes({"a": [1, 2]}) == b'{"a":[1,2]}'


def test_output_is_indented_in_debug(app: Hipflask, encoder: str) -> None:
    app.debug = True

    assert app.json.dump_bytes({"a": [1, 2]}) == b'{\n  "a": [\n    1,\n    2\n  ]\n}\n'


def test_compact_true_wins_over_debug(app: Hipflask, encoder: str) -> None:
    app.debug = True
    app.json.compact = True  # type: ignore[attr-defined]

    assert app.json.dump_bytes({"a": [1, 2]}) == b'{"a":[1,2]}'


def test_compact_false_indents_outside_debug(app: Hipflask, encoder: str) -> None:
    app.json.compact = False  # type: ignore[attr-defined]

    assert app.json.dump_bytes({"a": 1}) == b'{\n  "a": 1\n}\n'


def test_dumps_keyword_arguments_go_to_the_stdlib(app: Hipflask) -> None:
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=False, indent=1) == '{\n "b": 1,\n "a": 2\n}'


def test_custom_default_function_is_used(app: Hipflask, encoder: str) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, set):
            return sorted(o)
        raise TypeError(type(o).__name__)

    app.json.default = default  # type: ignore[attr-defined]

    assert app.json.dump_bytes({"tags": {"b", "a"}}) == b'{"tags":["a","b"]}'


# -- loading ----------------------------------------------------------------------------------


def test_loads_accepts_text_and_bytes(app: Hipflask, encoder: str) -> None:
    assert app.json.loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert app.json.loads(b'{"a": "\xc3\xa9"}') == {"a": "é"}


def test_loads_with_options_uses_the_stdlib(app: Hipflask) -> None:
    assert app.json.loads('{"n": 1.5}', parse_float=decimal.Decimal) == {
        "n": decimal.Decimal("1.5")
    }


def test_malformed_json_raises_value_error(app: Hipflask, encoder: str) -> None:
    with pytest.raises(ValueError):
        app.json.loads(b"{not json")


# -- responses ---------------------------------------------------------------------------------


def test_json_response_builds_a_json_response(app: Hipflask) -> None:
    with app.app_context():
        response = app.json.response({"ok": True})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"ok":true}\n'
    assert response.headers["Content-Length"] == str(len(b'{"ok":true}\n'))


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (({"a": 1},), {}, {"a": 1}),
        (([1, 2],), {}, [1, 2]),
        ((1, 2, 3), {}, [1, 2, 3]),
        ((), {"a": 1, "b": [2]}, {"a": 1, "b": [2]}),
        ((), {}, None),
        (("text",), {}, "text"),
    ],
    ids=["dict", "list", "several", "keywords", "nothing", "scalar"],
)
def test_jsonify_forms(
    client: Any, app: Hipflask, args: tuple[Any, ...], kwargs: dict[str, Any], expected: Any
) -> None:
    @app.route("/data")
    def data() -> Any:
        return jsonify(*args, **kwargs)

    rv = client.get("/data")

    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.get_json() == expected


def test_jsonify_refuses_positional_and_keyword_arguments_together(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="either"):
        jsonify(1, a=2)


def test_jsonify_serialises_flask_types_over_both_protocols(client: Any, app: Hipflask) -> None:
    @app.route("/sample")
    def sample() -> Any:
        return jsonify(SAMPLE)

    assert client.get("/sample").get_json() == EXPECTED


def test_dict_and_list_return_values_become_json(client: Any, app: Hipflask) -> None:
    @app.route("/dict")
    def as_dict() -> dict[str, Any]:
        return {"price": decimal.Decimal("1.50")}

    @app.route("/list")
    def as_list() -> tuple[list[int], int]:
        return [1, 2], 201

    dict_rv = client.get("/dict")
    list_rv = client.get("/list")

    assert dict_rv.get_json() == {"price": "1.50"}
    assert list_rv.status_code == 201
    assert list_rv.get_json() == [1, 2]


def test_request_json_is_parsed_with_the_provider(client: Any, app: Hipflask) -> None:
    @app.route("/echo", methods=["POST"])
    def echo() -> Any:
        return jsonify(received=request.get_json())

    rv = client.post("/echo", json={"when": "now", "n": [1, 2]})

    assert rv.get_json() == {"received": {"n": [1, 2], "when": "now"}}


def test_custom_provider_class_is_used_everywhere(protocol: str) -> None:
    class UpperProvider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

        def dump_bytes(self, obj: Any) -> bytes:
            return self.dumps(obj).encode()

    class App(Hipflask):
        json_provider_class = UpperProvider

    app = App("json_app")

    @app.route("/shout")
    def shout() -> Any:
        return {"say": "hi"}

    assert isinstance(app.json, UpperProvider)
    with app.test_client(protocol=protocol) as client:
        assert json.loads(client.get("/shout").data) == {"SAY": "HI"}


def test_assigned_provider_instance_is_used(client: Any, app: Hipflask) -> None:
    class Fixed(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return '"fixed"'

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return "fixed"

    app.json = Fixed(app)

    @app.route("/any")
    def any_data() -> Any:
        return jsonify([1, 2, 3])

    # The base provider's response is exactly what its dumps wrote, as in
    # Flask; the newline is the default provider's.
    assert client.get("/any").data == b'"fixed"'


# -- module helpers ------------------------------------------------------------------------------


def test_module_dumps_follows_the_current_app(app: Hipflask, encoder: str) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]

    with app.app_context():
        inside = hipflask.json.dumps({"b": 1, "a": 2})
    outside = hipflask.json.dumps({"b": 1, "a": 2})

    assert json.loads(inside) == json.loads(outside) == {"a": 2, "b": 1}
    assert inside.index('"b"') < inside.index('"a"')
    assert outside.index('"a"') < outside.index('"b"')


def test_module_loads_works_without_an_app() -> None:
    assert hipflask.json.loads('{"a": 1}') == {"a": 1}


def test_jsonify_builds_the_apps_response_class(app: Hipflask) -> None:
    from hipflask import Response

    class Tagged(Response):
        pass

    app.response_class = Tagged

    with app.app_context():
        response = jsonify(a=1)

    assert type(response) is Tagged
    assert response.get_json() == {"a": 1}


def test_jsonify_with_a_response_class_not_derived_from_hipflasks(app: Hipflask) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    class Plain(WerkzeugResponse):
        pass

    app.response_class = Plain  # type: ignore[assignment]

    with app.app_context():
        response = jsonify([1, 2])

    assert type(response) is Plain
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.get_data()) == [1, 2]


@pytest.mark.parametrize("provider", ["default", "own_mimetype", "base"])
def test_jsonify_calls_a_class_with_its_own_init_as_flask_does(
    app: Hipflask, protocol: str, provider: str
) -> None:
    from hipflask import Response

    class Seen(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Seen"] = f"{type(args[0]).__name__} {sorted(kwargs.items())}"

    class Plain(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s)

    app.response_class = Seen
    mimetype = "application/json"
    if provider == "own_mimetype":
        mimetype = "application/vnd.api+json"
        app.json.mimetype = mimetype  # type: ignore[misc]
    elif provider == "base":
        app.json = Plain(app)

    @app.after_request
    def report(response: Response) -> Response:
        # Read here: the test client makes its own instance from what it gets.
        response.headers["X-Made"] = response.headers["X-Seen"]
        return response

    @app.route("/")
    def index() -> Any:
        return jsonify(a=1)

    response = app.test_client(protocol=protocol).get("/")

    # Flask passes the text and the provider's mimetype, no content_type.
    assert response.headers["X-Made"] == f"str [('mimetype', '{mimetype}')]"
    assert response.mimetype == mimetype
    assert response.get_json(force=True) == {"a": 1}


def test_jsonify_outside_an_app_context_says_how_to_enter_one() -> None:
    with pytest.raises(RuntimeError, match=r"app\.app_context\(\)"):
        jsonify(a=1)


# -- Flask's response format ---------------------------------------------------------


def test_responses_follow_the_app_provider_settings(app: Hipflask, protocol: str) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"b": 1, "a": [1, 2]}

    client = app.test_client(protocol=protocol)
    assert client.get("/").data == b'{"a":[1,2],"b":1}\n'

    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = False  # type: ignore[attr-defined]
    app.json.mimetype = "application/vnd.api+json"
    response = client.get("/")

    assert response.data == b'{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}\n'
    assert response.mimetype == "application/vnd.api+json"
    assert response.headers["Content-Length"] == str(len(response.data))


def test_pretty_output_in_debug_ends_with_one_newline(app: Hipflask, protocol: str) -> None:
    app.debug = True

    @app.route("/")
    def index() -> Any:
        return jsonify(a=1)

    assert app.test_client(protocol=protocol).get("/").data == b'{\n  "a": 1\n}\n'


def test_jsonify_with_args_and_kwargs_is_refused_in_flasks_words(app: Hipflask) -> None:
    with (
        app.app_context(),
        pytest.raises(TypeError, match=r"app\.json\.response\(\) takes either args or kwargs"),
    ):
        jsonify(1, a=2)


@pytest.mark.parametrize("sort_keys", [None, 0, 1, "", "yes"])
def test_jsonify_takes_any_truthy_or_falsy_sort_keys(
    app: Hipflask, encoder: str, sort_keys: Any
) -> None:
    app.json.sort_keys = sort_keys  # type: ignore[attr-defined]
    with app.app_context():
        body = jsonify({"b": 1, "a": 2}).get_data()

    assert body == (b'{"a":2,"b":1}\n' if sort_keys else b'{"b":1,"a":2}\n')


def test_a_providers_own_dumps_writes_jsonify_responses(app: Hipflask, encoder: str) -> None:
    class Shouting(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    app.json = Shouting(app)
    with app.app_context():
        body = jsonify(name="ada").get_data()

    assert body == b'{"NAME":"ADA"}\n'


def test_jsonify_uses_a_subclass_response(app: Hipflask, protocol: str) -> None:
    class Wrapped(DefaultJSONProvider):
        def response(self, *args: Any, **kwargs: Any) -> Any:
            return super().response({"wrapped": kwargs})

    app.json = Wrapped(app)

    @app.route("/")
    def index() -> Any:
        return jsonify(a=1)

    assert app.test_client(protocol=protocol).get("/").json == {"wrapped": {"a": 1}}


def test_jsonify_uses_a_response_set_on_the_provider(app: Hipflask, protocol: str) -> None:
    provider = app.json
    seen: list[Any] = []

    def response(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return DefaultJSONProvider.response(provider, *args, **kwargs)

    provider.response = response  # type: ignore[method-assign]

    @app.route("/")
    def index() -> Any:
        return jsonify(1, 2)

    assert app.test_client(protocol=protocol).get("/").json == [1, 2]
    assert seen == [((1, 2), {})]
