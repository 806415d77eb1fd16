"""The admin menu, at Flask-Admin's import path (``flask_admin.menu``).

Items are built when views and links are added to an :class:`~hipflask.admin.Admin`
and asked, on each render, whether they are visible and accessible, so one
menu definition serves every user: a view a user may not open is not listed
for them (it is still refused by the view itself, the menu is no gate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from ..core.helpers import url_for

if TYPE_CHECKING:
    from .base import BaseView

__all__ = ["BaseMenu", "MenuCategory", "MenuDivider", "MenuLink", "MenuView", "SubMenuCategory"]


class BaseMenu:
    """One menu entry: a name, optional icon and class, and children."""

    def __init__(
        self,
        name: str,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
        target: str | None = None,
    ) -> None:
        self.name = name
        self.class_name = class_name if class_name is not None else ""
        self.icon_type = icon_type
        self.icon_value = icon_value
        self.target = target
        self.parent: BaseMenu | None = None
        self._children: list[BaseMenu] = []

    def add_child(self, menu: BaseMenu) -> None:
        """Attach ``menu`` below this entry."""
        menu.parent = self
        self._children.append(menu)

    def get_url(self) -> str | None:
        """Where the entry points; ``None`` for entries that only group others."""
        return None

    def is_category(self) -> bool:
        return False

    def is_active(self, view: Any) -> bool:
        """Whether ``view`` (the page being shown) is this entry or below it."""
        return any(child.is_active(view) for child in self._children)

    def get_class_name(self) -> str:
        return self.class_name

    def get_icon_type(self) -> str | None:
        return self.icon_type

    def get_icon_value(self) -> str | None:
        return self.icon_value

    def is_visible(self) -> bool:
        return True

    def is_accessible(self) -> bool:
        return True

    def get_children(self) -> list[BaseMenu]:
        """The children this request may see: visible and accessible ones only."""
        return [c for c in self._children if c.is_accessible() and c.is_visible()]


class MenuCategory(BaseMenu):
    """A named group of entries; shown only while one of its children is."""

    def get_url(self) -> str | None:
        return None

    def is_category(self) -> bool:
        return True

    def is_visible(self) -> bool:
        return bool(self.get_children())

    def is_accessible(self) -> bool:
        return any(c.is_accessible() for c in self._children)


class SubMenuCategory(MenuCategory):
    """A category nested in another (``Admin.add_sub_category``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_name = (self.class_name + " admin-submenu").strip()


class MenuView(BaseMenu):
    """The entry of an admin view: its default page, its access rules."""

    def __init__(self, name: str, view: BaseView | None = None, cache: bool = True) -> None:
        super().__init__(
            name,
            class_name=view.menu_class_name if view is not None else None,
            icon_type=view.menu_icon_type if view is not None else None,
            icon_value=view.menu_icon_value if view is not None else None,
        )
        self._view = view
        # Kept for the signature; URLs are built per request because one
        # Admin may serve several apps with different URL maps.
        self._cache = cache

    def get_url(self) -> str | None:
        view = self._view
        if view is None:
            return None
        return url_for(f"{view.endpoint}.{view._default_view}")

    def is_active(self, view: Any) -> bool:
        return view is self._view or super().is_active(view)

    def is_visible(self) -> bool:
        return self._view is not None and self._view.is_visible()

    def is_accessible(self) -> bool:
        return self._view is not None and self._view.is_accessible()


class MenuLink(BaseMenu):
    """A link to a URL or an endpoint, outside the admin's own views."""

    def __init__(
        self,
        name: str,
        url: str | None = None,
        endpoint: str | None = None,
        category: str | None = None,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(name, class_name, icon_type, icon_value, target)
        self.category = category
        self.url = url
        self.endpoint = endpoint

    def get_url(self) -> str:
        if self.endpoint is not None:
            return url_for(self.endpoint)
        return self.url or "#"


class MenuDivider(MenuLink):
    """A separator line inside a category."""

    def __init__(self, class_name: str = "") -> None:
        super().__init__("divider", class_name=class_name)

    def get_url(self) -> None:  # type: ignore[override]  # a divider links nowhere
        return None

    def is_visible(self) -> bool:
        return True
