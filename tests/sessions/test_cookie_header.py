"""The session's Set-Cookie header: its attributes, byte for byte, and its place among others."""

from __future__ import annotations

import os
from typing import Any

import pytest
from tests.sessions.cookie_sessions import set_cookies
from tests.sessions.cookie_sessions import sign
from tests.sessions.cookie_sessions import views as views
from werkzeug.http import parse_date

from hipflask import Hipflask
from hipflask import Response
from hipflask import session
from hipflask.sessions.base import SecureCookieSession
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient


def test_cookie_attributes_over_http(views: Hipflask, client: HipflaskClient) -> None:
    [header] = set_cookies(client.get("/set/a/1"))
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Lax"]


def test_cookie_is_secure_over_https(views: Hipflask, client: HipflaskClient) -> None:
    [header] = set_cookies(client.get("/set/a/1", base_url="https://localhost"))
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]


def test_secure_true_forces_secure_over_http(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SECURE"] = True
    assert "; Secure" in set_cookies(client.get("/set/a/1"))[0]


def test_secure_false_is_never_secure(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SECURE"] = False
    header = set_cookies(client.get("/set/a/1", base_url="https://localhost"))[0]
    assert "Secure" not in header


def test_deleting_cookie_keeps_its_attributes(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1", base_url="https://localhost")
    header = set_cookies(client.get("/clear", base_url="https://localhost"))[0]
    assert "; Secure" in header
    assert "; HttpOnly" in header
    assert "; SameSite=Lax" in header


def test_cookie_settings_are_applied(views: Hipflask, client: HipflaskClient) -> None:
    views.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="localhost.test",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        SERVER_NAME="localhost.test",
    )
    header = set_cookies(client.get("/set/a/1"))[0]
    assert header.startswith("sid=")
    assert "Domain=localhost.test" in header
    assert "SameSite=Strict" in header
    assert "Partitioned" in header
    assert "HttpOnly" not in header


def test_cookie_path_follows_application_root(views: Hipflask, client: HipflaskClient) -> None:
    views.config["APPLICATION_ROOT"] = "/app"
    # The test client mounts requests under APPLICATION_ROOT, as a server would.
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "Path=/app" in header
    assert client.get("/get/a").text == "'1'"


def test_samesite_none_is_always_secure(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SAMESITE"] = "None"
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "SameSite=None" in header
    assert "Secure" in header


def test_no_samesite_attribute_when_setting_is_none(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.config["SESSION_COOKIE_SAMESITE"] = None
    assert "SameSite" not in set_cookies(client.get("/set/a/1"))[0]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"SESSION_COOKIE_DOMAIN": ".example.com", "SESSION_COOKIE_PATH": "/app;x y"},
        {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_SAMESITE": "none"},
        {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_PARTITIONED": True},
        {"SESSION_COOKIE_SAMESITE": None, "SESSION_COOKIE_NAME": "sid"},
        {"SESSION_COOKIE_NAME": "sëssion", "APPLICATION_ROOT": "/root"},
    ],
    ids=range(7),
)
@pytest.mark.parametrize("permanent", [False, True])
def test_session_cookie_header_is_what_set_cookie_writes(
    views: Hipflask, client: HipflaskClient, settings: dict[str, Any], permanent: bool
) -> None:
    views.config.update(settings)
    response = client.get("/permanent" if permanent else "/set/user/ann")
    (header,) = set_cookies(response)
    name, _, rest = header.partition("=")
    value = rest.partition(";")[0]
    interface = views.session_interface
    with views.test_request_context():
        attributes = interface._attributes(views)
    expected = Response()
    expires = None
    if permanent:
        expires = parse_date(header.partition("Expires=")[2].partition(";")[0])
        assert expires is not None
    expected.set_cookie(interface.get_cookie_name(views), value, expires=expires, **attributes)
    assert header == expected.headers["Set-Cookie"]
    assert name == interface.get_cookie_name(views).encode().decode("latin-1")


def test_session_cookie_over_the_size_limit_still_warns(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100

    @app.route("/big")
    def big() -> str:
        session["data"] = os.urandom(64).hex()
        return "big"

    with pytest.warns(UserWarning, match="'session' cookie is too large"):
        response = client.get("/big")
    assert set_cookies(response)[0].startswith("session=")


def test_custom_response_set_cookie_is_used_for_the_session(
    app: Hipflask, client: HipflaskClient
) -> None:
    seen: list[str] = []

    class Tracking(Response):
        def set_cookie(self, key: str, *args: Any, **kwargs: Any) -> None:
            seen.append(key)
            super().set_cookie(key, *args, **kwargs)

    app.response_class = Tracking

    @app.route("/write")
    def write() -> str:
        session["a"] = 1
        return "written"

    client.get("/write")
    assert seen == ["session"]


@pytest.mark.parametrize("accessed", [True, False])
def test_vary_comes_before_the_cookie_only_when_the_session_was_read(
    app: Hipflask, accessed: bool
) -> None:
    session_obj = SecureCookieSession({"a": 1})
    session_obj.modified = True
    session_obj.accessed = accessed
    response = Response()
    with app.test_request_context():
        SecureCookieSessionInterface().save_session(app, session_obj, response)
    names = [name for name, _ in response.headers if name in ("Vary", "Set-Cookie")]
    assert names == (["Vary", "Set-Cookie"] if accessed else ["Set-Cookie", "Vary"])
    assert response.headers.getlist("Vary") == ["Cookie"]


def test_repeated_cookie_headers_are_read_joined_under_both_protocols(
    views: Hipflask,
) -> None:
    from tests.security.test_malformed import send_asgi
    from tests.security.test_malformed import send_wsgi

    value = sign(views, {"user": "ann"}, views.config["SECRET_KEY"])
    for send, headers in (
        (send_wsgi, [("Cookie", f"theme=dark; session={value}")]),
        (send_asgi, [("Cookie", "theme=dark"), ("Cookie", f"session={value}")]),
    ):
        answer = send(views, "GET", b"/state", b"", headers, b"", False)
        assert answer.text == "{'user': 'ann'} new=False"


def test_emptied_session_not_read_deletes_the_cookie_then_varies(app: Hipflask) -> None:
    session_obj = SecureCookieSession()
    session_obj.modified = True
    response = Response()
    with app.test_request_context():
        SecureCookieSessionInterface().save_session(app, session_obj, response)
    names = [name for name, _ in response.headers if name in ("Vary", "Set-Cookie")]
    assert names == ["Set-Cookie", "Vary"]
    assert response.headers["Set-Cookie"].startswith("session=; Expires=Thu, 01 Jan 1970")


def test_many_cookie_settings_keep_their_headers_right(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    for number in range(70):
        app.config["SESSION_COOKIE_NAME"] = f"s{number}"
        session_obj = SecureCookieSession()
        session_obj["n"] = number
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        assert response.headers["Set-Cookie"].startswith(f"s{number}=")
        assert response.headers["Set-Cookie"].endswith("; HttpOnly; Path=/; SameSite=Lax")


def test_attribute_values_equal_but_of_another_type_get_their_own_header(
    app: Hipflask,
) -> None:
    class Numeric(SecureCookieSessionInterface):
        def get_cookie_httponly(self, app: Any) -> Any:
            return 1

    headers = []
    for interface in (SecureCookieSessionInterface(), Numeric(), SecureCookieSessionInterface()):
        session_obj = SecureCookieSession()
        session_obj["a"] = 1
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        headers.append(response.headers["Set-Cookie"].partition(";")[2])
    assert headers[0] == headers[2] == " HttpOnly; Path=/; SameSite=Lax"
    assert headers[1] == " HttpOnly=1; Path=/; SameSite=Lax"
