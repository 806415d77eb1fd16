"""Talisman's HTTPS redirect (``force_https``), as an attacker meets it."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.talisman import Talisman

HTTPS = {"base_url": "https://localhost"}


def test_plain_http_is_redirected_to_https(page: Hipflask, client: Any) -> None:
    Talisman(page)
    response = client.get("/path?q=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/path?q=1"


@pytest.mark.parametrize("host", ["x/evil.example", "a b", "x@evil.example", "[evil"])
def test_a_malformed_host_is_refused_not_redirected(page: Hipflask, client: Any, host: str) -> None:
    # No host name to redirect to: "https:///evil.example" is what browsers
    # follow to https://evil.example/.
    Talisman(page)
    response = client.get("/evil.example", headers={"Host": host})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_redirect_to_an_unchecked_host_is_kept_out_of_shared_caches(
    page: Hipflask, client: Any
) -> None:
    # With no TRUSTED_HOSTS the Location names whatever Host was sent; a
    # cache whose key leaves that header out (nginx's default proxy_cache_key)
    # would store a 301 to the attacker's site for every visitor.
    Talisman(page, force_https_permanent=True)
    response = client.get("/x", headers={"Host": "evil.example"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://evil.example/x"
    assert response.headers["Cache-Control"] == "no-store"


def test_with_trusted_hosts_another_host_is_refused_not_redirected(
    page: Hipflask, client: Any
) -> None:
    page.config["TRUSTED_HOSTS"] = ["example.com"]
    Talisman(page, force_https_permanent=True)
    response = client.get("/x", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    response = client.get("/x", headers={"Host": "example.com"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://example.com/x"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_forged_x_forwarded_proto_does_not_skip_the_redirect(page: Hipflask, client: Any) -> None:
    Talisman(page, force_https_permanent=True)
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301


def test_a_trusted_proxy_s_https_is_believed(page: Hipflask, client: Any) -> None:
    page.config["PROXY_FIX"] = 1
    Talisman(page)
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_debug_mode_does_not_redirect(page: Hipflask, client: Any) -> None:
    page.debug = True
    Talisman(page)
    assert client.get("/").status_code == 200


def test_a_view_may_force_https_when_the_app_does_not(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/secure")
    @talisman(force_https=True)
    def secure() -> str:
        return "ok"

    @app.get("/plain")
    def plain() -> str:
        return "ok"

    assert client.get("/secure").status_code == 302
    assert client.get("/plain").status_code == 200
    assert client.get("/secure", **HTTPS).status_code == 200


def test_server_name_alone_does_not_make_a_redirect_to_another_host_cacheable(
    page: Hipflask, client: Any
) -> None:
    # SERVER_NAME refuses no Host (as in Flask): the Location still names
    # the attacker's, and must not be stored for the next visitor.
    page.config["SERVER_NAME"] = "example.com"
    Talisman(page, force_https_permanent=True)
    response = client.get("/x", headers={"Host": "evil.example"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://evil.example/x"
    assert response.headers["Cache-Control"] == "no-store"
