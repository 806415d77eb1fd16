"""Menu entries: visibility, access, activity and URLs."""

from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.admin.menu import MenuCategory
from hipflask.admin.menu import MenuDivider
from hipflask.admin.menu import MenuLink
from hipflask.admin.menu import MenuView
from hipflask.admin.menu import SubMenuCategory
from hipflask.testing.client import HipflaskClient


class PageView(BaseView):
    accessible = True
    visible = True

    def is_accessible(self) -> bool:
        return self.accessible

    def is_visible(self) -> bool:
        return self.visible

    @expose("/")
    def index(self) -> str:
        return "page"


def test_menu_view_follows_its_view(app: Hipflask) -> None:
    view = PageView(
        name="Page", menu_class_name="special", menu_icon_type="glyph", menu_icon_value="i-page"
    )
    Admin(app).add_view(view)
    item = MenuView("Page", view)

    with app.test_request_context("/"):
        assert item.get_url() == "/admin/pageview/"
    assert item.is_active(view)
    assert not item.is_active(PageView())
    assert (item.get_class_name(), item.get_icon_type(), item.get_icon_value()) == (
        "special",
        "glyph",
        "i-page",
    )
    view.accessible = False
    assert not item.is_accessible()
    view.visible = False
    assert not item.is_visible()


def test_a_category_is_visible_while_a_child_is() -> None:
    shown, hidden = PageView(), PageView()
    hidden.accessible = False
    category = MenuCategory("Tools")
    category.add_child(MenuView("Shown", shown))
    category.add_child(MenuView("Hidden", hidden))

    assert category.is_category()
    assert category.get_url() is None
    assert [c.name for c in category.get_children()] == ["Shown"]
    assert category.is_visible()
    assert category.is_active(shown)

    shown.accessible = False
    assert not category.is_visible()
    assert not category.is_accessible()


def test_links_point_at_their_url_or_endpoint(app: Hipflask) -> None:
    @app.route("/help")
    def help_page() -> str:
        return ""

    with app.test_request_context("/"):
        assert MenuLink("Help", endpoint="help_page").get_url() == "/help"
    assert MenuLink("Site", url="https://example.test/").get_url() == "https://example.test/"
    assert MenuLink("Nowhere").get_url() == "#"
    assert MenuDivider().get_url() is None
    assert "admin-submenu" in SubMenuCategory("Sub").get_class_name()


@pytest.fixture
def admin(app: Hipflask) -> Admin:
    admin = Admin(app, category_icon_classes={"Tools": "tools-class"})
    admin.add_category("Reports", class_name="reports")
    admin.add_view(PageView(name="Sales", endpoint="sales", category="Reports"))
    admin.add_view(PageView(name="Wrench", endpoint="wrench", category="Tools"))
    admin.add_sub_category("Yearly", "Reports")
    admin.add_menu_item(MenuLink("2024", url="/reports/2024"), "Yearly")
    admin.add_link(MenuLink("Shop", url="https://shop.example.test/", target="_blank"))
    return admin


def test_admin_builds_the_menu_in_order(admin: Admin) -> None:
    menu = admin.menu()

    assert [item.name for item in menu] == ["Home", "Reports", "Tools"]
    assert menu[1].get_class_name() == "reports"
    assert menu[2].get_class_name() == "tools-class"
    assert admin.get_category_menu_item("Yearly") is not None
    assert [link.name for link in admin.menu_links()] == ["Shop"]


def test_adding_a_category_twice_keeps_one(admin: Admin) -> None:
    admin.add_category("Reports")
    admin.add_sub_category("Yearly", "Reports")
    admin.add_sub_category("Orphan", "Missing")

    assert [item.name for item in admin.menu()].count("Reports") == 1
    assert admin.get_category_menu_item("Orphan") is None


def test_nested_categories_and_link_targets_render(client: HipflaskClient, admin: Admin) -> None:
    body = client.get("/admin/").get_data(as_text=True)

    assert "<summary>Yearly</summary>" in body
    assert '<a href="/reports/2024">2024</a>' in body
    assert 'target="_blank" rel="noopener noreferrer"' in body


def test_menu_names_are_escaped(app: Hipflask, protocol: str) -> None:
    admin = Admin(app)
    admin.add_link(MenuLink("<img src=x onerror=alert(1)>", url="/x"))

    body = app.test_client(protocol=protocol).get("/admin/").get_data(as_text=True)

    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.parametrize(
    ("icon_type", "icon_class"),
    [("fa", "fa fa-user"), ("glyph", "glyphicon glyphicon-user"), ("icons", "icon-user")],
)
def test_font_icons_carry_the_class_their_icon_font_needs(
    app: Hipflask, protocol: str, icon_type: str, icon_class: str
) -> None:
    admin = Admin(app)
    value = "icon-user" if icon_type == "icons" else icon_class.split()[1]
    admin.add_view(PageView(name="People", menu_icon_type=icon_type, menu_icon_value=value))

    body = app.test_client(protocol=protocol).get("/admin/").get_data(as_text=True)

    assert f'<i class="admin-icon {icon_class}" aria-hidden="true"></i>People' in body
