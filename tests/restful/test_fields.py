"""Output fields: formatting, defaults, attributes and their JSON Schemas."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import timezone
from decimal import Decimal
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import fields
from hipflask.restful import marshal
from hipflask.restful import marshal_with
from hipflask.restful.fields import MarshallingException


class Obj:
    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)


def test_simple_fields_format() -> None:
    data = {"s": 5, "i": "7", "f": "1.5", "b": 1, "raw": {"x": 1}}
    out = marshal(
        data,
        {
            "s": fields.String,
            "i": fields.Integer,
            "f": fields.Float,
            "b": fields.Boolean,
            "raw": fields.Raw,
            "missing_int": fields.Integer,
            "missing_str": fields.String,
            "default": fields.String(default="dflt"),
        },
    )
    assert out == {
        "s": "5",
        "i": 7,
        "f": 1.5,
        "b": True,
        "raw": {"x": 1},
        "missing_int": 0,
        "missing_str": None,
        "default": "dflt",
    }


def test_attribute_dotted_and_callable() -> None:
    obj = Obj(owner=Obj(name="ann"), n=2)
    out = marshal(
        obj,
        {
            "owner_name": fields.String(attribute="owner.name"),
            "double": fields.Integer(attribute=lambda o: o.n * 2),
        },
    )
    assert out == {"owner_name": "ann", "double": 4}


def test_datetime_rfc822_and_iso8601() -> None:
    moment = datetime(2020, 1, 2, 3, 4, 5)
    out = marshal(
        {"t": moment, "d": date(2020, 1, 2)},
        {
            "rfc": fields.DateTime(attribute="t"),
            "iso": fields.DateTime(dt_format="iso8601", attribute="t"),
            "aware": fields.DateTime(attribute=lambda o: moment.replace(tzinfo=timezone.utc)),
            "day": fields.DateTime(dt_format="iso8601", attribute="d"),
            "day_rfc": fields.DateTime(attribute="d"),
        },
    )
    assert out["rfc"] == "Thu, 02 Jan 2020 03:04:05 -0000"
    assert out["aware"] == "Thu, 02 Jan 2020 03:04:05 -0000"
    assert out["iso"] == "2020-01-02T03:04:05"
    # A date column stays a date in ISO 8601, as Flask-RESTful writes it.
    assert out["day"] == "2020-01-02"
    assert out["day_rfc"] == "Thu, 02 Jan 2020 00:00:00 -0000"


def test_numbers_as_strings() -> None:
    out = marshal(
        {"p": Decimal("3.14159"), "f": "1.5", "a": "0.1"},
        {"p": fields.Price(decimals=2), "f": fields.Fixed(decimals=3), "a": fields.Arbitrary},
    )
    assert out == {"p": "3.14", "f": "1.500", "a": "0.1"}
    assert marshal({"p": "2.5"}, {"p": fields.Price}) == {"p": "2.50000"}
    with pytest.raises(MarshallingException):
        marshal({"p": "inf"}, {"p": fields.Fixed})


# Observed from Flask-RESTful 0.3.10: a float is rounded from its exact binary
# value (2.345 is 2.34500000000000019...), ties to even; strings and Decimals
# from their digits.
@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.345, 2, "2.35"),
        (1.015, 2, "1.01"),
        (2.675, 2, "2.67"),
        (-2.345, 2, "-2.35"),
        (0.125, 2, "0.12"),
        (0.1 + 0.2, 2, "0.30"),
        (2.5, 5, "2.50000"),
        (1e-20, 2, "0.00"),
        (1e20, 2, "100000000000000000000.00"),
        (3, 2, "3.00"),
        (2**70, 2, "1180591620717411303424.00"),
        (True, 2, "1.00"),
        ("2.345", 2, "2.34"),
        ("1.015", 2, "1.02"),
        (" 2.5 ", 2, "2.50"),
        ("1e3", 2, "1000.00"),
        (Decimal("2.345"), 2, "2.34"),
        (Decimal("2.675"), 2, "2.68"),
        (2.675, 1, "2.7"),
        (2.345, 5, "2.34500"),
    ],
)
def test_fixed_and_price_round_as_flask_restful(value: Any, decimals: int, expected: str) -> None:
    for field in (fields.Fixed, fields.Price):
        assert marshal({"p": value}, {"p": field(decimals=decimals)}) == {"p": expected}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nan", "-inf", "abc", "", [1]])
def test_fixed_refuses_what_is_not_a_finite_number(value: Any) -> None:
    with pytest.raises(MarshallingException):
        marshal({"p": value}, {"p": fields.Fixed(decimals=2)})


def test_fixed_with_no_decimals_rounds_to_a_whole_number() -> None:
    field = fields.Fixed(decimals=0)

    assert [marshal({"p": v}, {"p": field})["p"] for v in (2.5, 3.5, 2.675)] == ["2", "4", "3"]


def test_nested_and_list() -> None:
    data = {"owner": {"name": "ann", "secret": "x"}, "tags": {"b", "a"}, "pets": [{"name": "rex"}]}
    out = marshal(
        data,
        {
            "owner": fields.Nested({"name": fields.String}),
            "nobody": fields.Nested({"name": fields.String}, allow_null=True),
            "empty": fields.Nested({"name": fields.String}),
            "tags": fields.List(fields.String),
            "pets": fields.List(fields.Nested({"name": fields.String})),
            "none": fields.List(fields.String),
        },
    )
    assert out["owner"] == {"name": "ann"}
    assert out["nobody"] is None
    assert out["empty"] == {"name": None}
    assert sorted(out["tags"]) == ["a", "b"]
    assert out["pets"] == [{"name": "rex"}]
    assert out["none"] is None


def test_list_items_are_read_through_the_inner_field_s_attribute() -> None:
    tags = [Obj(name="a"), Obj(name="b")]
    out = marshal(
        {"tags": tags, "keyed": [{"name": "c"}, {"name": "d"}]},
        {
            "tags": fields.List(fields.String(attribute="name")),
            "keyed": fields.List(fields.String(attribute="name")),
        },
    )
    assert out == {"tags": ["a", "b"], "keyed": ["c", "d"]}


def test_list_of_dicts_formats_each_dict(app: Hipflask) -> None:
    @app.route("/todos/<int:id>")
    def todo(id: int) -> str:
        return ""

    with app.test_request_context("/"):
        out = marshal(
            {"todos": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "ids": [3, 4]},
            {
                "greetings": fields.List(fields.FormattedString("hi {name}"), attribute="todos"),
                "links": fields.List(fields.Url("todo"), attribute="todos"),
                "raw": fields.List(fields.Raw, attribute="todos"),
                "ids": fields.List(fields.Integer),
            },
        )
    assert out["greetings"] == ["hi a", "hi b"]
    assert out["links"] == ["/todos/1", "/todos/2"]
    assert out["raw"] == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert out["ids"] == [3, 4]


def test_formatted_string() -> None:
    out = marshal(Obj(first="Ann", last="Lee"), {"full": fields.FormattedString("{first} {last}")})
    assert out == {"full": "Ann Lee"}


def test_url_relative_and_absolute(app: Hipflask) -> None:
    @app.route("/todos/<int:id>")
    def todo(id: int) -> str:
        return ""

    with app.test_request_context("/", base_url="https://api.example.org"):
        out = marshal(
            {"id": 3},
            {"uri": fields.Url("todo"), "abs": fields.Url("todo", absolute=True, scheme="https")},
        )
    assert out == {"uri": "/todos/3", "abs": "https://api.example.org/todos/3"}


def test_list_needs_a_field() -> None:
    with pytest.raises(MarshallingException):
        fields.List(dict)


def test_schemas() -> None:
    assert fields.String().schema() == {"type": ["string", "null"]}
    assert fields.Integer().schema() == {"type": "integer"}
    assert fields.Nested({"a": fields.Integer}, allow_null=True).schema() == {
        "anyOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"type": "null"},
        ]
    }
    assert fields.List(fields.Integer, default=[]).schema() == {
        "type": "array",
        "items": {"type": "integer"},
    }


def test_a_price_from_a_float_reaches_the_client_as_flask_restful_sends_it(
    app: Hipflask, client: Any
) -> None:
    class Basket(Resource):
        @marshal_with({"total": fields.Price(decimals=2)})
        def get(self) -> dict[str, float]:
            return {"total": 2.345}

    Api(app).add_resource(Basket, "/basket")

    assert client.get("/basket").get_json() == {"total": "2.35"}


class Shout(fields.Raw):
    def format(self, value: Any) -> str:
        return str(value).upper()


def test_default_is_returned_as_given_never_formatted() -> None:
    # Placeholders that are not values of the field's type: formatting them
    # would be a 500 (or turn 5 into "5", "dflt" into "DFLT").
    out = marshal(
        {},
        {
            "when": fields.DateTime(default="never"),
            "n": fields.Integer(default="unknown"),
            "p": fields.Fixed(decimals=2, default="n/a"),
            "s": fields.String(default=5),
            "u": Shout(default="dflt"),
            "called": fields.Raw(default=lambda: "fresh"),
        },
    )
    assert out == {
        "when": "never",
        "n": "unknown",
        "p": "n/a",
        "s": 5,
        "u": "dflt",
        "called": "fresh",
    }
    # A present value is still formatted.
    assert marshal({"u": "x"}, {"u": Shout(default="dflt")}) == {"u": "X"}


def test_integer_format_of_none_is_its_default() -> None:
    assert fields.Integer().format(None) == 0
    assert fields.Integer(default="unknown").format(None) == "unknown"


def test_default_reaches_the_client_as_given(app: Hipflask, client: Any) -> None:
    class Report(Resource):
        @marshal_with({"when": fields.DateTime(default="never"), "s": fields.String(default=5)})
        def get(self) -> Any:
            return {}

    Api(app).add_resource(Report, "/report")
    response = client.get("/report")
    assert response.status_code == 200
    assert response.get_json() == {"when": "never", "s": 5}


def test_unsupported_date_format_fails_only_when_formatting() -> None:
    field = fields.DateTime(dt_format="unix")  # building the fields dict works
    assert marshal({}, {"ts": field}) == {"ts": None}
    with pytest.raises(MarshallingException, match="Unsupported date format unix"):
        marshal({"ts": datetime(2020, 1, 2)}, {"ts": field})


def test_marshal_reads_any_indexable_object() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("create table book (id int, title text)")
    conn.execute("insert into book values (7, 'Dune')")
    row = conn.execute("select * from book").fetchone()
    conn.close()
    book_fields = {"id": fields.Integer, "title": fields.String, "isbn": fields.String}
    assert marshal(row, book_fields) == {"id": 7, "title": "Dune", "isbn": None}
    # A defaultdict answers a missing key with its factory's value.
    counts = defaultdict(lambda: "n/a", {"id": 1})
    assert marshal(counts, {"id": fields.Integer, "title": fields.String}) == {
        "id": 1,
        "title": "n/a",
    }
    # Nested objects are read the same way.
    assert marshal({"book": row}, {"book": fields.Nested({"title": fields.String})}) == {
        "book": {"title": "Dune"}
    }


class Record(dict[str, Any]):
    @property
    def label(self) -> str:
        return f"#{self['id']}"


def test_marshal_falls_back_to_attributes_but_not_to_mapping_methods() -> None:
    # An indexable object that lacks the key is read by attribute (a dict
    # subclass's property), but a dict's own methods are never values.
    out = marshal(Record(id=3), {"id": fields.Integer, "label": fields.String, "items": fields.Raw})
    assert out == {"id": 3, "label": "#3", "items": None}
