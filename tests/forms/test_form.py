from __future__ import annotations

import re

import pytest
from wtforms import HiddenField
from wtforms import StringField
from wtforms.validators import DataRequired

from hipflask import Hipflask
from hipflask import render_template_string
from hipflask.forms import FlaskForm
from hipflask.testing.client import HipflaskClient

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    ref = HiddenField()


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> str:
        form = NameForm()
        if form.validate_on_submit():
            return f"hello {form.name.data}"
        return render_template_string(
            "{{ form.hidden_tag() }}|{{ form.errors }}|{{ submitted }}",
            form=form,
            submitted=form.is_submitted(),
        )

    return app


def page_token(client: HipflaskClient) -> str:
    found = _TOKEN.search(client.get("/").get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_get_renders_the_token_and_is_not_a_submission(client: HipflaskClient) -> None:
    body = client.get("/").get_data(as_text=True)

    assert _TOKEN.search(body) is not None
    assert body.endswith("|{}|False")


def test_valid_submission_with_token_validates(client: HipflaskClient) -> None:
    token = page_token(client)

    response = client.post("/", data={"name": "alice", "csrf_token": token})

    assert response.get_data(as_text=True) == "hello alice"


def test_put_is_a_submission_too(client: HipflaskClient) -> None:
    token = page_token(client)

    assert client.put("/", data={"name": "a", "csrf_token": token}).text == "hello a"


def test_submission_without_token_fails_validation(client: HipflaskClient) -> None:
    page_token(client)

    body = client.post("/", data={"name": "alice"}).get_data(as_text=True)

    assert "The CSRF token is missing." in body
    assert body.endswith("|True")


def test_submission_with_token_of_another_session_fails(app: Hipflask, protocol: str) -> None:
    other: HipflaskClient = app.test_client(protocol=protocol)  # type: ignore[assignment]
    token = page_token(other)
    client: HipflaskClient = app.test_client(protocol=protocol)  # type: ignore[assignment]
    page_token(client)

    body = client.post("/", data={"name": "alice", "csrf_token": token}).get_data(as_text=True)

    assert "The CSRF tokens do not match." in body


def test_json_object_body_fills_the_form(client: HipflaskClient) -> None:
    token = page_token(client)

    response = client.post("/", json={"name": "json", "csrf_token": token})

    assert response.get_data(as_text=True) == "hello json"


def test_json_body_that_is_not_an_object_is_a_400(client: HipflaskClient) -> None:
    page_token(client)

    assert client.post("/", json=["name"]).status_code == 400


def test_json_null_body_is_an_empty_submission(client: HipflaskClient) -> None:
    # As in Flask-WTF: the form is submitted with no fields, and fails
    # validation instead of the request failing.
    page_token(client)

    body = client.post("/", data="null", content_type="application/json").text

    assert "The CSRF token is missing." in body
    assert "This field is required." in body


def test_hidden_tag_renders_hidden_fields_only(app: Hipflask) -> None:
    with app.test_request_context():
        form = NameForm(ref="r1")
        rendered = str(form.hidden_tag())
        only_ref = str(form.hidden_tag("ref"))

    assert 'name="csrf_token"' in rendered
    assert 'name="ref"' in rendered
    assert 'name="name"' not in rendered
    assert only_ref == '<input id="ref" name="ref" type="hidden" value="r1">'
    assert str(NameForm.hidden_tag(form, "missing", form.name)) == ""


def test_csrf_can_be_turned_off_per_form_and_per_app(client: HipflaskClient, app: Hipflask) -> None:
    class NoCSRF(FlaskForm):
        class Meta:
            csrf = False

        name = StringField()

    with app.test_request_context(method="POST", data={"name": "x"}):
        assert NoCSRF().validate_on_submit()
        assert NameForm(meta={"csrf": False}, data={"name": "x"}).validate()
    app.config["WTF_CSRF_ENABLED"] = False

    assert client.post("/", data={"name": "alice"}).get_data(as_text=True) == "hello alice"


def test_explicit_formdata_is_used_as_given(app: Hipflask) -> None:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST", data={"name": "from-request"}):
        form = NameForm(MultiDict({"name": "given"}), meta={"csrf": False})

        assert form.name.data == "given"


def test_form_outside_an_app_context_says_so() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        NameForm()


def test_empty_post_leaves_the_form_empty(app: Hipflask) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})

        assert form.name.data is None
        assert not form.validate()


class GermanForm(FlaskForm):
    class Meta:
        csrf = False
        locales = ("de_DE", "de")

    name = StringField(validators=[DataRequired()])


def test_meta_locales_apply_once_i18n_is_turned_off(app: Hipflask, client: HipflaskClient) -> None:
    # Flask-WTF hands messages to Flask-Babel while WTF_I18N_ENABLED is on
    # (its default) and, without Flask-Babel, leaves them in English whatever
    # Meta.locales says; turning it off is how its docs select WTForms' own
    # translations.
    @app.post("/de")
    def german() -> str:
        form = GermanForm()
        form.validate()
        return form.errors["name"][0]

    assert client.post("/de").text == "This field is required."
    app.config["WTF_I18N_ENABLED"] = False
    assert client.post("/de").text == "Dieses Feld wird benötigt."
