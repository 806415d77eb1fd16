"""The ASGI adapter is imported when the app is first called as ASGI, not before.

A WSGI server's workers never use it; each test runs in a fresh interpreter,
where nothing else has imported it yet.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

_ASGI_MODULES = (
    "hipflask.core.asgi",
    "hipflask.core.asgi_direct",
    "hipflask.core.asgi_scope",
    "hipflask.core.handoff",
    "hipflask.core.handback",
    "hipflask.core.wsgi_front",
)


def _run(body: str) -> str:
    script = textwrap.dedent(
        """
        import asyncio, sys, threading
        from hipflask import Hipflask

        ASGI_MODULES = {modules!r}
        app = Hipflask("probe")
        app.secret_key = "k" * 32

        @app.get("/")
        def index():
            return "hello"

        def loaded():
            return sorted(name for name in ASGI_MODULES if name in sys.modules)

        def wsgi_get():
            seen = []
            body = b"".join(app({{
                "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "localhost",
                "SERVER_PORT": "80", "wsgi.url_scheme": "http", "QUERY_STRING": "",
            }}, lambda status, headers, exc_info=None: seen.append(status)))
            return seen[0], body

        async def asgi_get():
            sent = []

            async def receive():
                return {{"type": "http.request", "body": b"", "more_body": False}}

            async def send(message):
                sent.append(message)

            scope = {{
                "type": "http", "asgi": {{"version": "3.0"}}, "http_version": "1.1",
                "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
                "root_path": "", "query_string": b"", "headers": [(b"host", b"localhost")],
                "server": ("localhost", 80), "client": ("127.0.0.1", 5000),
            }}
            await app(scope, receive, send)
            return sent[0]["status"], sent[1]["body"]
        """
    ).format(modules=_ASGI_MODULES) + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_wsgi_worker_never_imports_the_asgi_adapter() -> None:
    out = _run(
        """
        print(loaded())
        print(wsgi_get())
        print(loaded())
        """
    )

    assert out.splitlines() == ["[]", "('200 OK', b'hello')", "[]"]


def test_the_first_asgi_call_imports_it_and_is_served() -> None:
    out = _run(
        """
        print(asyncio.run(asgi_get()))
        print(len(loaded()))
        print(asyncio.run(asgi_get()))
        """
    )

    assert out.splitlines() == [
        "(200, b'hello')",
        str(len(_ASGI_MODULES)),
        "(200, b'hello')",
    ]


def test_first_asgi_calls_from_several_threads_at_once_are_all_served() -> None:
    out = _run(
        """
        results = []
        start = threading.Barrier(8)

        def call():
            start.wait()
            results.append(asyncio.run(asgi_get()))

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(results.count((200, b"hello")))
        """
    )

    assert out.splitlines() == ["8"]


def test_asgi_app_called_directly_imports_it_too() -> None:
    out = _run(
        """
        async def direct():
            sent = []

            async def receive():
                return {"type": "lifespan.startup"} if not sent else {"type": "lifespan.shutdown"}

            async def send(message):
                sent.append(message["type"])

            await app.asgi_app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
            return sent

        print(asyncio.run(direct()))
        """
    )

    assert out.splitlines() == ["['lifespan.startup.complete', 'lifespan.shutdown.complete']"]
