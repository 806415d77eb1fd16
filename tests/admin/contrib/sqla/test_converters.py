"""The per-type converter methods: Flask-Admin's names, overridable by subclasses."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql
from tests.admin.contrib.sqla.models import Tag
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import fields
from wtforms import validators

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla.form import AdminModelConverter
from hipflask.admin.contrib.sqla.form import get_form
from hipflask.admin.model.form import converts
from hipflask.testing.client import HipflaskClient


class Settings:
    """The view settings the converter reads, without a view."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.form_columns = None


class NoSpaces:
    """A validator an app adds to every string column."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and " " in field.data:
            raise validators.ValidationError("No spaces, please.")


class Strict(AdminModelConverter):
    @converts("String")
    def conv_String(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args["validators"].append(NoSpaces())
        return super().conv_String(column, field_args, **extra)


class StrictUnmarked(AdminModelConverter):
    def conv_String(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args["validators"].append(NoSpaces())
        return super().conv_String(column, field_args, **extra)


class Shout(sa.TypeDecorator[str]):
    impl = sa.String(5)
    cache_ok = True


class Money(sa.types.UserDefinedType[int]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "INTEGER"


class Local(orm.DeclarativeBase):
    pass


class Sample(Local):
    __tablename__ = "hfa_conv_sample"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.Unicode(8))
    note = sa.Column(sa.UnicodeText)
    shout = sa.Column(Shout)
    price = sa.Column(Money)
    ratio = sa.Column(sa.Double)
    amount = sa.Column(sa.Numeric(6, 2))
    span = sa.Column(sa.Interval)
    kind: sa.Column[str] = sa.Column(sa.Enum("a", "b", name="hfa_conv_kind"))
    host = sa.Column(postgresql.INET)
    mac = sa.Column(postgresql.MACADDR)
    token = sa.Column(sa.Uuid)


def form_for(session: Any, converter: type[AdminModelConverter]) -> type[Any]:
    return get_form(Sample, converter(session, Settings(Sample)))


def kinds(form_class: type[Form]) -> dict[str, type[Any]]:
    return {field.name: type(field) for field in form_class()}


@pytest.fixture
def strict_app(
    app: Hipflask, session: orm.scoped_session[orm.Session], request: pytest.FixtureRequest
) -> Hipflask:
    class TagView(ModelView):
        model_form_converter = request.param

    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(TagView(Tag, session))
    return app


@pytest.mark.parametrize(
    "strict_app", [Strict, StrictUnmarked], indirect=True, ids=["marked", "unmarked"]
)
def test_an_overridden_conv_string_adds_a_validator_a_create_post_hits(
    strict_app: Hipflask, client: HipflaskClient, session: orm.scoped_session[orm.Session]
) -> None:
    refused = client.post("/admin/tag/new/", data={"name": "two words"})
    too_long = client.post("/admin/tag/new/", data={"name": "x" * 21})
    accepted = client.post("/admin/tag/new/", data={"name": "oneword"})

    assert refused.status_code == 200
    assert "No spaces, please." in refused.get_data(as_text=True)
    assert too_long.status_code == 200
    assert "Field cannot be longer than 20 characters." in too_long.get_data(as_text=True)
    assert accepted.status_code == 302
    assert [tag.name for tag in session.query(Tag)] == ["oneword"]


def test_the_plain_converter_accepts_what_the_override_refuses(
    app: Hipflask, client: HipflaskClient, session: orm.scoped_session[orm.Session]
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(ModelView(Tag, session))

    assert client.post("/admin/tag/new/", data={"name": "two words"}).status_code == 302


def test_super_keeps_the_length_check_and_the_override_reaches_subclassed_types(
    session: orm.scoped_session[orm.Session],
) -> None:
    form = form_for(session, Strict)(MultiDict({"name": "a b", "shout": "a b c d"}))

    assert not form.validate()
    assert form.errors["name"] == ["No spaces, please."]  # Unicode finds String's method
    assert form.errors["shout"] == [  # so does a TypeDecorator over String(5)
        "No spaces, please.",
        "Field cannot be longer than 5 characters.",
    ]
    lengths = [v.max for v in form.name.validators if isinstance(v, validators.Length)]
    assert lengths == [8]


def test_type_names_resolve_through_the_mro_as_in_flask_admin(
    session: orm.scoped_session[orm.Session],
) -> None:
    assert kinds(form_for(session, Strict)) == {
        "name": fields.StringField,
        "note": fields.TextAreaField,  # UnicodeText: Text before String
        "shout": fields.StringField,
        "ratio": fields.FloatField,  # Double: through Float
        "amount": fields.DecimalField,
        "kind": fields.SelectField,  # the dotted Enum name before String's bare one
        "host": fields.StringField,
        "mac": fields.StringField,
        "token": fields.StringField,
    }


def test_a_type_decorator_with_a_method_of_its_own_wins_over_its_impl(
    session: orm.scoped_session[orm.Session],
) -> None:
    class Converter(AdminModelConverter):
        @converts(f"{__name__}.Shout")
        def conv_shout(self, field_args: dict[str, Any], **extra: Any) -> Any:
            return fields.TextAreaField(**field_args)

    form = form_for(session, Converter)()

    assert isinstance(form.shout, fields.TextAreaField)
    assert isinstance(form.name, fields.StringField)


def test_a_new_converts_type_gets_its_field_with_flask_admins_keywords(
    session: orm.scoped_session[orm.Session],
) -> None:
    seen: dict[str, Any] = {}

    class Converter(AdminModelConverter):
        @converts("Money")
        def conv_money(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
            seen.update(extra, column=column)
            return fields.IntegerField(**field_args)

    form = form_for(session, Converter)(MultiDict({"price": "12"}))

    assert form.validate()
    assert form.price.data == 12
    assert sorted(seen) == ["column", "mapper", "model", "prop"]
    assert seen["column"] is Sample.__table__.c.price
    assert seen["model"] is Sample
    assert "price" not in kinds(form_for(session, AdminModelConverter))


def test_an_override_marked_with_flask_admins_names_keeps_the_types_added_here(
    session: orm.scoped_session[orm.Session],
) -> None:
    class Converter(AdminModelConverter):
        @converts(
            "sqlalchemy.dialects.postgresql.base.UUID", "sqlalchemy_utils.types.uuid.UUIDType"
        )
        def conv_PGUuid(self, field_args: dict[str, Any], **extra: Any) -> Any:
            field_args["description"] = "an id"
            return super().conv_PGUuid(field_args, **extra)

        @converts("Numeric")
        def handle_decimal_types(
            self, column: Any, field_args: dict[str, Any], **extra: Any
        ) -> Any:
            field_args["description"] = "a number"
            return super().handle_decimal_types(column, field_args, **extra)

    form = form_for(session, Converter)()

    assert form.ratio.description == form.amount.description == "a number"  # Float too
    assert form.token.description == "an id"  # SQLAlchemy 2's Uuid too
    assert isinstance(form.amount, fields.DecimalField)
    assert form.amount.places == 2


def test_an_explicit_mark_wins_over_an_inherited_one(
    session: orm.scoped_session[orm.Session],
) -> None:
    class Converter(AdminModelConverter):
        def conv_String(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
            raise AssertionError("the explicitly marked method converts String")

        @converts("String")
        def a_string(self, field_args: dict[str, Any], **extra: Any) -> Any:
            return fields.TextAreaField(**field_args)

    form = form_for(session, Converter)()

    assert isinstance(form.name, fields.TextAreaField)


def test_an_interval_column_stays_out_though_it_decorates_datetime(
    session: orm.scoped_session[orm.Session],
) -> None:
    assert "span" not in kinds(form_for(session, AdminModelConverter))


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [("host", "2001:db8::1", "not-an-ip"), ("mac", "08:00:2b:01:02:03", "08:00")],
    ids=["inet", "macaddr"],
)
def test_postgresql_network_columns_are_checked(
    session: orm.scoped_session[orm.Session], field: str, good: str, bad: str
) -> None:
    form_class = form_for(session, AdminModelConverter)

    assert form_class(MultiDict({field: good})).validate()
    refused = form_class(MultiDict({field: bad}))
    assert not refused.validate()
    assert list(refused.errors) == [field]


def test_the_documented_converter_trims_and_refuses_markup(
    session: orm.scoped_session[orm.Session],
) -> None:
    page = Path(__file__).resolve().parents[4] / "docs" / "admin-sqla.rst"
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", page.read_text())
    (block,) = [block for block in blocks if "TrimmedConverter" in block]
    namespace: dict[str, Any] = {"__name__": "docs_converter"}
    exec(compile(textwrap.dedent(block), str(page), "exec"), namespace)  # noqa: S102
    form_class = form_for(session, namespace["TrimmedConverter"])

    trimmed = form_class(MultiDict({"name": "  ann  ", "shout": "   "}))
    refused = form_class(MultiDict({"name": "<b>"}))

    assert trimmed.validate()
    assert (trimmed.name.data, trimmed.shout.data) == ("ann", None)
    assert not refused.validate()
    assert list(refused.errors) == ["name"]


def test_flask_admins_helpers_serve_an_override_that_calls_them(
    session: orm.scoped_session[orm.Session],
) -> None:
    class Converter(AdminModelConverter):
        @converts("Text")
        def conv_Text(self, field_args: dict[str, Any], **extra: Any) -> Any:
            self._string_common(field_args=field_args, **extra)
            return fields.StringField(**field_args)

        @converts("Money")
        def conv_money(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
            self._nullable_common(column, field_args)
            return fields.StringField(**field_args)

    form = form_for(session, Converter)(MultiDict({"note": "", "price": ""}))

    assert form.validate()
    assert (form.note.data, form.price.data) == (None, None)


def _converter_methods() -> list[str]:
    return sorted(
        name
        for name in dir(AdminModelConverter)
        if getattr(getattr(AdminModelConverter, name), "_converter_for", None)
    )


@pytest.mark.parametrize("name", _converter_methods())
def test_each_converter_takes_the_field_arguments_an_override_passes(name: str) -> None:
    # An app's override may call super() with only what Flask-Admin's
    # methods need (no filters list), and may set its own widget.
    def widget(field: Any, **kwargs: Any) -> str:
        return "<p>the app's widget</p>"

    class Bare(Form):
        pass

    type_: Any = sa.Enum("a", "b", name="ab") if name == "convert_enum" else sa.String(20)
    column = sa.Column("value", type_, nullable=True)
    method = getattr(AdminModelConverter(Settings(Tag), None), name)
    field = method(
        column=column,
        field_args={"_form": Bare(), "name": "value", "widget": widget, "validators": []},
    )

    if hasattr(field, "data"):
        field.data = None
    assert field() == "<p>the app's widget</p>"
