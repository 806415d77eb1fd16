"""Names nested deeper than any form goes are not followed into a form that holds itself."""

from __future__ import annotations

import time
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import StringField

from hipflask import Hipflask
from hipflask.forms import FlaskForm
from hipflask.forms.names import without_deep_names
from hipflask.testing.client import HipflaskClient


class Branch(Form):
    label = StringField()
    on = BooleanField()


# A tree: a form holding a list of itself, added once the class exists.
Branch.children = FieldList(FormField(Branch))  # type: ignore[attr-defined]


class TreeForm(FlaskForm):
    class Meta:
        csrf = False

    root = FormField(Branch)


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.post("/tree")
    def tree() -> Any:
        form = TreeForm()
        form.validate()
        return {"data": form.data, "errors": form.errors}

    return app


def _name(depth: int, field: str = "label") -> str:
    return "root-" + "children-0-" * depth + field


def _depth(tree: dict[str, Any]) -> int:
    depth = 0
    while tree["children"]:
        tree = tree["children"][0]
        depth += 1
    return depth


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("depth", [400, 5_000])
def test_a_name_nested_past_any_form_is_no_500(
    client: HipflaskClient, as_json: bool, depth: int
) -> None:
    # WTForms builds one entry per level it is sent, recursing each time:
    # a few hundred levels in one field name exhausted the stack.
    sent = {_name(depth): "deep", _name(2): "shallow", "root-on": "y"}
    started = time.monotonic()
    answer = client.post("/tree", json=sent) if as_json else client.post("/tree", data=sent)
    assert time.monotonic() - started < 5
    assert answer.status_code == 200
    root = answer.json["data"]["root"]
    # What a form can hold is kept; the levels past it are not followed.
    assert root["on"] is True
    assert root["children"][0]["children"][0]["label"] == "shallow"
    assert 2 <= _depth(root) <= 32


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_name_as_deep_as_a_form_may_go_is_read(client: HipflaskClient, as_json: bool) -> None:
    sent = {_name(31): "leaf"}
    answer = client.post("/tree", json=sent) if as_json else client.post("/tree", data=sent)
    tree = answer.json["data"]["root"]
    for _ in range(31):
        tree = tree["children"][0]
    assert tree["label"] == "leaf"


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_one_level_past_the_limit_is_left_out(client: HipflaskClient, as_json: bool) -> None:
    sent = {_name(32): "past"}
    answer = client.post("/tree", json=sent) if as_json else client.post("/tree", data=sent)
    assert answer.status_code == 200
    assert answer.json["data"]["root"]["children"] == []


def test_a_long_name_that_is_not_deep_is_kept(app: Hipflask) -> None:
    # A long index is one level, however many digits it has.
    shallow = "root-children-" + "0" * 200 + "-label"
    formdata = MultiDict([(shallow, "long"), ("root-label", "a")])
    with app.test_request_context():
        form = TreeForm(formdata=None)
        assert without_deep_names(formdata, form, form.meta) is formdata
        deeper = MultiDict([*formdata.items(multi=True), (_name(32), "x"), (_name(32), "y")])
        kept = without_deep_names(deeper, form, form.meta)
    assert sorted(kept.items(multi=True)) == sorted(formdata.items(multi=True))
