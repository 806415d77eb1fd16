from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any
from uuid import UUID

import pytest
from markupsafe import Markup

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions.tag import JSONTag
from hipflask.sessions.tag import TaggedJSONSerializer
from hipflask.testing.client import HipflaskClient

AWARE = datetime(2024, 2, 29, 13, 45, 12, 345678, tzinfo=timezone(timedelta(hours=2)))

ROUND_TRIP_VALUES: list[Any] = [
    "text",
    "ünïcode ✓",
    42,
    -1.5,
    True,
    None,
    [1, "two", [3]],
    {"a": 1, "b": {"c": [2, 3]}},
    (1, 2, 3),
    ("nested", (1, (2,)), [("in", "list")]),
    b"\x00\xffbytes",
    Markup("<b>safe</b>"),
    UUID("12345678-1234-5678-1234-567812345678"),
    AWARE,
    datetime(2024, 1, 2, 3, 4, 5, 6),
    datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    {" t": "a dict whose key is a tag"},
    {" di": {" t": (1, 2)}},
    {"k": {" b": "looks like bytes but is a dict"}},
    [{" u": "x"}, (b"a", Markup("<i>")), {"when": AWARE}],
]


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES, ids=repr)
def test_value_survives_dumps_and_loads(serializer: TaggedJSONSerializer, value: Any) -> None:
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert type(loaded) is type(value)


def test_tuple_is_not_returned_as_list(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads(serializer.dumps({"t": (1, 2)})) == {"t": (1, 2)}
    assert isinstance(serializer.loads(serializer.dumps((1, 2))), tuple)


def test_datetime_keeps_microseconds_and_naivety(serializer: TaggedJSONSerializer) -> None:
    naive = datetime(2030, 5, 6, 7, 8, 9, 123456)
    loaded = serializer.loads(serializer.dumps(naive))
    assert loaded == naive
    assert loaded.tzinfo is None
    aware = serializer.loads(serializer.dumps(AWARE))
    assert aware.utcoffset() == timedelta(hours=2)
    assert aware.microsecond == 345678


def test_flask_http_date_form_still_loads(serializer: TaggedJSONSerializer) -> None:
    loaded = serializer.loads('{" d":"Thu, 29 Feb 2024 11:45:12 GMT"}')
    assert loaded == datetime(2024, 2, 29, 11, 45, 12, tzinfo=timezone.utc)


def test_unreadable_datetime_raises(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(ValueError):
        serializer.loads('{" d":"not a date"}')


def test_markup_is_restored_as_markup_not_escaped_text(serializer: TaggedJSONSerializer) -> None:
    class HasHTML:
        def __html__(self) -> str:
            return "<em>hi</em>"

    loaded = serializer.loads(serializer.dumps(HasHTML()))
    assert isinstance(loaded, Markup)
    assert str(loaded) == "<em>hi</em>"


def test_output_is_compact_json(serializer: TaggedJSONSerializer) -> None:
    assert serializer.dumps({"a": [1, 2], "b": (3,)}) == '{"a":[1,2],"b":{" t":[3]}}'


def test_dict_with_tag_key_is_escaped(serializer: TaggedJSONSerializer) -> None:
    assert serializer.dumps({" t": [1]}) == '{" di":{" t__":[1]}}'


def test_unknown_single_key_object_is_left_alone(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads('{" zz":1}') == {" zz": 1}
    assert serializer.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}


def test_loads_accepts_bytes(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads(b'{" t":[1]}') == (1,)


def test_registering_an_existing_key_raises(serializer: TaggedJSONSerializer) -> None:
    class Clash(JSONTag):
        key = " t"

    with pytest.raises(KeyError, match="' t' is already registered"):
        serializer.register(Clash)


def test_force_replaces_an_existing_tag(serializer: TaggedJSONSerializer) -> None:
    class ListyTuple(JSONTag):
        __slots__ = ()
        key = " t"

        def check(self, value: Any) -> bool:
            return isinstance(value, tuple)

        def to_json(self, value: Any) -> Any:
            return list(value)

        def to_python(self, value: Any) -> Any:
            return ("replaced", *value)

    serializer.register(ListyTuple, force=True, index=0)
    assert serializer.loads(serializer.dumps((1,))) == ("replaced", 1)


class TagOrderedDict(JSONTag):
    __slots__ = ()
    key = " od"

    def check(self, value: Any) -> bool:
        return isinstance(value, OrderedDict)

    def to_json(self, value: Any) -> Any:
        return [[k, self.serializer.tag(v)] for k, v in value.items()]

    def to_python(self, value: Any) -> Any:
        return OrderedDict(value)


def test_custom_tag_registered_first_wins_over_builtin_dict(
    serializer: TaggedJSONSerializer,
) -> None:
    serializer.register(TagOrderedDict, index=0)
    value = OrderedDict([("b", (1,)), ("a", b"x")])
    loaded = serializer.loads(serializer.dumps(value))
    assert isinstance(loaded, OrderedDict)
    assert list(loaded.items()) == [("b", (1,)), ("a", b"x")]


def test_custom_tag_appended_after_builtin_dict_is_never_reached(
    serializer: TaggedJSONSerializer,
) -> None:
    serializer.register(TagOrderedDict)
    loaded = serializer.loads(serializer.dumps(OrderedDict(a=1)))
    assert type(loaded) is dict


def test_custom_tag_can_claim_plain_strings(serializer: TaggedJSONSerializer) -> None:
    class Upper(JSONTag):
        __slots__ = ()
        key = " up"

        def check(self, value: Any) -> bool:
            return isinstance(value, str) and value.isupper()

        def to_json(self, value: Any) -> Any:
            return value.lower()

        def to_python(self, value: Any) -> Any:
            return value.upper()

    serializer.register(Upper, index=0)
    assert serializer.dumps("ABC") == '{" up":"abc"}'
    assert serializer.loads(serializer.dumps(["ABC", "d"])) == ["ABC", "d"]


def test_base_tag_methods_must_be_implemented(serializer: TaggedJSONSerializer) -> None:
    tag = JSONTag(serializer)
    with pytest.raises(NotImplementedError):
        tag.check(1)
    with pytest.raises(NotImplementedError):
        tag.to_json(1)
    with pytest.raises(NotImplementedError):
        tag.to_python(1)


def test_other_types_use_the_apps_json_provider(
    app: Hipflask, serializer: TaggedJSONSerializer
) -> None:
    @dataclasses.dataclass
    class Point:
        x: int

    with app.app_context():
        text = serializer.dumps({"day": date(2024, 1, 2), "p": Point(3)})
    assert serializer.loads(text) == {"day": "Tue, 02 Jan 2024 00:00:00 GMT", "p": {"x": 3}}


def test_other_types_work_outside_an_app(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads(serializer.dumps(date(2024, 1, 2))) == "Tue, 02 Jan 2024 00:00:00 GMT"


def test_unserializable_value_names_the_type(serializer: TaggedJSONSerializer) -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="Opaque cannot be stored in the session"):
        serializer.dumps({"x": Opaque()})


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES, ids=repr)
def test_value_survives_a_session_cookie_round_trip(
    app: Hipflask, client: HipflaskClient, value: Any
) -> None:
    stored: dict[str, Any] = {}

    @app.route("/store")
    def store() -> str:
        session["value"] = value
        return "stored"

    @app.route("/load")
    def load() -> str:
        stored["value"] = session["value"]
        return "loaded"

    client.get("/store")
    assert client.get("/load").text == "loaded"
    assert stored["value"] == value
    assert type(stored["value"]) is type(value)
    if isinstance(value, datetime):
        # Aware datetimes compare equal across offsets; the offset must survive too.
        assert stored["value"].tzinfo == value.tzinfo


FLAT_SESSIONS: list[dict[Any, Any]] = [
    {},
    {"counter": 5},
    {"_permanent": True, "_fresh": False, "user_id": "42", "gone": None},
    {"big": 10**40, "negative": -3, "zero": 0},
    {"ünïcode": '✓ \u2028 "quoted" \\ back\nslash\x00', "a-b c": "", "": "x"},
    {"1st": "9lives", "_": "__"},
    {" t": 1},  # a tag-like key alone: tagged as a dict
    {" t": 1, "other": 2},
    {1: "int key", "s": "str"},
    {"ratio": 0.5, "nan": float("nan"), "inf": float("inf")},
    {"flag": True, "items": [1, 2]},
    {"token": Markup("<b>")},
]


@pytest.mark.parametrize("value", FLAT_SESSIONS, ids=range(len(FLAT_SESSIONS)))
def test_flat_sessions_are_written_as_the_tagging_path_writes_them(
    serializer: TaggedJSONSerializer, value: dict[Any, Any]
) -> None:
    expected = json.dumps(serializer.tag(value), ensure_ascii=False, separators=(",", ":"))
    assert serializer.dumps(value) == expected
    loaded = serializer.loads(expected)
    assert json.dumps(loaded, sort_keys=True, default=str) == json.dumps(
        serializer.loads(serializer.dumps(value)), sort_keys=True, default=str
    )


def test_a_custom_tag_still_sees_the_values_of_a_flat_session(
    serializer: TaggedJSONSerializer,
) -> None:
    class Upper(JSONTag):
        __slots__ = ()
        key = " up"

        def check(self, value: Any) -> bool:
            return isinstance(value, str) and value.isupper()

        def to_json(self, value: Any) -> Any:
            return value.lower()

        def to_python(self, value: Any) -> Any:
            return value.upper()

    assert serializer.dumps({"name": "ANN"}) == '{"name":"ANN"}'
    serializer.register(Upper, index=0)
    assert serializer.dumps({"name": "ANN"}) == '{"name":{" up":"ann"}}'


def test_loads_takes_surrounding_whitespace_and_refuses_trailing_data(
    serializer: TaggedJSONSerializer,
) -> None:
    assert serializer.loads(' \n{"a": {" t": [1]}}\t') == {"a": (1,)}
    assert serializer.loads(b'{"a":1}') == {"a": 1}
    with pytest.raises(json.JSONDecodeError, match="Extra data"):
        serializer.loads('{"a":1} {}')
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        serializer.loads("  ")
