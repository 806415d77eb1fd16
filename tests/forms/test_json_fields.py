"""A JSON submission reaches a form's fields as a form post would carry it."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from wtforms import BooleanField
from wtforms import DecimalField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
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

    @app.post("/nested")
    def nested() -> Any:
        form = NestedForm()
        form.validate()
        return {"data": form.data, "errors": form.errors}

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


class Address(Form):
    street = StringField()
    primary = BooleanField()


class Flag(Form):
    on = BooleanField()


class Region(Form):
    address = FormField(Address, separator=".")


class NestedForm(FlaskForm):
    class Meta:
        csrf = False

    address = FormField(Address)
    flags = FieldList(BooleanField())
    flag_rows = FieldList(FormField(Flag))
    region = FormField(Region)


# As under Flask-WTF: 0, 0.0, false and "" untick a box however deeply it is
# nested; null unticks it too (Flask-WTF ticks it, see test_json_booleans_and_null...).
_UNTICKING = [False, 0, 0.0, "", None]


@pytest.mark.parametrize("sent", _UNTICKING)
def test_a_checkbox_in_a_form_field_is_unticked_as_at_the_top(
    client: HipflaskClient, sent: Any
) -> None:
    data = client.post("/nested", json={"address-primary": sent}).json["data"]
    assert data["address"]["primary"] is False


@pytest.mark.parametrize("sent", [True, 1, 2.5, "y", "0"])
def test_a_checkbox_in_a_form_field_is_ticked_as_at_the_top(
    client: HipflaskClient, sent: Any
) -> None:
    data = client.post("/nested", json={"address-primary": sent}).json["data"]
    assert data["address"]["primary"] is True


def test_a_text_field_in_a_form_field_still_gets_text(client: HipflaskClient) -> None:
    data = client.post("/nested", json={"address-street": 5}).json["data"]
    assert data["address"]["street"] == "5"


def test_checkboxes_in_a_field_list_keep_their_entries(client: HipflaskClient) -> None:
    sent = {f"flags-{index}": value for index, value in enumerate([*_UNTICKING, 1, True])}
    data = client.post("/nested", json=sent).json["data"]
    assert data["flags"] == [False] * len(_UNTICKING) + [True, True]


def test_checkboxes_in_a_field_list_of_form_fields(client: HipflaskClient) -> None:
    sent = {f"flag_rows-{index}-on": value for index, value in enumerate([*_UNTICKING, 1])}
    data = client.post("/nested", json=sent).json["data"]
    assert data["flag_rows"] == [{"on": False}] * len(_UNTICKING) + [{"on": True}]


def test_a_checkbox_two_form_fields_deep_with_their_separators(
    client: HipflaskClient,
) -> None:
    data = client.post("/nested", json={"region-address.primary": 0}).json["data"]
    assert data["region"]["address"]["primary"] is False
    ticked = client.post("/nested", json={"region-address.primary": 1}).json["data"]
    assert ticked["region"]["address"]["primary"] is True


@pytest.mark.parametrize(
    "sent",
    [{"address": {"primary": 1, "street": "x"}}, {"flags": [1, 1], "flag_rows": [{"on": 1}]}],
)
def test_nested_json_objects_and_lists_are_not_field_names(
    client: HipflaskClient, sent: Any
) -> None:
    # Flask-WTF reads the fields of a FormField or FieldList under their own
    # names (address-primary, flags-0) only; nested JSON reaches none of them.
    data = client.post("/nested", json=sent).json["data"]
    assert data["address"] == {"street": None, "primary": False}
    assert data["flags"] == []
    assert data["flag_rows"] == []


class GridForm(FlaskForm):
    class Meta:
        csrf = False

    grid = FieldList(FieldList(FieldList(BooleanField())))
    rows = FieldList(BooleanField(), separator="_")


def test_a_long_name_near_a_nested_field_list_is_answered_at_once(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Which names are checkboxes is asked of every key sent, so an attacker
    # choosing a key must not make the answer slow: with three lists deep, a
    # 2 kB key took seconds when each entry's separator could be a digit.
    @app.post("/grid")
    def grid() -> Any:
        form = GridForm()
        form.validate()
        return {"grid": form.grid.data, "rows": form.rows.data}

    started = time.monotonic()
    answer = client.post("/grid", json={"grid-" + "1" * 100_000 + "x": True})
    assert answer.status_code == 200
    assert time.monotonic() - started < 5
    data = client.post("/grid", json={"grid-0-1-0": 0, "rows_0": 0, "rows_1": 1}).json
    assert data == {"grid": [[[False]]], "rows": [False, True]}


class Node(Form):
    label = StringField()
    on = BooleanField()


# A tree: a form holding a list of itself, added once the class exists.
Node.children = FieldList(FormField(Node))  # type: ignore[attr-defined]


class TreeForm(FlaskForm):
    class Meta:
        csrf = False

    root = FormField(Node)


@pytest.fixture
def tree_client(app: Hipflask, client: HipflaskClient) -> HipflaskClient:
    @app.post("/tree")
    def tree() -> Any:
        form = TreeForm()
        form.validate()
        return {"data": form.data, "errors": form.errors}

    return client


def test_a_form_that_holds_itself_reads_json(tree_client: HipflaskClient) -> None:
    # WTForms makes entries only for the names sent, so a tree works there;
    # telling which names are checkboxes must not recurse without end.
    sent = {"root-on": 1, "root-children-0-on": 0, "root-children-0-children-0-on": 1}
    data = tree_client.post("/tree", json=sent).json["data"]
    assert data["root"]["on"] is True
    child = data["root"]["children"][0]
    assert child["on"] is False
    assert child["children"][0]["on"] is True


def test_an_upload_to_a_form_that_holds_itself(tree_client: HipflaskClient) -> None:
    answer = tree_client.post(
        "/tree",
        data={"root-children-0-label": (io.BytesIO(b"x"), "x.txt"), "root-label": "a"},
        content_type="multipart/form-data",
    )
    # As a stray upload under a list entry anywhere: it makes no entry.
    assert answer.status_code == 200
    assert answer.json["data"]["root"] == {"label": "a", "on": False, "children": []}
