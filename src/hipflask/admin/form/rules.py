"""Form layout rules, at Flask-Admin's path (``flask_admin.form.rules``).

``form_rules = ["name", rules.FieldSet(("email", "phone"), "Contact")]``
lays a model form out; a field no rule names is removed from the form class,
so it can be neither shown nor posted. Rules render through macros of the
page's template context (``lib.render_field``, ``lib.render_header``), which
the admin's form templates capture with ``{% set render_ctx = h.resolve_ctx() %}``.
Text rules escape their text unless told otherwise (``HTML``).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from markupsafe import escape

from ..helpers import get_render_ctx

__all__ = [
    "HTML",
    "BaseRule",
    "Container",
    "Field",
    "FieldSet",
    "Group",
    "Header",
    "Macro",
    "NestedRule",
    "Row",
    "RuleSet",
    "Text",
]


class BaseRule:
    """A piece of a form's layout."""

    def __init__(self) -> None:
        self.parent: BaseRule | None = None
        self.rule_set: RuleSet | None = None

    def configure(self, rule_set: RuleSet, parent: BaseRule | None) -> BaseRule:
        self.rule_set = rule_set
        self.parent = parent
        return self

    @property
    def visible_fields(self) -> list[str]:
        """The form fields this rule shows."""
        return []

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} cannot render itself.")


class NestedRule(BaseRule):
    """A sequence of rules (strings name fields), rendered one after the other."""

    def __init__(self, rules: Sequence[Any] = (), separator: str = "") -> None:
        super().__init__()
        self.rules: list[Any] = list(rules)
        self.separator = separator

    def configure(self, rule_set: RuleSet, parent: BaseRule | None) -> BaseRule:
        self.rules = rule_set.configure_rules(self.rules, self)
        return super().configure(rule_set, parent)

    @property
    def visible_fields(self) -> list[str]:
        return [name for rule in self.rules for name in rule.visible_fields]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rules)

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Markup:
        parts = [rule(form, form_opts, field_args) for rule in self.rules]
        # Each part is a macro's output or escaped text already.
        return escape(self.separator).join(p if p is not None else "" for p in parts)


class Text(BaseRule):
    """A piece of text, escaped unless ``escape=False``."""

    def __init__(self, text: str, escape: bool = True) -> None:
        super().__init__()
        self.text = text
        self.escape = escape

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Markup:
        if self.escape:
            return escape(self.text)
        return Markup(self.text)  # noqa: S704 - the developer's own markup, by request


class HTML(Text):
    """Markup written by the developer, inserted as is (never put user data here)."""

    def __init__(self, html: str) -> None:
        super().__init__(html, escape=False)


class Macro(BaseRule):
    """The template macro ``macro_name`` (``"lib.render_field"``), called with ``kwargs``."""

    def __init__(self, macro_name: str, **kwargs: Any) -> None:
        super().__init__()
        self.macro_name = macro_name
        self.default_args = kwargs

    def _resolve(self, context: Any, name: str) -> Any:
        head, *rest = name.split(".")
        found = context.resolve(head)
        for part in rest:
            found = getattr(found, part, None)
            if found is None:
                return None
        return found

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        context = get_render_ctx()
        if context is None:
            raise RuntimeError(
                "Form rules render inside an admin form template, which sets"
                " '{% set render_ctx = h.resolve_ctx() %}' first."
            )
        macro = self._resolve(context, self.macro_name)
        if macro is None:
            raise ValueError(f"No macro {self.macro_name!r} in the template's context.")
        options = dict(self.default_args)
        options.update(field_args or {})
        return macro(**options)


class Container(Macro):
    """A macro wrapped around ``child_rule``, which it renders with ``{{ caller() }}``."""

    def __init__(self, macro_name: str, child_rule: BaseRule, **kwargs: Any) -> None:
        super().__init__(macro_name, **kwargs)
        self.child_rule = child_rule

    def configure(self, rule_set: RuleSet, parent: BaseRule | None) -> BaseRule:
        self.child_rule.configure(rule_set, self)
        return super().configure(rule_set, parent)

    @property
    def visible_fields(self) -> list[str]:
        return self.child_rule.visible_fields

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        def caller(**kwargs: Any) -> Any:
            return self.child_rule(form, form_opts, kwargs)

        return super().__call__(form, form_opts, {**(field_args or {}), "caller": caller})


class Field(Macro):
    """One form field, drawn by ``render_field`` with its ``form_widget_args``."""

    def __init__(self, field_name: str, render_field: str = "lib.render_field") -> None:
        super().__init__(render_field)
        self.field_name = field_name

    @property
    def visible_fields(self) -> list[str]:
        return [self.field_name]

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        field = getattr(form, self.field_name, None)
        if field is None:
            raise ValueError(f"The form has no field {self.field_name!r} for this rule.")
        options = dict(field_args or {})
        if form_opts is not None and form_opts.widget_args:
            options.update(form_opts.widget_args.get(self.field_name, {}))
        return super().__call__(form, form_opts, {"form": form, "field": field, "kwargs": options})


class Header(Macro):
    """A heading between fields."""

    def __init__(self, text: str, header_macro: str = "lib.render_header") -> None:
        super().__init__(header_macro, text=text)

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        return super().__call__(form, form_opts, {"form": form})


class FieldSet(NestedRule):
    """Fields under a heading."""

    def __init__(
        self, rules: Sequence[Any], header: str | None = None, separator: str = ""
    ) -> None:
        lead: list[Any] = [Header(header)] if header else []
        super().__init__(lead + list(rules), separator=separator)


class Row(NestedRule):
    """Fields side by side."""

    def __init__(self, *columns: Any, **kw: Any) -> None:
        super().__init__(columns, **kw)

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Markup:
        cells = Markup("").join(
            Markup('<div class="admin-col">{}</div>').format(rule(form, form_opts, field_args))
            for rule in self.rules
        )
        return Markup('<div class="admin-row">{}</div>').format(cells)


class Group(Field):
    """A field with text or other fields beside its input.

    ``prepend`` and ``append`` take a text, a ``{"type": "text", "text": ...}``
    or ``{"type": "field", "name": ...}`` entry, or a list of them; they reach
    ``render_field`` as the ``prepend`` and ``append`` entries of its
    ``kwargs``, as markup, so a template's own ``render_field`` can place them.
    """

    def __init__(
        self, field_name: str, prepend: Any = None, append: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(field_name, kwargs.get("render_field", "lib.render_field"))
        self.prepend = prepend
        self.append = append
        self._addons = {"prepend": _addons(prepend), "append": _addons(append)}

    @property
    def visible_fields(self) -> list[str]:
        beside = [
            addon["name"]
            for addons in self._addons.values()
            for addon in addons
            if addon["type"] == "field"
        ]
        return [self.field_name, *beside]

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Any:
        options = dict(field_args or {})
        widget_args = form_opts.widget_args if form_opts is not None else None
        for position, addons in self._addons.items():
            if addons:
                options[position] = Markup("").join(
                    _render_addon(form, addon, widget_args or {}) for addon in addons
                )
        return super().__call__(form, form_opts, options)


def _addons(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    entries = value if isinstance(value, list | tuple) else [value]
    addons: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, dict):
            if entry.get("type") not in ("text", "field"):
                raise ValueError(f"A Group addon's type is 'text' or 'field', not {entry!r}.")
            addons.append(dict(entry))
        else:
            addons.append({"type": "text", "text": entry})
    return addons


def _render_addon(form: Any, addon: dict[str, Any], widget_args: dict[str, Any]) -> Markup:
    if addon["type"] == "text":
        # Escaped unless the view passed Markup: the text is the view's, not a user's.
        return Markup('<span class="admin-addon">{}</span>').format(addon["text"])
    field = getattr(form, addon["name"], None)
    if field is None:
        raise ValueError(f"The form has no field {addon['name']!r} for this Group.")
    return Markup('<span class="admin-addon">{}</span>').format(
        field(**widget_args.get(addon["name"], {}))
    )


class RuleSet:
    """A view's rules, configured: strings turned into :class:`Field` rules."""

    def __init__(self, view: Any, rules: Sequence[Any]) -> None:
        self.view = view
        self.rules = self.configure_rules(rules)

    @property
    def visible_fields(self) -> list[str]:
        return [name for rule in self.rules for name in rule.visible_fields]

    def convert_string(self, value: str) -> BaseRule:
        return Field(value)

    def configure_rules(self, rules: Sequence[Any], parent: BaseRule | None = None) -> list[Any]:
        configured: list[Any] = []
        for rule in rules:
            if isinstance(rule, str):
                rule = self.convert_string(rule)
            if not isinstance(rule, BaseRule):
                raise TypeError(f"A form rule is a field name or a rule object, not {rule!r}.")
            configured.append(rule.configure(self, parent))
        return configured

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rules)
