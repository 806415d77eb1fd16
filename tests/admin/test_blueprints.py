"""Admin views on a host of their own, or on whichever host a request came to."""

from __future__ import annotations

import re

from tests.conftest import SECRET

from hipflask import Hipflask
from hipflask import url_for
from hipflask.admin import Admin
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.admin.blueprints import ANY_HOST_VARIABLE


def test_an_admin_on_its_own_host_serves_and_links_its_static_files_there(
    protocol: str,
) -> None:
    app = Hipflask("hosts", host_matching=True, static_host="www.example.test")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    Admin(app, host="admin.example.test")
    client = app.test_client(protocol=protocol)

    page = client.get("/admin/", base_url="http://admin.example.test").get_data(as_text=True)
    on_host = client.get("/admin/static/admin/admin.js", base_url="http://admin.example.test")
    elsewhere = client.get("/admin/static/admin/admin.js", base_url="http://www.example.test")

    assert re.search(
        r'<script src="/admin/static/admin/admin\.js" defer nonce="[^"]+"></script>', page
    )
    assert "http:///" not in page
    assert on_host.status_code == 200
    assert elsewhere.status_code == 404


def test_an_admin_on_any_host_answers_and_links_on_the_requests_host(protocol: str) -> None:
    app = Hipflask("hosts", host_matching=True, static_host="www.example.test")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    class LinkView(BaseView):
        @expose("/")
        def index(self) -> str:
            return "index"

        @expose("/<int:number>")
        def numbered(self, number: int) -> str:
            return url_for(".numbered", number=number + 1, _external=True)

    Admin(app, host="*").add_view(LinkView())
    client = app.test_client(protocol=protocol)

    one = client.get("/admin/linkview/1", base_url="http://one.example.test")
    two = client.get("/admin/linkview/2", base_url="http://two.example.test")
    page = client.get("/admin/", base_url="http://two.example.test").get_data(as_text=True)
    script = client.get("/admin/static/admin/admin.js", base_url="http://two.example.test")

    assert one.get_data(as_text=True) == "http://one.example.test/admin/linkview/2"
    assert two.get_data(as_text=True) == "http://two.example.test/admin/linkview/3"
    assert ANY_HOST_VARIABLE not in page
    assert re.search(
        r'<script src="/admin/static/admin/admin\.js" defer nonce="[^"]+"></script>', page
    )
    assert script.status_code == 200


def test_a_link_to_an_any_host_admin_names_its_host_as_in_flask_admin(protocol: str) -> None:
    # Flask-Admin's host-matching example links to the admin on another host
    # with ``url_for("admin3.index", admin_routes_host="anything.example")``.
    app = Hipflask("hosts", host_matching=True, static_host="www.example.test")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    Admin(app, url="/admin3", endpoint="admin3", host="*")

    @app.route("/", host="<anyhost>")
    def index(anyhost: str) -> str:
        return url_for("admin3.index", admin_routes_host="anything.example.test")

    client = app.test_client(protocol=protocol)

    link = client.get("/", base_url="http://www.example.test").get_data(as_text=True)
    page = client.get("/admin3/", base_url="http://anything.example.test")

    assert link == "http://anything.example.test/admin3/"
    assert page.status_code == 200


def test_the_any_host_variable_has_flask_admin_s_name() -> None:
    from hipflask.admin import consts

    assert consts.ADMIN_ROUTES_HOST_VARIABLE_NAME == "admin_routes_host"
    assert consts.ADMIN_ROUTES_HOST_VARIABLE == "<admin_routes_host>"
    assert ANY_HOST_VARIABLE == consts.ADMIN_ROUTES_HOST_VARIABLE_NAME
