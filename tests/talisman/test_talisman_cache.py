"""A page carrying a CSP nonce is kept out of shared caches.

A CDN or proxy that stores such a page hands the same nonce to every
visitor, and an attacker who fetched it once knows the nonce that lets an
injected ``<script nonce=...>`` run in everyone else's copy.
"""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import render_template_string
from hipflask.talisman import Talisman

PAGE = '<script nonce="{{ csp_nonce() }}">go()</script>'


def _nonce_policy(app: Hipflask) -> Talisman:
    return Talisman(
        app,
        force_https=False,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )


def _cache_control(response: Any) -> set[str]:
    value = response.headers.get("Cache-Control", "")
    return {part.strip() for part in value.split(",") if part.strip()}


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        ("public, max-age=600", {"private", "max-age=600"}),
        ("max-age=600, s-maxage=3600", {"private", "max-age=600"}),
        ("no-cache", {"private", "no-cache"}),
        (None, {"private"}),
    ],
)
def test_a_page_with_a_nonce_is_made_private(
    app: Hipflask,
    client: Any,
    caplog: pytest.LogCaptureFixture,
    asked: str | None,
    sent: set[str],
) -> None:
    _nonce_policy(app)

    @app.get("/")
    def index() -> Response:
        response = Response(render_template_string(PAGE))
        if asked is not None:
            response.headers["Cache-Control"] = asked
        return response

    response = client.get("/")
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert _cache_control(response) == sent
    # A shared cache the view asked for is refused out loud.
    warned = asked is not None and ("public" in asked or "s-maxage" in asked)
    assert ("shared cache" in caplog.text) is warned


@pytest.mark.parametrize("asked", ["no-store", "private, max-age=60"])
def test_a_page_already_kept_from_shared_caches_is_left_alone(
    app: Hipflask, client: Any, asked: str
) -> None:
    _nonce_policy(app)

    @app.get("/")
    def index() -> Response:
        return Response(render_template_string(PAGE), headers={"Cache-Control": asked})

    assert client.get("/").headers["Cache-Control"] == asked


def test_what_is_no_page_stays_cacheable(app: Hipflask, client: Any) -> None:
    # A script, an image or JSON runs no inline script: the header's nonce
    # is worth nothing there, and CDNs must keep serving such files.
    _nonce_policy(app)

    @app.get("/data")
    def data() -> Response:
        response = jsonify(ok=True)
        response.headers["Cache-Control"] = "public, max-age=600"
        return response

    @app.get("/app.js")
    def script() -> Response:
        return Response(
            "go()", mimetype="text/javascript", headers={"Cache-Control": "public, max-age=600"}
        )

    for path in ("/data", "/app.js"):
        assert client.get(path).headers["Cache-Control"] == "public, max-age=600"


def test_a_page_without_a_nonce_stays_cacheable(app: Hipflask, client: Any) -> None:
    Talisman(app, force_https=False)

    @app.get("/")
    def index() -> Response:
        return Response("<p>hi</p>", headers={"Cache-Control": "public, max-age=600"})

    assert client.get("/").headers["Cache-Control"] == "public, max-age=600"


def test_a_view_s_own_nonce_policy_is_covered(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/")
    @talisman(
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )
    def index() -> Response:
        return Response(render_template_string(PAGE), headers={"Cache-Control": "public"})

    assert _cache_control(client.get("/")) == {"private"}


def test_cache_safety_off_leaves_caching_to_the_view(app: Hipflask, client: Any) -> None:
    app.config["CACHE_SAFETY"] = False
    _nonce_policy(app)

    @app.get("/")
    def index() -> Response:
        return Response(render_template_string(PAGE), headers={"Cache-Control": "public"})

    assert client.get("/").headers["Cache-Control"] == "public"


def test_a_view_s_nonce_policy_on_a_refused_request_is_covered(app: Hipflask, client: Any) -> None:
    # The Host check refuses before Talisman makes the request's nonce: the
    # view's policy makes one for its header, and the page stays private.
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    talisman = Talisman(app, force_https=False)

    @app.get("/")
    @talisman(
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )
    def index() -> str:
        return "<p>hi</p>"

    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert _cache_control(response) == {"private"}
