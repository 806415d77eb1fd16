"""Request bodies over HTTP/2 reach the app under both interfaces of ``hipflask serve``.

HTTP/2 frames a body with DATA frames: a client streaming an upload sends
no ``Content-Length`` (and HTTP/2 has no chunked encoding). The body is the
body all the same, and a view must get every byte of it, never an empty one.
"""

from __future__ import annotations

import ssl
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.https_client import pinned

pytestmark = pytest.mark.integration

StartServer = Any  # the start_server fixture of tests/serving/conftest.py

_APP = """
from hipflask import Hipflask, request

app = Hipflask(__name__)
app.secret_key = "2b7e4f9a0c6d1e8b3f5a7c9e0d2b4f6a8c1e3d5b7f9a0c2e4d6b8f1a3c5e7d9b"

@app.post("/length")
def length():
    body = request.get_data()
    return f"{len(body)} {body[:16].decode()}"

@app.post("/form")
def form():
    return request.form.get("name", "(none)")
"""


@pytest.fixture
def body_site(tmp_path: Path) -> Path:
    folder = tmp_path / "bodies"
    folder.mkdir()
    (folder / "bodies.py").write_text(textwrap.dedent(_APP), encoding="utf-8")
    return folder


@pytest.fixture(params=["wsgi", "asgi"])
def h2_site(
    request: pytest.FixtureRequest,
    body_site: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
) -> tuple[str, ssl.SSLContext]:
    """The app served over HTTP/2 and TLS by each interface: its URL and a pinned context."""
    pytest.importorskip("h2", reason="httpx needs the h2 package to speak HTTP/2")
    args = ["--app", "bodies", "serve", "--port", str(free_port), "--cert=adhoc", "--http2"]
    server = start_server([*hipflask, *args, "--interface", request.param], free_port, body_site)
    server.wait_for_output("Started worker-1")
    trusted = pinned(ssl.get_server_certificate(("127.0.0.1", free_port), timeout=IO_TIMEOUT))
    return f"https://localhost:{free_port}", trusted


def _pieces(*parts: bytes) -> Iterator[bytes]:
    # A generator: httpx cannot know the length, so none is sent.
    yield from parts


def test_an_http2_body_without_a_length_reaches_the_view(
    h2_site: tuple[str, ssl.SSLContext],
) -> None:
    httpx = pytest.importorskip("httpx")
    base, trusted = h2_site

    with httpx.Client(http2=True, verify=trusted, timeout=IO_TIMEOUT) as client:
        streamed = client.post(f"{base}/length", content=_pieces(b"hello ", b"over ", b"h2"))
        form = client.post(
            f"{base}/form",
            content=_pieces(b"name=", b"ann"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        sized = client.post(f"{base}/length", content=b"hello over h2")

    assert streamed.http_version == "HTTP/2"
    assert "content-length" not in streamed.request.headers
    assert (streamed.status_code, streamed.text) == (200, "13 hello over h2")
    assert (form.status_code, form.text) == (200, "ann")
    assert (sized.status_code, sized.text) == (200, "13 hello over h2")


def test_an_http2_body_without_a_length_and_two_content_types_is_refused(
    h2_site: tuple[str, ssl.SSLContext],
) -> None:
    # Two Content-Type headers leave what the body is to whoever reads it
    # (a form to one parser, text to another): refused, as a framed body's are.
    httpx = pytest.importorskip("httpx")
    base, trusted = h2_site
    two_types = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("content-type", "text/plain"),
    ]

    with httpx.Client(http2=True, verify=trusted, timeout=IO_TIMEOUT) as client:
        refused = client.post(f"{base}/form", content=_pieces(b"name=", b"ann"), headers=two_types)
        one_type = client.post(
            f"{base}/form", content=_pieces(b"name=", b"ann"), headers=two_types[:1]
        )

    assert refused.http_version == "HTTP/2"
    assert "content-length" not in refused.request.headers
    assert refused.status_code == 400
    assert "Content-Type" in refused.text
    assert (one_type.status_code, one_type.text) == (200, "ann")
