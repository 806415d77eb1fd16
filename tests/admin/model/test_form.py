"""Backend form helpers: converters, inline form options, list forms."""

from __future__ import annotations

from typing import Any

import pytest
from wtforms import StringField

from hipflask.admin.form import BaseForm
from hipflask.admin.form import rules
from hipflask.admin.model import form


class Text:
    pass


class LongText(Text):
    pass


class Column:
    def __init__(self, column_type: Any) -> None:
        self.type = column_type


class Converter(form.ModelConverterBase):
    @form.converts("Text")
    def conv_text(self) -> str:
        return "text"

    @form.converts(f"{__name__}.LongText")
    def conv_long(self) -> str:
        return "long"


def test_converter_finds_by_dotted_name_then_class_name_through_the_mro() -> None:
    converter = Converter()

    assert converter.get_converter(Column(LongText()))() == "long"  # type: ignore[misc]
    assert converter.get_converter(Column(Text()))() == "text"  # type: ignore[misc]
    assert converter.get_converter(Column(1)) is None
    assert Converter(use_mro=False).get_converter(Column(type("Sub", (Text,), {})())) is None
    with pytest.raises(NotImplementedError):
        converter.get_form(None)


def test_an_override_without_converts_keeps_the_base_methods_types() -> None:
    class Unmarked(Converter):
        def conv_text(self) -> str:
            return "overridden"

    class Remarked(Converter):
        def conv_text(self) -> str:
            return "unused"

        @form.converts("Text")
        def conv_other(self) -> str:
            return "other"

    assert Unmarked().get_converter(Column(Text()))() == "overridden"  # type: ignore[misc]
    assert Remarked().get_converter(Column(Text()))() == "other"  # type: ignore[misc]
    assert Remarked().get_converter(Column(LongText()))() == "long"  # type: ignore[misc]


def test_inline_form_admin_keeps_its_options() -> None:
    inline = form.InlineFormAdmin(Text, form_columns=("a",), form_rules=("a",), form_label="Lines")

    assert inline.model is Text
    assert inline.form_columns == ("a",)
    assert inline.form_args is None
    assert isinstance(inline._form_rules, rules.RuleSet)
    assert inline.get_form() is None
    assert inline.postprocess_form("f") == "f"


def test_inline_model_converter_reads_infos_and_labels() -> None:
    view = type("View", (), {"column_labels": {"lines": "Order lines"}})()
    converter = form.InlineModelConverterBase(view)

    info = converter.get_info((Text, {"form_label": "Texts"}))
    assert isinstance(info, form.InlineFormAdmin)
    assert converter.get_label(info, "lines") == "Texts"
    assert converter.get_label(form.InlineFormAdmin(Text), "lines") == "Order lines"
    assert converter.get_label(form.InlineFormAdmin(Text), "other") is None
    assert converter.get_info(Text) is None


def test_editable_list_form_carries_the_primary_key() -> None:
    class Model(BaseForm):
        name = StringField()

    list_form = form.create_editable_list_form(BaseForm, Model)

    assert hasattr(list_form, "list_form_pk")
    assert hasattr(list_form, "name")
    assert isinstance(form.FieldPlaceholder(StringField()).field, type(StringField()))
