"""An error page whose finishing failed still gets the endpoint's policy headers.

When an ``after_request`` hook (or a gate finisher) raises while a response
is being finished, the app answers 500 and finishes that page too; if the
same hook raises again there, the page is sent as it is. It must still carry
every header a normal page of that endpoint carries: a per-view Talisman
policy (a stricter frame or script policy), the CORS headers an allowed
origin needs to read the answer, and the nonce cache rule. Otherwise the
one page the app could not finish is the one that can be framed, or whose
nonce a shared cache hands out.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import render_template_string
from hipflask.core import direct
from hipflask.core import serve
from hipflask.cors import CORS
from hipflask.security.gate import ORDER_CORS_HEADERS
from hipflask.security.gate import ORDER_HEADERS
from hipflask.talisman import Talisman

ALLOWED = "https://app.example"
EVIL = "https://evil.example"
PAGE = '<script nonce="{{ csp_nonce() }}">go()</script>'


@pytest.fixture
def production(app: Hipflask) -> Hipflask:
    """Unhandled errors answered with a 500, as in production."""
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=None, DEBUG=False)
    return app


def _failing_hook(app: Hipflask) -> list[int]:
    """An ``after_request`` hook that raises while ``calls`` does not hold ``0``."""
    calls: list[int] = []

    @app.after_request
    def broken(response: Response) -> Response:
        if 0 in calls:
            return response
        calls.append(response.status_code)
        raise RuntimeError("after_request bug")

    return calls


POLICY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)


def _policy(response: Any) -> dict[str, str | None]:
    """The policy headers, each response's own nonce left out."""
    return {
        name: re.sub(r"'nonce-[^']+'", "'nonce'", value) if value is not None else None
        for name in POLICY_HEADERS
        for value in [response.headers.get(name)]
    }


def _cache_control(response: Any) -> set[str]:
    value = response.headers.get("Cache-Control", "")
    return {part.strip() for part in value.split(",") if part.strip()}


def test_a_per_view_talisman_policy_is_on_the_error_page(production: Hipflask, client: Any) -> None:
    talisman = Talisman(production, force_https=False)
    calls = _failing_hook(production)

    @production.get("/")
    @talisman(frame_options="DENY", content_security_policy={"default-src": "'none'"})
    def index() -> str:
        return "never sent"

    response = client.get("/", base_url="https://localhost")
    assert response.status_code == 500
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # Run on the view's page and on the error page, as in Flask; not a third time.
    assert calls == [200, 500]

    calls.append(0)  # the hook passes: the same endpoint's normal page
    normal = client.get("/", base_url="https://localhost")
    assert normal.status_code == 200
    assert _policy(response) == _policy(normal)


def test_the_apps_talisman_policy_is_on_the_error_page(production: Hipflask, client: Any) -> None:
    # A preload with a short max-age: Talisman's own finisher adds "; preload".
    Talisman(
        production,
        force_https=False,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
        strict_transport_security_preload=True,
        strict_transport_security_max_age=3600,
    )
    calls = _failing_hook(production)

    @production.get("/")
    def index() -> str:
        return render_template_string(PAGE)

    response = client.get("/", base_url="https://localhost")
    assert response.status_code == 500
    assert response.headers["Strict-Transport-Security"].endswith("; preload")
    assert "private" in _cache_control(response)

    calls.append(0)
    normal = client.get("/", base_url="https://localhost")
    assert normal.status_code == 200
    assert _policy(response) == _policy(normal)


def test_a_per_view_nonce_page_that_failed_is_kept_out_of_shared_caches(
    production: Hipflask, client: Any
) -> None:
    talisman = Talisman(production, force_https=False, content_security_policy=None)
    _failing_hook(production)

    @production.get("/")
    @talisman(
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )
    def index() -> Response:
        response = Response(render_template_string(PAGE))
        response.headers["Cache-Control"] = "public, max-age=600"
        return response

    response = client.get("/")
    assert response.status_code == 500
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert "private" in _cache_control(response)
    assert "public" not in _cache_control(response)


def test_the_apps_own_nonce_policy_is_on_the_error_page(production: Hipflask, client: Any) -> None:
    production.config["CONTENT_SECURITY_POLICY"] = {"script-src": "'self' {nonce}"}
    _failing_hook(production)

    @production.get("/")
    def index() -> str:
        return render_template_string(PAGE)

    response = client.get("/")
    assert response.status_code == 500
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "private" in _cache_control(response)


def test_the_cors_headers_are_on_the_error_page_for_an_allowed_origin(
    production: Hipflask, client: Any
) -> None:
    # Flask-CORS adds them to the 500 too (it wraps the app's exception
    # handling): without them the allowed page's script sees a network
    # error instead of the 500 it could report.
    CORS(production, origins=[ALLOWED])
    _failing_hook(production)

    @production.get("/")
    def index() -> str:
        return "never sent"

    response = client.get("/", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers.get("Vary", "")


def test_the_error_page_names_no_origin_the_policy_does_not_allow(
    production: Hipflask, client: Any
) -> None:
    CORS(production, origins=[ALLOWED])
    _failing_hook(production)

    @production.get("/")
    def index() -> str:
        return "never sent"

    response = client.get("/", headers={"Origin": EVIL})
    assert response.status_code == 500
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_failing_finisher_is_not_run_again_and_the_later_ones_still_run(
    production: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []
    talisman = Talisman(production, force_https=False)

    def broken(request: Any, response: Any) -> None:
        calls.append(response.status_code)
        raise RuntimeError("finisher bug")

    production.gate.add_finisher("tests.broken", broken, order=ORDER_CORS_HEADERS + 1)

    @production.get("/")
    @talisman(frame_options="DENY")
    def index() -> str:
        return "never sent"

    response = client.get("/")
    assert response.status_code == 500
    assert calls == [200, 500]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert any("while handling an error" in r.getMessage() for r in caplog.records)


def test_a_second_failing_finisher_leaves_the_others_in_place(
    production: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    CORS(production, origins=[ALLOWED])
    _failing_hook(production)

    def broken(request: Any, response: Any) -> None:
        raise RuntimeError("finisher bug")

    production.gate.add_finisher("tests.broken", broken, order=ORDER_HEADERS - 5)

    @production.get("/")
    def index() -> str:
        return "never sent"

    response = client.get("/", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert any("tests.broken" in r.getMessage() for r in caplog.records)


def test_finishers_that_ran_before_a_failing_signal_are_not_run_again(
    production: Hipflask, client: Any
) -> None:
    from hipflask import signals

    calls: list[int] = []

    def counted(request: Any, response: Any) -> None:
        calls.append(response.status_code)

    production.gate.add_finisher("tests.counted", counted, order=ORDER_CORS_HEADERS)

    def broken(sender: Any, response: Any, **extra: Any) -> None:
        raise RuntimeError("receiver bug")

    @production.get("/")
    def index() -> str:
        return "never sent"

    with signals.request_finished.connected_to(broken, production):
        response = client.get("/")
    assert response.status_code == 500
    assert calls == [200, 500]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_async_finisher_runs_on_the_error_page_of_an_async_view(
    production: Hipflask, client: Any
) -> None:
    _failing_hook(production)
    ran: list[str] = []

    def sync_mark(request: Any, response: Any) -> None:
        ran.append("sync")
        response.headers["X-Finished"] = "sync"

    async def async_mark(request: Any, response: Any) -> None:
        ran.append("async")
        response.headers["X-Finished"] = "async"

    async def coroutine_mark(request: Any, response: Any) -> None:
        response.headers["X-Coroutine"] = "yes"

    production.gate.add_finisher(
        "tests.mark", sync_mark, order=ORDER_CORS_HEADERS, finisher_async=async_mark
    )
    production.gate.add_finisher("tests.coroutine", coroutine_mark, order=ORDER_CORS_HEADERS + 1)

    @production.get("/")
    async def index() -> str:
        return "never sent"

    response = client.get("/")
    assert response.status_code == 500
    assert response.headers["X-Coroutine"] == "yes"
    # On the event loop (ASGI) the async variant runs, elsewhere the sync one.
    assert response.headers["X-Finished"] == ran[-1]
    assert len(ran) == 1


def test_a_finisher_failing_on_the_views_page_does_not_skip_any_on_the_error_page(
    production: Hipflask, client: Any
) -> None:
    CORS(production, origins=[ALLOWED])

    def broken_on_success(request: Any, response: Any) -> None:
        if response.status_code == 200:
            raise RuntimeError("finisher bug")

    production.gate.add_finisher("tests.broken", broken_on_success, order=ORDER_CORS_HEADERS + 1)

    @production.after_request
    def broken_on_error(response: Response) -> Response:
        if response.status_code == 500:
            raise RuntimeError("after_request bug")
        return response

    @production.get("/")
    def index() -> str:
        return "never sent"

    response = client.get("/", headers={"Origin": ALLOWED})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("view", ["def", "async def"])
def test_the_direct_path_finishes_a_failed_error_page_as_the_pipeline_does(
    protocol: str, view: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def serve_once() -> Any:
        app = Hipflask(__name__)
        app.config.update(SECRET_KEY="s" * 48, PROPAGATE_EXCEPTIONS=False)
        CORS(app, origins=[ALLOWED])
        talisman = Talisman(app, force_https=False)
        _failing_hook(app)

        def broken(request: Any, response: Any) -> None:
            raise RuntimeError("finisher bug")

        app.gate.add_finisher("tests.broken", broken, order=ORDER_HEADERS - 5)

        def index() -> str:
            return "never sent"

        async def async_index() -> str:
            return "never sent"

        app.add_url_rule(
            "/", view_func=talisman(frame_options="DENY")(index if view == "def" else async_index)
        )
        client = app.test_client(protocol=protocol)
        # The first request is served by the pipeline; the second, the direct path.
        client.get("/", headers={"Origin": ALLOWED})
        return client.get("/", headers={"Origin": ALLOWED})

    taken: list[str] = []
    for name in ("serve_plain", "run_async"):
        original = getattr(direct, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            taken.append(_name)
            return _original(*args)

        monkeypatch.setattr(direct, name, spy)
    served = serve_once()
    assert taken, "the direct path was not taken"
    assert served.status_code == 500
    assert served.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert served.headers["X-Frame-Options"] == "DENY"

    monkeypatch.setattr(
        direct,
        "serve_plain",
        lambda app, request, state, chain: serve.run_pipeline_sync(app, request, state),
    )
    monkeypatch.setattr(
        direct,
        "run_async",
        lambda app, request, state, chain: serve._run_pipeline_async(app, request, state),
    )
    pipelined = serve_once()
    assert pipelined.status_code == 500
    assert {**_policy(pipelined), "cors": pipelined.headers.get("Access-Control-Allow-Origin")} == {
        **_policy(served),
        "cors": served.headers.get("Access-Control-Allow-Origin"),
    }
