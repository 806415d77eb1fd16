"""X-Forwarded-Prefix with an absolute-form request target: ASGI agrees with WSGI.

uvicorn and hypercorn pass ``GET http://host/x`` on as the ASGI path (after
any ``root_path`` they were given), where WSGI servers pass ``/x``. Behind a
proxy that reports the prefix it stripped, the app must see the same
``script_root``, ``path``, route and ``url_for`` either way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.security.test_malformed import send_wsgi

from hipflask import Hipflask
from hipflask import request
from hipflask import url_for
from hipflask.security.proxies import ProxyFix

_HEADERS = [("Host", "shop.example"), ("X-Forwarded-Prefix", "/shop")]


def _app(testing: bool, configured: bool = True) -> Hipflask:
    app = Hipflask(__name__)
    app.config.update(TESTING=testing, SECRET_KEY="s" * 32, TRUSTED_HOSTS=["shop.example"])
    if configured:
        app.config["PROXY_FIX"] = {"x_prefix": 1}

    @app.get("/items/<int:item>")
    def show(item: int) -> str:
        return " ".join(
            [
                request.script_root,
                request.path,
                request.url,
                url_for("show", item=item),
                url_for("show", item=item, _external=True),
            ]
        )

    return app


def _send_asgi(app: Any, path: str, root_path: str) -> tuple[int, str]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        # As uvicorn builds it: the root_path in front of the target as sent.
        "path": root_path + path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(n.lower().encode(), v.encode()) for n, v in _HEADERS],
        "server": ("127.0.0.1", 8000),
        "client": ("203.0.113.66", 40000),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]).decode()


@pytest.mark.parametrize("testing", [True, False], ids=["general-path", "direct-path"])
@pytest.mark.parametrize("root_path", ["", "/mnt"])
@pytest.mark.parametrize(
    "target", ["/items/7", "http://shop.example/items/7", "https://other.example:8443/items/7"]
)
def test_asgi_sees_what_wsgi_sees(testing: bool, root_path: str, target: str) -> None:
    # What a WSGI server passes for any of those targets: the path alone.
    expected = send_wsgi(_app(testing), "GET", b"/items/7", b"", _HEADERS, b"", False)

    status, text = _send_asgi(_app(testing), target, root_path)

    assert (expected.status, status) == (200, 200)
    assert text == expected.text
    assert text == (
        "/shop /items/7 http://shop.example/shop/items/7 /shop/items/7"
        " http://shop.example/shop/items/7"
    )


@pytest.mark.parametrize("root_path", ["", "/mnt"])
def test_proxy_fix_middleware_agrees_with_the_setting(root_path: str) -> None:
    configured = _send_asgi(_app(True), "http://shop.example/items/7", root_path)

    wrapped = _send_asgi(
        ProxyFix(_app(True, configured=False), {"x_prefix": 1}),
        "http://shop.example/items/7",
        root_path,
    )

    assert wrapped == configured


@pytest.mark.parametrize(
    "target", ["http://shop.example/other", "http://shop.example/shop/items/7"]
)
def test_an_unrouted_absolute_target_is_a_404_under_the_prefix_too(target: str) -> None:
    # The prefix is the proxy's to strip: one the client put in the target
    # is part of its path, as under WSGI.
    expected = send_wsgi(
        _app(True), "GET", target.split("shop.example", 1)[1].encode(), b"", _HEADERS, b"", False
    )

    status, _ = _send_asgi(_app(True), target, "")

    assert status == expected.status == 404
