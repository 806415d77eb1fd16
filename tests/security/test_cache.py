from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import make_response
from hipflask import render_template_string
from hipflask import request
from hipflask import session
from hipflask.security.gate import ORDER_CACHE
from hipflask.templating import csp_nonce
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


# --- pages whose CSP carries a nonce -------------------------------------

NONCE_POLICY = {"script-src": "'self' {nonce}"}
NONCE_PAGE = '<script nonce="{{ csp_nonce() }}">go()</script>'
_NONCE = re.compile(r"'nonce-([^']+)'")


class _SharedCache:
    """A CDN in front of the app, storing what RFC 9111 lets a shared cache store.

    A ``200`` to a ``GET`` is stored unless ``no-store`` or ``private``
    forbids it (with no ``Cache-Control`` at all it is heuristically
    cacheable); ``no-cache`` only asks for a revalidation, after which the
    stored copy is served again.
    """

    def __init__(self, client: HipflaskClient) -> None:
        self.client = client
        self.stored: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        if path in self.stored:
            return self.stored[path]
        response = self.client.get(path)
        directives = {part.split("=")[0].strip() for part in _cache_control(response)}
        if response.status_code == 200 and not directives & {"no-store", "private"}:
            self.stored[path] = response
        return response


def _cache_control(response: Any) -> set[str]:
    value = ", ".join(response.headers.getlist("Cache-Control"))
    return {part.strip() for part in value.split(",") if part.strip()}


def _header_nonce(response: Any) -> str:
    found = _NONCE.search(response.headers["Content-Security-Policy"])
    assert found is not None
    return found.group(1)


def _nonce_app(testing: bool = True) -> Hipflask:
    app = Hipflask(__name__)
    app.config.update(TESTING=testing, SECRET_KEY="s" * 32, CONTENT_SECURITY_POLICY=NONCE_POLICY)
    return app


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
@pytest.mark.parametrize("asked", ["public, max-age=600", "s-maxage=600", "no-cache", None])
@pytest.mark.parametrize("renders", [True, False], ids=["rendered", "header-only"])
def test_a_shared_cache_never_gives_two_visitors_one_nonce(
    protocol: str, testing: bool, asked: str | None, renders: bool
) -> None:
    # The attacker fetches the page through the CDN, reads the nonce, and
    # plants an injection (DOM XSS, a postMessage handler) that carries it:
    # it runs only if the victim's copy has that same nonce. A page that
    # rendered none still carries one in its header for anyone to read.
    app = _nonce_app(testing)

    @app.get("/")
    def index() -> Response:
        body = render_template_string(NONCE_PAGE) if renders else "<p>hello</p>"
        response = Response(body)
        if asked is not None:
            response.headers["Cache-Control"] = asked
        return response

    cdn = _SharedCache(app.test_client(protocol=protocol))
    seen = [_header_nonce(cdn.get("/")) for _ in range(3)]

    assert len(set(seen)) == 3
    assert "private" in _cache_control(cdn.get("/"))


@pytest.mark.parametrize(
    ("asked", "sent", "warned"),
    [
        ("public, max-age=600", {"private", "max-age=600"}, True),
        ("max-age=600, s-maxage=3600", {"private", "max-age=600"}, True),
        ("public, proxy-revalidate", {"private"}, True),
        ("no-cache", {"private", "no-cache"}, False),
        (None, {"private"}, False),
        ("no-store", {"no-store"}, False),
        ("private, max-age=60", {"private", "max-age=60"}, False),
    ],
)
def test_a_nonce_page_keeps_what_only_the_browser_uses(
    protocol: str,
    caplog: pytest.LogCaptureFixture,
    asked: str | None,
    sent: set[str],
    warned: bool,
) -> None:
    app = _nonce_app()

    @app.get("/")
    def index() -> Response:
        response = Response(render_template_string(NONCE_PAGE))
        if asked is not None:
            response.headers["Cache-Control"] = asked
        return response

    client = app.test_client(protocol=protocol)
    for _ in range(2):
        assert _cache_control(client.get("/")) == sent
    # Refused out loud, once for the endpoint.
    refusals = [record for record in caplog.records if "asked for a shared" in record.message]
    assert len(refusals) == (1 if warned else 0)


def test_what_is_no_page_stays_cacheable_under_a_nonce_policy(protocol: str) -> None:
    # JSON, scripts and images run no inline script: a known nonce is worth
    # nothing there, and they are what CDNs are for.
    app = _nonce_app(testing=False)

    @app.get("/data")
    def data() -> Response:
        response = jsonify(ok=True)
        response.headers["Cache-Control"] = "public, max-age=600"
        return response

    @app.get("/app.js")
    def script() -> Response:
        return Response("go()", mimetype="text/javascript", headers={"Cache-Control": "public"})

    client = app.test_client(protocol=protocol)
    assert client.get("/data").headers["Cache-Control"] == "public, max-age=600"
    assert client.get("/app.js").headers["Cache-Control"] == "public"


@pytest.mark.parametrize(
    "settings",
    [
        {"CONTENT_SECURITY_POLICY": {"script-src": "'self'"}},
        {"CONTENT_SECURITY_POLICY": NONCE_POLICY, "CONTENT_SECURITY_POLICY_REPORT_ONLY": True},
        {"CONTENT_SECURITY_POLICY": NONCE_POLICY, "CACHE_SAFETY": False},
        {"CONTENT_SECURITY_POLICY": NONCE_POLICY, "SECURITY_HEADERS": False},
    ],
    ids=["no-nonce", "report-only", "cache-safety-off", "headers-off"],
)
def test_a_page_no_enforced_nonce_protects_keeps_its_caching(
    protocol: str, settings: dict[str, Any]
) -> None:
    # A report-only policy blocks nothing, so its nonce guards nothing.
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="s" * 32, **settings)

    @app.get("/")
    def index() -> Response:
        return Response("<p>hi</p>", headers={"Cache-Control": "public, max-age=600"})

    assert app.test_client(protocol=protocol).get("/").headers["Cache-Control"] == (
        "public, max-age=600"
    )


def test_a_view_s_own_policy_with_the_nonce_is_covered(protocol: str) -> None:
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY="s" * 32)

    @app.get("/")
    def index() -> Response:
        nonce = csp_nonce()
        return Response(
            f'<script nonce="{nonce}">go()</script>',
            headers={
                "Content-Security-Policy": f"script-src 'nonce-{nonce}'",
                "Cache-Control": "public",
            },
        )

    assert _cache_control(app.test_client(protocol=protocol).get("/")) == {"private"}


@pytest.mark.parametrize("where", ["after_request", "suite-finisher"])
def test_a_nonce_page_is_private_after_every_finisher(protocol: str, where: str) -> None:
    # Hooks run on the general path; a suite's finisher makes the gate run
    # its whole list. Either way the page that leaves is the one checked.
    app = _nonce_app(testing=False)

    def make_public(response: Response) -> Response:
        response.headers["Cache-Control"] = "public"
        return response

    if where == "after_request":
        app.after_request(make_public)
    else:
        app.gate.add_finisher(
            "test.public", lambda request, response: make_public(response), order=ORDER_CACHE + 1
        )

    @app.get("/")
    def index() -> str:
        return "<p>hi</p>"

    client = app.test_client(protocol=protocol)
    for _ in range(2):
        assert _cache_control(client.get("/")) == {"private"}


def test_the_nonce_rule_outside_a_request_still_applies() -> None:
    from hipflask.security.cache import keep_nonce_private

    response = Response(
        "<p>x</p>",
        headers={"Content-Security-Policy": "script-src 'nonce-abc'", "Cache-Control": "public"},
    )
    keep_nonce_private(SimpleNamespace(endpoint=None, path="/"), response)  # type: ignore[arg-type]

    assert _cache_control(response) == {"private"}


def test_an_error_page_asking_for_a_shared_cache_warns_once_whatever_the_path(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A 404 page has no endpoint: counted by its path, each path an attacker
    # made up was one more warning and one more name kept for the app's life.
    app = _nonce_app()

    @app.errorhandler(404)
    def missing(error: Exception) -> Response:
        response = Response(render_template_string(NONCE_PAGE), 404)
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    client = app.test_client(protocol=protocol)
    for number in range(20):
        response = client.get(f"/made-up-{number}")
        assert response.status_code == 404
        assert _cache_control(response) == {"private", "max-age=60"}
    refusals = [record for record in caplog.records if "asked for a shared" in record.message]
    assert len(refusals) == 1
