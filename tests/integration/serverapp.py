"""The app every real server boots in ``test_servers.py``: one object, both protocols.

Servers import it as ``serverapp:app``. The streamed routes can be *gated*:
with ``?gate=NAME`` they send their first chunk, then wait until the test
creates the file ``NAME`` in the folder named by ``SERVERAPP_GATE_DIR``. The
rest of the body cannot exist before the client has seen the first chunk, so
receiving that chunk proves the server streams instead of buffering.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hipflask import Hipflask
from hipflask import has_request_context
from hipflask import request

#: How many chunks a streamed route sends, and what each one says.
CHUNKS = 5
#: A gated stream gives up waiting after this long, so a test that fails
#: before opening the gate never leaves a worker blocked for good.
GATE_TIMEOUT = 10.0
_GATE_NAME = re.compile(r"[a-z0-9]{8,64}")

app = Hipflask(__name__)
app.config["SECRET_KEY"] = "integration-test-secret-key-0123456789abcdef"

_serving: dict[str, Any] = {"ran": False, "in_request": None}


@app.before_serving
def _record_start() -> None:
    # Under ASGI the lifespan startup runs this before any request exists;
    # under WSGI it runs inside the first request.
    _serving["ran"] = True
    _serving["in_request"] = has_request_context()


def chunk(index: int) -> bytes:
    return f"chunk-{index};".encode()


def _gate_path() -> Path | None:
    name = request.args.get("gate")
    folder = os.environ.get("SERVERAPP_GATE_DIR")
    if name is None or folder is None or not _GATE_NAME.fullmatch(name):
        return None
    return Path(folder) / name


@app.route("/plaintext")
def plaintext() -> tuple[str, int, dict[str, str]]:
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@app.route("/json")
def json_view() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.route("/user/<int:id>")
def user(id: int) -> dict[str, Any]:
    return {"id": id, "type": type(id).__name__}


@app.post("/form")
def form() -> dict[str, Any]:
    return {"fields": request.form.to_dict(flat=False)}


@app.route("/stream")
def stream() -> Iterator[bytes]:
    gate = _gate_path()

    def generate() -> Iterator[bytes]:
        yield chunk(0)
        if gate is not None:
            deadline = time.monotonic() + GATE_TIMEOUT
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        for index in range(1, CHUNKS):
            yield chunk(index)

    return generate()


@app.route("/astream")
def astream() -> AsyncIterator[bytes]:
    gate = _gate_path()

    async def generate() -> AsyncIterator[bytes]:
        yield chunk(0)
        if gate is not None:
            deadline = time.monotonic() + GATE_TIMEOUT
            while not gate.exists() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        for index in range(1, CHUNKS):
            yield chunk(index)

    return generate()


@app.route("/async")
async def async_view() -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"async": True, "path": request.path}


@app.route("/lifespan")
def lifespan() -> dict[str, Any]:
    return {"before_serving": _serving["ran"], "in_request": _serving["in_request"]}
