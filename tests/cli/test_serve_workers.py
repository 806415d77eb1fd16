"""``hipflask serve --workers N``: state each worker would keep to itself is refused or flagged.

A logout, a revoked token or a session kept in one worker's memory does not
hold in the others, so several workers on such state are refused, naming the
setting and what to set instead. Rate-limit counters kept per worker only
loosen the limits: they are flagged in the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from hipflask import Hipflask
from hipflask.cli import serve as serve_module
from hipflask.cli.main import cli
from hipflask.errors import ConfigurationError
from hipflask.serving.production import serve_app
from hipflask.serving.shared_state import process_local_state

from .test_serve import KEY_LINE

WriteModule = Callable[[str, str], Path]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A recorder instead of granian."""
    calls: list[dict[str, Any]] = []

    def fake_serve_app(target: str, **options: Any) -> None:
        calls.append({"target": target, **options})
        options["announce"]()

    monkeypatch.setattr(serve_module, "serve_app", fake_serve_app)
    return calls


def app_module(write_module: WriteModule, body: str) -> None:
    source = "from hipflask import Hipflask\napp = Hipflask('workers')\n" + KEY_LINE + body
    write_module("workers_app.py", source)


def serve(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--app", "workers_app", "serve", *args])


LOGIN = "from hipflask.login import LoginManager\nLoginManager(app)\n"
JWT = "from hipflask.jwt import JWTManager\nJWTManager(app)\n"
SESSIONS = "from hipflask.sessions import Session\nSession(app)\n"
LIMITER = (
    "from hipflask.limiter import Limiter\nfrom hipflask.limiter.util import get_remote_address\n"
    "Limiter(get_remote_address, app=app, default_limits=['100 per minute'])\n"
)


@pytest.mark.parametrize(
    ("body", "setting", "shown"),
    [
        (LOGIN, "LOGIN_REGISTRY_STORE", "'memory://'"),
        (
            "from hipflask.stores import MemoryStore\n"
            "app.config['LOGIN_REGISTRY_STORE'] = MemoryStore()\n" + LOGIN,
            "LOGIN_REGISTRY_STORE",
            "MemoryStore",
        ),
        (
            "app.config['LOGIN_REGISTRY_STORE'] = 'sqlite://'\n" + LOGIN,
            "LOGIN_REGISTRY_STORE",
            "'sqlite://'",
        ),
        (JWT, "JWT_BLOCKLIST_STORE", "'memory://'"),
        (SESSIONS, "SESSION_TYPE", "'memory'"),
    ],
    ids=["login", "login-store-object", "login-sqlite-in-memory", "jwt", "sessions"],
)
def test_several_workers_on_state_each_would_keep_are_refused(
    write_module: WriteModule, served: list[dict[str, Any]], body: str, setting: str, shown: str
) -> None:
    app_module(write_module, body)
    result = serve("--workers", "3")

    assert result.exit_code == 1
    assert "Refusing to start 3 workers" in result.output
    assert f"{setting} = {shown}:" in result.output
    assert "--workers 1" in result.output
    assert served == []


@pytest.mark.parametrize("body", [LOGIN, JWT, SESSIONS, LIMITER])
def test_one_worker_keeps_the_embedded_defaults(
    write_module: WriteModule, served: list[dict[str, Any]], body: str
) -> None:
    app_module(write_module, body)
    result = serve("--workers", "1")

    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    assert len(served) == 1


def test_shared_stores_serve_several_workers(
    write_module: WriteModule, served: list[dict[str, Any]], tmp_path: Path
) -> None:
    folder = (tmp_path / "state").as_uri()
    app_module(
        write_module,
        f"app.config['LOGIN_REGISTRY_STORE'] = {folder!r}\n"
        "app.config['JWT_BLOCKLIST_STORE'] = None\n"
        "app.config['SESSION_TYPE'] = 'filesystem'\n"
        f"app.config['SESSION_FILE_DIR'] = {str(tmp_path / 'sessions')!r}\n"
        "app.config['LOGIN_THROTTLE_STORAGE'] = 'redis://127.0.0.1:6379/0'\n"
        + LOGIN
        + JWT
        + SESSIONS,
    )
    result = serve("--workers", "2")

    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    assert served[0]["workers"] == 2


def test_counters_kept_per_worker_are_flagged_in_the_banner(
    write_module: WriteModule, served: list[dict[str, Any]], tmp_path: Path
) -> None:
    app_module(
        write_module,
        f"app.config['LOGIN_REGISTRY_STORE'] = {(tmp_path / 'state').as_uri()!r}\n"
        + LOGIN
        + LIMITER,
    )
    result = serve("--workers", "4")

    assert result.exit_code == 0, result.output
    assert len(served) == 1
    warnings = [line for line in result.output.splitlines() if "Warning" in line]
    assert len(warnings) == 2
    assert "LOGIN_THROTTLE_STORAGE = 'memory://' with 4 workers" in warnings[0]
    assert "up to 4 times as many password guesses" in warnings[0]
    assert "RATELIMIT_STORAGE_URI = 'memory://' with 4 workers" in warnings[1]
    assert "redis://" in warnings[1]


def test_turning_the_state_off_is_not_flagged() -> None:
    from hipflask.jwt import JWTManager
    from hipflask.limiter import Limiter
    from hipflask.limiter.util import get_remote_address
    from hipflask.login import LoginManager

    app = Hipflask("off")
    app.config.update(
        LOGIN_REGISTRY_STORE=None,
        LOGIN_THROTTLE=False,
        JWT_BLOCKLIST_STORE=False,
        RATELIMIT_ENABLED=False,
    )
    LoginManager(app)
    JWTManager(app)
    Limiter(get_remote_address, app=app)
    assert process_local_state(app) == []


def test_the_programmatic_server_refuses_too(project: Path) -> None:
    from hipflask.login import LoginManager

    app = Hipflask("programmatic")
    app.secret_key = KEY_LINE.split("'")[1]
    LoginManager(app)
    with pytest.raises(ConfigurationError, match="LOGIN_REGISTRY_STORE = 'memory://'"):
        serve_app("programmatic:app", app=app, workers=2)


def test_a_limiters_own_storage_uri_is_named(
    write_module: WriteModule, served: list[dict[str, Any]]
) -> None:
    app_module(
        write_module,
        "app.config['RATELIMIT_STORAGE_URI'] = 'redis://127.0.0.1:6379/0'\n"
        + LIMITER.replace("app=app,", "app=app, storage_uri='memory://',"),
    )
    result = serve("--workers", "2")

    assert result.exit_code == 0, result.output
    assert "Warning: Limiter(storage_uri=...) = 'memory://' with 2 workers" in result.output


def test_a_blocklist_setting_without_the_jwt_manager_is_not_state() -> None:
    app = Hipflask("settings_only")
    app.config["JWT_BLOCKLIST_STORE"] = "memory://"
    assert process_local_state(app) == []


def test_the_blocklist_refusal_tells_a_ported_app_with_its_own_loader_what_to_set(
    write_module: WriteModule, served: list[dict[str, Any]]
) -> None:
    # A Flask-JWT-Extended app keeps revoked tokens in its own store, read by
    # its token_in_blocklist_loader; the built-in list it never heard of is
    # what the refusal is about, and None is the answer when it is not used.
    app_module(
        write_module,
        JWT.replace("JWTManager(app)", "jwt = JWTManager(app)") + "@jwt.token_in_blocklist_loader\n"
        "def revoked(header, payload):\n"
        "    return False\n",
    )
    result = serve("--workers", "2")

    assert result.exit_code == 1
    assert "revoke_token()" in result.output
    assert "refresh token" in result.output
    assert "token_in_blocklist_loader" in result.output
    assert "None if the app neither calls revoke_token()" in result.output
