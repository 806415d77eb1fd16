"""Pieces for backends that build model forms, at Flask-Admin's path (``flask_admin.model.form``).

A backend's form converter maps column types to WTForms fields with methods
marked by :func:`converts`; inline models (``inline_models``) are described
by :class:`InlineFormAdmin`. The forms these build derive from the view's
``form_base_class``, so they carry the CSRF token like every admin form.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from wtforms import Form
from wtforms.fields import HiddenField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired

from ..form import BaseForm
from ..form import rules
from .widgets import XEditableWidget

__all__ = [
    "BaseListForm",
    "FieldPlaceholder",
    "InlineBaseFormAdmin",
    "InlineFormAdmin",
    "InlineModelConverterBase",
    "ModelConverterBase",
    "converts",
    "create_editable_list_form",
]


def converts(*args: Any) -> Callable[[Any], Any]:
    """Mark a converter method as the one for the column type names in ``args``."""

    def mark(func: Any) -> Any:
        func._converter_for = frozenset(args)
        return func

    return mark


class BaseListForm(BaseForm):
    """The base of in-list editing forms: the row's primary key travels with the value."""

    list_form_pk = HiddenField(validators=[InputRequired()])


def create_editable_list_form(
    form_base_class: type[Form], form_class: type[Form], widget: Any = None
) -> type[BaseListForm]:
    """A list form holding ``form_class``'s fields, drawn by ``widget``.

    The default widget is the in-list editor of
    :class:`~hipflask.admin.model.widgets.XEditableWidget`.
    """
    if widget is None:
        widget = XEditableWidget()

    class ListForm(BaseListForm, form_base_class):  # type: ignore[misc,valid-type]
        pass

    for name, value in vars(form_class).items():
        if not isinstance(value, UnboundField):
            continue
        if name == "list_form_pk":
            raise TypeError("A model form cannot have a field called 'list_form_pk'.")
        if widget is not None:
            value.kwargs["widget"] = widget
        setattr(ListForm, name, value)
    return ListForm


class InlineBaseFormAdmin:
    """Options of an inline form: the ``form_*`` settings a model view has, as keywords."""

    _defaults = (
        "form_base_class",
        "form_columns",
        "form_excluded_columns",
        "form_args",
        "form_extra_fields",
    )

    def __init__(self, **kwargs: Any) -> None:
        for name in self._defaults:
            if not hasattr(self, name):
                setattr(self, name, None)
        for name, value in kwargs.items():
            setattr(self, name, value)
        form_rules = getattr(self, "form_rules", None)
        self._form_rules = rules.RuleSet(self, form_rules) if form_rules else None

    def get_form(self) -> type[Form] | None:
        """A ready form class for the inline model, or ``None`` to scaffold one."""
        return None

    def postprocess_form(self, form_class: Any) -> Any:
        """Adjust the scaffolded form class (add fields, say) before use."""
        return form_class

    def on_model_change(self, form: Form, model: Any, is_created: bool) -> None:
        """Before an inline model is saved."""

    def _on_model_change(self, form: Form, model: Any, is_created: bool) -> None:
        self.on_model_change(form, model, is_created)


class InlineFormAdmin(InlineBaseFormAdmin):
    """Inline form options for ``model``: ``InlineFormAdmin(Address, form_columns=[...])``."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)


def _inherited_marks(cls: type[Any], name: str) -> frozenset[str]:
    """The type names the base classes' methods of this name are marked for."""
    marks: frozenset[str] = frozenset()
    for base in cls.__mro__[1:]:
        marks |= getattr(vars(base).get(name), "_converter_for", frozenset())
    return marks


class ModelConverterBase:
    """Map column types to form fields through the methods marked with :func:`converts`.

    A subclass method that overrides a marked one keeps the base method's
    type names, with or without its own ``@converts``: Flask-Admin would
    drop an unmarked override's columns from the form, and an override
    marked with Flask-Admin's list (``@converts("Numeric")``) would lose the
    names added here (``Float``, SQLAlchemy 2's ``Uuid``). A type name a
    method is marked with explicitly wins over one it only inherits.
    """

    def __init__(self, converters: dict[Any, Any] | None = None, use_mro: bool = True) -> None:
        self.use_mro = use_mro
        inherited: dict[Any, Any] = {}
        marked: dict[Any, Any] = {}
        for name in dir(type(self)):
            method = getattr(self, name)
            if not callable(method):
                continue
            own: frozenset[str] = getattr(method, "_converter_for", frozenset())
            for type_name in _inherited_marks(type(self), name) - own:
                inherited[type_name] = method
            for type_name in own:
                marked[type_name] = method
        self.converters = {**(converters or {}), **inherited, **marked}

    def get_converter(self, column: Any) -> Callable[..., Any] | None:
        """The converter for ``column.type``: by dotted name first, then by class name."""
        column_type = type(column.type)
        types = inspect.getmro(column_type) if self.use_mro else (column_type,)
        for candidate in types:
            converter: Callable[..., Any] | None = self.converters.get(
                f"{candidate.__module__}.{candidate.__name__}"
            )
            if converter is not None:
                return converter
        for candidate in types:
            by_name: Callable[..., Any] | None = self.converters.get(candidate.__name__)
            if by_name is not None:
                return by_name
        return None

    def get_form(
        self,
        model: Any,
        base_class: type[Form] = BaseForm,
        only: Any = None,
        exclude: Any = None,
        field_args: Any = None,
    ) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.get_form is not implemented.")


class InlineModelConverterBase:
    """Turn ``inline_models`` entries into :class:`InlineFormAdmin` objects."""

    form_admin_class: type[InlineFormAdmin] = InlineFormAdmin

    def __init__(self, view: Any) -> None:
        self.view = view

    def get_label(self, info: Any, name: str) -> str | None:
        """The inline form's label: its ``form_label``, else the view's column label."""
        label = getattr(info, "form_label", None)
        if label:
            return str(label)
        labels = getattr(self.view, "column_labels", None)
        if labels and name in labels:
            return str(labels[name])
        return None

    def get_info(self, p: Any) -> InlineFormAdmin | None:
        """An :class:`InlineFormAdmin` from ``(model, options)`` or one already made."""
        if isinstance(p, tuple):
            return self.form_admin_class(p[0], **p[1])
        if isinstance(p, self.form_admin_class):
            return p
        return None


class FieldPlaceholder:
    """Holds a field a converter made but the form must place later."""

    def __init__(self, field: UnboundField[Any]) -> None:
        self.field = field
