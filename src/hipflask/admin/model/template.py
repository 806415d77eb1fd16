"""Row buttons of the list page, at Flask-Admin's path (``flask_admin.model.template``).

Each action renders through a macro of ``admin/model/row_actions.html``
(imported by the list template as ``row_actions``), so a custom list
template can restyle every button by overriding those macros. Add your own
with ``column_extra_row_actions = [EndpointLinkRowAction(...)]``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

from jinja2 import pass_context

from ..babel import gettext

__all__ = [
    "BaseListRowAction",
    "DeleteRowAction",
    "EditPopupRowAction",
    "EditRowAction",
    "EndpointLinkRowAction",
    "LinkRowAction",
    "TemplateLinkRowAction",
    "ViewPopupRowAction",
    "ViewRowAction",
    "macro",
]


class BaseListRowAction:
    """One button of a list row."""

    def __init__(self, title: str | None = None) -> None:
        self.title = title

    def render(self, context: Any, row_id: Any, row: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.render is not implemented.")

    @pass_context
    def render_ctx(self, context: Any, row_id: Any, row: Any) -> Any:
        """Called from the template, which passes its own context along."""
        return self.render(context, row_id, row)

    def _resolve_symbol(self, context: Any, symbol: str) -> Any:
        head, *rest = symbol.split(".")
        return reduce(getattr, rest, context.resolve(head))


class LinkRowAction(BaseListRowAction):
    """A link; ``url`` is a format string with ``{row_id}`` or ``f(action, row_id, row)``."""

    def __init__(
        self,
        icon_class: str,
        url: str | Callable[[LinkRowAction, Any, Any], str],
        title: str | None = None,
    ) -> None:
        super().__init__(title)
        self.icon_class = icon_class
        self.url = url

    def render(self, context: Any, row_id: Any, row: Any) -> Any:
        link = self._resolve_symbol(context, "row_actions.link")
        url = (
            self.url.format(row_id=row_id)
            if isinstance(self.url, str)
            else self.url(self, row_id, row)
        )
        return link(self, url)


class EndpointLinkRowAction(BaseListRowAction):
    """A link to ``endpoint`` with the row's id as ``id_arg``."""

    def __init__(
        self,
        icon_class: str,
        endpoint: str,
        title: str | None = None,
        id_arg: str = "id",
        url_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(title)
        self.icon_class = icon_class
        self.endpoint = endpoint
        self.id_arg = id_arg
        self.url_args = url_args

    def render(self, context: Any, row_id: Any, row: Any) -> Any:
        link = self._resolve_symbol(context, "row_actions.link")
        get_url = self._resolve_symbol(context, "get_url")
        kwargs = dict(self.url_args or {})
        kwargs[self.id_arg] = row_id
        return link(self, get_url(self.endpoint, **kwargs))


class TemplateLinkRowAction(BaseListRowAction):
    """An action drawn by the macro ``template_name`` (``row_actions.edit_row``)."""

    def __init__(self, template_name: str, title: str | None = None) -> None:
        super().__init__(title)
        self.template_name = template_name

    def render(self, context: Any, row_id: Any, row: Any) -> Any:
        return self._resolve_symbol(context, self.template_name)(self, row_id, row)


class ViewRowAction(TemplateLinkRowAction):
    def __init__(self) -> None:
        super().__init__("row_actions.view_row", gettext("View Record"))


class ViewPopupRowAction(ViewRowAction):
    """Flask-Admin's modal variant; opens the details page."""


class EditRowAction(TemplateLinkRowAction):
    def __init__(self) -> None:
        super().__init__("row_actions.edit_row", gettext("Edit Record"))


class EditPopupRowAction(EditRowAction):
    """Flask-Admin's modal variant; opens the edit page."""


class DeleteRowAction(TemplateLinkRowAction):
    """A small POST form with the CSRF token: deleting is never a link."""

    def __init__(self) -> None:
        super().__init__("row_actions.delete_row", gettext("Delete Record"))


def macro(name: str) -> Callable[[Any, Any, Any, Any], Any]:
    """A column formatter that renders the list template's macro ``name``."""

    def inner(view: Any, context: Any, model: Any, column: Any) -> Any:
        found = context.resolve(name)
        if not found:
            return found
        return found(model=model, column=column)

    return inner
