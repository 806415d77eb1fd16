"""An app whose middleware refuses some paths, for ``test_guarded_paths.py``.

Servers import it as ``guardedapp:app``. WSGI middleware on ``app.wsgi_app``
refuses ``/admin``, ASGI middleware on ``app.asgi_app`` refuses ``/staff``;
the views behind them answer only when a request gets past the guard.
"""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask

app = Hipflask(__name__)
app.config.update(SECRET_KEY="guarded-app-secret-key-0123456789abcdefghij")


@app.route("/admin/panel")
def admin_panel() -> str:
    return "the admin panel"


@app.route("/staff/panel")
def staff_panel() -> str:
    return "the staff panel"


_wsgi_app = app.wsgi_app
_asgi_app = app.asgi_app


def _wsgi_guard(environ: dict[str, Any], start_response: Any) -> Any:
    if environ["PATH_INFO"].startswith("/admin"):
        start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
        return [b"guarded"]
    return _wsgi_app(environ, start_response)


async def _asgi_guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"].startswith("/staff"):
        await send({"type": "http.response.start", "status": 403, "headers": []})
        await send({"type": "http.response.body", "body": b"guarded"})
        return
    await _asgi_app(scope, receive, send)


app.wsgi_app = _wsgi_guard  # type: ignore[method-assign]
app.asgi_app = _asgi_guard  # type: ignore[method-assign]
