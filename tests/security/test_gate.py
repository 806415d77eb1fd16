"""The security gate wired into the app: refusals before the view, headers after.

Requests are sent as a browser on another site (or an attacker's script)
would send them, under both protocols.
"""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import escape
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import g
from hipflask import request
from hipflask.security.origin import REASON_CROSS_SITE
from hipflask.testing.client import HipflaskClient

UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
SAFE = ["GET", "HEAD", "OPTIONS"]
DEFAULT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "Strict-Transport-Security"


@pytest.fixture
def calls(app: Hipflask) -> list[str]:
    """A ``/transfer`` view accepting every method, recording each call."""
    seen: list[str] = []

    @app.route("/transfer", methods=[*UNSAFE, "GET"])
    def transfer() -> str:
        seen.append(request.method)
        return "done"

    return seen


def assert_default_headers(headers: Any) -> None:
    for name, value in DEFAULT_HEADERS.items():
        assert headers.get(name) == value, name


# --- cross-origin protection -------------------------------------------------------


@pytest.mark.parametrize("method", UNSAFE)
def test_cross_site_unsafe_request_is_refused_before_the_view(
    client: HipflaskClient, calls: list[str], method: str
) -> None:
    response = client.open(
        "/transfer",
        method=method,
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert escape(REASON_CROSS_SITE.format(method=method)) in response.text
    assert calls == []


@pytest.mark.parametrize("method", UNSAFE)
def test_foreign_origin_without_fetch_metadata_is_refused(
    client: HipflaskClient, calls: list[str], method: str
) -> None:
    response = client.open("/transfer", method=method, headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert "Origin matches neither this host nor a trusted origin" in response.text
    assert calls == []


def test_null_origin_is_refused(client: HipflaskClient, calls: list[str]) -> None:
    response = client.post("/transfer", headers={"Origin": "null"})

    assert response.status_code == 403
    assert "the Origin is &#39;null&#39;" in response.text
    assert calls == []


def test_same_site_sibling_is_refused(client: HipflaskClient, calls: list[str]) -> None:
    response = client.post(
        "/transfer",
        headers={"Sec-Fetch-Site": "same-site", "Origin": "https://forum.localhost"},
    )

    assert response.status_code == 403
    assert calls == []


def test_unusual_method_is_not_echoed_in_the_refusal(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/x", methods=["PURGE<script>"])
    def x() -> str:
        return "purged"  # pragma: no cover

    response = client.open("/x", method="PURGE<script>", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403
    assert "<script>" not in response.text
    assert "Cross-site request refused" in response.text


def test_refusal_happens_even_for_a_missing_page(client: HipflaskClient) -> None:
    response = client.post("/no-such-page", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403


@pytest.mark.parametrize("method", UNSAFE)
def test_same_origin_unsafe_request_passes(
    client: HipflaskClient, calls: list[str], method: str
) -> None:
    response = client.open(
        "/transfer",
        method=method,
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )

    assert response.status_code == 200
    assert calls == [method]


def test_matching_origin_without_fetch_metadata_passes(
    client: HipflaskClient, calls: list[str]
) -> None:
    response = client.post("/transfer", headers={"Origin": "http://localhost"})

    assert response.status_code == 200
    assert calls == ["POST"]


def test_matching_https_origin_with_default_port_passes(
    client: HipflaskClient, calls: list[str]
) -> None:
    response = client.post(
        "/transfer", base_url="https://localhost:443", headers={"Origin": "https://localhost"}
    )

    assert response.status_code == 200


def test_user_typed_navigation_passes(client: HipflaskClient, calls: list[str]) -> None:
    response = client.post("/transfer", headers={"Sec-Fetch-Site": "none"})

    assert response.status_code == 200


def test_request_without_browser_headers_passes(client: HipflaskClient, calls: list[str]) -> None:
    assert client.delete("/transfer").status_code == 200
    assert calls == ["DELETE"]


@pytest.mark.parametrize("method", SAFE)
def test_safe_methods_pass_even_cross_site(
    client: HipflaskClient, calls: list[str], method: str
) -> None:
    response = client.open(
        "/transfer",
        method=method,
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )

    assert response.status_code == 200


def test_trusted_origin_may_send_unsafe_requests(
    app: Hipflask, client: HipflaskClient, calls: list[str]
) -> None:
    app.config["TRUSTED_ORIGINS"] = ["https://app.example.com"]

    trusted = client.post(
        "/transfer",
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"},
    )
    other = client.post(
        "/transfer",
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )

    assert trusted.status_code == 200
    assert other.status_code == 403
    assert calls == ["POST"]


def test_protection_can_be_turned_off(
    app: Hipflask, client: HipflaskClient, calls: list[str]
) -> None:
    app.config["CROSS_ORIGIN_PROTECTION"] = False

    response = client.post("/transfer", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 200


# --- trusted hosts --------------------------------------------------------------------


def test_forged_host_is_refused_with_400(app: Hipflask, client: HipflaskClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    seen: list[str] = []

    @app.route("/reset")
    def reset() -> str:
        seen.append(request.host)
        return request.url_root

    assert client.get("/reset", base_url="http://example.com").text == "http://example.com/"
    assert client.get("/reset", base_url="http://api.example.org").status_code == 200
    forged = client.get("/reset", base_url="http://attacker.example")
    assert forged.status_code == 400
    assert seen == ["example.com", "api.example.org"]


def test_forged_host_on_a_missing_page_is_still_a_400(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com"]

    assert client.get("/missing", base_url="http://attacker.example").status_code == 400
    assert client.get("/missing", base_url="http://example.com").status_code == 404


def test_forged_host_header_is_refused(app: Hipflask, client: HipflaskClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["localhost"]

    @app.route("/")
    def index() -> str:
        return request.host

    forged = client.get("/", headers={"Host": "attacker.example"})

    assert forged.status_code == 400
    assert client.get("/").text == "localhost"


def test_any_host_is_accepted_without_trusted_hosts(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.host

    assert client.get("/", headers={"Host": "anything.example"}).text == "anything.example"


# --- headers on every response -----------------------------------------------------------


def test_default_headers_on_a_normal_response(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    response = client.get("/")

    assert_default_headers(response.headers)
    assert HSTS not in response.headers


def test_default_headers_on_a_404_page(client: HipflaskClient) -> None:
    response = client.get("/missing")

    assert response.status_code == 404
    assert_default_headers(response.headers)


def test_default_headers_on_a_405_and_a_403(client: HipflaskClient, calls: list[str]) -> None:
    not_allowed = client.open("/transfer", method="BREW")
    refused = client.post("/transfer", headers={"Sec-Fetch-Site": "cross-site"})

    assert not_allowed.status_code == 405
    assert_default_headers(not_allowed.headers)
    assert refused.status_code == 403
    assert_default_headers(refused.headers)


def test_default_headers_on_an_aborted_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(401)

    response = client.get("/")

    assert response.status_code == 401
    assert_default_headers(response.headers)


def test_default_headers_on_a_500_page(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        raise RuntimeError("secret detail")

    response = client.get("/")

    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert_default_headers(response.headers)


def test_default_headers_on_a_custom_error_handler_page(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "custom missing page", 404

    response = client.get("/missing")

    assert response.text == "custom missing page"
    assert_default_headers(response.headers)


def test_default_headers_on_a_streamed_response(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Response:
        return Response(iter(["a", "b"]))

    assert_default_headers(client.get("/").headers)


def test_hsts_only_over_https(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    secure = client.get("/", base_url="https://localhost")
    plain = client.get("/")

    assert secure.headers[HSTS] == "max-age=31536000"
    assert_default_headers(secure.headers)
    assert HSTS not in plain.headers


def test_hsts_on_https_error_pages(client: HipflaskClient) -> None:
    response = client.get("/missing", base_url="https://localhost")

    assert response.headers[HSTS] == "max-age=31536000"


def test_views_own_frame_options_is_kept(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/embeddable")
    def embeddable() -> tuple[str, dict[str, str]]:
        return "widget", {"X-Frame-Options": "DENY"}

    response = client.get("/embeddable")

    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_views_own_frame_options_is_not_overridden_by_the_policys_csp(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/strict")
    def strict() -> tuple[str, dict[str, str]]:
        return "never framed", {"X-Frame-Options": "DENY"}

    csp = client.get("/strict").headers.get("Content-Security-Policy", "")

    assert "frame-ancestors 'self'" not in csp


def test_views_own_csp_is_kept(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "ok", {"Content-Security-Policy": "default-src 'none'"}

    response = client.get("/")

    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]


def test_headers_can_be_turned_off(app: Hipflask, client: HipflaskClient) -> None:
    app.config["SECURITY_HEADERS"] = False

    @app.route("/")
    def index() -> str:
        return "ok"

    response = client.get("/", base_url="https://localhost")

    for name in (*DEFAULT_HEADERS, HSTS):
        assert name not in response.headers


def test_headers_are_added_once_per_response(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    response = client.get("/")

    for name in DEFAULT_HEADERS:
        assert len(response.headers.getlist(name)) == 1


# --- the gate on its own ------------------------------------------------------------------------


def test_reset_makes_changed_settings_apply(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    assert "X-Frame-Options" in client.get("/").headers
    app.config["SECURITY_HEADERS"] = False
    assert "X-Frame-Options" in client.get("/").headers  # built once, at the first request
    app.gate.reset()

    assert "X-Frame-Options" not in client.get("/").headers


def test_finishing_a_response_first_builds_the_policy(app: Hipflask) -> None:
    from hipflask.security.gate import SecurityGate

    gate = SecurityGate(app)
    response = Response("x")
    with app.test_request_context("/", base_url="https://localhost"):
        gate.finish(request._get_current_object(), response)  # type: ignore[attr-defined]

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers[HSTS] == "max-age=31536000"


def test_trusted_hosts_are_checked_on_safe_requests_after_the_first(app: Hipflask) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.get("/")
    def index() -> str:
        return "ok"

    for protocol in ("wsgi", "asgi"):
        client: Any = app.test_client(protocol=protocol)
        assert client.get("/", headers={"Host": "good.example"}).status_code == 200
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/", headers={"Host": "good.example"}).status_code == 200


def test_the_gate_skips_nothing_before_its_policies_are_built(app: Hipflask) -> None:
    assert app.gate.passes_safe_methods is False
    app.gate.header_policy  # noqa: B018  # builds the policies
    assert app.gate.passes_safe_methods is True
    app.gate.reset()
    assert app.gate.passes_safe_methods is False


@pytest.mark.parametrize(
    "headers",
    [
        [("Origin", "https://evil.example")],
        [("Sec-Fetch-Site", "cross-site")],
        [("X-Note", "a"), ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")],
    ],
)
@pytest.mark.parametrize("headers_read_first", [False, True])
def test_a_cross_origin_post_is_refused_whether_or_not_the_headers_were_read(
    app: Hipflask,
    client: HipflaskClient,
    calls: list[str],
    headers: list[tuple[str, str]],
    headers_read_first: bool,
) -> None:
    # The check finds out whether either header is there without making
    # request.headers; a hook that made them first must see the same refusal.
    if headers_read_first:

        @app.before_request
        def read_headers() -> None:
            request.headers.get("X-Note")

    response = client.post("/transfer", headers=headers)

    assert response.status_code == 403
    assert calls == []
    # Without either header there is nothing to judge: it passes.
    assert client.post("/transfer", headers=[("X-Note", "a")]).status_code == 200


@pytest.mark.parametrize(
    "name", [b"Origin", b"ORIGIN", b"Sec-Fetch-Site", b"SEC-FETCH-SITE", b"sec-fetch-site"]
)
def test_an_asgi_cross_origin_post_is_refused_whatever_case_the_server_gives(
    app: Hipflask, calls: list[str], name: bytes
) -> None:
    # ASGI servers should lower-case header names, but need not.
    value = b"cross-site" if b"fetch" in name.lower() else b"https://evil.example"
    scope = http_scope("/transfer", method="POST", headers=[(name, value)])

    answer = serve(app, scope, *request_body(b""))

    assert answer.status == 403
    assert calls == []


def test_what_the_gate_answers_runs_the_after_hooks_and_a_failing_one_is_no_500(
    app: Hipflask, client: HipflaskClient
) -> None:
    # A timing hook pair (before_request puts the start on g, after_request
    # reads it): the gate answers preflights, refusals and unknown hosts
    # before the before_request hook runs. The after_request hook runs, as
    # in Flask, fails on each of them, and each is still sent as the gate
    # made it, not as a 500.
    import time

    from hipflask.cors import CORS

    app.config["TRUSTED_HOSTS"] = ["localhost"]
    CORS(app, resources={r"/api/*": {"origins": ["https://good.example"]}})
    seen: list[str] = []

    @app.before_request
    def start() -> None:
        g.start = time.perf_counter()

    @app.after_request
    def timing(response: Response) -> Response:
        seen.append(request.method)
        response.headers["X-Elapsed"] = str(time.perf_counter() - g.start)
        return response

    @app.route("/api/items", methods=["GET", "POST"])
    def items() -> dict[str, bool]:
        return {"ok": True}

    preflight = client.options(
        "/api/items",
        headers={"Origin": "https://good.example", "Access-Control-Request-Method": "POST"},
    )
    refused = client.post("/api/items", headers={"Origin": "https://evil.example"})
    unknown_host = client.get("/api/items", headers={"Host": "evil.example"})
    allowed = client.post("/api/items", headers={"Origin": "https://good.example"})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://good.example"
    assert refused.status_code == 403
    assert unknown_host.status_code == 400
    for answer in (preflight, refused, unknown_host):
        assert "X-Elapsed" not in answer.headers
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert allowed.status_code == 200
    assert "X-Elapsed" in allowed.headers
    assert seen == ["OPTIONS", "POST", "GET", "POST"]


def test_hooks_marked_every_response_run_on_what_the_gate_answers_after_a_failing_hook(
    app: Hipflask, client: HipflaskClient
) -> None:
    # An extension's hook (a bound method, as extensions register them)
    # that must see every response is marked so: after an app's hook failed
    # on a refusal, it still runs; the unmarked hooks after the failure do not.
    from hipflask.core.pipeline import every_response

    class Extension:
        def __init__(self) -> None:
            self.seen: list[int] = []

        def after(self, response: Response) -> Response:
            self.seen.append(response.status_code)
            return response

    extension = Extension()
    unmarked: list[int] = []
    first: list[int] = []

    @app.after_request
    def plain(response: Response) -> Response:
        unmarked.append(response.status_code)
        return response

    # Registered after ``plain`` and before the failing hook: hooks run
    # newest first, so it comes right after the failure.
    app.after_request(every_response(extension.after))

    @app.after_request
    def timing(response: Response) -> Response:
        response.headers["X-Elapsed"] = str(g.start)
        return response

    @app.after_request
    def runs_first(response: Response) -> Response:
        first.append(response.status_code)
        return response

    @app.before_request
    def start() -> None:
        g.start = 1.0

    @app.post("/items")
    def items() -> str:
        return "made"

    assert client.post("/items", headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/items").status_code == 200
    assert first == [403, 200]
    assert extension.seen == [403, 200]
    assert unmarked == [200]
