"""An app with WSGI middleware installed the Flask way, for ``test_middleware_servers.py``.

Servers import it as ``middlewareapp:app``. Its ``wsgi_app`` carries an
allowlist that keeps ``/admin`` from everyone but one address (not the
loopback the tests connect from), a middleware that stamps a response
header, and a dispatcher mounting a second app under ``/sub``: every ASGI
server must run them as every WSGI server does.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hipflask import Hipflask
from hipflask import request
from hipflask import url_for

SECRET = "integration-test-secret-key-0123456789abcdef"

app = Hipflask(__name__)
app.config.update(SECRET_KEY=SECRET, MAX_CONTENT_LENGTH=1024)

mounted = Hipflask("mounted")
mounted.config.update(SECRET_KEY=SECRET, TRUSTED_HOSTS=["127.0.0.1"])


@app.route("/admin")
def admin() -> str:
    return "the admin page"


@app.route("/where")
def where() -> dict[str, Any]:
    return {"stamp": request.environ.get("middleware.stamp"), "url": url_for("where")}


@app.post("/echo")
def echo() -> dict[str, Any]:
    return {"form": request.form.to_dict()}


@app.route("/stream")
def stream() -> Any:
    def chunks() -> Iterator[bytes]:
        for index in range(3):
            yield f"chunk-{index};".encode()

    return app.response_class(chunks(), mimetype="text/plain")


@mounted.route("/page")
def page() -> dict[str, Any]:
    return {"script_name": request.environ["SCRIPT_NAME"], "url": url_for("page")}


class Allowlist:
    """``/admin`` only from one address: a stand-in for IP-allowlist middleware."""

    def __init__(self, wsgi_app: Any) -> None:
        self.app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith("/admin") and environ.get("REMOTE_ADDR") != "10.0.0.1":
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"not from here"]
        return self.app(environ, start_response)


class Stamp:
    """Marks the environ and the response, as request-id middleware does."""

    def __init__(self, wsgi_app: Any) -> None:
        self.app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["middleware.stamp"] = "stamped"

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Stamp", "stamped")], exc_info)

        return self.app(environ, start)


app.wsgi_app = Stamp(  # type: ignore[method-assign]
    Allowlist(DispatcherMiddleware(app.wsgi_app, {"/sub": mounted}))
)
