"""A JSON submission reaches a form's fields as a form post would carry it."""

from __future__ import annotations

from typing import Any

import pytest
from wtforms import BooleanField
from wtforms import DecimalField
from wtforms import IntegerField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.validators import DataRequired

from hipflask import Hipflask
from hipflask.forms import FlaskForm
from hipflask.testing.client import HipflaskClient


class ProfileForm(FlaskForm):
    class Meta:
        csrf = False

    # The filter WTForms' documentation suggests: it assumes text, as a form post carries.
    name = StringField(validators=[DataRequired()], filters=[lambda v: v.strip() if v else v])
    age = IntegerField()
    price = DecimalField()
    subscribed = BooleanField()
    tags = SelectMultipleField(choices=["a", "5"])


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.post("/profile")
    def profile() -> Any:
        form = ProfileForm()
        valid = form.validate()
        return {
            "valid": valid,
            "errors": form.errors,
            "data": {name: repr(value) for name, value in form.data.items()},
        }

    return app


def test_a_number_for_a_text_field_arrives_as_its_text(client: HipflaskClient) -> None:
    answer = client.post("/profile", json={"name": 5}).json
    assert answer["valid"] is True
    assert answer["data"]["name"] == "'5'"


def test_numbers_reach_number_fields_as_typed(client: HipflaskClient) -> None:
    data = client.post("/profile", json={"name": "ann", "age": 3.0, "price": 1.1}).json["data"]
    assert data["age"] == "3"
    assert data["price"] == "Decimal('1.1')"  # not the float's binary expansion


@pytest.mark.parametrize(("sent", "read"), [(True, "True"), (False, "False"), (None, "False")])
def test_json_booleans_and_null_reach_a_checkbox(
    client: HipflaskClient, sent: Any, read: str
) -> None:
    assert (
        client.post("/profile", json={"name": "a", "subscribed": sent}).json["data"]["subscribed"]
        == read
    )


@pytest.mark.parametrize("value", [None, {"first": "ann"}, [{"first": "ann"}], [[1]]])
def test_a_value_no_form_post_could_carry_is_no_value(client: HipflaskClient, value: Any) -> None:
    response = client.post("/profile", json={"name": value})
    assert response.status_code == 200
    assert response.json["errors"] == {"name": ["This field is required."]}


def test_a_list_is_several_values(client: HipflaskClient) -> None:
    answer = client.post("/profile", json={"name": "ann", "tags": ["a", 5]}).json
    assert answer["valid"] is True
    assert answer["data"]["tags"] == "['a', '5']"


@pytest.mark.parametrize(
    ("sent", "read"),
    [(0, "False"), (0.0, "False"), (1, "True"), (2, "True"), ("false", "False"), ("y", "True")],
)
def test_a_json_number_reaches_a_checkbox_as_flask_wtf_reads_it(
    client: HipflaskClient, sent: Any, read: str
) -> None:
    # A script sending 0 for an unticked box means it unticked, as under
    # Flask-WTF; as the text "0" (what a form post would carry) it would tick it.
    answer = client.post("/profile", json={"name": "a", "subscribed": sent}).json
    assert answer["data"]["subscribed"] == read
