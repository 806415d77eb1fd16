"""orjson and the stdlib write the same bytes, and the bytes Flask writes.

The expected values were observed from Flask 3.1 (with ``ensure_ascii`` off,
hipflask's default). Where Flask raises ``TypeError``, both encoders raise it
too; the one deliberate exception is an ``Enum`` member, which orjson writes as
its value without asking, so the stdlib path writes it the same way.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import uuid
from typing import Any

import pytest
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict

import hipflask.json.provider as provider_module
from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    FAST = "fast"


@dataclasses.dataclass
class Point:
    y: int
    x: int
    _hidden: int = 0
    when: datetime.date = datetime.date(2024, 2, 29)

    def __post_init__(self) -> None:
        self.cache = "not a field"


class Snippet:
    def __html__(self) -> str:
        return "<em>hi</em>"


Pair = collections.namedtuple("Pair", ["left", "right"])


class Tag(str):
    __slots__ = ()


class Count(int):
    pass


class Items(list[int]):
    pass


LEAP = "Thu, 29 Feb 2024 00:00:00 GMT"

#: (value, Flask's bytes, or the start of the TypeError message).
CASES: dict[str, tuple[Any, bytes | str]] = {
    "multidict": (
        MultiDict([("q", "lamp"), ("q", "desk"), ("page", "2")]),
        b'{"page":"2","q":"lamp"}',
    ),
    "immutable_multidict": (ImmutableMultiDict([("a", "1"), ("a", "2")]), b'{"a":"1"}'),
    "nested_multidict": ({"args": MultiDict([("q", "x"), ("q", "y")])}, b'{"args":{"q":"x"}}'),
    "ordered_dict": (collections.OrderedDict([("b", 1), ("a", 2)]), b'{"a":2,"b":1}'),
    "defaultdict": (collections.defaultdict(list, {"b": [1], "a": []}), b'{"a":[],"b":[1]}'),
    "dataclass": (Point(2, 1), b'{"_hidden":0,"when":"' + LEAP.encode() + b'","x":1,"y":2}'),
    "dataclass_in_list": (
        [Point(1, 2, 3)],
        b'[{"_hidden":3,"when":"' + LEAP.encode() + b'","x":2,"y":1}]',
    ),
    "decimal": (decimal.Decimal("19.90"), b'"19.90"'),
    "uuid": (
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        b'"12345678-1234-5678-1234-567812345678"',
    ),
    "date": (datetime.date(2020, 1, 2), b'"Thu, 02 Jan 2020 00:00:00 GMT"'),
    "naive_datetime": (datetime.datetime(2020, 1, 2, 3, 4, 5), b'"Thu, 02 Jan 2020 03:04:05 GMT"'),
    "aware_datetime": (
        datetime.datetime(
            2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        b'"Thu, 02 Jan 2020 01:04:05 GMT"',
    ),
    "enum": ({"color": Color.RED}, b'{"color":"red"}'),
    "int_enum": ([Level.HIGH], b"[3]"),
    "str_enum": ({"mode": Mode.FAST, Mode.FAST: 1}, b'{"fast":1,"mode":"fast"}'),
    "markup": (Markup("<b>x</b>"), b'"<b>x</b>"'),
    "html_object": ({"s": Snippet()}, b'{"s":"<em>hi</em>"}'),
    "none_key": ({None: 1}, b'{"null":1}'),
    "bool_keys": ({True: 1, False: 0}, b'{"false":0,"true":1}'),
    "int_keys_sorted_as_numbers": ({10: "a", 9: "b"}, b'{"9":"b","10":"a"}'),
    "float_key": ({1.5: "x"}, b'{"1.5":"x"}'),
    "str_subclass_key": ({Tag("k"): Tag("v")}, b'{"k":"v"}'),
    "tuple": ((1, "two", None), b'[1,"two",null]'),
    "namedtuple": (Pair(1, 2), b"[1,2]"),
    "builtin_subclasses": ([Count(5), Items([1, 2]), Tag("t")], b'[5,[1,2],"t"]'),
    "big_int": (2**70, b"1180591620717411303424"),
    "floats": ([0.1, 1.0, -0.0, 1e300, 123456789.123], b"[0.1,1.0,-0.0,1e+300,123456789.123]"),
    "text": ("naïve café ☕", '"naïve café ☕"'.encode()),
    "nested": ([{"b": [1, {"d": None, "c": True}]}, []], b'[{"b":[1,{"c":true,"d":null}]},[]]'),
    "mixed_none_and_str_keys": ({None: 1, "a": 2}, "'<' not supported"),
    "set": ({1}, "Object of type set"),
    "frozenset": ({"s": frozenset()}, "Object of type frozenset"),
    "date_key": ({datetime.date(2020, 1, 2): 1}, "keys must be str"),
    "uuid_key": ({uuid.UUID(int=1): 1}, "keys must be str"),
    "bytes": (b"x", "Object of type bytes"),
    "time": (datetime.time(1, 2), "Object of type time"),
}


def _encode(app: Hipflask, value: Any) -> bytes | str:
    try:
        return app.json.dump_bytes(value)
    except TypeError as exc:
        return f"TypeError: {exc}"


@pytest.mark.parametrize("name", list(CASES))
def test_orjson_and_stdlib_write_the_bytes_flask_writes(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    pytest.importorskip("orjson")
    value, expected = CASES[name]
    fast = _encode(app, value)
    monkeypatch.setattr(provider_module, "_orjson", None)
    slow = _encode(app, value)

    assert fast == slow
    if isinstance(expected, bytes):
        assert fast == expected
    else:
        assert isinstance(fast, str)
        assert fast.startswith(f"TypeError: {expected}")


@pytest.mark.parametrize("name", list(CASES))
def test_dumps_gives_the_same_document_on_both_encoders(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    pytest.importorskip("orjson")
    value, expected = CASES[name]
    if not isinstance(expected, bytes):
        with pytest.raises(TypeError, match=expected[:8]):
            app.json.dumps(value)
        monkeypatch.setattr(provider_module, "_orjson", None)
        with pytest.raises(TypeError, match=expected[:8]):
            app.json.dumps(value)
        return
    fast = app.json.dumps(value)
    monkeypatch.setattr(provider_module, "_orjson", None)
    slow = app.json.dumps(value)

    assert app.json.loads(fast) == app.json.loads(slow) == app.json.loads(expected)


@pytest.fixture(params=["orjson", "stdlib"])
def encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "orjson":
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(provider_module, "_orjson", None)
    return str(request.param)


def test_returned_query_args_are_first_values_per_key(
    app: Hipflask, client: Any, encoder: str
) -> None:
    @app.get("/echo")
    def echo() -> Any:
        return request.args

    response = client.get("/echo?q=lamp&q=desk&page=2")

    assert response.data == b'{"page":"2","q":"lamp"}\n'


def test_jsonify_of_form_and_cookies_gives_first_values(
    app: Hipflask, client: Any, encoder: str
) -> None:
    @app.post("/form")
    def form() -> Any:
        return jsonify(form=request.form, cookies=request.cookies)

    client.set_cookie("theme", "dark")
    response = client.post("/form", data={"tag": ["a", "b"]})

    assert response.get_json() == {"cookies": {"theme": "dark"}, "form": {"tag": "a"}}
