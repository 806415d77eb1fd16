"""Build a WTForms form from a model: one field per column and relationship.

Each column type gets the field a user would pick by hand, with the validators
the schema already states: ``Length`` from ``String(80)``, ``InputRequired``
from ``nullable=False``, ``Unique`` from ``unique=True``. Schema rules are
checked in the form, so a bad value is a message next to the field instead of
a database error on commit.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from wtforms import Form
from wtforms import fields
from wtforms import validators
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from ....errors import ConfigurationError
from ...form import recreate_field
from ...form.rules import RuleSet
from ...model.fields import AjaxSelectField
from ...model.fields import AjaxSelectMultipleField
from ...model.form import InlineFormAdmin
from ...model.form import InlineModelConverterBase
from ...model.form import ModelConverterBase
from .converters import ColumnTypeConverters
from .converters import avoid_empty_strings as avoid_empty_strings
from .converters import blank_as_none
from .fields import InlineModelFormList
from .fields import QuerySelectField
from .fields import QuerySelectMultipleField
from .tools import get_primary_key
from .tools import has_multiple_pks
from .validators import Unique
from .validators import resolve_session


def _as_choice(choice: Any) -> SelectChoice:
    """``form_choices`` entries as Flask-Admin documents them: ``(value, label)``."""
    if isinstance(choice, SelectChoice):
        return choice
    if isinstance(choice, tuple | list):
        return SelectChoice(*choice)
    return SelectChoice(choice, choice)


def _is_generated_key(column: sa.Column[Any]) -> bool:
    """Whether the database (or the row it belongs to) fills this key column in.

    An autoincrement key is generated; a key that is also a foreign key comes
    from the relationship. Any other key is typed by the user.
    """
    table = column.table
    autoincrement = isinstance(table, sa.Table) and column is table.autoincrement_column
    return autoincrement or bool(column.foreign_keys)


class _TypedAs:
    """Stands for a column in a type lookup, with another type."""

    def __init__(self, type_: Any) -> None:
        self.type = type_


class AdminModelConverter(ColumnTypeConverters, ModelConverterBase):
    """Turn a model's attributes into form fields, reading the view's settings.

    The view's ``form_overrides``, ``form_choices``, ``form_optional_types``,
    ``column_labels`` and ``column_descriptions`` are honoured here. As in
    Flask-Admin, a subclass changes one type's field by overriding the
    method for it (``conv_String``, ``handle_integer_types``, ...), or adds
    a method marked ``@converts("TypeName")`` for a type of its own.
    """

    def __init__(self, session: Any, view: Any) -> None:
        super().__init__()
        self.session = session
        self.view = view

    # -- entry point -------------------------------------------------------

    def convert(
        self,
        model: Any,
        mapper: orm.Mapper[Any],
        name: str,
        prop: Any,
        field_args: dict[str, Any] | None,
        hidden_pk: bool,
    ) -> Any:
        """The unbound field for one attribute, or ``None`` to leave it out."""
        kwargs: dict[str, Any] = {"validators": [], "filters": []}
        if field_args:
            kwargs.update(field_args)
        kwargs["validators"] = list(kwargs.get("validators") or [])
        kwargs["filters"] = list(kwargs.get("filters") or [])
        if isinstance(prop, orm.RelationshipProperty):
            return self._convert_relation(name, prop, kwargs)
        if isinstance(prop, orm.ColumnProperty):
            return self._convert_column(model, mapper, prop, kwargs, hidden_pk)
        return None

    # -- settings -----------------------------------------------------------

    def _form_columns(self) -> tuple[str, ...]:
        return tuple(
            name for name in getattr(self.view, "form_columns", None) or () if isinstance(name, str)
        )

    def _label_and_description(self, name: str, kwargs: dict[str, Any]) -> None:
        labels = getattr(self.view, "column_labels", None) or {}
        descriptions = getattr(self.view, "column_descriptions", None) or {}
        if "label" not in kwargs:
            label = labels.get(name)
            if label is None and hasattr(self.view, "get_column_name"):
                label = self.view.get_column_name(name)
            kwargs["label"] = label or name.replace("_", " ").title()
        if "description" not in kwargs and name in descriptions:
            kwargs["description"] = descriptions[name]

    def _override(self, name: str) -> Any:
        overrides = getattr(self.view, "form_overrides", None) or {}
        return overrides.get(name)

    @staticmethod
    def _has_requirement(kwargs: dict[str, Any]) -> bool:
        requirement = (validators.Optional, validators.InputRequired, validators.DataRequired)
        return any(isinstance(validator, requirement) for validator in kwargs["validators"])

    # -- relationships -------------------------------------------------------

    def _convert_relation(
        self, name: str, prop: orm.RelationshipProperty[Any], kwargs: dict[str, Any]
    ) -> Any:
        remote_model = prop.mapper.class_
        local, remote = prop.local_remote_pairs[0]
        column = local if local.foreign_keys else remote
        self._label_and_description(name, kwargs)
        many = prop.direction.name in ("ONETOMANY", "MANYTOMANY") and bool(prop.uselist)
        optional = many or bool(column.nullable)
        if not self._has_requirement(kwargs):
            kwargs["validators"].append(
                validators.Optional() if optional else validators.InputRequired()
            )
        override = self._override(name)
        if override is not None:
            return override(**kwargs)
        kwargs.pop("filters", None)
        loader = (getattr(self.view, "_form_ajax_refs", None) or {}).get(name)
        if loader is not None:
            return self._ajax_field(loader, many, optional, kwargs)
        kwargs.setdefault("query_factory", self._query_factory(remote_model))
        if many:
            kwargs.pop("allow_blank", None)
            return QuerySelectMultipleField(**kwargs)
        kwargs.setdefault("allow_blank", optional)
        return QuerySelectField(**kwargs)

    @staticmethod
    def _ajax_field(loader: Any, many: bool, optional: bool, kwargs: dict[str, Any]) -> Any:
        """The ``form_ajax_refs`` field: rows found by typing, never the whole table."""
        if many:
            kwargs.pop("allow_blank", None)
            return AjaxSelectMultipleField(loader, **kwargs)
        kwargs.setdefault("allow_blank", optional)
        return AjaxSelectField(loader, **kwargs)

    def _query_factory(self, remote_model: Any) -> Callable[[], Any]:
        session = self.session

        def query_factory() -> Any:
            return resolve_session(session).query(remote_model)

        return query_factory

    # -- columns -------------------------------------------------------------

    def _convert_column(
        self,
        model: Any,
        mapper: orm.Mapper[Any],
        prop: orm.ColumnProperty[Any],
        kwargs: dict[str, Any],
        hidden_pk: bool,
    ) -> Any:
        columns = [column for column in prop.columns if isinstance(column, sa.Column)]
        if not columns:
            return None  # a column_property over an expression: nothing to edit
        column = columns[0]
        name = prop.key
        listed = name in self._form_columns()
        if column.foreign_keys and not column.primary_key and not listed:
            return None  # the relationship stands for it
        if column is mapper.polymorphic_on and not listed:
            return None  # set from the class; editing it would change the row's class
        if column.primary_key and hidden_pk:
            return fields.HiddenField()
        if column.primary_key and not listed and _is_generated_key(column):
            return None
        if column.unique or (column.primary_key and not has_multiple_pks(model)):
            kwargs["validators"].append(Unique(self.session, model, column))
        self._apply_requirement(column, kwargs)
        self._apply_default(column, kwargs)
        if mapper.class_ is getattr(self.view, "model", None):
            self._label_and_description(name, kwargs)
        override = self._override(name)
        if override is not None:
            return override(**kwargs)
        choices = (getattr(self.view, "form_choices", None) or {}).get(name)
        if choices:
            options = [_as_choice(choice) for choice in choices]
            if column.nullable:
                kwargs["filters"].append(avoid_empty_strings)
                kwargs["coerce"] = blank_as_none(kwargs.get("coerce", str))
                options = [SelectChoice("", ""), *options]
            return fields.SelectField(choices=options, **kwargs)
        converter = self.get_converter(column)
        if converter is None:
            return None  # a type no method converts: left out, as in Flask-Admin
        return converter(model=model, mapper=mapper, prop=prop, column=column, field_args=kwargs)

    def get_converter(self, column: Any) -> Callable[..., Any] | None:
        """The ``@converts`` method for ``column``'s type, else for its ``impl``'s.

        A ``TypeDecorator`` without a method of its own stores through its
        ``impl``, so it gets that type's field rather than none. ``Interval``
        is a decorator over ``DateTime`` on most databases, but its values
        are timedeltas, which no date field can show or parse: it stays out.
        """
        converter = super().get_converter(column)
        type_ = column.type
        if converter is not None or not isinstance(type_, sa.TypeDecorator):
            return converter
        if isinstance(type_, sa.Interval):
            return None
        return super().get_converter(_TypedAs(type_.impl_instance))

    def _apply_requirement(self, column: sa.Column[Any], kwargs: dict[str, Any]) -> None:
        if self._has_requirement(kwargs):
            return
        optional_types = tuple(getattr(self.view, "form_optional_types", None) or (sa.Boolean,))
        if column.nullable:
            kwargs["validators"].append(validators.Optional())
        elif not (
            isinstance(column.type, optional_types) or column.default or column.server_default
        ):
            kwargs["validators"].append(validators.InputRequired())
        else:
            # Left empty, the column default or the server default applies.
            kwargs["validators"].append(validators.Optional())

    @staticmethod
    def _apply_default(column: sa.Column[Any], kwargs: dict[str, Any]) -> None:
        default = column.default
        if default is None or "default" in kwargs:
            return
        if isinstance(default, sa.ColumnDefault) and default.is_scalar:
            kwargs["default"] = default.arg
        elif isinstance(default, sa.ColumnDefault) and default.is_callable:
            arg = default.arg
            kwargs["default"] = lambda: arg(None)


def _with_object(base_class: type[Any]) -> type[Any]:
    """Subclass ``base_class`` to keep the instance being edited, for :class:`Unique`."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self._obj = kwargs.get("obj", args[1] if len(args) > 1 else None)
        base_class.__init__(self, *args, **kwargs)

    return type(base_class.__name__, (base_class,), {"__init__": __init__})


def _properties(
    mapper: orm.Mapper[Any],
    only: Iterable[Any] | None,
    exclude: Iterable[str] | None,
    ignore_hidden: bool,
    extra_fields: dict[str, Any],
) -> list[tuple[str, Any]]:
    """The attributes to convert, in order; an extra field's name stands for itself."""
    props = {prop.key: prop for prop in mapper.attrs}
    if only:
        selected: list[tuple[str, Any]] = []
        for name in only:
            if not isinstance(name, str):
                name = name.key
            if name in extra_fields:
                selected.append((name, None))
                continue
            if name not in props:
                raise ValueError(
                    f"form_columns names {name!r}, which {mapper.class_.__name__} does not"
                    " have; list column or relationship attribute names."
                )
            selected.append((name, props[name]))
        return selected
    excluded = set(exclude or ())
    return [
        (key, prop)
        for key, prop in _in_table_order(mapper)
        if key not in excluded and not (ignore_hidden and key.startswith("_"))
    ]


def _in_table_order(mapper: orm.Mapper[Any]) -> list[tuple[str, Any]]:
    """Columns in declaration order, each relationship where its foreign key sits.

    ``mapper.attrs`` puts relationships declared with annotations first, which
    would open a form on ``author`` before ``title``.
    """
    relationships = list(mapper.relationships)
    ordered: list[tuple[str, Any]] = []
    for prop in mapper.column_attrs:
        ordered.append((prop.key, prop))
        for relationship in list(relationships):
            if relationship.direction is orm.MANYTOONE and any(
                column in prop.columns for column in relationship.local_columns
            ):
                ordered.append((relationship.key, relationship))
                relationships.remove(relationship)
    ordered.extend((relationship.key, relationship) for relationship in relationships)
    return ordered


def get_form(
    model: Any,
    converter: AdminModelConverter,
    base_class: type[Any] = Form,
    only: Iterable[Any] | None = None,
    exclude: Iterable[str] | None = None,
    field_args: dict[str, dict[str, Any]] | None = None,
    hidden_pk: bool = False,
    ignore_hidden: bool = True,
    extra_fields: dict[str, Any] | None = None,
) -> type[Any]:
    """Build the form class for ``model``, in attribute order or ``only``'s order.

    ``extra_fields`` come last, or, when ``only`` is given, take their place
    there and are left out unless it names them: ``form_columns`` lists the
    whole form, so an extra field it omits can never be posted onto the model.
    """
    mapper = sa.inspect(model).mapper
    field_args = field_args or {}
    extra_fields = dict(extra_fields or {})
    attrs: dict[str, Any] = {}
    for name, prop in _properties(mapper, only, exclude, ignore_hidden, extra_fields):
        if prop is None:
            # Re-created so that it takes its place in form_columns' order.
            attrs[name] = recreate_field(extra_fields.pop(name))
            continue
        field = converter.convert(model, mapper, name, prop, field_args.get(name), hidden_pk)
        if field is not None:
            attrs[name] = field
    if not only:
        for name, unbound in extra_fields.items():
            attrs[name] = recreate_field(unbound)
    return type(model.__name__ + "Form", (_with_object(base_class),), attrs)


class InlineModelConverter(InlineModelConverterBase):
    """Add the ``inline_models`` of a view to its form, one list field each.

    An entry is a model, ``(model, {options})`` or an ``InlineFormAdmin``;
    the relationship from the view's model to it must be one-to-many.
    """

    def __init__(self, session: Any, view: Any, model_converter: Any) -> None:
        super().__init__(view)
        self.session = session
        self.model_converter = model_converter

    def get_info(self, p: Any) -> InlineFormAdmin | None:
        """Options for an entry; a bare model gets the defaults."""
        info = super().get_info(p)
        if info is None and isinstance(p, type):
            info = self.form_admin_class(p)
        return info

    def _relationship(self, model: Any, inline_model: Any) -> orm.RelationshipProperty[Any]:
        mapper = sa.inspect(model).mapper
        found: list[orm.RelationshipProperty[Any]] = [
            rel
            for rel in mapper.relationships
            if rel.mapper.class_ is inline_model and rel.direction is orm.ONETOMANY
        ]
        if len(found) != 1:
            raise ConfigurationError(
                f"inline_models names {inline_model.__name__}, but {model.__name__} has"
                f" {len(found)} one-to-many relationships to it; it needs exactly one."
            )
        if has_multiple_pks(inline_model):
            raise ConfigurationError(
                f"inline_models names {inline_model.__name__}, whose primary key is"
                " composite; edit it in its own view."
            )
        return found[0]

    def contribute(self, model: Any, form_class: type[Any], inline_model: Any) -> type[Any]:
        """Return ``form_class`` with a field for the rows of ``inline_model``."""
        # The form_* options are set from keywords, so they are read untyped.
        info: Any = self.get_info(inline_model)
        if info is None:
            raise ConfigurationError(f"inline_models entry {inline_model!r} is not a model.")
        relationship = self._relationship(model, info.model)
        back = [
            rel.key
            for rel in sa.inspect(info.model).mapper.relationships
            if rel.mapper.class_ is model
        ]
        child_form = info.get_form()
        if child_form is None:
            converter = self.model_converter(self.session, info)
            only = info.form_columns
            form_rules = getattr(info, "form_rules", None)
            if only is None and form_rules:
                # Fields the rules leave out are left out of the form too: a
                # field drawn nowhere would still be saved, as empty.
                only = RuleSet(info, form_rules).visible_fields
            child_form = get_form(
                info.model,
                converter,
                base_class=info.form_base_class or Form,
                only=only,
                exclude=[*(info.form_excluded_columns or ()), *back],
                field_args=info.form_args,
                extra_fields=info.form_extra_fields,
            )
        key_name = str(get_primary_key(info.model))
        setattr(child_form, key_name, fields.HiddenField())
        child_form = info.postprocess_form(child_form)
        label = self.get_label(info, relationship.key) or relationship.key.replace("_", " ").title()
        # The view's form_args name the list field too: ``ItemsRequired()``
        # in ``form_args["emails"]["validators"]`` is how a view insists on rows.
        field_args: dict[str, Any] = {"label": label}
        field_args.update((getattr(self.view, "form_args", None) or {}).get(relationship.key, {}))
        setattr(
            form_class,
            relationship.key,
            InlineModelFormList(
                child_form,
                self.session,
                info.model,
                relationship.key,
                info,
                **field_args,
            ),
        )
        return form_class
