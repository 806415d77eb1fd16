"""A decimal field refuses a signaling NaN, which fails every comparison with a 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from wtforms import DecimalField
from wtforms import DecimalRangeField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from hipflask import Hipflask
from hipflask import render_template_string
from hipflask.forms import FlaskForm
from hipflask.testing.client import HipflaskClient


class Line(Form):
    amount = DecimalField(places=2, validators=[Optional(), NumberRange(min=0)])


class OrderForm(FlaskForm):
    class Meta:
        csrf = False

    price = DecimalField(places=2, validators=[Optional(), NumberRange(min=0)])
    discount = DecimalRangeField(validators=[Optional(), NumberRange(max=100)])
    lines = FieldList(FormField(Line))


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.post("/order")
    def order() -> Any:
        form = OrderForm()
        valid = form.validate()
        page = render_template_string("{{ form.price() }}{{ form.lines() }}", form=form)
        return {"valid": valid, "errors": form.errors, "page": page}

    return app


_NOT_A_DECIMAL = "Not a valid decimal value."


@pytest.mark.parametrize("spelling", ["sNaN", "-snan", "sNaN123"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_signaling_nan_is_a_field_error(
    client: HipflaskClient, spelling: str, as_json: bool
) -> None:
    sent = {"price": spelling, "discount": spelling, "lines-0-amount": spelling}
    response = client.post("/order", json=sent) if as_json else client.post("/order", data=sent)

    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    # Then the range check fails, as it does for any text WTForms cannot read.
    errors = body["errors"]
    assert errors["price"] == [_NOT_A_DECIMAL, "Number must be at least 0."]
    assert errors["discount"] == [_NOT_A_DECIMAL, "Number must be at most 100."]
    assert errors["lines"] == [{"amount": [_NOT_A_DECIMAL, "Number must be at least 0."]}]


def test_other_decimals_are_read_as_wtforms_reads_them(client: HipflaskClient) -> None:
    body = client.post("/order", data={"price": "1.5", "lines-0-amount": "NaN"}).get_json()
    # A quiet NaN is WTForms' decimal value: NumberRange refuses it.
    assert body["errors"] == {"lines": [{"amount": ["Number must be at least 0."]}]}


_OUT_OF_RANGE = (
    "Out of range: a decimal number may have at most 4300 digits before the point"
    " and 4300 after it."
)


@pytest.mark.parametrize("spelling", ["1e-9999999999", "0e-9999999999", "1e999999", "-1e4300"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_decimal_past_the_digits_either_side_of_the_point_is_a_field_error(
    client: HipflaskClient, spelling: str, as_json: bool
) -> None:
    # f"{value:f}" of 1e-9999999999 runs out of memory and int() of 1e999999
    # takes half a minute: the view must not be handed either.
    sent = {"price": spelling, "discount": spelling, "lines-0-amount": spelling}
    response = client.post("/order", json=sent) if as_json else client.post("/order", data=sent)

    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    errors = body["errors"]
    assert errors["price"][0] == _OUT_OF_RANGE
    assert errors["discount"][0] == _OUT_OF_RANGE
    assert errors["lines"][0]["amount"][0] == _OUT_OF_RANGE


def test_a_decimal_within_the_digits_is_taken(client: HipflaskClient) -> None:
    body = client.post("/order", data={"price": "1e-4300", "discount": "5e4299"}).get_json()
    assert body["errors"] == {"discount": ["Number must be at most 100."]}


def test_a_value_the_app_gives_the_form_is_its_own(app: Hipflask) -> None:
    with app.test_request_context():
        form = OrderForm(data={"price": Decimal("1e-5000")})
    assert form.price.data == Decimal("1e-5000")
    assert form.price.process_errors == []
