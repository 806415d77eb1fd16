"""``PROXY_FIX`` is applied by the app itself, under either protocol and any server.

An attacker reaching the app directly sends ``X-Forwarded-*`` headers of its
own; they must change nothing unless the deployment declared a proxy, and
then only the entries the declared proxies wrote are believed.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix as WerkzeugProxyFix

from hipflask import Hipflask
from hipflask import request
from hipflask import url_for
from hipflask.errors import ConfigurationError
from hipflask.serving.proxies import ProxyFix
from hipflask.testing.client import HipflaskClient

FORGED = {
    "X-Forwarded-For": "10.6.6.6",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Prefix": "/evil",
}


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/who")
    def who() -> dict[str, object]:
        return {
            "addr": request.remote_addr,
            "scheme": request.scheme,
            "secure": request.is_secure,
            "host": request.host,
            "url": url_for("who", _external=True),
        }

    return app


def test_without_the_setting_forwarded_headers_are_ignored(client: HipflaskClient) -> None:
    seen = client.get("/who", headers=FORGED).json

    assert seen == {
        "addr": "127.0.0.1",
        "scheme": "http",
        "secure": False,
        "host": "localhost",
        "url": "http://localhost/who",
    }


def test_one_proxy_is_believed_for_address_and_scheme_only(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["PROXY_FIX"] = 1

    seen = client.get(
        "/who",
        headers={**FORGED, "X-Forwarded-For": "10.6.6.6, 198.51.100.7"},
    ).json

    # The client's own "10.6.6.6" entry is ignored; the proxy appended the real one.
    assert seen["addr"] == "198.51.100.7"
    assert seen["scheme"] == "https"
    assert seen["secure"] is True
    # Host and prefix are not trusted unless named.
    assert seen["host"] == "localhost"
    assert seen["url"] == "https://localhost/who"


def test_host_and_prefix_are_believed_when_named(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_prefix": 1}

    response = client.get(
        "/who",
        headers={"X-Forwarded-Host": "shop.example", "X-Forwarded-Prefix": "/store"},
    )

    assert response.json["host"] == "shop.example"
    assert response.json["url"] == "http://shop.example/store/who"


def test_peers_restrict_trust_to_the_proxy_address(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1, "peers": ["10.0.0.0/8"]}

    direct = client.get("/who", headers=FORGED).json
    via_proxy = client.get("/who", headers=FORGED, environ_base={"REMOTE_ADDR": "10.0.0.5"}).json

    assert direct["addr"] == "127.0.0.1"
    assert direct["scheme"] == "http"
    assert via_proxy["addr"] == "10.6.6.6"
    assert via_proxy["scheme"] == "https"


def test_changing_the_setting_takes_effect_at_once(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROXY_FIX"] = 1
    assert client.get("/who", headers=FORGED).json["addr"] == "10.6.6.6"

    app.config["PROXY_FIX"] = None
    assert client.get("/who", headers=FORGED).json["addr"] == "127.0.0.1"


def test_a_proxy_fix_middleware_and_the_setting_shift_only_once(
    app: Hipflask, protocol: str
) -> None:
    app.config["PROXY_FIX"] = {"x_prefix": 1}
    if protocol == "wsgi":
        app.wsgi_app = ProxyFix(app.wsgi_app, {"x_prefix": 1})  # type: ignore[method-assign]
    else:
        app.asgi_app = ProxyFix(app.asgi_app, {"x_prefix": 1}).asgi  # type: ignore[method-assign]
    client = app.test_client(protocol=protocol)

    url = client.get("/who", headers={"X-Forwarded-Prefix": "/store"}).json["url"]

    assert url == "http://localhost/store/who"


def test_a_malformed_setting_is_a_configuration_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["PROXY_FIX"] = "two"
    app.testing = True

    with pytest.raises(ConfigurationError, match="PROXY_FIX"):
        client.get("/who")


def test_werkzeug_proxy_fix_on_wsgi_app_applies_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask's deployment guide; under ASGI the middleware itself is never called.
    app.wsgi_app = WerkzeugProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    seen = client.get("/who", headers=FORGED).json

    assert seen == {
        "addr": "10.6.6.6",
        "scheme": "https",
        "secure": True,
        "host": "evil.example",
        "url": "https://evil.example/who",
    }


def test_werkzeug_proxy_fix_defaults_leave_host_and_prefix_untrusted(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.wsgi_app = WerkzeugProxyFix(app.wsgi_app)  # type: ignore[method-assign]

    seen = client.get("/who", headers=FORGED).json

    assert seen["addr"] == "10.6.6.6"
    assert seen["url"] == "https://localhost/who"


def test_a_proxy_fix_inside_other_wsgi_middleware_is_found(
    app: Hipflask, client: HipflaskClient
) -> None:
    class Outer:
        def __init__(self, wrapped: Any) -> None:
            self.app = wrapped

        def __call__(self, environ: Any, start_response: Any) -> Any:
            return self.app(environ, start_response)

    app.wsgi_app = Outer(ProxyFix(app.wsgi_app, {"x_for": 1, "x_proto": 0}))  # type: ignore[method-assign]

    seen = client.get("/who", headers=FORGED).json

    assert seen["addr"] == "10.6.6.6"
    assert seen["scheme"] == "http"


def test_other_wsgi_middleware_trusts_no_forwarded_header(
    app: Hipflask, client: HipflaskClient
) -> None:
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: inner(environ, start_response)  # type: ignore[method-assign]

    seen = client.get("/who", headers=FORGED).json

    assert seen["addr"] == "127.0.0.1"
    assert seen["url"] == "http://localhost/who"


def test_a_wrapper_that_wraps_itself_trusts_nothing(app: Hipflask, client: HipflaskClient) -> None:
    inner = app.wsgi_app

    class Looping:
        def __call__(self, environ: Any, start_response: Any) -> Any:
            return inner(environ, start_response)

    looping = Looping()
    looping.app = looping  # type: ignore[attr-defined]
    app.wsgi_app = looping  # type: ignore[method-assign]

    assert client.get("/who", headers=FORGED).json["addr"] == "127.0.0.1"
