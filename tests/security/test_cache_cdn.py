"""A nonce page stays out of CDNs that read their own caching headers.

A CDN obeys ``Surrogate-Control`` or ``CDN-Cache-Control`` (RFC 9213, and
its vendor-named variants) over ``Cache-Control``: ``private`` there alone
would still let it store the page and serve one nonce to every visitor.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import render_template_string
from hipflask import session
from hipflask.security.gate import ORDER_CACHE
from hipflask.talisman import Talisman

NONCE_POLICY = {"script-src": "'self' {nonce}"}
NONCE_PAGE = '<script nonce="{{ csp_nonce() }}">go()</script>'
_NONCE = re.compile(r"'nonce-([^']+)'")
_TARGETED = ("Surrogate-Control", "CDN-Cache-Control", "Cloudflare-CDN-Cache-Control")


class _TargetedCache:
    """A CDN that, like Fastly or Cloudflare, obeys its own header first.

    The first of ``Surrogate-Control`` and the ``*CDN-Cache-Control``
    fields present decides; ``Cache-Control`` only when none is.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.stored: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        if path in self.stored:
            return self.stored[path]
        response = self.client.get(path)
        if response.status_code == 200 and self._storable(response.headers):
            self.stored[path] = response
        return response

    @staticmethod
    def _storable(headers: Any) -> bool:
        for name in (*_TARGETED, "Cache-Control"):
            value = headers.get(name)
            if value is not None:
                directives = {part.strip().split("=")[0].lower() for part in value.split(",")}
                return not directives & {"no-store", "private"}
        return True


def _nonce_app(testing: bool = True) -> Hipflask:
    app = Hipflask(__name__)
    app.config.update(TESTING=testing, SECRET_KEY="s" * 32, CONTENT_SECURITY_POLICY=NONCE_POLICY)
    return app


def _directives(value: str) -> set[str]:
    return {part.strip() for part in value.split(",")}


def _nonce(response: Any) -> str:
    found = _NONCE.search(response.headers["Content-Security-Policy"])
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
@pytest.mark.parametrize("cache_control", [None, "private", "no-store", "public, max-age=60"])
@pytest.mark.parametrize("targeted", _TARGETED)
def test_a_cdn_s_own_header_cannot_share_a_nonce_page(
    protocol: str, testing: bool, cache_control: str | None, targeted: str
) -> None:
    # The attacker fetches the page through the CDN and reads its nonce; a
    # victim served that same copy runs the attacker's <script nonce=...>.
    app = _nonce_app(testing)

    @app.get("/")
    def index() -> Response:
        response = Response(render_template_string(NONCE_PAGE))
        response.headers[targeted] = "max-age=3600"
        if cache_control is not None:
            response.headers["Cache-Control"] = cache_control
        return response

    cdn = _TargetedCache(app.test_client(protocol=protocol))
    seen = [_nonce(cdn.get("/")) for _ in range(3)]

    assert len(set(seen)) == 3
    assert targeted not in cdn.get("/").headers


def test_a_dropped_cdn_header_is_warned_about_once_per_endpoint(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = _nonce_app()

    @app.get("/<name>")
    def page(name: str) -> Response:
        response = Response(render_template_string(NONCE_PAGE))
        response.headers["CDN-Cache-Control"] = "max-age=3600"
        response.headers["Surrogate-Control"] = "max-age=3600"
        return response

    client = app.test_client(protocol=protocol)
    for name in ("a", "b", "c"):
        response = client.get(f"/{name}")
        assert "CDN-Cache-Control" not in response.headers
        assert "Surrogate-Control" not in response.headers
    warnings = [r for r in caplog.records if "shared cache" in r.getMessage()]
    assert len(warnings) == 1
    assert "CDN-Cache-Control" in warnings[0].getMessage()


def test_a_cdn_header_that_stores_nothing_goes_without_a_warning(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = _nonce_app()

    @app.get("/")
    def index() -> Response:
        response = Response(render_template_string(NONCE_PAGE))
        response.headers["CDN-Cache-Control"] = "no-store"
        return response

    response = app.test_client(protocol=protocol).get("/")

    assert "CDN-Cache-Control" not in response.headers
    assert response.headers["Cache-Control"] == "private"
    assert not [r for r in caplog.records if "shared cache" in r.getMessage()]


@pytest.mark.parametrize(
    ("settings", "mimetype"),
    [
        ({"CACHE_SAFETY": False}, "text/html"),
        ({}, "text/javascript"),
        ({"CONTENT_SECURITY_POLICY": {"script-src": "'self'"}}, "text/html"),
    ],
    ids=["cache-safety-off", "not-a-page", "no-nonce"],
)
def test_a_cdn_header_is_kept_where_no_nonce_page_is_at_stake(
    protocol: str, settings: dict[str, Any], mimetype: str
) -> None:
    app = _nonce_app()
    app.config.update(settings)

    @app.get("/")
    def index() -> Response:
        response = Response("<p>hi</p>", mimetype=mimetype)
        response.headers["CDN-Cache-Control"] = "max-age=3600"
        response.headers["Surrogate-Control"] = "max-age=3600"
        return response

    response = app.test_client(protocol=protocol).get("/")

    assert response.headers["CDN-Cache-Control"] == "max-age=3600"
    assert response.headers["Surrogate-Control"] == "max-age=3600"


def test_a_talisman_nonce_page_loses_its_cdn_header(protocol: str) -> None:
    app = Hipflask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="s" * 32)
    Talisman(
        app,
        force_https=False,
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )

    @app.get("/")
    def index() -> Response:
        response = Response(render_template_string(NONCE_PAGE))
        response.headers["Surrogate-Control"] = "max-age=3600"
        return response

    response = app.test_client(protocol=protocol).get("/")

    assert "Surrogate-Control" not in response.headers
    assert response.headers["Cache-Control"] == "private"


def test_an_error_page_whose_finishing_failed_keeps_the_nonce_rule(protocol: str) -> None:
    # A failing after_request hook leaves the error page to the fallback
    # that adds the policy headers alone; with a suite's finisher in the
    # gate (Talisman's, for one), the nonce rule was left for the
    # finishers, which never ran.
    app = _nonce_app(testing=False)
    app.gate.add_finisher("test.noop", lambda request, response: None, order=ORDER_CACHE + 1)

    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("after_request bug")

    @app.errorhandler(500)
    def server_error(error: Exception) -> Response:
        return Response(
            "<p>sorry</p>",
            500,
            headers={"Cache-Control": "public, max-age=600", "CDN-Cache-Control": "max-age=600"},
        )

    @app.get("/")
    def index() -> str:
        return "never sent"

    response = app.test_client(protocol=protocol).get("/")

    assert response.status_code == 500
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert _directives(response.headers["Cache-Control"]) == {"private", "max-age=600"}
    assert "CDN-Cache-Control" not in response.headers


@pytest.mark.parametrize("suite", [True, False], ids=["suite-finisher", "built-in-only"])
def test_an_error_page_whose_finishing_failed_keeps_its_caching_without_a_nonce(
    protocol: str, suite: bool
) -> None:
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="s" * 32)
    if suite:
        app.gate.add_finisher("test.noop", lambda request, response: None, order=ORDER_CACHE + 1)

    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("after_request bug")

    @app.errorhandler(500)
    def server_error(error: Exception) -> Response:
        return Response("<p>sorry</p>", 500, headers={"CDN-Cache-Control": "max-age=600"})

    @app.get("/")
    def index() -> str:
        return "never sent"

    response = app.test_client(protocol=protocol).get("/")

    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["CDN-Cache-Control"] == "max-age=600"


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
@pytest.mark.parametrize("targeted", _TARGETED)
def test_a_cdn_s_own_header_cannot_store_a_credential_cookie(
    protocol: str, testing: bool, targeted: str
) -> None:
    # A CDN that stored the login response would hand its Set-Cookie (one
    # user's session) to everyone who asks for that URL next.
    app = Hipflask(__name__)
    app.config.update(TESTING=testing, SECRET_KEY="s" * 32)

    @app.get("/login")
    def login() -> Response:
        session["user"] = "alice"
        response = Response("signed in")
        response.headers[targeted] = "max-age=3600"
        return response

    response = app.test_client(protocol=protocol).get("/login")

    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert targeted not in response.headers


def test_a_cdn_s_own_header_stays_on_a_response_setting_no_credential(protocol: str) -> None:
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="s" * 32)

    @app.get("/theme")
    def theme() -> Response:
        response = Response("dark")
        response.set_cookie("theme", "dark")
        response.headers["CDN-Cache-Control"] = "max-age=3600"
        return response

    response = app.test_client(protocol=protocol).get("/theme")

    assert response.headers["CDN-Cache-Control"] == "max-age=3600"
