"""The helpers admin views and templates use, the redirect checks first."""

from __future__ import annotations

import pytest
from wtforms import StringField
from wtforms.validators import DataRequired

from hipflask import Hipflask
from hipflask.admin import helpers
from hipflask.admin.form import BaseForm


@pytest.mark.parametrize(
    "target",
    [
        "/admin/user/",
        "/admin/user/?page=2",
        "relative/path",
        "http://localhost/admin/",
        "https://localhost/admin/?x=1",
    ],
)
def test_local_targets_are_safe(app: Hipflask, target: str) -> None:
    with app.test_request_context("/", base_url="http://localhost"):
        assert helpers.is_safe_url(target)


@pytest.mark.parametrize(
    "target",
    [
        "",
        "https://evil.test/",
        "//evil.test/",
        "///evil.test/",
        "/\\evil.test",
        "\\\\evil.test",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://localhost.evil.test/",
        "http://evil.test@localhost/",
        "https:evil.test",
        "/\tevil",
        "ftp://localhost/",
    ],
)
def test_off_site_and_disguised_targets_are_not(app: Hipflask, target: str) -> None:
    with app.test_request_context("/", base_url="http://localhost"):
        assert not helpers.is_safe_url(target)


def test_get_redirect_target_reads_a_safe_value_only(app: Hipflask) -> None:
    with app.test_request_context("/?url=/admin/&next=https://evil.test/"):
        assert helpers.get_redirect_target() == "/admin/"
        assert helpers.get_redirect_target("next") is None
        assert helpers.get_redirect_target("missing") is None


def test_prettify_class_name() -> None:
    assert helpers.prettify_class_name("UserRoleView") == "User Role View"
    assert helpers.prettify_class_name("Page2Admin") == "Page2 Admin"
    assert helpers.prettify_class_name("HTTPLog") == "HTTPLog"


def test_is_field_error_reads_nested_errors() -> None:
    assert helpers.is_field_error(["Required"])
    assert helpers.is_field_error([[], ["Nested"]])
    assert not helpers.is_field_error([[], []])
    assert not helpers.is_field_error(None)


class NameForm(BaseForm):
    name = StringField(validators=[DataRequired()])


def test_form_data_only_for_a_submission(app: Hipflask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="GET"):
        assert helpers.get_form_data() is None
        assert not helpers.is_form_submitted()
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        data = helpers.get_form_data()
        assert data is not None
        assert data["name"] == "x"
        assert helpers.validate_form_on_submit(NameForm(data))
        assert helpers.is_required_form_field(NameForm(data).name)


def test_current_view_and_render_context_are_per_request(app: Hipflask) -> None:
    with app.test_request_context("/"):
        assert helpers.get_current_view() is None
        assert helpers.get_render_ctx() is None
        helpers.set_current_view("view")
        assert helpers.get_current_view() == "view"


def test_flash_errors_flashes_each_field_error(app: Hipflask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="POST", data={}):
        form = NameForm(helpers.get_form_data())
        form.validate()
        helpers.flash_errors(form, "Failed. %(error)s")
        from hipflask import get_flashed_messages

        assert get_flashed_messages(with_categories=True) == [
            ("error", "Failed. Name: This field is required.")
        ]
