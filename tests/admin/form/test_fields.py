"""Admin fields: what they parse from a submission and what they draw."""

from __future__ import annotations

import datetime
import enum
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Form

from hipflask.admin.form import fields


class Sample(Form):
    when = fields.DateTimeField()
    at = fields.TimeField()
    pick = fields.Select2Field(choices=["a", "b"], allow_blank=True)
    tags = fields.Select2TagsField(save_as_list=True)
    text_tags = fields.Select2TagsField()
    payload = fields.JSONField()


def submit(**data: Any) -> Sample:
    form = Sample(MultiDict(data))
    form.validate()
    return form


def test_date_time_accepts_the_browser_and_spaced_formats() -> None:
    assert submit(when="2024-05-01T09:30").when.data == datetime.datetime(2024, 5, 1, 9, 30)
    assert submit(when="2024-05-01 09:30:15").when.data == datetime.datetime(2024, 5, 1, 9, 30, 15)
    assert "when" in submit(when="soon").errors


def test_time_field_parses_and_refuses() -> None:
    assert submit(at="07:45").at.data == datetime.time(7, 45)
    assert submit(at="").at.data is None
    assert "at" in submit(at="7 o'clock").errors


def test_select_with_a_blank_choice() -> None:
    assert submit(pick="__None").pick.data is None
    assert submit(pick="b").pick.data == "b"
    assert "pick" in submit(pick="z").errors
    assert '<option selected value="__None">' in str(Sample().pick)


def test_tags_as_a_list_or_as_text() -> None:
    form = submit(tags="red, green,,blue", text_tags="x,y")

    assert form.tags.data == ["red", "green", "blue"]
    assert form.tags._value() == "red,green,blue"
    assert form.text_tags.data == "x,y"


def test_json_field_parses_and_refuses() -> None:
    assert submit(payload='{"a": [1, 2]}').payload.data == {"a": [1, 2]}
    assert submit(payload="   ").payload.data is None
    assert "payload" in submit(payload="{not json").errors
    assert Sample(data={"payload": {"k": "v"}}).payload._value() == '{"k": "v"}'


def test_json_nested_past_the_recursion_limit_is_invalid_json() -> None:
    # The parser raises RecursionError there, which is no ValueError: a
    # posted form of a few kilobytes made the admin's create page a 500.
    form = submit(payload="[" * 100_000)

    assert form.payload.errors == ["Invalid JSON"]


def test_widgets_are_html5_inputs() -> None:
    form = Sample(data={"when": datetime.datetime(2024, 1, 2, 3, 4, 5), "at": datetime.time(6, 7)})

    assert 'type="datetime-local"' in str(form.when)
    assert 'value="2024-01-02T03:04:05"' in str(form.when)
    assert 'type="time"' in str(form.at)
    assert 'value="06:07:00"' in str(form.at)


class Color(enum.Enum):
    RED = "r"
    BLUE = "b"


def test_select_takes_pairs_and_enums_and_coerces_model_data() -> None:
    class Choices(Form):
        pairs = fields.Select2Field(choices=[("1", "One"), ("2", "Two")], coerce=int)
        colors = fields.Select2Field(choices=Color)

    form = Choices(MultiDict({"pairs": "2", "colors": "b"}))

    assert form.validate(), form.errors
    assert (form.pairs.data, form.colors.data) == (2, "b")
    assert ">One</option>" in str(form.pairs)
    assert ">BLUE</option>" in str(form.colors)
    assert Choices(data={"pairs": "x"}).pairs.data is None


def test_tags_drop_duplicates_unless_allowed() -> None:
    class Tags(Form):
        unique = fields.Select2TagsField(save_as_list=True)
        repeated = fields.Select2TagsField(save_as_list=True, allow_duplicates=True)

    form = Tags(MultiDict({"unique": "a,b,a", "repeated": "a,b,a"}))

    assert form.unique.data == ["a", "b"]
    assert form.repeated.data == ["a", "b", "a"]
