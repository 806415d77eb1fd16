from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from hipflask import Hipflask
from hipflask import request
from hipflask import url_for
from hipflask.errors import ConfigurationError
from hipflask.security.hosts import LOOPBACK_HOST_NAMES
from hipflask.security.hosts import UnknownHostError
from hipflask.security.hosts import check_external_url
from hipflask.security.hosts import hosts_to_trust
from hipflask.security.hosts import is_trusted
from hipflask.serving.production import check_deployment
from hipflask.serving.production import load_worker_app
from hipflask.testing.client import HipflaskClient

KEY = "6d1f0c9a4e7b2d8f3a5c0e1b9d7f2a4c8e6b0d3f5a1c7e9b2d4f6a8c0e3b5d7f"


def trust(config: dict[str, Any], **kwargs: Any) -> list[str] | None:
    options: dict[str, Any] = {"where": "all interfaces", "is_loopback_only": False, **kwargs}
    return hosts_to_trust(config, **options)


def test_app_settings_are_kept() -> None:
    assert trust({"TRUSTED_HOSTS": ["a.example"]}) is None
    assert trust({"SERVER_NAME": "a.example"}) is None


def test_host_names_given_become_the_trusted_hosts() -> None:
    assert trust({}, host_names=["Shop.Example", " www.shop.example "]) == [
        "shop.example",
        "www.shop.example",
    ]
    assert trust({}, host_names="one.example") == ["one.example"]
    assert trust({"TRUSTED_HOSTS": ["a.example"]}, host_names=["b.example"]) == ["b.example"]


def test_host_name_that_is_a_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="host names such as"):
        trust({}, host_names=["https://shop.example/"])


def test_loopback_alone_answers_to_loopback_names() -> None:
    assert trust({}, is_loopback_only=True) == list(LOOPBACK_HOST_NAMES)


def test_unknown_names_on_a_reachable_address_refuse_to_start() -> None:
    with pytest.raises(ConfigurationError, match="Refusing to serve on all interfaces") as info:
        trust({})

    assert "TRUSTED_HOSTS" in str(info.value)
    assert "--host-name" in str(info.value)


def test_external_urls_need_host_names_in_production() -> None:
    check_external_url({}, is_production=False)
    check_external_url({"TRUSTED_HOSTS": ["a.example"]}, is_production=True)
    with pytest.raises(UnknownHostError, match="host header poisoning"):
        check_external_url({}, is_production=True)


@pytest.fixture
def production(app: Hipflask) -> Hipflask:
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=True)

    @app.route("/reset")
    def reset() -> str:
        return url_for("reset", token="t", _external=True)

    @app.route("/local")
    def local() -> str:
        return url_for("reset", token="t")

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    return app


def test_external_url_from_a_forged_host_is_refused_in_production(
    production: Hipflask, client: HipflaskClient
) -> None:
    with pytest.raises(UnknownHostError):
        client.get("/reset", headers={"Host": "evil.example"})


def test_relative_urls_are_unaffected(production: Hipflask, client: HipflaskClient) -> None:
    assert client.get("/local").get_data(as_text=True) == "/reset?token=t"


def test_external_url_uses_a_trusted_host(production: Hipflask, client: HipflaskClient) -> None:
    production.config["TRUSTED_HOSTS"] = ["shop.example"]

    ok = client.get("/reset", headers={"Host": "shop.example"})
    forged = client.get("/reset", headers={"Host": "evil.example"})

    assert ok.get_data(as_text=True) == "http://shop.example/reset?token=t"
    assert forged.status_code == 400


def test_an_external_url_on_a_rules_fixed_host_needs_no_host_setting(protocol: str) -> None:
    # With host matching, a rule with a fixed host (the static route on
    # static_host) builds its URLs on that host: no Host header reaches
    # them, so nothing needs pinning; a rule whose host the request decides
    # is still refused.
    app = Hipflask(__name__, host_matching=True, static_host="static.example")
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=True)

    @app.route("/", host="<site>.example")
    def index(site: str) -> str:
        return url_for("static", filename="app.css", _external=True)

    @app.route("/self", host="<site>.example")
    def itself(site: str) -> str:
        return url_for("itself", site=site, _external=True)

    client = app.test_client(protocol=protocol)
    response = client.get("/", headers={"Host": "shop.example"})

    assert response.get_data(as_text=True) == "http://static.example/static/app.css"
    with pytest.raises(UnknownHostError):
        client.get("/self", headers={"Host": "shop.example"})


def test_trusted_hosts_on_the_request_class_hold_with_any_gate_check(protocol: str) -> None:
    # Werkzeug's way of naming the hosts (an attribute of the request class)
    # is enforced before the view whether or not a suite added gate checks.
    from hipflask import Request
    from hipflask.cors import CORS

    class ShopRequest(Request):
        trusted_hosts = ["shop.example"]  # noqa: RUF012 - Werkzeug's attribute

    calls: list[str] = []
    for with_cors in (False, True):
        app = Hipflask(__name__)
        app.request_class = ShopRequest
        if with_cors:
            CORS(app)

        @app.route("/", methods=["GET", "POST"])
        def index() -> str:
            calls.append(request.method)
            return "ok"

        client = app.test_client(protocol=protocol)
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.post("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/", headers={"Host": "shop.example"}).status_code == 200
        # After the first request too, when a safe method could skip the checks.
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.head("/", headers={"Host": "evil.example"}).status_code == 400

    assert calls == ["GET", "GET"]


def test_a_relative_endpoint_on_a_fixed_host_builds_as_its_full_name(protocol: str) -> None:
    from hipflask import Blueprint

    app = Hipflask(__name__, host_matching=True, static_host="static.example")
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=True)
    shop = Blueprint("shop", __name__)

    @shop.route("/i", host="www.example")
    def index() -> str:
        return url_for(".index", _external=True) + " " + url_for("shop.index", _external=True)

    app.register_blueprint(shop)
    client = app.test_client(protocol=protocol)

    response = client.get("/i", headers={"Host": "www.example"})

    assert response.get_data(as_text=True) == "http://www.example/i http://www.example/i"


def test_external_url_in_testing_mode_is_allowed(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/reset")
    def reset() -> str:
        return url_for("reset", _external=True)

    assert client.get("/reset").get_data(as_text=True) == "http://localhost/reset"


def test_routing_redirect_in_production_does_not_echo_the_host(
    production: Hipflask, client: HipflaskClient
) -> None:
    response = client.get("/dir?x=1", headers={"Host": "evil.example"})

    assert response.status_code == 308
    assert response.headers["Location"] == "/dir/?x=1"


def test_routing_redirect_with_host_names_keeps_flasks_absolute_url(
    production: Hipflask, client: HipflaskClient
) -> None:
    production.config["TRUSTED_HOSTS"] = ["shop.example"]

    response = client.get("/dir", headers={"Host": "shop.example"})

    assert response.headers["Location"] == "http://shop.example/dir/"


def test_check_deployment_returns_the_names_for_the_workers() -> None:
    app = Hipflask(__name__)
    app.secret_key = KEY

    assert check_deployment(app, "127.0.0.1", tls=False, proxy=False, insecure_http=False) == list(
        LOOPBACK_HOST_NAMES
    )
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS"):
        # Behind a proxy the Host is whatever the proxy forwards.
        check_deployment(app, "127.0.0.1", tls=False, proxy=True, insecure_http=False)
    app.config["PROXY_FIX"] = 1
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS"):
        check_deployment(app, "127.0.0.1", tls=False, proxy=False, insecure_http=False)


def test_worker_app_gets_the_trusted_hosts(tmp_path: Any) -> None:
    (tmp_path / "hostsapp.py").write_text(
        "from hipflask import Hipflask\napp = Hipflask(__name__)\n", encoding="utf-8"
    )

    app = load_worker_app("hostsapp:app", sys_path_entry=str(tmp_path), trusted_hosts=["a.ex"])

    assert app.config["TRUSTED_HOSTS"] == ["a.ex"]


def test_serve_command_refuses_unknown_hosts_behind_a_proxy(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.cli import serve as serve_module
    from hipflask.cli.main import cli

    (tmp_path / "shop.py").write_text(
        f"from hipflask import Hipflask\napp = Hipflask(__name__)\napp.secret_key = {KEY!r}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    calls: list[dict[str, Any]] = []

    def fake_serve_app(target: str, **options: Any) -> None:
        calls.append(options)
        options["announce"]()  # serve_app prints the banner once its checks pass

    monkeypatch.setattr(serve_module, "serve_app", fake_serve_app)

    refused = CliRunner().invoke(cli, ["--app", "shop", "serve", "--proxy"])
    accepted = CliRunner().invoke(
        cli, ["--app", "shop", "serve", "--proxy", "--host-name", "shop.example"]
    )

    assert refused.exit_code == 1
    assert "without TRUSTED_HOSTS or SERVER_NAME" in refused.output
    assert accepted.exit_code == 0, accepted.output
    assert "Answering to host names: shop.example" in accepted.output
    assert calls[0]["host_names"] == ("shop.example",)


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("[::1]", True),
        ("[::1]:8443", True),
        ("[0:0:0:0:0:0:0:1]:80", True),
        ("[2001:db8::1]", True),
        ("[2001:0db8:0:0:0:0:0:1]:443", True),
        ("[::2]", False),
        ("[::ffff:127.0.0.1]", False),
        ("[::1", False),
        ("[::1]x", False),
        ("[::1]:", False),
        ("[::1]:8x", False),
        ("[zz::1]", False),
        ("[]", False),
        ("[::1]:0", False),
        ("[::1]:0080", False),
        ("[::1]:65536", False),
        ("[::1]:99999999999", False),
        ("[::1]:65535", True),
        ("shop.example:8443", True),
        ("evil.example", False),
    ],
)
def test_ipv6_literals_match_entries_naming_the_same_address(host: str, trusted: bool) -> None:
    # Werkzeug's matcher refuses every IPv6 literal, whatever TRUSTED_HOSTS says.
    entries = ["::1", "[2001:db8::1]:8443", "shop.example"]

    assert is_trusted(host, entries) is trusted


def test_a_trusted_ipv6_host_is_served_and_builds_external_urls(
    production: Hipflask, client: HipflaskClient
) -> None:
    production.config["TRUSTED_HOSTS"] = ["shop.example", "[::1]"]

    with_port = client.get("/reset", headers={"Host": "[::1]:8443"})
    default_port = client.get("/reset", headers={"Host": "[::1]:80"})

    assert with_port.get_data(as_text=True) == "http://[::1]:8443/reset?token=t"
    assert default_port.get_data(as_text=True) == "http://[::1]/reset?token=t"
    for forged in ("[::2]", "[::1", "[::1]:80@evil.example", "[::1]evil.example"):
        assert client.get("/reset", headers={"Host": forged}).status_code == 400, forged


def test_serve_on_an_ipv6_loopback_answers_to_its_address() -> None:
    app = Hipflask(__name__)
    app.secret_key = KEY

    assert check_deployment(app, "::1", tls=False, proxy=False, insecure_http=False) == [
        *LOOPBACK_HOST_NAMES,
        "[::1]",
    ]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_request_without_host_on_an_ipv6_address_is_checked_by_its_address(
    protocol: str,
) -> None:
    # An HTTP/1.0 client sends no Host: the server's address stands in, in
    # the form a Host header would have, and the same rule judges it.
    from tests.asgi_driver import http_scope
    from tests.asgi_driver import request_body
    from tests.asgi_driver import serve
    from werkzeug.test import create_environ
    from werkzeug.test import run_wsgi_app

    app = Hipflask(__name__)
    app.config["TRUSTED_HOSTS"] = ["localhost", "[::1]"]

    @app.get("/")
    def index() -> str:
        return url_for("index", _external=True)

    answers = []
    for address in ("::1", "::2"):
        if protocol == "wsgi":
            environ = create_environ("/")
            del environ["HTTP_HOST"]
            environ.update(SERVER_NAME=address, SERVER_PORT="5000")
            body, status, _headers = run_wsgi_app(app, environ, buffered=True)
            answers.append((int(status.split()[0]), b"".join(body)))
        else:
            scope = http_scope("/", server=(address, 5000))
            scope["headers"] = []
            connection = serve(app, scope, *request_body(b""))
            answers.append((connection.status, connection.body))

    assert answers[0] == (200, b"http://[::1]:5000/")
    assert answers[1][0] == 400
