"""The field for each column type, one method per type under Flask-Admin's names.

:class:`~hipflask.admin.contrib.sqla.form.AdminModelConverter` inherits these
methods. Each is marked with :func:`~hipflask.admin.model.form.converts` and
called as ``method(column=..., field_args=..., model=..., mapper=...,
prop=...)``, so an app that overrides ``conv_String`` (calling ``super()`` or
not) or adds a ``@converts("MyType")`` method changes the field of every
column of that type. ``field_args`` already holds the validators the schema
states (``InputRequired``, ``Optional``, ``Unique``) and the view's label;
the methods add what the type itself says: a length, a number that fits,
a parser for the stored Python type.
"""

from __future__ import annotations

import decimal
import enum
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from wtforms import fields
from wtforms import validators
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from ...form.fields import DateTimeField
from ...form.fields import JSONField
from ...form.fields import Select2TagsField
from ...form.fields import TimeField
from ...model.form import converts

__all__ = ["ColumnTypeConverters", "avoid_empty_strings"]


def avoid_empty_strings(value: Any) -> Any:
    """Turn an empty string into ``None``.

    A nullable column then stores ``NULL`` (two empty strings would clash in
    a unique, nullable column), and a column with a default gets its default.
    """
    return value if value != "" else None


def column_type(column: Any) -> Any:
    """The type that says how a column's values are stored.

    A ``TypeDecorator`` stores through its ``impl``: a decorated
    ``String(5)`` needs the ``StringField`` and the ``Length(max=5)`` of one.
    """
    type_ = column.type
    return type_.impl_instance if isinstance(type_, sa.TypeDecorator) else type_


def _to_uuid(value: Any) -> Any:
    if value in (None, "") or isinstance(value, uuid.UUID):
        return value or None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ValueError("Invalid UUID.") from exc


def _enum_coerce(enum_class: type[enum.Enum]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if value is None or isinstance(value, enum_class):
            return value
        try:
            return enum_class[str(value)]
        except KeyError as exc:
            raise ValueError("Not a valid choice.") from exc

    return coerce


#: What an optional select sends for "no value": the empty option, or the
#: ``__None`` that Flask-Admin's selects send and its users' clients post.
BLANK_CHOICES = ("", "__None")


def blank_as_none(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap an optional select's ``coerce`` so that its empty choices become ``None``."""

    def coerce_or_none(value: Any) -> Any:
        if value is None or value in BLANK_CHOICES:
            return None
        return coerce(value)

    return coerce_or_none


def _empty_means_default(column: Any) -> bool:
    """Whether an empty text field should store ``NULL`` (or let the default apply).

    Left empty, a nullable column gets ``NULL`` rather than ``""``, and a
    column with a default or a server default gets that default.
    """
    return bool(column.nullable) or column.default is not None or column.server_default is not None


def _fits_numeric(type_: Any) -> Callable[[Any, Any], None]:
    """A validator: a finite number with no more whole digits than the column holds.

    SQLite stores whatever it is given: an infinity or ``1e30`` saved in a
    ``Numeric(10, 2)`` column then breaks every edit page of the row (the
    field cannot round it to two places), and other databases refuse it
    with an error instead of a message next to the field.
    """
    precision = getattr(type_, "precision", None)
    scale = getattr(type_, "scale", None) or 0

    def check(form: Any, field: Any) -> None:
        value = field.data
        if not isinstance(value, decimal.Decimal):
            return
        if not value.is_finite():
            raise validators.ValidationError(field.gettext("Not a valid decimal value."))
        if precision is not None and abs(value) >= decimal.Decimal(10) ** (precision - scale):
            raise validators.ValidationError(
                field.gettext("Number must be smaller than %(limit)s.")
                % {"limit": f"1e{precision - scale}"}
            )

    return check


class ColumnTypeConverters:
    """One ``@converts`` method per column type, named as in Flask-Admin.

    A type is looked up by its class and then its bases (``Unicode`` finds
    ``String``'s method, ``UnicodeText`` finds ``Text``'s), dotted names
    before bare ones; a ``TypeDecorator`` with no method of its own finds
    its ``impl``'s.
    """

    @staticmethod
    def _nullable_common(column: Any, field_args: dict[str, Any]) -> None:
        """Store an empty text as ``NULL`` in a nullable column.

        Kept under Flask-Admin's name for overrides that call it.
        """
        if column is not None and column.nullable:
            field_args.setdefault("filters", []).append(avoid_empty_strings)

    @staticmethod
    def _string_common(column: Any, field_args: dict[str, Any], **extra: Any) -> None:
        length = getattr(column_type(column), "length", None)
        if isinstance(length, int) and length:
            field_args.setdefault("validators", []).append(validators.Length(max=length))
        if _empty_means_default(column):
            field_args.setdefault("filters", []).append(avoid_empty_strings)

    @converts("String")  # Unicode, VARCHAR, CHAR through their bases
    def conv_String(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        self._string_common(column=column, field_args=field_args, **extra)
        return fields.StringField(**field_args)

    @converts("Text", "CIText")  # UnicodeText through its base
    def conv_Text(self, field_args: dict[str, Any], **extra: Any) -> Any:
        column = extra.get("column")
        if column is not None and _empty_means_default(column):
            field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.TextAreaField(**field_args)

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        type_ = column_type(column)
        enum_class = getattr(type_, "enum_class", None)
        if enum_class is not None:
            choices = [SelectChoice(member.name, member.name) for member in enum_class]
            field_args["coerce"] = _enum_coerce(enum_class)
        else:
            choices = [SelectChoice(value, value) for value in type_.enums]
        if column.nullable:
            choices = [SelectChoice("", ""), *choices]
            field_args["coerce"] = blank_as_none(field_args.get("coerce", str))
        return fields.SelectField(choices=choices, **field_args)

    @converts("Boolean", "sqlalchemy.dialects.mssql.base.BIT")
    def conv_Boolean(self, field_args: dict[str, Any], **extra: Any) -> Any:
        # An unticked box sends nothing: Optional would stop validation, not mean False.
        field_args["validators"] = [
            v for v in field_args.get("validators", ()) if not isinstance(v, validators.Optional)
        ]
        return fields.BooleanField(**field_args)

    @converts("Date")
    def convert_date(self, field_args: dict[str, Any], **extra: Any) -> Any:
        return fields.DateField(**field_args)

    @converts("DateTime")  # TIMESTAMP through its base
    def convert_datetime(self, field_args: dict[str, Any], **extra: Any) -> Any:
        return DateTimeField(**field_args)

    @converts("Time")
    def convert_time(self, field_args: dict[str, Any], **extra: Any) -> Any:
        return TimeField(**field_args)

    @converts("Integer")  # BigInteger, SmallInteger through their bases
    def handle_integer_types(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        if getattr(column_type(column), "unsigned", False):
            field_args.setdefault("validators", []).append(validators.NumberRange(min=0))
        return fields.IntegerField(**field_args)

    @converts("Numeric", "Float")  # DECIMAL, Double, REAL through their bases
    def handle_decimal_types(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        """A ``DecimalField`` rounded to the column's scale; a ``FloatField`` for ``Float``.

        ``Float`` is handled here because it was a ``Numeric`` before
        SQLAlchemy 2.0: an override of this method still sees both.
        """
        type_ = column_type(column)
        if isinstance(type_, sa.Float):
            return fields.FloatField(**field_args)
        field_args.setdefault("places", getattr(type_, "scale", None))
        field_args.setdefault("validators", []).append(_fits_numeric(type_))
        return fields.DecimalField(**field_args)

    @converts("JSON")  # JSONB through its base
    def convert_JSON(self, field_args: dict[str, Any], **extra: Any) -> Any:
        return JSONField(**field_args)

    @converts(
        "sqlalchemy.dialects.postgresql.base.UUID",
        "sqlalchemy_utils.types.uuid.UUIDType",
        "Uuid",
    )
    def conv_PGUuid(self, field_args: dict[str, Any], **extra: Any) -> Any:
        """A ``StringField`` that parses the UUID, or checks its text when stored as text."""
        column = extra.get("column")
        type_ = column_type(column) if column is not None else None
        if getattr(type_, "as_uuid", True):
            field_args.setdefault("filters", []).append(_to_uuid)
        else:
            field_args.setdefault("validators", []).append(validators.UUID())
            field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.StringField(**field_args)

    @converts(
        "sqlalchemy.dialects.postgresql.base.INET", "sqlalchemy.dialects.postgresql.types.INET"
    )
    def conv_PGInet(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("validators", []).append(validators.IPAddress(ipv4=True, ipv6=True))
        field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.StringField(**field_args)

    @converts(
        "sqlalchemy.dialects.postgresql.base.MACADDR",
        "sqlalchemy.dialects.postgresql.types.MACADDR",
    )
    def conv_PGMacaddr(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("validators", []).append(validators.MacAddress())
        field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.StringField(**field_args)

    @converts("sqlalchemy_utils.types.url.URLType")
    def convert_url(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("validators", []).append(validators.URL())
        field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.StringField(**field_args)

    @converts("sqlalchemy_utils.types.ip_address.IPAddressType")
    def convert_ip_address(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("validators", []).append(validators.IPAddress(ipv4=True, ipv6=True))
        field_args.setdefault("filters", []).append(avoid_empty_strings)
        return fields.StringField(**field_args)

    @converts("sqlalchemy.dialects.postgresql.base.ARRAY", "sqlalchemy.sql.sqltypes.ARRAY")
    def conv_ARRAY(self, field_args: dict[str, Any], **extra: Any) -> Any:
        """A PostgreSQL ``ARRAY``: comma-separated values, each parsed as the item type.

        Without the item type's parser an ``ARRAY(Integer)`` would be sent
        as text and refused by the database; a value the parser refuses is
        a form error.
        """
        try:
            coerce: Any = column_type(extra["column"]).item_type.python_type
        except (AttributeError, KeyError, NotImplementedError):
            coerce = str
        if not isinstance(coerce, type) or coerce is bytes:
            coerce = str
        field_args.setdefault("save_as_list", True)
        field_args.setdefault("coerce", coerce)
        return Select2TagsField(**field_args)
