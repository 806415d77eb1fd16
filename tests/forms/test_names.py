"""A form that holds itself follows no name deeper than a form goes, nor too many entries."""

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
from hipflask.forms.names import _MAX_LOOKS
from hipflask.forms.names import without_deep_names
from hipflask.forms.names import without_excess_entries
from hipflask.forms.names import without_unreadable_indices
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


# Each of these names is a path of its own 30 levels down the tree: WTForms
# built an entry for every level of every name (27,900 here) and looked at
# every name again for each, seconds of CPU for one 300 KB post.
_PATHS = 900
_LEVELS = 30


def _path(number: int) -> str:
    return f"root-children-{number}-" + "children-0-" * (_LEVELS - 1) + "label"


def _walk(tree: dict[str, Any], found: dict[str, int]) -> None:
    found["entries"] += 1
    if tree["label"]:
        found[tree["label"]] = found.get(tree["label"], 0) + 1
    for child in tree["children"]:
        _walk(child, found)


@pytest.fixture
def sized(app: Hipflask) -> Hipflask:
    @app.post("/tree/size")
    def size() -> Any:
        found = {"entries": 0}
        _walk(TreeForm().data["root"], found)
        return found

    return app


@pytest.mark.usefixtures("sized")
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_names_that_would_make_too_many_nested_entries_are_left_out(
    client: HipflaskClient, as_json: bool
) -> None:
    # In the order a JSON body is sent in (its keys sorted).
    sent = dict(sorted((_path(number), f"leaf{number}") for number in range(_PATHS)))
    answer = (
        client.post("/tree/size", json=sent) if as_json else client.post("/tree/size", data=sent)
    )
    assert answer.status_code == 200
    found = answer.json
    # The names are read in the order sent, each whole, while the entries
    # holding a list they make (every entry of a tree) stay within the limit.
    kept = _MAX_LOOKS // _PATHS // _LEVELS
    assert found == {
        "entries": 1 + kept * _LEVELS,
        **{leaf: 1 for leaf in list(sent.values())[:kept]},
    }


@pytest.mark.usefixtures("sized")
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_many_outermost_entries_holding_a_list_are_bounded_too(
    client: HipflaskClient, as_json: bool
) -> None:
    # One level, 5,000 names: each entry's own list looked at every name.
    paths = 5_000
    sent = dict(
        sorted((f"root-children-{number}-label", f"leaf{number}") for number in range(paths))
    )
    answer = (
        client.post("/tree/size", json=sent) if as_json else client.post("/tree/size", data=sent)
    )
    assert answer.status_code == 200
    kept = _MAX_LOOKS // paths
    assert answer.json == {"entries": 1 + kept, **{leaf: 1 for leaf in list(sent.values())[:kept]}}


class Item(Form):
    value = StringField()


class Group(Form):
    title = StringField()
    items = FieldList(FormField(Item))


class Order(FlaskForm):
    class Meta:
        csrf = False

    groups = FieldList(FormField(Group))
    rows = FieldList(StringField())


@pytest.fixture
def ordered(app: Hipflask) -> Hipflask:
    @app.post("/order")
    def order() -> Any:
        return Order().data

    return app


@pytest.mark.usefixtures("ordered")
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_large_real_forms_are_read_whole(client: HipflaskClient, as_json: bool) -> None:
    nested = {f"groups-{g}-items-{i}-value": f"{g}.{i}" for g in range(50) for i in range(10)}
    flat = {f"rows-{row}": str(row) for row in range(1_000)}
    for sent in (nested, flat):
        answer = client.post("/order", json=sent) if as_json else client.post("/order", data=sent)
        assert answer.status_code == 200
        data = answer.json
        if sent is nested:
            assert [[item["value"] for item in group["items"]] for group in data["groups"]] == [
                [f"{g}.{i}" for i in range(10)] for g in range(50)
            ]
        else:
            assert data["rows"] == [str(row) for row in range(1_000)]


def test_the_entry_limit_counts_each_entry_once(app: Hipflask) -> None:
    # Many names in the same entries (an index spelled with a leading zero
    # too) make them once; only the name past the limit is left out.
    many = 1_400
    within = [(f"root-children-0-children-{n}-label", "a") for n in range(many)]
    again = [(f"root-children-0-children-0{n}-on", "y") for n in range(many)]
    formdata = MultiDict([*within, *again, ("root-children-1-label", "top")])
    # 1,402 entries for 2,801 names; 1,433 would pass the limit for 2,802.
    assert (many + 2) * (2 * many + 1) <= _MAX_LOOKS < (many + 2 + 31) * (2 * many + 2)
    past = MultiDict(
        [*formdata.items(multi=True), ("root-children-7-" + "children-0-" * 30 + "label", "x")]
    )
    with app.test_request_context():
        form = TreeForm(formdata=None)
        assert without_excess_entries(formdata, form, form.meta) is formdata
        kept = without_excess_entries(past, form, form.meta)
    assert sorted(kept.items(multi=True)) == sorted(formdata.items(multi=True))


@pytest.mark.usefixtures("ordered")
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize(
    "index", ["²", "1²", "1" * 5_000], ids=["superscript", "superscript-after", "long"]
)
def test_an_index_int_cannot_read_is_ignored(
    client: HipflaskClient, as_json: bool, index: str
) -> None:
    # WTForms takes any str.isdigit() text after a list's name as an index
    # and calls int() on it: a ValueError, which was a 500.
    sent = {
        f"rows-{index}": "bad",
        "rows-0": "zero",
        f"groups-0-items-{index}-value": "bad",
        "groups-0-items-0-value": "kept",
    }
    answer = client.post("/order", json=sent) if as_json else client.post("/order", data=sent)
    assert answer.status_code == 200
    assert answer.json["rows"] == ["zero"]
    assert answer.json["groups"] == [{"title": None, "items": [{"value": "kept"}]}]


def test_only_a_list_index_int_cannot_read_is_left_out(app: Hipflask) -> None:
    # int() reads Arabic-Indic digits (WTForms makes entry 1 of them); a
    # superscript that is no list's index is no index at all.
    formdata = MultiDict(
        [("rows-\u0661", "x"), ("note\u00b2", "y"), ("groups-0-title", "\u00b2"), ("rows-0", "z")]
    )
    with app.test_request_context():
        form = Order(formdata=None)
        assert without_unreadable_indices(formdata, form, form.meta) is formdata
        past = MultiDict([*formdata.items(multi=True), ("groups-0-items-\u00b2-value", "w")])
        kept = without_unreadable_indices(past, form, form.meta)
    assert sorted(kept.items(multi=True)) == sorted(formdata.items(multi=True))
