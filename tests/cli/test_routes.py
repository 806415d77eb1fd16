from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask.cli.main import cli
from hipflask.cli.routes import format_routes


@pytest.fixture
def routed() -> Hipflask:
    app = Hipflask("routes_app", static_folder=None)

    @app.route("/zebra", methods=["POST", "PUT"])
    def zebra() -> str:
        return ""

    @app.get("/")
    def index() -> str:
        return ""

    @app.route("/items/<int:item_id>", methods=["DELETE"])
    def alpha(item_id: int) -> str:
        return ""

    return app


def _rows(result_output: str) -> list[list[str]]:
    lines = result_output.strip().splitlines()
    return [line.split() for line in lines[2:]]


def test_routes_shows_endpoint_methods_and_rule_sorted_by_endpoint(routed: Hipflask) -> None:
    result = routed.test_cli_runner().invoke(cli, ["routes"])

    assert result.exit_code == 0, result.output
    header, rule = result.output.splitlines()[:2]
    assert header.split() == ["Endpoint", "Methods", "Rule"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert _rows(result.output) == [
        ["alpha", "DELETE", "/items/<int:item_id>"],
        ["index", "GET", "/"],
        ["zebra", "POST,", "PUT", "/zebra"],
    ]


def test_routes_sorted_by_rule(routed: Hipflask) -> None:
    result = routed.test_cli_runner().invoke(cli, ["routes", "--sort", "rule"])

    assert [row[-1] for row in _rows(result.output)] == ["/", "/items/<int:item_id>", "/zebra"]


def test_routes_sorted_by_methods(routed: Hipflask) -> None:
    result = routed.test_cli_runner().invoke(cli, ["routes", "-s", "methods"])

    assert [row[0] for row in _rows(result.output)] == ["alpha", "index", "zebra"]


def test_routes_in_match_order(routed: Hipflask) -> None:
    result = routed.test_cli_runner().invoke(cli, ["routes", "--sort", "match"])

    assert [row[0] for row in _rows(result.output)] == ["zebra", "index", "alpha"]


def test_automatic_methods_are_hidden_unless_asked(routed: Hipflask) -> None:
    hidden = routed.test_cli_runner().invoke(cli, ["routes"])
    shown = routed.test_cli_runner().invoke(cli, ["routes", "--all-methods"])

    assert "HEAD" not in hidden.output
    assert "OPTIONS" not in hidden.output
    assert "GET, HEAD, OPTIONS" in shown.output


def test_an_unknown_sort_key_is_refused(routed: Hipflask) -> None:
    result = routed.test_cli_runner().invoke(cli, ["routes", "--sort", "color"])

    assert result.exit_code == 2
    assert "'color' is not one of" in result.output


def test_an_app_without_routes_says_so() -> None:
    app = Hipflask("empty", static_folder=None)

    assert format_routes(app) == ["No routes were registered."]


def test_subdomains_get_their_own_column() -> None:
    app = Hipflask("subs", static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "home", lambda: "")
    app.add_url_rule("/", "api_home", lambda: "", subdomain="api")

    lines = format_routes(app, sort="domain")

    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines[2].split() == ["home", "GET", "/"]
    assert lines[3].split() == ["api_home", "GET", "api", "/"]


def test_routes_are_laid_out_as_flask_lays_them_out(routed: Hipflask) -> None:
    # Every column is padded to its width, the Rule column too, as in Flask.
    result = routed.test_cli_runner().invoke(cli, ["routes"])

    assert result.output == (
        "Endpoint  Methods    Rule                \n"
        "--------  ---------  --------------------\n"
        "alpha     DELETE     /items/<int:item_id>\n"
        "index     GET        /                   \n"
        "zebra     POST, PUT  /zebra              \n"
    )


def test_routes_sort_ties_keep_the_match_order() -> None:
    app = Hipflask("ties", static_folder=None)
    app.add_url_rule("/b", "second", lambda: "", methods=["GET", "POST"])
    app.add_url_rule("/a", "first", lambda: "", methods=["GET", "POST"])

    lines = format_routes(app, sort="methods")

    assert [line.split()[0] for line in lines[2:]] == ["second", "first"]


def test_host_matching_without_hosts_has_no_host_column() -> None:
    app = Hipflask("hosts", static_folder=None, host_matching=True)
    app.add_url_rule("/", "home", lambda: "")
    assert format_routes(app)[0].split() == ["Endpoint", "Methods", "Rule"]

    app.add_url_rule("/", "shop", lambda: "", host="shop.example")
    assert format_routes(app, sort="domain")[0].split() == ["Endpoint", "Methods", "Host", "Rule"]
    assert [line.split()[0] for line in format_routes(app, sort="domain")[2:]] == ["home", "shop"]
