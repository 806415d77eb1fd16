from __future__ import annotations

import json
import urllib.error

import pytest

from hipflask import Hipflask
from hipflask.forms import FlaskForm
from hipflask.forms import Recaptcha
from hipflask.forms import RecaptchaField
from hipflask.forms.recaptcha import DEFAULT_VERIFY_SERVER
from hipflask.forms.recaptcha import post_form
from hipflask.forms.recaptcha.fields import RecaptchaField as FieldFromModule
from hipflask.forms.recaptcha.validators import Recaptcha as ValidatorFromModule
from hipflask.forms.recaptcha.widgets import RECAPTCHA_SCRIPT_DEFAULT
from hipflask.forms.recaptcha.widgets import RecaptchaWidget as WidgetFromModule
from hipflask.testing.client import HipflaskClient

Calls = list[tuple[str, dict[str, str], float]]


class FakeGoogle:
    """Answers siteverify the way the documented API does, and records the calls."""

    def __init__(self, status: int = 200, answer: object = None, error: bool = False) -> None:
        self.status = status
        self.answer = {"success": True} if answer is None else answer
        self.error = error
        self.calls: Calls = []

    def __call__(self, url: str, fields: dict[str, str], timeout: float) -> tuple[int, bytes]:
        self.calls.append((url, fields, timeout))
        if self.error:
            raise urllib.error.URLError("unreachable")
        body = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        return self.status, body


@pytest.fixture
def google() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def app(app: Hipflask, google: FakeGoogle) -> Hipflask:
    app.config.update(
        TESTING=False,
        RECAPTCHA_PUBLIC_KEY="site-key",
        RECAPTCHA_PRIVATE_KEY="secret-key",
    )

    class Signup(FlaskForm):
        class Meta:
            csrf = False

        captcha = RecaptchaField(validators=[Recaptcha(http_post=google)])

    @app.route("/signup", methods=["GET", "POST"])
    def signup() -> object:
        form = Signup()
        if form.validate_on_submit():
            return {"ok": True}
        return {"errors": form.errors, "html": str(form.captcha())}

    return app


def test_widget_renders_script_and_site_key(client: HipflaskClient) -> None:
    html = client.get("/signup").get_json()["html"]

    # Flask-WTF's markup to the character, quotes included: tests of ported
    # apps compare it.
    assert html == (
        "\n<script src='https://www.google.com/recaptcha/api.js' async defer></script>\n"
        '<div class="g-recaptcha" data-sitekey="site-key" id="captcha"></div>\n'
    )


def test_verified_answer_passes_and_the_secret_is_sent(
    client: HipflaskClient, google: FakeGoogle
) -> None:
    response = client.post("/signup", data={"g-recaptcha-response": "answer"})

    assert response.get_json() == {"ok": True}
    url, fields, timeout = google.calls[0]
    assert url == DEFAULT_VERIFY_SERVER
    assert fields == {"secret": "secret-key", "remoteip": "127.0.0.1", "response": "answer"}
    assert timeout > 0


def test_answer_in_json_body_is_read(client: HipflaskClient, google: FakeGoogle) -> None:
    assert client.post("/signup", json={"g-recaptcha-response": "a"}).get_json() == {"ok": True}


def test_missing_answer_fails_without_calling_out(
    client: HipflaskClient, google: FakeGoogle
) -> None:
    errors = client.post("/signup", data={}).get_json()["errors"]

    assert errors == {"captcha": ["The response parameter is missing."]}
    assert google.calls == []


@pytest.mark.parametrize(
    "fake",
    [
        FakeGoogle(answer={"success": False}),
        FakeGoogle(status=500),
        FakeGoogle(answer=b"not json"),
        FakeGoogle(answer=[1]),
        FakeGoogle(error=True),
    ],
    ids=["refused", "server-error", "not-json", "not-object", "unreachable"],
)
def test_failed_verification_is_a_field_error_not_a_500(app: Hipflask, fake: FakeGoogle) -> None:
    validator = Recaptcha(http_post=fake)
    with app.test_request_context(method="POST", data={"g-recaptcha-response": "a"}):
        field = type("F", (), {"gettext": staticmethod(lambda s: s)})()
        with pytest.raises(ValueError, match="The response parameter is missing"):
            validator(None, field)


def test_setup_error_codes_are_reported(app: Hipflask) -> None:
    fake = FakeGoogle(
        answer={"success": False, "error-codes": ["timeout-or-duplicate", "invalid-input-secret"]}
    )
    with app.test_request_context(method="POST", data={"g-recaptcha-response": "a"}):
        field = type("F", (), {"gettext": staticmethod(lambda s: s)})()
        with pytest.raises(ValueError, match="secret parameter is invalid"):
            Recaptcha(http_post=fake)(None, field)


def test_testing_mode_skips_verification(app: Hipflask, google: FakeGoogle) -> None:
    app.config["TESTING"] = True
    with app.test_request_context(method="POST"):
        Recaptcha(http_post=google)(None, None)

    assert google.calls == []


def test_disabled_recaptcha_lets_the_form_through_without_calling_out(
    app: Hipflask, client: HipflaskClient, google: FakeGoogle
) -> None:
    app.config["RECAPTCHA_ENABLED"] = False

    page = client.get("/signup").get_json()["html"]
    response = client.post("/signup", data={})

    assert page == "<!-- recaptcha disabled -->"
    assert response.get_json() == {"ok": True}
    assert google.calls == []


def test_missing_private_key_says_what_to_set(app: Hipflask) -> None:
    app.config["RECAPTCHA_PRIVATE_KEY"] = None
    with (
        app.test_request_context(method="POST", data={"g-recaptcha-response": "a"}),
        pytest.raises(RuntimeError, match="RECAPTCHA_PRIVATE_KEY"),
    ):
        Recaptcha(http_post=FakeGoogle())(None, None)


def test_widget_settings(app: Hipflask) -> None:
    app.config.update(
        RECAPTCHA_PARAMETERS={"hl": "fr"},
        RECAPTCHA_DATA_ATTRS={"theme": "dark"},
        RECAPTCHA_DIV_CLASS="box",
    )
    with app.test_request_context():
        field = RecaptchaField(nonce=lambda: "n0nce").bind(
            FlaskForm(meta={"csrf": False}), "captcha"
        )
        html = str(field())
        app.config["RECAPTCHA_ENABLED"] = False
        disabled = str(field())
        app.config.update(RECAPTCHA_ENABLED=True, RECAPTCHA_HTML="<b>own</b>")
        custom = str(field())
        app.config.update(RECAPTCHA_HTML=None, RECAPTCHA_PUBLIC_KEY=None)
        with pytest.raises(RuntimeError, match="RECAPTCHA_PUBLIC_KEY"):
            field()

    assert "api.js?hl=fr" in html
    assert 'nonce="n0nce"' in html
    assert 'data-theme="dark"' in html
    assert 'class="box"' in html
    assert disabled == "<!-- recaptcha disabled -->"
    assert custom == "<b>own</b>"


def test_a_quote_in_the_script_url_cannot_close_the_attribute(app: Hipflask) -> None:
    app.config["RECAPTCHA_SCRIPT"] = "https://cdn.example/api.js' onload='alert(1)"
    with app.test_request_context():
        field = RecaptchaField().bind(FlaskForm(meta={"csrf": False}), "captcha")
        html = str(field())

    assert "src='https://cdn.example/api.js&#39; onload=&#39;alert(1)'" in html


def test_verification_server_must_be_https() -> None:
    with pytest.raises(ValueError, match="https"):
        post_form("http://www.google.com/recaptcha/api/siteverify", {}, 1.0)


def test_a_form_built_from_the_submodule_paths_renders_and_verifies(
    app: Hipflask, client: HipflaskClient, google: FakeGoogle
) -> None:
    # Flask-WTF apps import from flask_wtf.recaptcha's modules directly; the
    # renamed imports must find the same field, validator and widget there.
    class Contact(FlaskForm):
        class Meta:
            csrf = False

        captcha = FieldFromModule(validators=[ValidatorFromModule(http_post=google)])

    @app.route("/contact", methods=["GET", "POST"])
    def contact() -> object:
        form = Contact()
        if form.validate_on_submit():
            return {"ok": True}
        return {"errors": form.errors, "html": str(form.captcha())}

    assert isinstance(Contact.captcha.field_class.widget, WidgetFromModule)
    assert RECAPTCHA_SCRIPT_DEFAULT in client.get("/contact").get_json()["html"]
    answer = client.post("/contact", data={"g-recaptcha-response": "answer"})
    assert answer.get_json() == {"ok": True}
