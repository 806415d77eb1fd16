"""``hipflask limiter config | limits | clear`` on the memory store and real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.redis_helper import REDIS_URI

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter


@pytest.fixture(params=["memory", "redis"])
def limited(request: pytest.FixtureRequest, app: Hipflask) -> Iterator[Limiter]:
    """An app with default, view, blueprint, shared and meta limits."""
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": prefix}
    limiter = Limiter(app, default_limits=["5 per minute"], meta_limits=["3 per hour"])
    shared = limiter.shared_limit("2 per minute", scope="search")

    @app.get("/login")
    @limiter.limit("1 per minute", methods=["POST"])
    @limiter.limit("3 per minute")
    def login() -> str:
        return "ok"

    @app.route("/both", methods=["GET", "POST"])
    @limiter.limit("2 per minute", per_method=True)
    def both() -> str:
        return "ok"

    @app.get("/a")
    @shared
    def a() -> str:
        return "a"

    @app.get("/b")
    @shared
    def b() -> str:
        return "b"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    @app.get("/health")
    @limiter.exempt
    def health() -> str:
        return "up"

    @app.get("/dynamic")
    @limiter.limit(lambda: "4 per minute")
    def dynamic() -> str:
        return "dynamic"

    bp = Blueprint("api", __name__)

    @bp.get("/items")
    def items() -> str:
        return "items"

    limiter.limit("7 per minute")(bp)
    limiter.exempt(bp, flags=ExemptionScope.META)
    app.register_blueprint(bp, url_prefix="/api")
    yield limiter
    limiter.reset()


def run(app: Hipflask, *args: str, **kwargs: Any) -> Any:
    return app.test_cli_runner().invoke(args=["limiter", *args], **kwargs)


def test_the_commands_are_registered_on_the_app_cli(app: Hipflask) -> None:
    assert "limiter" not in app.cli.commands
    Limiter(app)
    assert "limiter" in app.cli.commands
    assert sorted(app.cli.commands["limiter"].commands) == ["clear", "config", "limits"]  # type: ignore[attr-defined]


def test_config_prints_the_effective_settings(app: Hipflask, limited: Limiter) -> None:
    result = run(app, "config")
    assert result.exit_code == 0, result.output
    lines = dict(line.split("  ", 1) for line in result.output.splitlines())
    lines = {name.strip(): value.strip() for name, value in lines.items()}
    assert lines["Default limits"] == "5 per 1 minute"
    assert lines["Meta limits"] == "3 per 1 hour"
    assert lines["Strategy"] == "fixed-window"
    assert lines["Enabled"] == "True"
    assert lines["Key function"] == "hipflask.limiter.util.get_remote_address"


def test_config_masks_a_storage_password(app: Hipflask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = "redis://:s3cret@127.0.0.1:6379/0"
    Limiter(app)
    result = run(app, "config")
    assert "s3cret" not in result.output
    assert "redis://:***@127.0.0.1:6379/0" in result.output


def test_limits_lists_each_route_s_limits(app: Hipflask, limited: Limiter) -> None:
    result = run(app, "limits")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "login  /login\n  GET meta: 3 per 1 hour\n  GET route: 3 per 1 minute\n" in out
    assert "plain  /plain\n  GET meta: 3 per 1 hour\n  GET default: 5 per 1 minute\n" in out
    assert "  GET route: depends on the request" in out
    assert "api.items  /api/items\n  GET route: 7 per 1 minute\n" in out
    assert "health" not in out


def test_limits_filters_by_endpoint_path_and_method(app: Hipflask, limited: Limiter) -> None:
    by_endpoint = run(app, "limits", "--endpoint", "a").output
    assert by_endpoint == "a  /a\n  GET meta: 3 per 1 hour\n  GET route: 2 per 1 minute\n"
    by_path = run(app, "limits", "--path", "/both", "--method", "post").output
    assert by_path == "both  /both\n  POST meta: 3 per 1 hour\n  POST route: 2 per 1 minute\n"
    assert run(app, "limits", "--path", "/health").output == (
        "No rate limits apply to the selected routes.\n"
    )
    missing = run(app, "limits", "--path", "/nowhere")
    assert missing.exit_code == 1
    assert "No route answers GET /nowhere" in missing.output
    unknown = run(app, "limits", "--endpoint", "nope")
    assert unknown.exit_code == 1
    assert "No endpoint named 'nope'" in unknown.output


def test_limits_with_a_key_shows_where_the_client_stands(
    app: Hipflask, limited: Limiter, client: Any
) -> None:
    for _ in range(3):
        client.get("/login")
    client.get("/login")  # the fourth breaches: one meta breach counted
    out = run(app, "limits", "--endpoint", "login", "--key", "127.0.0.1").output
    assert "GET meta: 3 per 1 hour: pass (2 of 3 remaining)" in out
    assert "GET route: 3 per 1 minute: FAIL (0 of 3 remaining)" in out
    fresh = run(app, "limits", "--endpoint", "login", "--key", "10.1.1.1").output
    assert "GET route: 3 per 1 minute: pass (3 of 3 remaining)" in fresh


def test_clear_resets_one_client_after_confirmation(
    app: Hipflask, limited: Limiter, client: Any
) -> None:
    other = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(4):
        client.get("/login")
        client.get("/login", environ_base=other)
    assert client.get("/login").status_code == 429
    declined = run(app, "clear", "--key", "127.0.0.1", input="n\n")
    assert declined.exit_code == 1
    assert client.get("/login").status_code == 429

    result = run(app, "clear", "--key", "127.0.0.1", "--endpoint", "login", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Reset 2 counter(s) for '127.0.0.1'." in result.output
    assert client.get("/login").status_code == 200
    assert client.get("/login", environ_base=other).status_code == 429


def test_clear_without_a_prompt_and_shared_budgets_once(
    app: Hipflask, limited: Limiter, client: Any
) -> None:
    assert [client.get(path).status_code for path in ("/a", "/b", "/a")] == [200, 200, 429]
    result = run(app, "clear", "--key", "127.0.0.1", "--path", "/a", "-y")
    assert result.output == "Reset 2 counter(s) for '127.0.0.1'.\n"
    assert client.get("/b").status_code == 200


def test_clear_needs_a_key_and_says_when_nothing_matches(app: Hipflask, limited: Limiter) -> None:
    missing = run(app, "clear")
    assert missing.exit_code == 2
    assert "--key" in missing.output
    nothing = run(app, "clear", "--key", "x", "--endpoint", "health", "-y")
    assert nothing.output == "No rate limits for 'x' on the selected routes.\n"


def test_commands_need_a_limiter(app: Hipflask) -> None:
    limiter = Limiter()
    from hipflask.limiter.commands import cli

    app.cli.add_command(cli, "limiter")
    result = run(app, "config")
    assert result.exit_code == 1
    assert "The app has no Limiter" in result.output
    del limiter


def test_a_disabled_limiter_reports_itself(app: Hipflask) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    Limiter(app)
    out = run(app, "config").output
    assert "Enabled               False" in out
    assert run(app, "limits").output == "No rate limits apply to the selected routes.\n"


def test_application_and_dynamic_defaults_are_named(app: Hipflask) -> None:
    def per_plan() -> str:
        return "9 per minute"

    Limiter(app, application_limits=["100 per hour"], default_limits=[per_plan])

    @app.get("/")
    def index() -> str:
        return "ok"

    assert "GET application: 100 per 1 hour" in run(app, "limits").output
    assert "test_commands.test_application_and_dynamic_defaults_are_named.<locals>.per_plan" in (
        run(app, "config").output
    )


def test_the_strategy_needs_an_initialised_limiter() -> None:
    with pytest.raises(ConfigurationError, match="init_app"):
        Limiter().limiter  # noqa: B018 - the property raises


def test_limits_lists_no_limits_for_static_files(app: Hipflask, limited: Limiter) -> None:
    # Requests for static files are never counted: the listing must not say otherwise.
    assert "static" in {rule.endpoint for rule in app.url_map.iter_rules()}
    out = run(app, "limits").output
    assert "static" not in out
    by_path = run(app, "limits", "--path", "/static/site.css", "--key", "127.0.0.1")
    assert by_path.output == "No rate limits apply to the selected routes.\n"
    with app.app_context():
        assert limited.limits_for("static") == []


def test_config_shows_the_fallback_on_when_fallback_limits_are_listed(app: Hipflask) -> None:
    # Listing fallback limits turns the in-memory fallback on, without the
    # _ENABLED setting: the printout must say what the store does.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK"] = ["10 per minute"]
    Limiter(app)
    lines = {
        name.strip(): value.strip()
        for name, value in (line.split("  ", 1) for line in run(app, "config").output.splitlines())
    }
    assert lines["In-memory fallback"] == "True"
