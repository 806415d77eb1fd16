from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import make_response
from hipflask import request
from hipflask import session
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/public")
    def public() -> str:
        return "same for everyone"

    @app.route("/read")
    def read() -> str:
        return f"hello {session.get('name', 'guest')}"

    @app.route("/login")
    def login() -> str:
        session["name"] = "alice"
        return "signed in"

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "signed out"

    @app.route("/own-policy")
    def own_policy() -> object:
        response = make_response(f"hello {session.get('name')}")
        response.headers["Cache-Control"] = "private, max-age=60"
        return response

    @app.route("/cached-login")
    def cached_login() -> object:
        session["name"] = "bob"
        response = make_response("signed in")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.route("/remember")
    def remember() -> object:
        response = make_response("remembered")
        response.set_cookie("remember_token", "t")
        return response

    @app.route("/theme")
    def theme() -> object:
        response = make_response("theme")
        response.set_cookie("theme", "dark")
        return response

    return app


def test_response_that_read_nothing_personal_is_left_alone(client: HipflaskClient) -> None:
    response = client.get("/public")

    assert "Cache-Control" not in response.headers
    assert "Vary" not in response.headers


def test_response_that_read_the_session_is_private(client: HipflaskClient) -> None:
    response = client.get("/read")

    assert response.headers["Cache-Control"] == "private"
    assert "Cookie" in response.headers["Vary"]


def test_response_setting_the_session_cookie_is_not_stored(client: HipflaskClient) -> None:
    response = client.get("/login")

    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_response_deleting_the_session_cookie_is_not_stored(client: HipflaskClient) -> None:
    client.get("/login")

    response = client.get("/logout")

    assert "session=;" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "no-store"


def test_credentials_override_a_public_policy_set_by_the_view(client: HipflaskClient) -> None:
    response = client.get("/cached-login")

    assert response.headers["Cache-Control"] == "no-store"


def test_remember_me_cookie_counts_as_a_credential(client: HipflaskClient) -> None:
    assert client.get("/remember").headers["Cache-Control"] == "no-store"


def test_other_cookies_do_not(client: HipflaskClient) -> None:
    assert "Cache-Control" not in client.get("/theme").headers


def test_view_policy_is_kept_for_session_pages(client: HipflaskClient) -> None:
    response = client.get("/own-policy")

    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert "Cookie" in response.headers["Vary"]


def test_request_with_authorization_is_private_and_varies_on_it(client: HipflaskClient) -> None:
    response = client.get("/public", headers={"Authorization": "Bearer abc"})

    assert response.headers["Cache-Control"] == "private"
    assert response.headers["Vary"] == "Authorization"


def test_request_with_a_token_cookie_is_private(client: HipflaskClient) -> None:
    client.set_cookie("access_token_cookie", "jwt")

    response = client.get("/public")

    assert response.headers["Cache-Control"] == "private"
    assert response.headers["Vary"] == "Cookie"


def test_custom_cookie_names_are_followed(app: Hipflask, client: HipflaskClient) -> None:
    app.config["REMEMBER_COOKIE_NAME"] = "theme"

    assert client.get("/theme").headers["Cache-Control"] == "no-store"


def test_vary_is_extended_not_replaced(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/negotiated")
    def negotiated() -> object:
        response = make_response(str(session.get("name")))
        response.headers["Vary"] = "Accept-Encoding"
        return response

    response = client.get("/negotiated", headers={"Authorization": "Basic x"})

    assert response.headers["Vary"] == "Accept-Encoding, Cookie, Authorization"


def test_error_pages_get_the_same_treatment(client: HipflaskClient) -> None:
    response = client.get("/missing", headers={"Authorization": "Bearer abc"})

    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "private"


def test_setting_turns_it_off(app: Hipflask, client: HipflaskClient) -> None:
    app.config["CACHE_SAFETY"] = False

    assert "Cache-Control" not in client.get("/login").headers


def test_finisher_outside_a_request_does_nothing() -> None:
    from hipflask import Response
    from hipflask.security.cache import finish_cache

    response = Response("x")
    finish_cache(None, response)  # type: ignore[arg-type]

    assert "Cache-Control" not in response.headers


def test_header_names_in_other_spellings_are_recognised(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/odd-cookie")
    def odd_cookie() -> object:
        response = make_response("x")
        response.headers.add("set-cookie", "session=abc; Path=/")
        return response

    @app.route("/odd-policy")
    def odd_policy() -> object:
        response = make_response(str(session.get("name")))
        response.headers.add("cache-control", "private, max-age=5")
        return response

    assert client.get("/odd-cookie").headers["Cache-Control"] == "no-store"
    assert client.get("/odd-policy").headers.getlist("Cache-Control") == ["private, max-age=5"]


def test_a_read_session_marks_even_a_bare_response_without_credentials() -> None:
    # The finisher's shortcut for the usual response (its two constructor
    # headers, no credential sent) must still see a session that was read.
    from types import SimpleNamespace

    from hipflask import Response
    from hipflask.security.cache import finish_cache_in

    app = Hipflask(__name__)
    read = SimpleNamespace(accessed=True)
    ctx = SimpleNamespace(app=app, _session=read)
    response = Response("x")

    finish_cache_in(ctx, None, response, (None, None))  # type: ignore[arg-type]

    assert response.headers["Cache-Control"] == "private"
    assert response.headers["Vary"] == "Cookie"

    untouched = Response("x")
    ctx._session = SimpleNamespace(accessed=False)
    finish_cache_in(ctx, None, untouched, (None, None))  # type: ignore[arg-type]

    assert list(untouched.headers) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "1"),
    ]


@pytest.mark.parametrize("kind", ["def", "async def"])
@pytest.mark.parametrize("where", ["hook", "view"])
def test_credentials_in_headers_a_hook_or_view_set_mark_the_response_private(
    protocol: str, kind: str, where: str
) -> None:
    # A relay that replaces request.headers with its caller's credentials:
    # the answer depends on them, so no shared cache may keep it, whatever
    # the protocol. Not in testing mode: the direct paths serve it.
    app = Hipflask(__name__)
    app.secret_key = "s" * 32

    def relay() -> None:
        request.headers = Headers([("Authorization", "Bearer x")])

    if where == "hook":
        app.before_request(relay)

    def relayed() -> str:
        if where == "view":
            relay()
        return "relayed"

    async def relayed_async() -> str:
        return relayed()

    app.add_url_rule("/relayed", "relayed", relayed if kind == "def" else relayed_async)
    client = app.test_client(protocol=protocol)
    # The first request is served by the general path; the later ones by
    # the direct path, which must see the replaced headers too.
    for _ in range(2):
        response = client.get("/relayed")
    assert response.text == "relayed"
    assert response.headers["Cache-Control"] == "private"
    assert "Authorization" in response.headers["Vary"]
