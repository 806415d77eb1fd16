from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.security.redirects import MAX_TARGET_LENGTH
from hipflask.security.redirects import is_safe_redirect_target
from hipflask.security.redirects import safe_redirect
from hipflask.testing.client import HipflaskClient

#: Every open-redirect payload the check must refuse; the attack tests over
#: real HTTP send the same list.
OPEN_REDIRECT_PAYLOADS = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:evil.example",
    "http:/evil.example",
    "https:/\\evil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://bank.example@evil.example",
    "//user:pass@evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/x\r\nSet-Cookie: a=b",
    "/\x00/evil.example",
    "\uff0f\uff0fevil.example",
    "//evil\u3002example",
    "//evil\uff0eexample",
    "/\uff3cevil.example",
    "\uff4aavascript:alert(1)",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%09/evil.example",
    "%252F%252Fevil.example",
    "https%3A%2F%2Fevil.example",
    "javascript%3Aalert(1)",
    "/..//evil.example",
    "/a//evil.example",
    "/" + "a" * MAX_TARGET_LENGTH,
    "",
]

SAFE_TARGETS = [
    "/",
    "/account",
    "/account/settings?tab=2",
    "/a?next=https://elsewhere.example",
    "/a#section",
    "account",
    "?page=2",
    "#top",
    "/caf%C3%A9",
    "/caf%FF",
    "/ünïcode",
    "/search?q=%2F%2F",
    "/" + "a" * (MAX_TARGET_LENGTH - 1),
]


@pytest.mark.parametrize("target", OPEN_REDIRECT_PAYLOADS)
def test_open_redirect_payload_is_refused(target: str) -> None:
    assert is_safe_redirect_target(target) is False


@pytest.mark.parametrize("target", SAFE_TARGETS)
def test_path_on_this_site_passes(target: str) -> None:
    assert is_safe_redirect_target(target) is True


def test_target_that_is_not_a_string_is_refused() -> None:
    assert is_safe_redirect_target(None) is False  # type: ignore[arg-type]
    assert is_safe_redirect_target(b"/path") is False  # type: ignore[arg-type]


def test_deeply_encoded_target_is_refused() -> None:
    assert is_safe_redirect_target("/%2525252F") is False


@pytest.fixture
def redirect_app(app: Hipflask) -> Hipflask:
    @app.route("/login")
    def login() -> object:
        return safe_redirect(request.args.get("next"), "/home")

    return app


@pytest.mark.parametrize("target", OPEN_REDIRECT_PAYLOADS[:20])
def test_safe_redirect_sends_unsafe_targets_to_the_fallback(
    redirect_app: Hipflask, protocol: str, target: str
) -> None:
    client: HipflaskClient = redirect_app.test_client(protocol=protocol)  # type: ignore[assignment]

    response = client.get("/login", query_string={"next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_safe_redirect_follows_a_path_on_this_site(client: HipflaskClient, app: Hipflask) -> None:
    @app.route("/go")
    def go() -> object:
        return safe_redirect(request.args.get("next"), "/home", code=303)

    response = client.get("/go?next=/account%3Ftab%3D2")

    assert response.status_code == 303
    assert response.headers["Location"] == "/account?tab=2"


def test_safe_redirect_without_target_uses_the_fallback(
    client: HipflaskClient, app: Hipflask
) -> None:
    @app.route("/go")
    def go() -> object:
        return safe_redirect(request.args.get("next"))

    assert client.get("/go").headers["Location"] == "/"


def test_safe_redirect_works_outside_an_app() -> None:
    response = safe_redirect("//evil.example", "/home")

    assert response.headers["Location"] == "/home"
