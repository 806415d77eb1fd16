"""Admin, BaseView, expose and access control, under both protocols."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET

from hipflask import Hipflask
from hipflask import redirect
from hipflask.admin import Admin
from hipflask.admin import AdminIndexView
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.admin import expose_plugview
from hipflask.admin import has_default_access
from hipflask.admin.menu import MenuLink
from hipflask.admin.theme import Bootstrap4Theme
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient
from hipflask.views import MethodView


class HelloView(BaseView):
    @expose("/")
    def index(self) -> str:
        return f"hello from {self.name}"

    @expose("/echo/<int:number>", methods=("GET", "POST"))
    def echo(self, number: int) -> str:
        return f"echo {number}"

    @expose("/page")
    def page(self) -> str:
        return self.render("admin/index.html")

    @expose_plugview("/plug")
    class Plug(MethodView):
        def get(self, cls: BaseView) -> str:
            return f"plug in {cls.name}"

        def post(self, cls: BaseView) -> str:
            return "posted"


class ClosedView(BaseView):
    def is_accessible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> str:
        return "the secret"


class LoginRedirectView(ClosedView):
    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return redirect(f"/login?next={name}")


class HandleView(BaseView):
    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        if name == "index":
            return "stopped before " + name
        return None

    @expose("/")
    def index(self) -> str:
        return "reached"


@pytest.fixture
def admin(app: Hipflask) -> Admin:
    admin = Admin(app, name="Backoffice")
    admin.add_views(
        HelloView(name="Hello", category="Tools"),
        ClosedView(),
        LoginRedirectView(endpoint="login_view"),
        HandleView(),
    )
    return admin


def test_index_page_renders_the_admin_layout(client: HipflaskClient, admin: Admin) -> None:
    response = client.get("/admin/")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Home - Backoffice</title>" in body
    assert '<a class="admin-brand" href="/admin/">Backoffice</a>' in body
    assert 'href="/admin/static/admin/admin.css"' in body


def test_exposed_methods_answer_at_their_urls(client: HipflaskClient, admin: Admin) -> None:
    assert client.get("/admin/helloview/").get_data(as_text=True) == "hello from Hello"
    assert client.get("/admin/helloview/echo/7").get_data(as_text=True) == "echo 7"
    assert client.get("/admin/helloview/echo/x").status_code == 404


def test_expose_limits_methods(client: HipflaskClient, admin: Admin) -> None:
    assert client.post("/admin/helloview/").status_code == 405
    assert client.post("/admin/helloview/echo/3").get_data(as_text=True) == "echo 3"


def test_expose_plugview_passes_the_admin_view(client: HipflaskClient, admin: Admin) -> None:
    assert client.get("/admin/helloview/plug").get_data(as_text=True) == "plug in Hello"
    assert client.post("/admin/helloview/plug").get_data(as_text=True) == "posted"


def test_an_inaccessible_view_answers_403(client: HipflaskClient, admin: Admin) -> None:
    response = client.get("/admin/closedview/")

    assert response.status_code == 403
    assert "the secret" not in response.get_data(as_text=True)


def test_inaccessible_callback_answers_instead(client: HipflaskClient, admin: Admin) -> None:
    response = client.get("/admin/login_view/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=index"


def test_handle_view_runs_before_every_page(client: HipflaskClient, admin: Admin) -> None:
    assert client.get("/admin/handleview/").get_data(as_text=True) == "stopped before index"


def test_menu_lists_only_accessible_views(client: HipflaskClient, admin: Admin) -> None:
    body = client.get("/admin/").get_data(as_text=True)

    assert '<a href="/admin/helloview/">Hello</a>' in body
    assert "<summary>Tools</summary>" in body
    assert "/admin/closedview/" not in body
    assert "/admin/login_view/" not in body


def test_menu_marks_the_current_view_active(client: HipflaskClient, admin: Admin) -> None:
    body = client.get("/admin/helloview/page").get_data(as_text=True)

    assert '<a href="/admin/helloview/" aria-current="page">Hello</a>' in body


def test_links_go_to_the_menu_bar_or_their_category(client: HipflaskClient, admin: Admin) -> None:
    admin.add_links(
        MenuLink("Site", url="https://example.test/"),
        MenuLink("Reports", endpoint="helloview.page", category="Tools"),
    )

    body = client.get("/admin/").get_data(as_text=True)

    links = body[body.index("admin-menu-links") :]
    assert '<a href="https://example.test/">Site</a>' in links
    tools = body[body.index("<summary>Tools</summary>") : body.index("admin-menu-links")]
    assert '<a href="/admin/helloview/page">Reports</a>' in tools


def test_two_admins_share_one_app(app: Hipflask, protocol: str) -> None:
    Admin(app, name="First").add_view(HelloView(name="One", endpoint="one"))
    second = Admin(app, name="Second", url="/staff", endpoint="staff")
    second.add_view(HelloView(name="Two", endpoint="two"))
    client = app.test_client(protocol=protocol)

    assert "First" in client.get("/admin/").get_data(as_text=True)
    assert "<title>Home - Second</title>" in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/two/").get_data(as_text=True) == "hello from Two"
    assert client.get("/staff/static/admin/admin.js").status_code == 200


def test_two_admins_with_one_endpoint_are_refused(app: Hipflask) -> None:
    Admin(app)

    with pytest.raises(ConfigurationError, match="endpoint 'admin'"):
        Admin(app, url="/other")


def test_one_admin_serves_several_apps(protocol: str) -> None:
    admin = Admin(name="Shared")
    admin.add_view(HelloView(name="Hello"))
    apps = []
    for name in ("first", "second"):
        app = Hipflask(name)
        app.config.update(TESTING=True, SECRET_KEY=SECRET)
        admin.init_app(app)
        apps.append(app)

    for app in apps:
        client = app.test_client(protocol=protocol)
        assert client.get("/admin/helloview/").get_data(as_text=True) == "hello from Hello"
        assert "Shared" in client.get("/admin/").get_data(as_text=True)
        assert app.extensions["admin"] == [admin]


def test_a_custom_index_view_and_url(app: Hipflask, protocol: str) -> None:
    class Dashboard(AdminIndexView):
        @expose("/")
        def index(self) -> str:
            return "dashboard"

    Admin(app, index_view=Dashboard(url="/manage"))
    client = app.test_client(protocol=protocol)

    assert client.get("/manage/").get_data(as_text=True) == "dashboard"


def test_a_view_without_a_default_page_is_refused() -> None:
    class NoIndex(BaseView):
        @expose("/other")
        def other(self) -> str:
            return ""

    with pytest.raises(TypeError, match="no default page"):
        NoIndex()


def test_custom_templates_extend_master(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "stats.html").write_text(
        "{% extends 'admin/master.html' %}"
        "{% block title %}Stats{% endblock %}"
        "{% block body %}<p id=total>{{ total }}</p>{{ super() }}{% endblock %}"
        "{% block tail %}<script src=/extra.js></script>{% endblock %}"
    )
    app = Hipflask("custom", template_folder=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    class StatsView(BaseView):
        @expose("/")
        def index(self) -> str:
            return self.render("stats.html", total="<b>42</b>")

    Admin(app, name="Shop").add_view(StatsView())
    body = app.test_client(protocol=protocol).get("/admin/statsview/").get_data(as_text=True)

    assert "<title>Stats</title>" in body
    assert "<p id=total>&lt;b&gt;42&lt;/b&gt;</p>" in body
    assert '<a class="admin-brand" href="/admin/">Shop</a>' in body
    assert "<script src=/extra.js></script>" in body


def test_theme_settings_reach_the_page(app: Hipflask, protocol: str) -> None:
    Admin(app, theme=Bootstrap4Theme(swatch="cerulean", fluid=True))

    body = app.test_client(protocol=protocol).get("/admin/").get_data(as_text=True)

    assert 'class="admin-body admin-swatch-cerulean admin-fluid"' in body


def test_base_template_argument_replaces_the_base(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "my_base.html").write_text("MY BASE {% block body %}{% endblock %}")
    app = Hipflask("based", template_folder=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    Admin(app, base_template="my_base.html")

    body = app.test_client(protocol=protocol).get("/admin/").get_data(as_text=True)

    assert body.startswith("MY BASE")


def test_pages_carry_no_inline_script_or_handler(client: HipflaskClient, admin: Admin) -> None:
    body = client.get("/admin/").get_data(as_text=True)

    assert re.search(r"<script(?![^>]*\ssrc=)", body) is None
    assert re.search(r"\son[a-z]+=", body) is None
    assert "style=" not in body


def test_nonce_attribute_for_custom_inline_scripts(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "inline.html").write_text(
        "{% extends 'admin/master.html' %}"
        "{% block tail %}<script {{ admin_csp_nonce_attribute }}>go()</script>{% endblock %}"
    )
    app = Hipflask("nonce", template_folder=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    class InlineView(BaseView):
        @expose("/")
        def index(self) -> str:
            return self.render("inline.html")

    Admin(app, csp_nonce_generator=lambda: "n0nce").add_view(InlineView())
    body = app.test_client(protocol=protocol).get("/admin/inlineview/").get_data(as_text=True)

    assert '<script nonce="n0nce">go()</script>' in body


def test_the_admins_own_scripts_and_styles_carry_the_csp_nonce(protocol: str) -> None:
    # Under a nonce policy with 'strict-dynamic', browsers ignore 'self': a
    # <script src> without the nonce is blocked, and with it the filters,
    # confirmations, ajax selects and list editing of admin.js.
    app = Hipflask("strict")
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        CONTENT_SECURITY_POLICY={
            "script-src": ["{nonce}", "'strict-dynamic'"],
            "style-src": "{nonce}",
        },
    )

    class Extras(HelloView):
        extra_css = ["/static/extra.css"]  # noqa: RUF012 - Flask-Admin's attribute
        extra_js = ["/static/extra.js"]  # noqa: RUF012 - Flask-Admin's attribute

    Admin(app).add_view(Extras())
    response = app.test_client(protocol=protocol).get("/admin/extras/page")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    body = response.get_data(as_text=True)

    assert nonce is not None
    tags = re.findall(r"<script[^>]*>|<link rel=\"stylesheet\"[^>]*>", body)
    assert len(tags) == 4
    for tag in tags:
        assert f'nonce="{nonce.group(1)}"' in tag


def test_a_page_title_block_of_a_custom_template_is_shown(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "titled.html").write_text(
        "{% extends 'admin/master.html' %}"
        "{% block page_title %}<h2>Reports</h2>{% endblock %}"
        "{% block body %}<p>body</p>{% endblock %}"
    )
    app = Hipflask("titled", template_folder=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    class TitledView(BaseView):
        @expose("/")
        def index(self) -> str:
            return self.render("titled.html")

    Admin(app).add_view(TitledView())
    body = app.test_client(protocol=protocol).get("/admin/titledview/").get_data(as_text=True)

    assert "<h2>Reports</h2>" in body
    assert body.index("<h2>Reports</h2>") < body.index("<p>body</p>")


def test_has_default_access() -> None:
    assert has_default_access(HelloView()) is True
    assert has_default_access(AdminIndexView()) is True
    assert has_default_access(ClosedView()) is False
    assert has_default_access(LoginRedirectView()) is False
    assert has_default_access(HandleView()) is False


def test_host_and_subdomain_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="one or the other"):
        Admin(subdomain="admin", host="admin.example.test")


def test_render_outside_an_admin_is_an_error(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="not added"):
        HelloView().render("admin/index.html")


def test_template_args_and_extra_assets_reach_the_page(app: Hipflask, protocol: str) -> None:
    class DecoratedView(BaseView):
        extra_css = ["/static/admin-extra.css"]  # noqa: RUF012 - Flask-Admin's attribute
        extra_js = ["/static/admin-extra.js"]  # noqa: RUF012 - Flask-Admin's attribute

        @expose("/")
        def index(self) -> str:
            self._template_args["admin_view"] = self
            return self.render("admin/index.html")

    Admin(app, name="Deco").add_view(DecoratedView())

    body = app.test_client(protocol=protocol).get("/admin/decoratedview/").get_data(as_text=True)

    assert re.search(r'<link rel="stylesheet" href="/static/admin-extra\.css" nonce="[^"]+">', body)
    assert re.search(r'<script src="/static/admin-extra\.js" defer nonce="[^"]+"></script>', body)
    assert "<title>Decorated View - Deco</title>" in body


def test_admin_on_a_host_of_its_own(protocol: str) -> None:
    app = Hipflask("hosts", host_matching=True, static_host="www.example.test")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    Admin(app, host="admin.example.test").add_view(HelloView(name="Hello"))
    client = app.test_client(protocol=protocol)

    on_host = client.get("/admin/helloview/", base_url="http://admin.example.test")
    elsewhere = client.get("/admin/helloview/", base_url="http://www.example.test")

    assert on_host.get_data(as_text=True) == "hello from Hello"
    assert elsewhere.status_code == 404


@pytest.mark.parametrize("host", ["<sub>.example.test", "admin.<tld>"])
def test_host_variables_are_refused(host: str) -> None:
    with pytest.raises(ConfigurationError, match="one fixed host name"):
        Admin(host=host)


def test_host_needs_host_matching(app: Hipflask) -> None:
    with pytest.raises(ConfigurationError, match="host_matching=True"):
        Admin(app, host="admin.example.test")


def test_two_admins_at_one_url_are_refused(app: Hipflask) -> None:
    Admin(app)

    with pytest.raises(ConfigurationError, match="served at '/admin'"):
        Admin(app, endpoint="other")


def test_init_app_can_replace_the_index_view(app: Hipflask, protocol: str) -> None:
    class Dashboard(AdminIndexView):
        @expose("/")
        def index(self) -> str:
            return "dashboard"

    admin = Admin(name="Late")
    admin.init_app(app, index_view=Dashboard(name="Start"))
    client = app.test_client(protocol=protocol)

    assert client.get("/admin/").get_data(as_text=True) == "dashboard"
    assert [item.name for item in admin.menu()] == ["Start"]


def test_admin_on_a_subdomain(protocol: str) -> None:
    app = Hipflask("subdomains", subdomain_matching=True)
    app.config.update(TESTING=True, SECRET_KEY=SECRET, SERVER_NAME="example.test")
    Admin(app, subdomain="staff").add_view(HelloView(name="Hello"))
    client = app.test_client(protocol=protocol)

    on_sub = client.get("/admin/helloview/", base_url="http://staff.example.test")
    on_main = client.get("/admin/helloview/", base_url="http://example.test")

    assert on_sub.get_data(as_text=True) == "hello from Hello"
    assert on_main.status_code == 404
