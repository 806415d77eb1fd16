"""The check of Werkzeug's private response fields, and the public path it falls back to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import jsonify
from hipflask import make_response
from hipflask import redirect
from hipflask import render_template_string
from hipflask import request
from hipflask import session
from hipflask.wrappers import layout
from hipflask.wrappers import response as response_module

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def test_the_installed_werkzeug_keeps_the_layout_the_fast_paths_use() -> None:
    # Fails on a Werkzeug release that moved them: every response would
    # then take the public (slower) path, and that should be a decision.
    assert layout.headers_keep_list()
    assert layout.response_fields_match()
    assert layout.FAST


class IndexedHeaders(Headers):
    """Headers that keep an index beside their list, as a release might."""

    def __init__(self, defaults: Any = None) -> None:
        self._names: dict[str, int] = {}
        super().__init__(defaults)


class ElsewhereHeaders(Headers):
    """Headers whose lookups read something other than the list."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        return default


class ExtraFieldResponse(WerkzeugResponse):
    """A response whose constructor sets a field the direct construction does not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._encoded = None


class RenamedStatusResponse(WerkzeugResponse):
    """A response that reads its status from somewhere else."""

    @property
    def status_code(self) -> int:
        return 0


@pytest.mark.parametrize("cls", [IndexedHeaders, ElsewhereHeaders], ids=["index", "lookup"])
def test_headers_with_another_layout_are_noticed(cls: type[Headers]) -> None:
    assert not layout.headers_keep_list(cls)


@pytest.mark.parametrize(
    "cls", [ExtraFieldResponse, RenamedStatusResponse], ids=["extra-field", "status"]
)
def test_a_response_with_another_layout_is_noticed(cls: type[WerkzeugResponse]) -> None:
    assert not layout.response_fields_match(cls)


# --- the public path gives the same answers ----------------------------------


def make_app() -> Hipflask:
    app = Hipflask("layout_app")
    app.config.update(SECRET_KEY=SECRET)
    add_body_views(app)
    add_other_views(app)
    return app


def add_body_views(app: Hipflask) -> None:
    @app.get("/text")
    def text() -> str:
        return "hello"

    @app.get("/bytes")
    def raw() -> bytes:
        return b"\x00bytes"

    @app.get("/json")
    def json_view() -> dict[str, Any]:
        return {"a": [1, 2]}

    @app.get("/jsonify")
    def jsonify_view() -> Response:
        return jsonify(ok=True)

    @app.get("/tuple")
    def tuple_view() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"X-Made": "1"}


def add_other_views(app: Hipflask) -> None:
    @app.get("/cookie")
    def cookie() -> Response:
        response = make_response("ok")
        response.set_cookie("name", "value")
        return response

    @app.get("/session")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/redirect")
    def moved() -> Response:
        return redirect("/text")

    @app.get("/gone")
    def gone() -> str:
        abort(410)

    @app.get("/empty")
    def empty() -> tuple[str, int]:
        return "", 204

    @app.get("/stream")
    def stream() -> Response:
        return Response(iter(["a", "b"]), mimetype="text/plain")

    @app.get("/closing")
    def closing() -> Response:
        response = Response("closing")
        response.call_on_close(lambda: closed.append(True))
        return response

    @app.get("/echo")
    def echo() -> str:
        listed = "|".join(f"{name}={value}" for name, value in request.headers)
        return f"{request.headers.get('X-Echo', 'none')} {listed}"

    @app.get("/page")
    def page() -> str:
        return render_template_string("<p>{{ value }}</p>", value="<b>")

    @app.get("/fail")
    def fail() -> str:
        raise RuntimeError("boom")


closed: list[bool] = []

REQUESTS: list[dict[str, Any]] = [
    {"path": "/text"},
    {"path": "/text", "method": "HEAD"},
    {"path": "/text", "base_url": "https://localhost"},
    {"path": "/text", "headers": {"Authorization": "Bearer x"}},
    {"path": "/bytes"},
    {"path": "/json"},
    {"path": "/jsonify"},
    {"path": "/tuple"},
    {"path": "/cookie"},
    {"path": "/session"},
    {"path": "/redirect"},
    {"path": "/gone"},
    {"path": "/missing"},
    {"path": "/empty"},
    {"path": "/stream"},
    {"path": "/closing"},
    {"path": "/echo", "headers": {"X-Echo": "yes"}},
    {"path": "/echo", "headers": [("X-Echo", "a"), ("X-Echo", "b")]},
    {"path": "/page"},
    {"path": "/fail"},
    {"path": "/text", "method": "POST"},
]


def answer(protocol: str, case: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    app = make_app()
    client: Any = app.test_client(protocol=protocol)
    # The app's first request decides what the direct paths may do.
    client.get("/text")
    options = dict(case)
    response = client.open(options.pop("path"), **options)
    # A 500's request id is random, and a signed cookie carries its second.
    headers = [
        (name, value)
        for name, value in response.headers
        if name.lower() not in ("x-request-id", "set-cookie" if case["path"] == "/session" else "")
    ]
    return response.status_code, headers, _REQUEST_ID.sub(b"*", response.get_data())


_REQUEST_ID = re.compile(rb"[0-9a-f]{16}")


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the direct construction ran")


def use_public_path(patch: pytest.MonkeyPatch) -> None:
    """Serve as if Werkzeug's private fields had moved; the direct construction must not run."""
    patch.setattr(layout, "FAST", False)
    patch.setattr(Response, "_direct_init", False)
    # Both direct constructions (the constructor's and ``Response._fast``)
    # make their Headers with this, and nothing else in the module does.
    patch.setattr(response_module, "_new", _refuse)


@pytest.fixture
def public_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_public_path(monkeypatch)
    yield


@pytest.mark.parametrize(
    "case",
    REQUESTS,
    ids=[f"{c.get('method', 'GET')} {c['path']} {i}" for i, c in enumerate(REQUESTS)],
)
def test_the_public_path_answers_as_the_fast_one(
    protocol: str, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = answer(protocol, case)
    with monkeypatch.context() as patch:
        use_public_path(patch)
        public = answer(protocol, case)
    assert public == fast


def test_close_callbacks_run_on_the_public_path(protocol: str, public_path: None) -> None:
    closed.clear()
    client: Any = make_app().test_client(protocol=protocol)
    response = client.get("/closing")
    assert response.get_data() == b"closing"
    # The server closes the body (the WSGI test client, when its response is).
    response.close()
    assert closed == [True]
