"""Flask-Admin's ``contrib.sqla`` names are importable from their hipflask paths."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import orm

NAMES = {
    "hipflask.admin.contrib.sqla": ["ModelView"],
    "hipflask.admin.contrib.sqla.view": ["ModelView"],
    "hipflask.admin.contrib.sqla.form": [
        "AdminModelConverter",
        "InlineModelConverter",
        "avoid_empty_strings",
        "get_form",
    ],
    "hipflask.admin.contrib.sqla.fields": [
        "CheckboxListField",
        "InlineModelFormList",
        "QuerySelectField",
        "QuerySelectMultipleField",
        "get_obj_pk",
        "get_pk_from_identity",
    ],
    "hipflask.admin.contrib.sqla.filters": [
        "BaseSQLAFilter",
        "BooleanEqualFilter",
        "BooleanNotEqualFilter",
        "DateBetweenFilter",
        "DateEqualFilter",
        "DateGreaterFilter",
        "DateNotBetweenFilter",
        "DateNotEqualFilter",
        "DateSmallerFilter",
        "DateTimeBetweenFilter",
        "DateTimeEqualFilter",
        "DateTimeGreaterFilter",
        "DateTimeNotBetweenFilter",
        "DateTimeNotEqualFilter",
        "DateTimeSmallerFilter",
        "EnumEqualFilter",
        "EnumFilterEmpty",
        "EnumFilterInList",
        "EnumFilterNotEqual",
        "EnumFilterNotInList",
        "FilterConverter",
        "FilterEmpty",
        "FilterEqual",
        "FilterGreater",
        "FilterInList",
        "FilterLike",
        "FilterNotEqual",
        "FilterNotInList",
        "FilterNotLike",
        "FilterSmaller",
        "FloatEqualFilter",
        "FloatGreaterFilter",
        "FloatInListFilter",
        "FloatNotEqualFilter",
        "FloatNotInListFilter",
        "FloatSmallerFilter",
        "IntEqualFilter",
        "IntGreaterFilter",
        "IntInListFilter",
        "IntNotEqualFilter",
        "IntNotInListFilter",
        "IntSmallerFilter",
        "TimeBetweenFilter",
        "TimeEqualFilter",
        "TimeGreaterFilter",
        "TimeNotBetweenFilter",
        "TimeNotEqualFilter",
        "TimeSmallerFilter",
        "UuidFilterEqual",
        "UuidFilterInList",
        "UuidFilterNotEqual",
        "UuidFilterNotInList",
    ],
    "hipflask.admin.contrib.sqla.tools": [
        "escape",
        "filter_foreign_columns",
        "get_columns_for_field",
        "get_field_with_path",
        "get_hybrid_properties",
        "get_primary_key",
        "get_query_for_ids",
        "has_multiple_pks",
        "is_association_proxy",
        "is_hybrid_property",
        "is_relationship",
        "iterdecode",
        "iterencode",
        "need_join",
        "parse_like_term",
        "tuple_operator_in",
    ],
    "hipflask.admin.contrib.sqla.validators": ["ItemsRequired", "Unique"],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_flask_admins_names_are_there(module: str) -> None:
    loaded = importlib.import_module(module)

    missing = [name for name in NAMES[module] if not hasattr(loaded, name)]

    assert missing == []


def test_filter_foreign_columns_keeps_the_tables_own() -> None:
    from tests.admin.contrib.sqla.models import Author
    from tests.admin.contrib.sqla.models import Post

    from hipflask.admin.contrib.sqla.tools import filter_foreign_columns

    columns = [Post.__table__.c.title, Author.__table__.c.name]

    assert filter_foreign_columns(Post.__table__, columns) == [Post.__table__.c.title]


def test_checkbox_list_field_draws_checkboxes(seeded: orm.scoped_session[orm.Session]) -> None:
    from tests.admin.contrib.sqla.models import Tag
    from wtforms import Form

    from hipflask.admin.contrib.sqla.fields import CheckboxListField

    class TagsForm(Form):
        tags = CheckboxListField(query_factory=lambda: seeded.query(Tag), get_label="name")

    html = str(TagsForm().tags())

    assert html.startswith("<ul")
    assert html.count('type="checkbox"') == 2
    assert "red" in html
