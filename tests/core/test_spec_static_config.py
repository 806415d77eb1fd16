"""Signals, static files, downloads, uploads and JSON as a tutorial app uses them.

The file-serving tests send what an attacker would: raw traversal in every
encoding, absolute paths, NUL bytes and symbolic links that lead out of the
folder, through a real route and under both protocols. The upload tests
send bodies without a Content-Length, the way a chunked request arrives.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from typing import Any

import pytest
from werkzeug import formparser
from werkzeug.utils import secure_filename

import hipflask.json.provider as provider_module
from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import current_app
from hipflask import jsonify
from hipflask import request
from hipflask import send_from_directory
from hipflask import signals
from hipflask.testing.client import HipflaskClient

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SECRET_TEXT = b"DATABASE_PASSWORD=hunter2\n"
NOTES = b"public notes\n"

TRAVERSALS = [
    "../secret.txt",
    "..%2fsecret.txt",
    "%2e%2e/secret.txt",
    "%2e%2e%2fsecret.txt",
    ".%2e/secret.txt",
    "%2E%2E%2Fsecret.txt",
    "sub/../../secret.txt",
    "sub%2f..%2f..%2fsecret.txt",
    "..%5csecret.txt",
    "sub%5c..%5c..%5csecret.txt",
    "%252e%252e%252fsecret.txt",
    "..%c0%afsecret.txt",
    "..;/secret.txt",
]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A public folder (with a sub-folder), a secret beside it and a private folder."""
    (tmp_path / "public" / "sub").mkdir(parents=True)
    (tmp_path / "public" / "notes.txt").write_bytes(NOTES)
    (tmp_path / "public" / "sub" / "page.txt").write_bytes(NOTES)
    (tmp_path / "secret.txt").write_bytes(SECRET_TEXT)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "keys.txt").write_bytes(SECRET_TEXT)
    return tmp_path


@pytest.fixture
def app(site: Path) -> Hipflask:
    app = Hipflask(
        "spec_files", root_path=str(site), static_folder="public", static_url_path="/static"
    )
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("public", name)

    app.register_blueprint(
        Blueprint(
            "docs",
            __name__,
            root_path=str(site),
            static_folder="public",
            static_url_path="/assets",
            url_prefix="/docs",
        )
    )
    return app


def _refused(response: Any) -> bool:
    return response.status_code in (400, 404) and SECRET_TEXT not in response.data


# -- signals ----------------------------------------------------------------------------------


def test_custom_user_registered_signal_reaches_only_its_apps_receivers(
    app: Hipflask, client: HipflaskClient
) -> None:
    user_registered = signals.signal("user-registered")
    welcomed: list[tuple[Any, str]] = []
    other_app = Hipflask("another_app")

    def send_welcome(sender: Any, user: str, **extra: Any) -> None:
        welcomed.append((sender, user))

    def never(sender: Any, **extra: Any) -> None:
        raise AssertionError("a receiver for another app was called")

    @app.post("/register")
    def register() -> str:
        user = request.form["user"]
        user_registered.send(current_app._get_current_object(), user=user)  # type: ignore[attr-defined]
        return f"registered {user}"

    with (
        user_registered.connected_to(send_welcome, app),
        user_registered.connected_to(never, other_app),
    ):
        response = client.post("/register", data={"user": "ann"})

    assert response.text == "registered ann"
    assert welcomed == [(app, "ann")]
    assert not user_registered.receivers


def test_signals_of_an_own_namespace_are_separate_from_hipflasks(app: Hipflask) -> None:
    own = signals.Namespace()
    started = own.signal("request-started")
    assert started is not signals.request_started
    assert own.signal("request-started") is started
    heard: list[Any] = []

    def on_started(sender: Any, **extra: Any) -> None:
        heard.append(sender)

    @app.route("/")
    def index() -> str:
        return "ok"

    with started.connected_to(on_started, app):
        app.test_client().get("/")
        assert heard == []
        started.send(app)
    assert heard == [app]


def test_app_context_signals_come_in_order_around_a_request(
    app: Hipflask, client: HipflaskClient
) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    def record(name: str) -> Any:
        def receiver(sender: Any, **extra: Any) -> None:
            events.append(name)

        return receiver

    receivers = {
        "pushed": (signals.appcontext_pushed, record("pushed")),
        "started": (signals.request_started, record("started")),
        "finished": (signals.request_finished, record("finished")),
        "request down": (signals.request_tearing_down, record("request down")),
        "app down": (signals.appcontext_tearing_down, record("app down")),
        "popped": (signals.appcontext_popped, record("popped")),
    }
    for signal, receiver in receivers.values():
        signal.connect(receiver, app)
    try:
        client.get("/")
    finally:
        for signal, receiver in receivers.values():
            signal.disconnect(receiver, app)

    assert events == [
        "pushed",
        "started",
        "view",
        "finished",
        "request down",
        "app down",
        "popped",
    ]


# -- static folders and send_from_directory, attacked -------------------------------------


def test_the_same_file_is_served_by_every_route(client: HipflaskClient) -> None:
    for path in ("/static/notes.txt", "/docs/assets/notes.txt", "/files/notes.txt"):
        response = client.get(path)
        assert (path, response.status_code, response.data) == (path, 200, NOTES)


@pytest.mark.parametrize("prefix", ["/static/", "/docs/assets/", "/files/"])
@pytest.mark.parametrize("attack", TRAVERSALS)
def test_traversal_in_any_encoding_is_refused(
    client: HipflaskClient, prefix: str, attack: str
) -> None:
    response = client.get(prefix + attack, follow_redirects=True)

    assert _refused(response), (response.status_code, response.data[:200])


@pytest.mark.parametrize("prefix", ["/static/", "/docs/assets/", "/files/"])
def test_absolute_paths_are_refused(client: HipflaskClient, site: Path, prefix: str) -> None:
    secret = str(site / "secret.txt")
    for attack in (secret, secret.replace("/", "%2f"), "/etc/passwd", "%2fetc%2fpasswd"):
        response = client.get(prefix + attack, follow_redirects=True)
        assert _refused(response), (attack, response.status_code)
        assert b"root:" not in response.data


@pytest.mark.parametrize("prefix", ["/static/", "/docs/assets/", "/files/"])
@pytest.mark.parametrize("attack", ["notes.txt%00", "notes.txt%00.png", "%00", "sub%00/page.txt"])
def test_nul_bytes_are_refused(client: HipflaskClient, prefix: str, attack: str) -> None:
    response = client.get(prefix + attack)

    assert response.status_code in (400, 404)
    assert NOTES not in response.data


@pytest.mark.parametrize("prefix", ["/static/", "/docs/assets/", "/files/"])
def test_symlinks_leading_out_are_refused(client: HipflaskClient, site: Path, prefix: str) -> None:
    (site / "public" / "leak.txt").symlink_to(site / "secret.txt")
    (site / "public" / "vault").symlink_to(site / "private", target_is_directory=True)
    (site / "public" / "passwd").symlink_to("/etc/passwd")
    (site / "public" / "sub" / "up").symlink_to("..", target_is_directory=True)

    for attack in ("leak.txt", "vault/keys.txt", "passwd", "sub/up/../secret.txt"):
        response = client.get(prefix + attack)
        assert response.status_code == 404, (attack, response.status_code)
        assert SECRET_TEXT not in response.data
        assert b"root:" not in response.data
    # A link that stays inside the folder is an ordinary file.
    assert client.get(prefix + "sub/up/notes.txt").data == NOTES


def test_head_and_range_on_a_traversal_are_refused_too(client: HipflaskClient) -> None:
    assert client.head("/files/..%2fsecret.txt").status_code == 404
    response = client.get("/files/..%2fsecret.txt", headers={"Range": "bytes=0-4"})
    assert _refused(response)


# -- uploads without a Content-Length ------------------------------------------------------

BOUNDARY = "hipflaskboundary"


def _multipart(size: int, filename: str = "../../report.txt") -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    return head + b"x" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def upload_buffers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[IO[bytes]]]:
    """Every buffer the multipart parser opens for an uploaded file.

    Closed after the test whatever happened, so that a buffer left open is
    reported by the test that checks for it and not, at garbage collection,
    by whichever test runs next.
    """
    created: list[IO[bytes]] = []
    original = formparser.default_stream_factory

    def recording(*args: Any, **kwargs: Any) -> IO[bytes]:
        stream = original(*args, **kwargs)
        created.append(stream)
        return stream

    monkeypatch.setattr(formparser, "default_stream_factory", recording)
    yield created
    for stream in created:
        stream.close()


@pytest.fixture
def uploads(app: Hipflask, site: Path, upload_buffers: list[IO[bytes]]) -> Path:
    folder = site / "uploads"
    folder.mkdir()
    app.config.update(UPLOAD_FOLDER=str(folder), MAX_CONTENT_LENGTH=1024)

    @app.post("/upload")
    def upload() -> str:
        file = request.files["file"]
        name = secure_filename(file.filename or "")
        file.save(os.path.join(app.config["UPLOAD_FOLDER"], name))
        return f"saved {name}"

    return folder


def _wsgi_chunked(app: Hipflask, body: bytes) -> tuple[str, bytes]:
    """A WSGI request whose body is ended by the server, not by a Content-Length."""
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/upload",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    chunks = app.wsgi_app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return statuses[0], data


def _asgi_chunked(app: Hipflask, body: bytes, pieces: int = 8) -> tuple[int, bytes]:
    """An ASGI request whose body arrives in pieces with no Content-Length header."""
    size = len(body) // pieces + 1
    parts = [body[start : start + size] for start in range(0, len(body), size)]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/upload",
        "raw_path": b"/upload",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"localhost"),
            (b"transfer-encoding", b"chunked"),
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
        ],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return {"type": "http.request", "body": parts.pop(0), "more_body": bool(parts)}
        await asyncio.sleep(3600)  # pragma: no cover - a server would wait for disconnect
        return {"type": "http.disconnect"}  # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi_app(scope, receive, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(start["status"]), data


def test_chunked_upload_within_the_limit_is_saved_under_a_safe_name(
    app: Hipflask, uploads: Path
) -> None:
    status, data = _wsgi_chunked(app, _multipart(100))
    assert (status, data) == ("200 OK", b"saved report.txt")
    (uploads / "report.txt").unlink()

    status_code, data = _asgi_chunked(app, _multipart(100))
    assert (status_code, data) == (200, b"saved report.txt")
    assert (uploads / "report.txt").read_bytes() == b"x" * 100
    assert sorted(os.listdir(uploads)) == ["report.txt"]


def test_chunked_upload_over_the_limit_is_413_under_wsgi_and_leaves_nothing(
    app: Hipflask, uploads: Path
) -> None:
    status, _data = _wsgi_chunked(app, _multipart(10_000))

    assert status.startswith("413")
    assert os.listdir(uploads) == []


def test_chunked_upload_over_the_limit_is_413_under_asgi_and_leaves_nothing(
    app: Hipflask, uploads: Path, upload_buffers: list[IO[bytes]]
) -> None:
    status, _data = _asgi_chunked(app, _multipart(10_000))

    assert status == 413
    assert os.listdir(uploads) == []
    assert all(stream.closed for stream in upload_buffers)


def test_partial_upload_buffer_is_closed_when_the_limit_is_hit_under_wsgi(
    app: Hipflask, uploads: Path, upload_buffers: list[IO[bytes]]
) -> None:
    status, _data = _wsgi_chunked(app, _multipart(10_000))

    assert status.startswith("413")
    assert all(stream.closed for stream in upload_buffers)


# -- JSON ---------------------------------------------------------------------------------------


def test_orjson_is_used_for_responses_when_installed(
    app: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    orjson = pytest.importorskip("orjson")
    calls: list[Any] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(orjson, name)

        @staticmethod
        def dumps(obj: Any, **kwargs: Any) -> bytes:
            calls.append(obj)
            return bytes(orjson.dumps(obj, **kwargs))

    monkeypatch.setattr(provider_module, "_orjson", Spy())

    @app.route("/")
    def index() -> Response:
        return jsonify(b=2, a=1)

    response = client.get("/")

    assert response.data == b'{"a":1,"b":2}\n'
    assert calls == [{"b": 2, "a": 1}]


def test_debug_mode_uses_the_indented_stdlib_form(
    app: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.debug = True

    @app.route("/")
    def index() -> Response:
        return jsonify(b=2, a=1)

    assert client.get("/").data == b'{\n  "a": 1,\n  "b": 2\n}\n'
