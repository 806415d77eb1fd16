"""Typed views refuse a Decimal with more digits than a client may send.

``f"{value:f}"`` of ``Decimal("1e-9999999999")`` writes ten billion zeros
(a ``MemoryError``); the REST parser and the forms refuse such numbers, and
so does a typed view, in its own 422, before the view can format one.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Annotated
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic import Field

from hipflask import Hipflask
from hipflask.core.typed import Query
from hipflask.core.typed import validate
from hipflask.core.typed_decimals import ERROR_TYPE
from hipflask.core.typed_decimals import decimal_errors
from hipflask.core.typed_decimals import holds_decimal

TINY = "1e-9999999999"
HUGE = "1" + "0" * 100_000
LIMIT_DIGITS = "9" * 4300


class Price(BaseModel):
    amount: Decimal
    label: str = ""


class Basket(BaseModel):
    prices: list[Price] = []
    by_name: dict[str, Decimal] = {}
    total: Decimal | None = Field(default=None, alias="grandTotal")


@dataclasses.dataclass
class Line:
    amount: Decimal


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="s" * 32)

    @app.post("/price")
    def price(item: Price) -> dict[str, str]:
        # The formatting an attacker would make the view pay for.
        return {"amount": f"{item.amount:f}"[:20]}

    @app.post("/basket")
    def basket(item: Basket) -> dict[str, int]:
        return {"prices": len(item.prices)}

    @app.post("/line")
    def line(item: Line) -> dict[str, str]:
        return {"amount": f"{item.amount:f}"[:20]}

    @app.get("/search")
    def search(filters: Annotated[Price, Query()]) -> dict[str, str]:
        return {"amount": f"{filters.amount:f}"[:20]}

    @app.get("/scalar/<amount>")
    @validate()
    def scalar(amount: Decimal, limit: Decimal = Decimal(1)) -> dict[str, str]:
        return {"amount": f"{amount:f}"[:20], "limit": f"{limit:f}"[:20]}

    return app


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    return [
        {"loc": error["loc"], "type": error["type"]}
        for error in response.json["errors"]
        if error["type"] == ERROR_TYPE
    ]


@pytest.mark.parametrize("number", [TINY, HUGE, "-" + HUGE, "0." + "0" * 4300 + "1"])
def test_a_json_body_number_out_of_range_is_a_422(client: Any, number: str) -> None:
    response = client.post("/price", json={"amount": number})

    assert _errors(response) == [{"loc": ["body", "amount"], "type": ERROR_TYPE}]
    assert "4300 digits" in response.json["errors"][0]["msg"]
    # The client's number is not echoed back.
    assert len(response.data) < 1000


def test_a_form_body_number_out_of_range_is_a_422(client: Any) -> None:
    response = client.post("/price", data={"amount": TINY, "label": "x"})

    assert _errors(response) == [{"loc": ["body", "amount"], "type": ERROR_TYPE}]


def test_a_dataclass_body_number_out_of_range_is_a_422(client: Any) -> None:
    response = client.post("/line", json={"amount": TINY})

    assert _errors(response) == [{"loc": ["body", "amount"], "type": ERROR_TYPE}]


def test_every_nested_number_out_of_range_is_reported(client: Any) -> None:
    response = client.post(
        "/basket",
        json={
            "prices": [{"amount": "1.5"}, {"amount": TINY}],
            "by_name": {"tea": HUGE, "milk": "2"},
            "grandTotal": TINY,
        },
    )

    assert _errors(response) == [
        {"loc": ["body", "prices", 1, "amount"], "type": ERROR_TYPE},
        {"loc": ["body", "by_name", "tea"], "type": ERROR_TYPE},
        {"loc": ["body", "grandTotal"], "type": ERROR_TYPE},
    ]


def test_a_query_model_number_out_of_range_is_a_422(client: Any) -> None:
    response = client.get("/search", query_string={"amount": TINY})

    assert _errors(response) == [{"loc": ["query", "amount"], "type": ERROR_TYPE}]


def test_path_and_query_numbers_out_of_range_are_422s(client: Any) -> None:
    response = client.get(f"/scalar/{TINY}", query_string={"limit": HUGE})

    assert _errors(response) == [
        {"loc": ["path", "amount"], "type": ERROR_TYPE},
        {"loc": ["query", "limit"], "type": ERROR_TYPE},
    ]


@pytest.mark.parametrize(
    "number", ["1.25", "-0", "1e4299", "1e-4300", LIMIT_DIGITS, "0." + "0" * 4299 + "1"]
)
def test_numbers_within_range_are_served(client: Any, number: str) -> None:
    response = client.post("/price", json={"amount": number})

    assert response.status_code == 200
    assert response.json["amount"] == f"{Decimal(number):f}"[:20]


@pytest.mark.parametrize("number", ["NaN", "Infinity"])
def test_what_pydantic_refuses_stays_its_own_error(client: Any, number: str) -> None:
    response = client.post("/price", json={"amount": number})

    assert response.status_code == 422
    assert _errors(response) == []


def test_other_bad_fields_are_reported_with_the_number(client: Any) -> None:
    response = client.get(f"/scalar/{TINY}", query_string={"limit": "many"})

    types = {tuple(error["loc"]): error["type"] for error in response.json["errors"]}
    assert response.status_code == 422
    assert types[("query", "limit")] == "decimal_parsing"
    # The path value validated; the query's error kept the others from the view.
    assert ("path", "amount") not in types


def test_a_view_without_decimals_is_not_looked_at() -> None:
    import pydantic

    class Named(BaseModel):
        name: str
        tags: list[str] = []

    assert not holds_decimal(pydantic.TypeAdapter(Named))
    assert holds_decimal(pydantic.TypeAdapter(Basket))
    assert holds_decimal(pydantic.TypeAdapter(dict[str, list[Decimal]]))
    assert holds_decimal(object())


def test_decimal_keys_and_sets_are_looked_at() -> None:
    tiny = Decimal(TINY)

    found = decimal_errors({tiny: {tiny}, Decimal(1): [Decimal(2)]}, ["body"])

    assert [error["loc"] for error in found] == [["body", "[key]"], ["body", "[key]"]]
    assert json.dumps(found)


def test_extra_fields_are_looked_at_and_other_objects_are_not() -> None:
    class Open(BaseModel, extra="allow"):
        name: str = ""

    found = decimal_errors(Open(note=Decimal(TINY)), ["body"])

    assert [error["loc"] for error in found] == [["body", "note"]]
    assert decimal_errors(object(), ["body"]) == []
