"""Sessions and flashed messages as an app sees them, and as an attacker pokes at them.

Every test runs under both protocols through the ``client`` fixture and uses
the real signed-cookie store.
"""

from __future__ import annotations

import time
import zlib
from datetime import timedelta
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from itsdangerous.encoding import base64_decode
from itsdangerous.encoding import base64_encode

from hipflask import Hipflask
from hipflask import Markup
from hipflask import abort
from hipflask import flash
from hipflask import get_flashed_messages
from hipflask import redirect
from hipflask import render_template_string
from hipflask import session
from hipflask.testing.client import HipflaskClient


def _set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def _session_cookie(client: HipflaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


# -- tagged values keep their Python type -----------------------------------------------


def test_markup_from_the_session_is_not_escaped_twice(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/store")
    def store() -> str:
        session["banner"] = Markup("<b>Welcome</b>")
        session["name"] = "<script>x</script>"
        return "stored"

    @app.route("/show")
    def show() -> str:
        return render_template_string("{{ session['banner'] }}|{{ session['name'] }}")

    client.get("/store")
    assert client.get("/show").text == "<b>Welcome</b>|&lt;script&gt;x&lt;/script&gt;"


# -- tampering ------------------------------------------------------------------------------


@pytest.fixture
def role_views(app: Hipflask) -> Hipflask:
    @app.route("/login/<role>")
    def login(role: str) -> str:
        session["role"] = role
        return "ok"

    @app.route("/big")
    def big() -> str:
        # Long enough to be compressed, which marks the payload with a leading dot.
        session["role"] = "user"
        session["history"] = ["/page"] * 200
        return "ok"

    @app.route("/role")
    def role() -> str:
        return f"{session.get('role')} new={session.new}"

    return app


def test_decompressed_payload_under_the_original_signature_is_refused(
    role_views: Hipflask, client: HipflaskClient
) -> None:
    # The same session data, re-encoded without compression: a loader that
    # looked at the data rather than the signed bytes would accept it.
    client.get("/big")
    payload, timestamp, signature = _session_cookie(client)[1:].split(".")
    assert client.get("/role").text == "user new=False"
    plain = base64_encode(zlib.decompress(base64_decode(payload))).decode()

    client.set_cookie("session", f"{plain}.{timestamp}.{signature}")

    response = client.get("/role")
    assert response.status_code == 200
    assert response.text == "None new=True"


def test_compressed_payload_under_the_original_signature_is_refused(
    role_views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/login/user")
    payload, timestamp, signature = _session_cookie(client).split(".")
    packed = base64_encode(zlib.compress(base64_decode(payload))).decode()

    client.set_cookie("session", f".{packed}.{timestamp}.{signature}")

    response = client.get("/role")
    assert response.status_code == 200
    assert response.text == "None new=True"


@pytest.mark.parametrize("edit", ["drop the marker", "add a marker"])
def test_toggling_the_compression_marker_gives_a_new_session(
    role_views: Hipflask, client: HipflaskClient, edit: str
) -> None:
    client.get("/big" if edit == "drop the marker" else "/login/user")
    cookie = _session_cookie(client)

    client.set_cookie("session", cookie[1:] if edit == "drop the marker" else "." + cookie)

    response = client.get("/role")
    assert response.status_code == 200
    assert response.text == "None new=True"


def test_payload_swapped_between_two_valid_cookies_is_refused(
    role_views: Hipflask, client: HipflaskClient
) -> None:
    # Two genuine cookies: the attacker's own ("user") and one for another
    # role; mixing the parts of two valid signatures must not verify.
    client.get("/login/user")
    _user_payload, user_time, user_signature = _session_cookie(client).split(".")
    client.get("/login/admin")
    admin_payload, _admin_time, _admin_signature = _session_cookie(client).split(".")

    client.set_cookie("session", f"{admin_payload}.{user_time}.{user_signature}")

    assert client.get("/role").text == "None new=True"


def test_cookie_of_another_app_with_another_key_does_not_open(
    role_views: Hipflask, client: HipflaskClient
) -> None:
    other = Hipflask("other_app")
    other.config.update(TESTING=True, SECRET_KEY="a-different-secret-key-0123456789abcdef")

    @other.route("/login")
    def login() -> str:
        session["role"] = "admin"
        return "ok"

    other_client = other.test_client()
    other_client.get("/login")
    foreign = other_client.get_cookie("session")
    assert foreign is not None

    client.set_cookie("session", foreign.value)

    assert client.get("/role").text == "None new=True"


# -- permanence -----------------------------------------------------------------------------


def test_making_a_session_non_permanent_again_drops_the_expiry(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.permanent_session_lifetime = timedelta(minutes=30)  # type: ignore[assignment]

    @app.route("/remember")
    def remember() -> str:
        session["user"] = "ann"
        session.permanent = True
        return "remembered"

    @app.route("/forget")
    def forget() -> str:
        session.permanent = False
        return "forgotten"

    @app.route("/user")
    def user() -> str:
        return str(session.get("user"))

    [remembered] = _set_cookies(client.get("/remember"))
    assert "Expires=" in remembered
    [forgotten] = _set_cookies(client.get("/forget"))
    assert forgotten.startswith("session=")
    assert "Expires=" not in forgotten
    # Not permanent any more: a request that only reads it is not refreshed.
    assert _set_cookies(client.get("/user")) == []


def test_replayed_permanent_cookie_is_refused_after_the_lifetime(
    app: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=60)

    @app.route("/remember")
    def remember() -> str:
        session["user"] = "ann"
        session.permanent = True
        return "remembered"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    client.get("/remember")
    assert client.get("/whoami").text == "ann"

    # The browser would have dropped the cookie by now; an attacker who kept
    # a copy replays it two minutes later (re-sent without its Expires, so
    # that only the server's own check can refuse it).
    stolen = _session_cookie(client)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 120)
    client.delete_cookie("session")
    client.set_cookie("session", stolen)

    assert client.get("/whoami").text == "None"


# -- Vary: Cookie ---------------------------------------------------------------------------


def test_session_read_only_in_a_template_varies_on_cookie(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{% if session.user %}hi{% else %}guest{% endif %}")

    response = client.get("/")

    assert response.text == "guest"
    assert response.headers["Vary"] == "Cookie"
    assert _set_cookies(response) == []


def test_error_page_decided_by_the_session_varies_on_cookie(
    app: Hipflask, client: HipflaskClient
) -> None:
    # A shared cache must not serve one user's 403 (or page) to another.
    @app.route("/admin")
    def admin() -> str:
        if session.get("role") != "admin":
            abort(403)
        return "admin"

    response = client.get("/admin")

    assert response.status_code == 403
    # Accept too: the stock page is JSON or HTML by it.
    assert [part.strip() for part in response.headers["Vary"].split(",")] == ["Accept", "Cookie"]


def test_session_changed_before_a_handled_error_is_saved(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "not here", 404

    @app.route("/visit")
    def visit() -> str:
        session["last"] = "/visit"
        abort(404)

    @app.route("/last")
    def last() -> str:
        return str(session.get("last"))

    response = client.get("/visit")
    assert response.status_code == 404
    assert _set_cookies(response)[0].startswith("session=")
    assert client.get("/last").text == "/visit"


# -- flashed messages ---------------------------------------------------------------------


def test_flashed_messages_with_categories_survive_one_redirect_into_a_template(
    app: Hipflask, client: HipflaskClient
) -> None:
    page = (
        "{% for category, message in get_flashed_messages(with_categories=true) %}"
        "<p class={{ category }}>{{ message }}</p>{% endfor %}"
    )

    @app.post("/register")
    def register() -> Any:
        flash("Welcome, <ann>!", "success")
        flash("Confirm your e-mail.", "info")
        return redirect("/home")

    @app.route("/home")
    def home() -> str:
        return render_template_string(page)

    response = client.post("/register", follow_redirects=True)

    assert response.text == (
        "<p class=success>Welcome, &lt;ann&gt;!</p><p class=info>Confirm your e-mail.</p>"
    )
    assert client.get("/home").text == ""


def test_category_filter_in_a_template_after_a_redirect(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/save")
    def save() -> Any:
        flash("Saved.", "success")
        flash("Disk almost full.", "warning")
        return redirect("/")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ get_flashed_messages(category_filter=['warning'])|join(',') }}"
        )

    response = client.post("/save", follow_redirects=True)

    assert response.text == "Disk almost full."
    # The unshown "Saved." was consumed with the rest; nothing comes back later.
    assert client.get("/").text == ""


def test_reading_flashes_in_a_view_and_a_template_of_one_request_agree(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/flash")
    def flash_it() -> Any:
        flash("Once.")
        return redirect("/page")

    @app.route("/page")
    def page() -> str:
        in_view = get_flashed_messages()
        in_template = render_template_string("{{ get_flashed_messages()|join(',') }}")
        return f"{in_view}|{in_template}"

    assert client.get("/flash", follow_redirects=True).text == "['Once.']|Once."
    assert client.get("/page").text == "[]|"


# -- cookie attributes a browser insists on ----------------------------------------------


def test_partitioned_cookie_is_always_secure(app: Hipflask, client: HipflaskClient) -> None:
    # Browsers drop a Partitioned (or SameSite=None) cookie that is not
    # Secure, which would log the user out without any error.
    app.config.update(SESSION_COOKIE_PARTITIONED=True, SESSION_COOKIE_SAMESITE="None")

    @app.route("/")
    def index() -> str:
        session["user"] = "ann"
        return "ok"

    [header] = _set_cookies(client.get("/"))
    attributes = {part.strip() for part in header.split(";")[1:]}
    assert {"Secure", "Partitioned", "SameSite=None", "HttpOnly", "Path=/"} <= attributes
