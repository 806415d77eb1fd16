"""Form rules outside a page: configuration, visible fields and refusals."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.form import rules
from hipflask.testing.client import HipflaskClient


def test_rule_set_turns_names_into_field_rules() -> None:
    ruleset = rules.RuleSet(
        None,
        [
            "name",
            rules.FieldSet(["email", rules.Row("city", "zip")], "Contact"),
            rules.Container("lib.wrap", rules.Field("notes")),
            rules.Group("price", prepend="$"),
            rules.Text("x"),
        ],
    )

    assert ruleset.visible_fields == ["name", "email", "city", "zip", "notes", "price"]
    assert isinstance(next(iter(ruleset)), rules.Field)


def test_a_rule_must_be_a_name_or_a_rule() -> None:
    with pytest.raises(TypeError, match="field name or a rule"):
        rules.RuleSet(None, [42])


def test_text_is_escaped_unless_html() -> None:
    assert rules.Text("<b>")(None) == Markup("&lt;b&gt;")
    assert rules.HTML("<b>")(None) == Markup("<b>")
    assert rules.NestedRule([rules.Text("<a>"), rules.Text("b")], separator="<br>")(None) == Markup(
        "&lt;a&gt;&lt;br&gt;b"
    )


def test_macro_rules_need_a_page_context(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="resolve_ctx"):
        rules.Header("Title")(None)


def test_base_rule_renders_nothing_itself() -> None:
    with pytest.raises(NotImplementedError):
        rules.BaseRule()(None)


def test_a_group_shows_its_texts_and_fields_beside_the_input(
    app: Hipflask, client: HipflaskClient
) -> None:
    class PersonView(MemoryModelView):
        form_create_rules = (
            rules.Group(
                "age", prepend="<b>about</b>", append=[{"type": "field", "name": "email"}, "years"]
            ),
        )
        form_widget_args = {"email": {"placeholder": "mail"}}  # noqa: RUF012

    Admin(app).add_view(PersonView(Person, []))

    body = client.get("/admin/person/new/").get_data(as_text=True)
    group = body[body.index('class="admin-input-group"') :]
    group = group[: group.index("</div>")]

    assert group.index("&lt;b&gt;about&lt;/b&gt;") < group.index('name="age"')
    assert group.index('name="age"') < group.index('name="email"') < group.index("years")
    assert 'placeholder="mail"' in group
    assert "<b>about" not in body
    assert 'name="name"' not in body


def test_a_group_names_only_text_or_field_addons() -> None:
    with pytest.raises(ValueError, match="'text' or 'field'"):
        rules.Group("age", append={"type": "html", "text": "x"})
