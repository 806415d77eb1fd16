from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import render_template_string
from hipflask import request
from hipflask.forms import CSRFProtect
from hipflask.forms.csrf import CSRFError
from hipflask.forms.csrf import csrf_meta_tag
from hipflask.forms.csrf import generate_csrf
from hipflask.forms.csrf import validate_csrf
from hipflask.security.csrf import REASON_BAD_REFERRER
from hipflask.security.csrf import REASON_INVALID
from hipflask.security.csrf import REASON_MISSING
from hipflask.security.csrf import REASON_NO_REFERRER
from hipflask.testing.client import HipflaskClient

_VALUE = re.compile(r"token=(\S+)")


@pytest.fixture
def csrf(app: Hipflask) -> CSRFProtect:
    protect = CSRFProtect(app)

    @app.route("/token")
    def token() -> str:
        return render_template_string("token={{ csrf_token() }}")

    @app.route("/submit", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def submit() -> str:
        return f"changed {g.get('csrf_valid')}"

    return protect


def token_of(client: HipflaskClient) -> str:
    found = _VALUE.search(client.get("/token").get_data(as_text=True))
    assert found is not None
    return found.group(1)


@pytest.mark.usefixtures("csrf")
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_method_without_token_is_refused(client: HipflaskClient, method: str) -> None:
    token_of(client)

    response = client.open("/submit", method=method)

    assert response.status_code == 400
    assert REASON_MISSING in response.get_data(as_text=True)


@pytest.mark.usefixtures("csrf")
def test_a_multipart_part_without_a_name_is_a_400(client: HipflaskClient) -> None:
    # Sent by hand: no browser omits the name, and the part is filed under None.
    token_of(client)
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--\r\n"
    response = client.post("/submit", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert REASON_MISSING in response.get_data(as_text=True)


@pytest.mark.usefixtures("csrf")
def test_safe_methods_need_no_token(client: HipflaskClient) -> None:
    assert client.get("/submit").status_code == 200
    assert client.head("/submit").status_code == 200


@pytest.mark.usefixtures("csrf")
def test_token_in_form_field_is_accepted(client: HipflaskClient) -> None:
    token = token_of(client)

    response = client.post("/submit", data={"csrf_token": token})

    assert response.get_data(as_text=True) == "changed True"


@pytest.mark.usefixtures("csrf")
def test_token_in_prefixed_form_field_is_accepted(client: HipflaskClient) -> None:
    token = token_of(client)

    assert client.post("/submit", data={"login-csrf_token": token}).status_code == 200


@pytest.mark.usefixtures("csrf")
@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_token_in_header_is_accepted(client: HipflaskClient, header: str) -> None:
    token = token_of(client)

    assert client.post("/submit", headers={header: token}, json={}).status_code == 200


@pytest.mark.usefixtures("csrf")
def test_custom_header_and_field_names(app: Hipflask, client: HipflaskClient) -> None:
    app.config.update(WTF_CSRF_HEADERS=["X-Token"], WTF_CSRF_FIELD_NAME="tok")
    token = token_of(client)

    assert client.post("/submit", headers={"X-Token": token}).status_code == 200
    assert client.post("/submit", data={"tok": token}).status_code == 200
    assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 400


@pytest.mark.usefixtures("csrf")
def test_token_is_the_same_throughout_a_request(app: Hipflask) -> None:
    with app.test_request_context():
        assert generate_csrf() == generate_csrf()
        assert generate_csrf() != generate_csrf(token_key="other")


@pytest.mark.usefixtures("csrf")
def test_token_of_the_last_page_is_left_on_g_for_tests(client: HipflaskClient) -> None:
    with client:
        client.get("/token")
        token = g.csrf_token

    assert client.post("/submit", data={"csrf_token": token}).status_code == 200


@pytest.mark.usefixtures("csrf")
def test_token_under_another_session_key_is_left_on_g_under_that_key(app: Hipflask) -> None:
    with app.test_request_context():
        token = generate_csrf(token_key="oauth_token")

        assert g.oauth_token == token
        assert "csrf_token" not in g


@pytest.mark.usefixtures("csrf")
def test_a_token_signed_with_another_key_does_not_replace_the_one_on_g(app: Hipflask) -> None:
    with app.test_request_context():
        token = generate_csrf()
        other = generate_csrf(secret_key="another-signing-key-0123456789abcdef")

        assert other != token
        assert g.csrf_token == token


@pytest.mark.usefixtures("csrf")
def test_forged_token_is_refused(client: HipflaskClient) -> None:
    token = token_of(client)

    response = client.post("/submit", data={"csrf_token": token + "x"})

    assert response.status_code == 400
    assert REASON_INVALID in response.get_data(as_text=True)


def test_csrf_error_reaches_the_error_handler(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect
) -> None:
    @app.errorhandler(CSRFError)
    def handle(error: CSRFError) -> tuple[str, int]:
        return f"handled: {error.description}", 419

    response = client.post("/submit")

    assert response.status_code == 419
    assert response.get_data(as_text=True).startswith("handled: The CSRF")


def test_exempt_view_skips_the_check(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect
) -> None:
    @app.route("/hook", methods=["POST"])
    @csrf.exempt
    def hook() -> str:
        return "hooked"

    assert client.post("/hook").get_data(as_text=True) == "hooked"


def test_exempt_by_location_string(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect
) -> None:
    def hook() -> str:
        return "hooked"

    app.add_url_rule("/hook", view_func=hook, methods=["POST"])
    csrf.exempt(f"{__name__}.hook")

    assert client.post("/hook").status_code == 200


def test_exempt_blueprint_and_its_nested_blueprints(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect
) -> None:
    api = Blueprint("api", __name__)
    inner = Blueprint("inner", __name__)

    @api.route("/a", methods=["POST"])
    def a() -> str:
        return "a"

    @inner.route("/b", methods=["POST"])
    def b() -> str:
        return "b"

    api.register_blueprint(inner, url_prefix="/inner")
    csrf.exempt(api)
    app.register_blueprint(api, url_prefix="/api")

    assert client.post("/api/a").status_code == 200
    assert client.post("/api/inner/b").status_code == 200
    assert client.post("/submit").status_code == 400


@pytest.mark.usefixtures("csrf")
def test_unrouted_request_is_not_checked(client: HipflaskClient) -> None:
    assert client.post("/nowhere").status_code == 404


@pytest.mark.usefixtures("csrf")
def test_disabled_setting_turns_the_check_off(app: Hipflask, client: HipflaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    assert client.post("/submit").status_code == 200


def test_check_default_off_leaves_protect_to_the_app(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect
) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.route("/guarded", methods=["POST"])
    def guarded() -> str:
        csrf.protect()
        return "guarded"

    assert client.post("/submit").status_code == 200
    assert client.post("/guarded").status_code == 400


@pytest.mark.parametrize("apply_exemptions", [True, False])
def test_protect_applies_the_exemptions_when_asked(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect, apply_exemptions: bool
) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    hooks = Blueprint("hooks", __name__)

    @app.before_request
    def check() -> None:
        csrf.protect(apply_exemptions=apply_exemptions)

    @app.route("/webhook", methods=["POST"])
    @csrf.exempt
    def webhook() -> str:
        return "hooked"

    @hooks.route("/in-blueprint", methods=["POST"])
    def in_blueprint() -> str:
        return "in blueprint"

    csrf.exempt(hooks)
    app.register_blueprint(hooks)

    expected = 200 if apply_exemptions else 400
    assert client.post("/webhook").status_code == expected
    assert client.post("/in-blueprint").status_code == expected
    assert client.post("/submit").status_code == 400
    assert client.post("/submit", data={"csrf_token": token_of(client)}).status_code == 200
    if apply_exemptions:
        # No route: the 404 or 405 is the answer, as with the automatic check.
        assert client.post("/nowhere").status_code == 404
        assert client.put("/webhook").status_code == 405


@pytest.mark.parametrize("automatic", [True, False])
def test_a_nested_or_renamed_exempt_blueprint_is_exempt(
    app: Hipflask, client: HipflaskClient, csrf: CSRFProtect, automatic: bool
) -> None:
    if not automatic:
        app.config["WTF_CSRF_CHECK_DEFAULT"] = False

        @app.before_request
        def check() -> None:
            csrf.protect(apply_exemptions=True)

    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    solo = Blueprint("solo", __name__, url_prefix="/s")

    @child.route("/v", methods=["POST"])
    def nested() -> str:
        return "nested"

    @solo.route("/v", methods=["POST"])
    def renamed() -> str:
        return "renamed"

    csrf.exempt(child)
    csrf.exempt(solo)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(solo, name="renamed")

    assert client.post("/p/c/v").text == "nested"
    assert client.post("/s/v").text == "renamed"
    assert client.post("/submit").status_code == 400


@pytest.mark.usefixtures("csrf")
def test_methods_setting_chooses_what_is_checked(app: Hipflask, client: HipflaskClient) -> None:
    app.config["WTF_CSRF_METHODS"] = ["DELETE"]

    assert client.post("/submit").status_code == 200
    assert client.delete("/submit").status_code == 400


@pytest.mark.usefixtures("csrf")
def test_own_secret_key_setting(app: Hipflask, client: HipflaskClient) -> None:
    app.config["WTF_CSRF_SECRET_KEY"] = "csrf-only-key-" * 3
    token = token_of(client)
    app.config["WTF_CSRF_SECRET_KEY"] = None

    response = client.post("/submit", data={"csrf_token": token})

    assert REASON_INVALID in response.get_data(as_text=True)


@pytest.mark.usefixtures("csrf")
def test_time_limit_setting(app: Hipflask, client: HipflaskClient) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = -1
    token = token_of(client)

    response = client.post("/submit", data={"csrf_token": token})

    assert "expired" in response.get_data(as_text=True)


@pytest.mark.usefixtures("csrf")
class TestStrictReferrerOverHTTPS:
    def post(self, client: HipflaskClient, **headers: str) -> tuple[int, str]:
        client.get("/token", base_url="https://bank.example")
        token = _VALUE.search(
            client.get("/token", base_url="https://bank.example").get_data(as_text=True)
        )
        assert token is not None
        response = client.post(
            "/submit",
            base_url="https://bank.example",
            data={"csrf_token": token.group(1)},
            headers=headers,
        )
        return response.status_code, response.get_data(as_text=True)

    def test_matching_referrer_passes(self, client: HipflaskClient) -> None:
        assert self.post(client, Referer="https://bank.example/form")[0] == 200

    def test_missing_referrer_is_refused(self, client: HipflaskClient) -> None:
        status, body = self.post(client)

        assert status == 400
        assert REASON_NO_REFERRER in body

    def test_plain_http_referrer_is_refused(self, client: HipflaskClient) -> None:
        status, body = self.post(client, Referer="http://bank.example/form")

        assert status == 400
        assert REASON_BAD_REFERRER in body

    def test_setting_turns_it_off(self, app: Hipflask, client: HipflaskClient) -> None:
        app.config["WTF_CSRF_SSL_STRICT"] = False

        assert self.post(client)[0] == 200


@pytest.mark.usefixtures("csrf")
def test_cross_site_post_with_valid_token_is_refused_first(client: HipflaskClient) -> None:
    token = token_of(client)

    response = client.post(
        "/submit",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )

    assert response.status_code == 403


@pytest.mark.usefixtures("csrf")
def test_meta_tag_for_scripts(app: Hipflask) -> None:
    with app.test_request_context():
        tag = csrf_meta_tag()
        assert tag == f'<meta name="csrf-token" content="{generate_csrf()}">'
        rendered = render_template_string("{{ csrf_meta_tag() }}")
        assert 'name="csrf-token"' in rendered


@pytest.mark.usefixtures("csrf")
def test_the_token_functions_are_in_each_render_context_as_flask_wtf_puts_them(
    app: Hipflask, client: Any
) -> None:
    # Flask-WTF adds them to the context as well as to the globals, so a
    # template_rendered receiver (a test's, often) finds them there.
    from hipflask import template_rendered

    contexts: list[dict[str, Any]] = []

    def record(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        contexts.append(context)

    with template_rendered.connected_to(record, app):
        assert client.get("/token").status_code == 200

    assert contexts[0]["csrf_token"] is generate_csrf
    assert contexts[0]["csrf_meta_tag"] is csrf_meta_tag


def test_init_app_keeps_settings_given_and_fills_the_rest() -> None:
    app = Hipflask(__name__)
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    protect = CSRFProtect()
    protect.init_app(app)
    protect.init_app(app)

    assert app.config["WTF_CSRF_TIME_LIMIT"] == 60
    assert app.config["WTF_CSRF_HEADERS"] == ["X-CSRFToken", "X-CSRF-Token"]
    assert app.extensions["csrf"] is protect


def test_init_app_leaves_the_settings_as_flask_wtf_does() -> None:
    # The methods are a set whatever sequence was given, and no
    # WTF_CSRF_SECRET_KEY is added: code reading it with SECRET_KEY as its
    # fallback (as Flask-WTF's forms read it) must not get None.
    app = Hipflask(__name__)
    app.config["WTF_CSRF_METHODS"] = ["POST", "DELETE"]
    CSRFProtect(app)

    assert app.config["WTF_CSRF_METHODS"] == {"POST", "DELETE"}
    assert "WTF_CSRF_SECRET_KEY" not in app.config


@pytest.mark.parametrize("methods", ["post", ["post"]], ids=["one-string", "lower-case"])
def test_methods_given_as_one_string_or_in_lower_case_are_still_checked(
    methods: object, protocol: str
) -> None:
    # set("POST") would be its letters and "post" never equals a request's
    # method: either would turn the check off without a word.
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="k" * 40, WTF_CSRF_METHODS=methods)
    CSRFProtect(app)
    app.add_url_rule("/submit", "submit", lambda: "changed", methods=["POST"])

    assert app.config["WTF_CSRF_METHODS"] == {"POST"}
    assert app.test_client(protocol=protocol).post("/submit").status_code == 400


@pytest.mark.parametrize(
    "methods", ["post", ["post"], ("Post",), {"post"}], ids=["string", "list", "tuple", "set"]
)
def test_methods_assigned_after_init_app_in_any_spelling_are_still_checked(
    methods: object, protocol: str
) -> None:
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = "k" * 40
    csrf = CSRFProtect(app)
    app.config["WTF_CSRF_METHODS"] = methods

    @app.post("/submit")
    def submit() -> str:
        return "changed"

    @app.post("/manual")
    @csrf.exempt
    def manual() -> str:
        csrf.protect()
        return "changed"

    client = app.test_client(protocol=protocol)
    assert client.post("/submit").status_code == 400
    assert client.post("/manual").status_code == 400
    assert client.get("/submit").status_code == 405


def test_settings_of_two_apps_are_independent() -> None:
    first, second = Hipflask(__name__), Hipflask(__name__)
    CSRFProtect(first)
    CSRFProtect(second)
    first.config["WTF_CSRF_HEADERS"].append("X-Mine")

    assert "X-Mine" not in second.config["WTF_CSRF_HEADERS"]


def test_validate_csrf_raises_validation_error_with_the_reason(app: Hipflask) -> None:
    from wtforms import ValidationError

    with app.test_request_context(), pytest.raises(ValidationError, match="missing"):
        validate_csrf(None)


def test_a_token_without_a_secret_key_is_a_runtime_error(app: Hipflask) -> None:
    # A server-side session needs no key, so the token is the first to ask.
    from hipflask.sessions import Session

    app.config.update(SECRET_KEY=None, SESSION_TYPE="memory")
    Session(app)
    with app.test_request_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        generate_csrf()


def test_validate_csrf_takes_the_token_as_bytes_too(app: Hipflask) -> None:
    # As Flask-WTF does (its signer reads bytes); a bytes token was reported
    # missing. Bytes that are not text are an invalid token.
    from wtforms import ValidationError

    with app.test_request_context():
        validate_csrf(generate_csrf().encode())
        with pytest.raises(ValidationError, match=REASON_INVALID):
            validate_csrf(b"\xff" + generate_csrf().encode())


def test_token_works_with_a_session_kept_outside_the_cookie(app: Hipflask, protocol: str) -> None:
    from hipflask.sessions.base import SecureCookieSession
    from hipflask.sessions.base import SessionInterface

    store: dict[str, dict[str, object]] = {}

    class ServerSide(SessionInterface):
        def open_session(self, app: object, request: object) -> SecureCookieSession:
            sid = request.cookies.get("sid", "")  # type: ignore[attr-defined]
            return SecureCookieSession(store.get(sid, {}))

        def save_session(self, app: object, session: object, response: object) -> None:
            store["one"] = dict(session)  # type: ignore[call-overload]
            response.set_cookie("sid", "one")  # type: ignore[attr-defined]

    app.session_interface = ServerSide()
    CSRFProtect(app)

    @app.route("/t")
    def t() -> str:
        return generate_csrf()

    @app.route("/p", methods=["POST"])
    def p() -> str:
        return request.form["csrf_token"][:4]

    client = app.test_client(protocol=protocol)
    token = client.get("/t").get_data(as_text=True)

    assert "csrf_token" in store["one"]
    assert token not in client.get_cookie("sid").value  # type: ignore[union-attr]
    assert client.post("/p", data={"csrf_token": token}).status_code == 200
    store["one"] = {}
    assert client.post("/p", data={"csrf_token": token}).status_code == 400


def test_protect_ignores_methods_that_are_not_checked(app: Hipflask, csrf: CSRFProtect) -> None:
    with app.test_request_context(method="GET"):
        csrf.protect()


@pytest.mark.usefixtures("csrf")
def test_empty_prefixed_fields_are_skipped(client: HipflaskClient) -> None:
    token = token_of(client)

    response = client.post("/submit", data={"a-csrf_token": "", "b-csrf_token": token})

    assert response.status_code == 200


def test_async_view_is_protected_too(app: Hipflask, protocol: str, csrf: CSRFProtect) -> None:
    @app.route("/async", methods=["POST"])
    async def async_view() -> str:
        return "async changed"

    client: HipflaskClient = app.test_client(protocol=protocol)  # type: ignore[assignment]
    token = token_of(client)

    assert client.post("/async").status_code == 400
    assert client.post("/async", data={"csrf_token": token}).text == "async changed"


def test_csrf_check_is_registered_in_the_gate_after_the_origin_check(
    app: Hipflask, csrf: CSRFProtect
) -> None:
    names = app.gate.check_names

    assert names.index("hipflask.cross_origin") < names.index("csrf")
    CSRFProtect(app)
    assert app.gate.check_names.count("csrf") == 1


@pytest.mark.usefixtures("csrf")
def test_token_issued_after_a_rotation_in_the_same_request_is_fresh(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask import session
    from hipflask.security.csrf import rotate_csrf_secret

    @app.route("/sign-in", methods=["POST"])
    def sign_in() -> str:
        before = generate_csrf()
        rotate_csrf_secret(session)
        after = generate_csrf()
        return "fresh" if before != after else "stale"

    token = token_of(client)
    response = client.post("/sign-in", data={"csrf_token": token})
    fresh_token = token_of(client)

    assert response.text == "fresh"
    assert client.post("/submit", data={"csrf_token": fresh_token}).status_code == 200
