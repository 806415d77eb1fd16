"""A production server refuses an admin whose views anyone could open."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin import AdminIndexView
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.errors import ConfigurationError
from hipflask.serving.admin_access import check_admin_access
from hipflask.serving.admin_access import open_admin_views
from hipflask.serving.production import check_deployment

KEY = "a-long-random-secret-key-for-the-admin-access-tests-0123456789"


class Reports(BaseView):
    @expose("/")
    def index(self) -> str:
        return "reports"


class GuardedReports(Reports):
    def is_accessible(self) -> bool:
        return False


class HandledReports(Reports):
    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        return "refused"


class Dashboard(AdminIndexView):
    @expose("/")
    def index(self) -> str:
        return "totals"


def make_app(*views: BaseView, index_view: AdminIndexView | None = None) -> Hipflask:
    app = Hipflask("admin_access")
    app.secret_key = KEY
    Admin(app, index_view=index_view).add_views(*views)
    return app


def test_an_open_view_stops_the_server_naming_it_and_the_fix() -> None:
    app = make_app(Reports(name="Reports", endpoint="reports"))

    with pytest.raises(ConfigurationError) as refused:
        check_deployment(app, "127.0.0.1", tls=True, proxy=False, insecure_http=False)

    message = str(refused.value)
    assert "Reports 'Reports' at /admin/reports" in message
    assert "is_accessible()" in message
    assert "ADMIN_REQUIRE_ACCESS_CHECK = False" in message


@pytest.mark.parametrize("view_class", [GuardedReports, HandledReports])
def test_views_with_their_own_access_check_are_served(view_class: type[BaseView]) -> None:
    app = make_app(view_class(name="Reports", endpoint="reports"))

    check_admin_access(app)
    assert list(open_admin_views(app)) == []


def test_the_stock_index_page_alone_is_not_refused() -> None:
    app = make_app()

    assert list(open_admin_views(app)) == []
    check_admin_access(app)


def test_a_custom_index_page_without_a_check_is_refused() -> None:
    app = make_app(index_view=Dashboard())

    with pytest.raises(ConfigurationError, match="Dashboard 'Home' at /admin"):
        check_admin_access(app)


def test_the_setting_serves_an_admin_guarded_elsewhere() -> None:
    app = make_app(Reports(name="Reports", endpoint="reports"))
    app.config["ADMIN_REQUIRE_ACCESS_CHECK"] = False

    check_admin_access(app)


def test_every_admin_of_the_app_is_checked() -> None:
    app = make_app(GuardedReports(name="Reports", endpoint="reports"))
    Admin(app, url="/staff", endpoint="staff").add_view(Reports(name="Open", endpoint="open"))

    assert [view.name for view in open_admin_views(app)] == ["Open"]


def test_an_app_without_an_admin_is_not_affected() -> None:
    app = Hipflask("no_admin")
    assert list(open_admin_views(app)) == []
    check_admin_access(app)


def test_a_stock_index_with_a_dashboard_template_is_refused() -> None:
    app = make_app(index_view=AdminIndexView(template="dashboard.html"))

    with pytest.raises(ConfigurationError, match="AdminIndexView 'Home' at /admin"):
        check_admin_access(app)
