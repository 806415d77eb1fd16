"""Trusting X-Forwarded-* only as far as the deployment declares, under both protocols."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from werkzeug.test import Client

from hipflask import Hipflask
from hipflask import request
from hipflask.errors import ConfigurationError
from hipflask.security.proxies import ProxyFix
from hipflask.security.proxies import ProxyTrust

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def seen_app() -> Hipflask:
    """An app whose view reports what it believes about the request."""
    app = Hipflask("proxies_app")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    @app.route("/where", methods=["GET", "POST"])
    def where() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "is_secure": request.is_secure,
            "url": request.url,
            "script_root": request.script_root,
        }

    return app


def _via_wsgi(app: Any, headers: dict[str, str], peer: str = "10.0.0.1") -> dict[str, Any]:
    response = Client(app).get(
        "/where",
        headers=headers,
        environ_overrides={"REMOTE_ADDR": peer},
        base_url="http://internal:8000",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))  # type: ignore[no-any-return]


def _via_asgi(app: Any, headers: dict[str, str], peer: str = "10.0.0.1") -> dict[str, Any]:
    raw = [(b"host", b"internal:8000")]
    raw += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/where",
        "raw_path": b"/where",
        "root_path": "",
        "query_string": b"",
        "headers": raw,
        "client": (peer, 50000),
        "server": ("internal", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return json.loads(body)  # type: ignore[no-any-return]


@pytest.fixture(params=["wsgi", "asgi"])
def fetch(request: pytest.FixtureRequest) -> Any:
    return _via_wsgi if request.param == "wsgi" else _via_asgi


def test_one_trusted_proxy_gives_the_client_address_and_https(
    seen_app: Hipflask, fetch: Any
) -> None:
    seen = fetch(
        ProxyFix(seen_app, 1),
        {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )

    assert seen["remote_addr"] == "203.0.113.7"
    assert seen["scheme"] == "https"
    assert seen["is_secure"] is True


def test_without_proxy_fix_the_headers_are_ignored(seen_app: Hipflask, fetch: Any) -> None:
    seen = fetch(seen_app, {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})

    assert seen["remote_addr"] == "10.0.0.1"
    assert seen["is_secure"] is False


def test_a_client_cannot_prepend_a_forged_address(seen_app: Hipflask, fetch: Any) -> None:
    # The attacker sends "X-Forwarded-For: 1.2.3.4"; the proxy appends the real
    # address. With one trusted proxy only the proxy's entry counts.
    seen = fetch(ProxyFix(seen_app, 1), {"X-Forwarded-For": "1.2.3.4, 198.51.100.9"})

    assert seen["remote_addr"] == "198.51.100.9"


def test_two_proxies_take_the_entry_two_from_the_right(seen_app: Hipflask, fetch: Any) -> None:
    seen = fetch(
        ProxyFix(seen_app, 2),
        {"X-Forwarded-For": "1.2.3.4, 198.51.100.9, 10.0.0.2"},
    )

    assert seen["remote_addr"] == "198.51.100.9"


def test_fewer_entries_than_declared_proxies_are_not_believed(
    seen_app: Hipflask, fetch: Any
) -> None:
    seen = fetch(ProxyFix(seen_app, 2), {"X-Forwarded-For": "1.2.3.4"})

    assert seen["remote_addr"] == "10.0.0.1"


def test_forwarded_host_is_ignored_unless_trusted(seen_app: Hipflask, fetch: Any) -> None:
    # A proxy that does not set X-Forwarded-Host passes the client's on; trusting
    # it by default would let anyone poison password-reset links.
    seen = fetch(ProxyFix(seen_app, 1), {"X-Forwarded-Host": "evil.test"})

    assert seen["host"] == "internal:8000"


def test_trusted_host_port_and_prefix_rebuild_the_public_url(
    seen_app: Hipflask, fetch: Any
) -> None:
    trust = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}
    seen = fetch(
        ProxyFix(seen_app, trust),
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.com",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/shop/",
        },
    )

    assert seen["host"] == "www.example.com:8443"
    assert seen["script_root"] == "/shop"
    assert seen["url"] == "https://www.example.com:8443/shop/where"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Proto": "javascript"},
        {"X-Forwarded-Host": "evil.test/path"},
        {"X-Forwarded-Host": "user@evil.test"},
        {"X-Forwarded-Port": "99999"},
        {"X-Forwarded-Prefix": "//evil.test"},
    ],
)
def test_malformed_forwarded_values_are_dropped(
    seen_app: Hipflask, fetch: Any, headers: dict[str, str]
) -> None:
    trust = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}

    seen = fetch(ProxyFix(seen_app, trust), headers)

    assert seen["url"] == "http://internal:8000/where"


def test_only_declared_peers_are_trusted(seen_app: Hipflask, fetch: Any) -> None:
    app = ProxyFix(seen_app, {"x_for": 1, "x_proto": 1, "peers": ["10.0.0.0/24"]})
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}

    through_proxy = fetch(app, headers, peer="10.0.0.1")
    direct = fetch(app, headers, peer="198.51.100.50")

    assert through_proxy["remote_addr"] == "203.0.113.7"
    assert direct["remote_addr"] == "198.51.100.50"
    assert direct["is_secure"] is False


def test_wrapping_twice_does_not_shift_twice(seen_app: Hipflask, fetch: Any) -> None:
    seen = fetch(ProxyFix(ProxyFix(seen_app, 1), 1), {"X-Forwarded-For": "1.2.3.4, 5.6.7.8"})

    assert seen["remote_addr"] == "5.6.7.8"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0, None),
        (False, None),
        (True, ProxyTrust()),
        (2, ProxyTrust(x_for=2, x_proto=2)),
        ({"x_host": 1}, ProxyTrust(x_host=1)),
    ],
)
def test_proxy_fix_setting_forms(value: Any, expected: ProxyTrust | None) -> None:
    assert ProxyTrust.from_config(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", "number of proxies"),
        ({"x_forwarded": 1}, "unknown keys"),
        ({"x_for": -1}, "0 or more"),
        ({"peers": ["not-an-address"]}, "not an IP address"),
    ],
)
def test_a_malformed_proxy_fix_setting_is_a_configuration_error(value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ProxyTrust.from_config(value)


def test_proxy_fix_needs_a_proxy() -> None:
    with pytest.raises(ConfigurationError, match="at least one"):
        ProxyFix(object(), 0)


def test_lifespan_passes_through_untouched() -> None:
    seen: list[dict[str, Any]] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = {"type": "lifespan"}
    asyncio.run(ProxyFix(inner, 1)(scope, None, None))

    assert seen == [scope]


def test_the_serving_module_path_gives_the_same_middleware() -> None:
    from hipflask.serving import proxies

    assert proxies.ProxyFix is ProxyFix
    assert proxies.ProxyTrust is ProxyTrust


def test_a_ready_trust_object_is_used_as_it_is() -> None:
    trust = ProxyTrust(x_for=2, x_proto=0)
    assert ProxyTrust.from_config(trust) is trust


@pytest.mark.parametrize("peer", [None, "", "unix:/run/app.sock", "not-an-address"])
def test_with_declared_peers_an_unknown_connection_is_not_a_proxy(peer: str | None) -> None:
    trust = ProxyTrust(peers=("10.0.0.0/8",))  # type: ignore[arg-type]

    forwarded = trust.forwarded(lambda name: "203.0.113.7", peer)

    assert forwarded == {}
    assert trust.forwarded(lambda name: "203.0.113.7", "10.1.2.3")["for"] == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded_host", "expected"),
    [("[2001:db8::1]:8443", "[2001:db8::1]:8443"), ("[2001:db8::1]", "[2001:db8::1]")],
)
def test_a_bracketed_ipv6_forwarded_host_is_kept_whole(
    seen_app: Hipflask, fetch: Any, forwarded_host: str, expected: str
) -> None:
    seen = fetch(
        ProxyFix(seen_app, {"x_proto": 1, "x_host": 1}),
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": forwarded_host},
    )

    assert seen["host"] == expected
    assert seen["url"] == f"https://{expected}/where"


def test_proxy_fix_refuses_other_call_shapes() -> None:
    with pytest.raises(TypeError, match="not with 1 arguments"):
        ProxyFix(object(), 1)({})


def _websocket_scope(proto: str) -> dict[str, Any]:
    return {
        "type": "websocket",
        "scheme": "ws",
        "path": "/live",
        "headers": [(b"host", b"internal"), (b"x-forwarded-proto", proto.encode())],
        "client": ("10.0.0.1", 5000),
    }


def test_a_websocket_behind_a_tls_proxy_is_wss() -> None:
    from hipflask.security.proxies import apply_asgi

    assert apply_asgi(_websocket_scope("https"), ProxyTrust())["scheme"] == "wss"
    assert apply_asgi(_websocket_scope("http"), ProxyTrust())["scheme"] == "ws"


def test_the_forwarded_prefix_replaces_a_root_path_the_server_set() -> None:
    from hipflask.security.proxies import apply_asgi

    scope = {
        "type": "http",
        "scheme": "http",
        "root_path": "/old",
        "path": "/old/where",
        "headers": [(b"x-forwarded-prefix", b"/shop")],
        "client": ("10.0.0.1", 5000),
    }

    rewritten = apply_asgi(scope, ProxyTrust(x_prefix=1))

    assert (rewritten["root_path"], rewritten["path"]) == ("/shop", "/shop/where")
    assert scope["path"] == "/old/where"  # the server's scope is not changed
