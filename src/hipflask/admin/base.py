"""Admin views and the ``expose`` decorator, at Flask-Admin's path (``flask_admin.base``).

A view class groups pages under one URL prefix; each page is a method marked
with :func:`expose`. When the view is added to an :class:`~hipflask.admin.Admin`
it becomes a blueprint registered on the app, so admin pages go through the
app's whole pipeline (host and origin checks, sessions, security headers,
flashing) like any other route. Every exposed method is wrapped so that
:meth:`BaseView._handle_view` runs first: that is where access control lives.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from functools import wraps
from typing import TYPE_CHECKING
from typing import Any

from markupsafe import escape

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..core.blueprints import Blueprint
from ..core.helpers import abort
from ..core.helpers import url_for
from ..errors import ConfigurationError
from ..templating.environment import csp_nonce
from ..templating.render import render_template
from . import babel
from . import helpers
from .blueprints import HostBlueprint
from .menu import BaseMenu
from .menu import MenuCategory
from .menu import MenuLink
from .menu import MenuView
from .menu import SubMenuCategory
from .theme import Bootstrap4Theme
from .theme import Theme

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = [
    "Admin",
    "AdminIndexView",
    "AdminViewMeta",
    "BaseView",
    "BaseViewClass",
    "expose",
    "expose_plugview",
    "has_default_access",
    "is_stock_index",
]

_PACKAGE_ROOT = os.path.dirname(os.path.abspath(__file__))
_STOCK_INDEX_TEMPLATE = "admin/index.html"


def expose(url: str = "/", methods: Iterable[str] | None = ("GET",)) -> Callable[[Any], Any]:
    """Expose a view method at ``url`` (relative to the view's own URL).

    The method exposed at ``"/"`` is the view's default page, the one its menu
    entry links to; a view class needs one.
    """

    def wrap(f: Any) -> Any:
        if not hasattr(f, "_urls"):
            f._urls = []
        f._urls.append((url, tuple(methods) if methods is not None else None))
        return f

    return wrap


def expose_plugview(url: str = "/") -> Callable[[Any], Any]:
    """Expose a pluggable view class (``View``/``MethodView``) inside an admin view.

    The class's handlers receive the admin view as their first argument after
    ``self``, under the name ``cls``, as in Flask-Admin.
    """

    def wrap(view: Any) -> Any:
        handler = expose(url, getattr(view, "methods", None))
        function = view.as_view(view.__name__) if hasattr(view, "as_view") else view
        function._admin_plugview = True
        return handler(function)

    return wrap


def _wrap_view(f: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(f, "_wrapped", False):
        return f

    @wraps(f)
    def inner(self: BaseView, *args: Any, **kwargs: Any) -> Any:
        helpers.set_current_view(self)
        refused = self._handle_view(f.__name__, **kwargs)
        if refused is not None:
            return refused
        view = current_app.ensure_sync(f)
        if getattr(f, "_admin_plugview", False):
            # A pluggable view's handlers take the admin view as ``cls``.
            return view(cls=self, **kwargs)
        return self._run_view(view, *args, **kwargs)

    inner._wrapped = True  # type: ignore[attr-defined]
    return inner


class AdminViewMeta(type):
    """Collect the methods marked with :func:`expose` and wrap them with the access check."""

    def __init__(cls, classname: str, bases: tuple[type, ...], fields: dict[str, Any]) -> None:
        super().__init__(classname, bases, fields)
        urls: list[tuple[str, str, tuple[str, ...] | None]] = []
        default_view: str | None = None
        for name in dir(cls):
            attr = getattr(cls, name)
            exposed = getattr(attr, "_urls", None)
            if not exposed:
                continue
            for url, methods in exposed:
                urls.append((url, name, methods))
                if url == "/":
                    default_view = name
            setattr(cls, name, _wrap_view(attr))
        cls._urls = urls
        cls._default_view = default_view


class _NonceAttribute:
    """``nonce="..."`` for inline scripts of custom templates, made only when rendered.

    Flask-Admin gives templates ``admin_csp_nonce_attribute``; here it carries
    the app's per-response CSP nonce unless the Admin was given its own
    generator, and asks for the nonce only if a template prints it.
    """

    def __init__(self, generator: Callable[[], Any] | None) -> None:
        self._generator = generator

    def __html__(self) -> str:
        value = self._generator() if self._generator is not None else csp_nonce()
        return f'nonce="{escape(value)}"'

    def __str__(self) -> str:
        return self.__html__()


class BaseViewClass:
    """Flask-Admin's marker base of admin views."""


class BaseView(BaseViewClass, metaclass=AdminViewMeta):
    """An admin view: a group of pages under one URL and one menu entry.

    Subclass it, expose methods, and override :meth:`is_accessible` to decide
    who may open the pages: the default lets everyone in, as in Flask-Admin,
    so a production server refuses to start with such a view (see
    :func:`hipflask.admin.has_default_access`).
    """

    _urls: list[tuple[str, str, tuple[str, ...] | None]]
    _default_view: str | None

    #: Stylesheets and scripts added to every page of this view (URLs).
    extra_css: list[str] = []  # noqa: RUF012 - Flask-Admin's class attribute
    extra_js: list[str] = []  # noqa: RUF012 - Flask-Admin's class attribute

    def __init__(
        self,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        static_folder: str | None = None,
        static_url_path: str | None = None,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        self.name = name
        self.category = category
        self.endpoint = self._get_endpoint(endpoint)
        self.url = url
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.menu_class_name = menu_class_name
        self.menu_icon_type = menu_icon_type
        self.menu_icon_value = menu_icon_value
        self.admin: Admin | None = None
        self.blueprint: Blueprint | None = None
        if self._default_view is None:
            raise TypeError(
                f"{type(self).__name__} has no default page: expose one method at '/'"
                " with @expose('/')."
            )

    @property
    def _template_args(self) -> dict[str, Any]:
        """Extra template variables for this request (set them in a view, then render)."""
        args: dict[str, Any] | None = g.get("_admin_template_args")
        if args is None:
            args = g._admin_template_args = {}
        return args

    def _get_endpoint(self, endpoint: str | None) -> str:
        return endpoint or type(self).__name__.lower()

    def _get_view_url(self, admin: Admin, url: str | None) -> str:
        if url is None:
            if admin.url != "/":
                return f"{admin.url}/{self.endpoint}"
            return "/" if self is admin.index_view else f"/{self.endpoint}"
        if not url.startswith("/"):
            return f"{admin.url}/{url}"
        return url

    def create_blueprint(self, admin: Admin) -> Blueprint:
        """Build the blueprint of this view's pages for ``admin``'s app."""
        self.admin = admin
        if not self.static_url_path:
            self.static_url_path = admin.static_url_path
        self.url = self._get_view_url(admin, self.url)
        url_prefix: str | None = self.url
        if self.url == "/":
            url_prefix = None
            if not self.static_url_path:
                self.static_folder = "static"
                self.static_url_path = "/static/admin"
        if self.name is None:
            self.name = helpers.prettify_class_name(type(self).__name__)
        static_folder = self.static_folder
        if static_folder is not None and not os.path.isabs(static_folder):
            static_folder = os.path.join(_PACKAGE_ROOT, static_folder)
        self.blueprint = HostBlueprint(
            self.endpoint,
            __name__,
            host=admin.host,
            url_prefix=url_prefix,
            subdomain=admin.subdomain,
            template_folder=os.path.join(_PACKAGE_ROOT, "templates"),
            static_folder=static_folder,
            static_url_path=self.static_url_path,
        )
        for url, name, methods in self._urls:
            self.blueprint.add_url_rule(url, name, getattr(self, name), methods=methods)
        return self.blueprint

    def render(self, template: str, **kwargs: Any) -> str:
        """Render ``template`` with the variables admin templates expect.

        ``admin_view``, ``admin_base_template``, ``_gettext``, ``_ngettext``,
        ``h`` (:mod:`hipflask.admin.helpers`), ``get_url``, ``config``,
        ``theme`` and ``admin_csp_nonce_attribute``; then the per-request
        ``_template_args``; then ``kwargs``.
        """
        admin = self.admin
        if admin is None:
            raise RuntimeError(f"{type(self).__name__} is not added to an Admin yet.")
        kwargs["admin_view"] = self
        kwargs["admin_base_template"] = admin.theme.base_template
        kwargs["admin_csp_nonce_attribute"] = _NonceAttribute(admin.csp_nonce_generator)
        kwargs["_gettext"] = babel.gettext
        kwargs["_ngettext"] = babel.ngettext
        kwargs["h"] = helpers
        kwargs["get_url"] = self.get_url
        kwargs["config"] = current_app.config
        kwargs["theme"] = admin.theme
        kwargs.update(self._template_args)
        return render_template(template, **kwargs)

    def _prettify_class_name(self, name: str) -> str:
        return helpers.prettify_class_name(name)

    def is_visible(self) -> bool:
        """Whether the view has a menu entry (it stays reachable by URL either way)."""
        return True

    def is_accessible(self) -> bool:
        """Whether the current user may open this view's pages and see its menu entry.

        Override it (``current_user.is_authenticated and current_user.has_role(...)``):
        the default admits everyone.
        """
        return True

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        """Run before every exposed method; a non-``None`` return answers instead.

        The documented override point for checks that need the page's name or
        arguments; by default it refuses inaccessible views through
        :meth:`inaccessible_callback`, and with a 403 if that returns nothing.
        """
        if not self.is_accessible():
            return self.inaccessible_callback(name, **kwargs) or abort(403)
        return None

    def _run_view(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        """Answer a refused request: 403 by default; redirect to a login page here."""
        abort(403)

    def get_url(self, endpoint: str, **kwargs: Any) -> str:
        """``url_for``; ``.index_view`` style names resolve inside this view."""
        return url_for(endpoint, **kwargs)

    @property
    def _debug(self) -> bool:
        return bool(self.admin is not None and self.admin.app and self.admin.app.debug)


class AdminIndexView(BaseView):
    """The admin's home page, and the owner of its static files.

    Replace it (``Admin(index_view=MyHome())``) to show a dashboard or guard
    the home page; its endpoint names the Admin (``url_for('admin.index')``).
    """

    def __init__(
        self,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        template: str = _STOCK_INDEX_TEMPLATE,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        super().__init__(
            name or babel.lazy_gettext("Home"),
            category,
            endpoint or "admin",
            "/admin" if url is None else url,
            "static",
            menu_class_name=menu_class_name,
            menu_icon_type=menu_icon_type,
            menu_icon_value=menu_icon_value,
        )
        self._template = template

    @expose()
    def index(self) -> str:
        return self.render(self._template)


def has_default_access(view: BaseView) -> bool:
    """Whether ``view`` admits everyone: it keeps ``BaseView``'s access checks.

    True when the view's class overrides neither :meth:`BaseView.is_accessible`
    nor :meth:`BaseView._handle_view` (the two documented places for access
    control). A production server uses it to refuse to serve an admin anyone
    could open.
    """
    cls = type(view)
    return cls.is_accessible is BaseView.is_accessible and (
        cls._handle_view is BaseView._handle_view
    )


def is_stock_index(view: BaseView) -> bool:
    """Whether ``view`` is the stock home page: ``AdminIndexView`` with its own template.

    That page shows only the menu entries the visitor may open, so leaving
    it open leaks nothing; a subclass, or a template of the app's own (a
    dashboard), may show data and needs an access check like any view.
    """
    return type(view) is AdminIndexView and view._template == _STOCK_INDEX_TEMPLATE


class Admin:
    """The admin of an app: an index page, the views added to it, and their menu.

    Several ``Admin`` objects may serve one app under different ``url`` and
    ``endpoint`` values; one ``Admin`` may serve several apps through
    :meth:`init_app`.
    """

    def __init__(
        self,
        app: Hipflask | None = None,
        name: str | None = None,
        url: str | None = None,
        subdomain: str | None = None,
        index_view: BaseView | None = None,
        translations_path: str | None = None,
        endpoint: str | None = None,
        static_url_path: str | None = None,
        theme: Theme | None = None,
        category_icon_classes: dict[str, str] | None = None,
        host: str | None = None,
        csp_nonce_generator: Callable[[], Any] | None = None,
        *,
        base_template: str | None = None,
    ) -> None:
        self.app = app
        self.translations_path = translations_path
        self.name = name if name is not None else "Admin"
        self.subdomain = subdomain
        self.host = host
        self.static_url_path = static_url_path
        self.theme: Theme = theme if theme is not None else Bootstrap4Theme()
        if base_template is not None:
            # Flask-Admin 1.x's argument: kept so older code ports unchanged.
            self.theme.base_template = base_template
        self.category_icon_classes = category_icon_classes or {}
        self.csp_nonce_generator = csp_nonce_generator
        self._views: list[BaseView] = []
        self._menu: list[BaseMenu] = []
        self._menu_categories: dict[str, MenuCategory] = {}
        self._menu_links: list[MenuLink] = []
        self._apps: list[Hipflask] = []
        self._validate_host_and_subdomain()
        self.index_view: BaseView = index_view or AdminIndexView(endpoint=endpoint, url=url)
        self.endpoint: str = endpoint or self.index_view.endpoint
        self.url: str = url or self.index_view.url or "/admin"
        if app is not None:
            self._init_extension(app)
        self.add_view(self.index_view)

    def _validate_host_and_subdomain(self) -> None:
        if self.subdomain is not None and self.host is not None:
            raise ConfigurationError("Admin(subdomain=..., host=...): give one or the other.")
        if self.host is None:
            return
        if "<" in self.host:
            raise ConfigurationError(
                f"Admin(host={self.host!r}): give one fixed host name for the admin's"
                " pages, or '*' for whichever host the request came to."
            )
        if self.app is not None and not self.app.url_map.host_matching:
            raise ConfigurationError(
                "Admin(host=...) needs an app created with host_matching=True."
            )

    def add_view(self, view: BaseView) -> None:
        """Add a view: register its pages on the app(s) and give it a menu entry."""
        self._views.append(view)
        for app in self._apps:
            app.register_blueprint(view.create_blueprint(self))
        self._add_view_to_menu(view)

    def add_views(self, *args: BaseView) -> None:
        """Add several views, in menu order."""
        for view in args:
            self.add_view(view)

    def add_category(
        self,
        name: str,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
    ) -> None:
        """Create a menu category ahead of its views, to set its icon or its place."""
        if name in self._menu_categories:
            return
        category = MenuCategory(
            name, class_name=class_name, icon_type=icon_type, icon_value=icon_value
        )
        self._menu_categories[name] = category
        self._menu.append(category)

    def add_sub_category(self, name: str, parent_name: str) -> None:
        """Nest a new category ``name`` in the existing category ``parent_name``."""
        parent = self._menu_categories.get(parent_name)
        if name in self._menu_categories or parent is None:
            return
        category = SubMenuCategory(name)
        self._menu_categories[name] = category
        parent.add_child(category)

    def add_link(self, link: MenuLink) -> None:
        """Add a link: in its category, or at the right of the menu bar."""
        if link.category:
            self.add_menu_item(link, link.category)
        else:
            self._menu_links.append(link)

    def add_links(self, *args: MenuLink) -> None:
        """Add several links."""
        for link in args:
            self.add_link(link)

    def add_menu_item(self, menu_item: BaseMenu, target_category: str | None = None) -> None:
        """Add an entry to the menu, in ``target_category`` (created if needed)."""
        if not target_category:
            self._menu.append(menu_item)
            return
        category = self._menu_categories.get(target_category)
        if category is None:
            category = MenuCategory(target_category)
            category.class_name = self.category_icon_classes.get(target_category, "")
            self._menu_categories[target_category] = category
            self._menu.append(category)
        category.add_child(menu_item)

    def _add_view_to_menu(self, view: BaseView) -> None:
        self.add_menu_item(MenuView(str(view.name), view), view.category)

    def get_category_menu_item(self, name: str) -> MenuCategory | None:
        """The category called ``name``, if there is one."""
        return self._menu_categories.get(name)

    def init_app(
        self,
        app: Hipflask,
        index_view: BaseView | None = None,
        endpoint: str | None = None,
        url: str | None = None,
    ) -> None:
        """Serve this admin on ``app`` too (an app factory calls it per app)."""
        if index_view is not None:
            self._replace_index_view(index_view, endpoint, url)
        self.app = app
        self._validate_host_and_subdomain()
        self._init_extension(app)
        for view in self._views:
            app.register_blueprint(view.create_blueprint(self))

    def _replace_index_view(
        self, index_view: BaseView, endpoint: str | None, url: str | None
    ) -> None:
        self.index_view = index_view
        self.endpoint = endpoint or index_view.endpoint
        self.url = url or index_view.url or "/admin"
        self._views[0] = index_view
        self._menu[0] = MenuView(str(index_view.name), index_view)

    def _init_extension(self, app: Hipflask) -> None:
        admins: list[Admin] = app.extensions.setdefault("admin", [])
        for other in admins:
            if other is self:
                continue
            if other.endpoint == self.endpoint:
                raise ConfigurationError(
                    f"Two Admin objects use the endpoint {self.endpoint!r} on one app;"
                    " give the second Admin(endpoint=...) and url=... of its own."
                )
            if other.url == self.url and other.subdomain == self.subdomain:
                raise ConfigurationError(
                    f"Two Admin objects are served at {self.url!r} on one app;"
                    " give the second Admin(url=...) of its own."
                )
        if self not in admins:
            admins.append(self)
        self._apps.append(app)

    @property
    def views(self) -> tuple[BaseView, ...]:
        """Every view added, the index page first.

        Not in Flask-Admin (which keeps them in a private list): the
        production server reads it to refuse an admin left open to everyone
        (:mod:`hipflask.serving.admin_access`).
        """
        return tuple(self._views)

    def menu(self) -> list[BaseMenu]:
        """The menu's top-level entries, in order."""
        return self._menu

    def menu_links(self) -> list[MenuLink]:
        """The links shown at the right of the menu bar."""
        return self._menu_links
