"""The file manager's forms: the name check and the upload check."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from wtforms import ValidationError

from hipflask import Hipflask
from hipflask.admin.contrib.fileadmin.forms import validate_name


@pytest.mark.parametrize("name", ["report.pdf", "My Photos", "a_b-c.d", "été"])
def test_plain_names_pass(name: str) -> None:
    validate_name(None, SimpleNamespace(data=name))


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        ".env",
        "a/b",
        "../x",
        "a\\b",
        "c:x",
        "a\x00",
        "a\nb",
        "CON",
        "lpt1.txt",
        "x?",
        "a|b",
    ],
)
def test_names_that_are_paths_hidden_or_reserved_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="Invalid name"):
        validate_name(None, SimpleNamespace(data=name))


def test_the_forms_carry_a_csrf_token(app: Hipflask, tmp_path: object) -> None:
    from hipflask.admin.contrib.fileadmin import FileAdmin

    view = FileAdmin(str(tmp_path))
    with app.test_request_context():
        for make in (
            view.get_upload_form,
            view.get_name_form,
            view.get_edit_form,
            view.get_delete_form,
            view.get_action_form,
        ):
            assert "csrf_token" in make()()._fields, make.__name__
