from __future__ import annotations

import re
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from hipflask.cli import run as run_module
from hipflask.cli import serve as serve_module
from hipflask.cli.main import cli
from hipflask.errors import ConfigurationError
from hipflask.serving import production
from hipflask.serving.production import serve_app
from hipflask.serving.secret_key import MIN_SECRET_KEY_LENGTH
from hipflask.serving.secret_key import WELL_KNOWN_KEYS
from hipflask.serving.secret_key import check_secret_key
from hipflask.serving.secret_key import is_well_known_key

#: What ``secrets.token_hex(32)`` gives: 64 hexadecimal characters.
GOOD_KEY = "3f9c2b7e81d04a6f95e3c1b8d27a4f60e9b5c3d18f2a7e4b06c9d1f3a8b2e5c7"
FLASK_QUICKSTART_KEY = b'_5#y2L"F4Q8z\n\xec]/'
MODULE = "hipflask_key_probe"
# The CLI marks the process and may read these; each invocation restores them.
CLI_ENV: dict[str, str | None] = {
    "HIPFLASK_SKIP_DOTENV": "1",
    "HIPFLASK_RUN_FROM_CLI": None,
    "HIPFLASK_APP": None,
    "FLASK_APP": None,
    "HIPFLASK_DEBUG": None,
    "FLASK_DEBUG": None,
}

WriteApp = Callable[..., Path]
# Serves the probe app through one entry point: the refusal's text, or None once served.
Serve = Callable[[Path], str | None]


@pytest.fixture
def write_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteApp]:
    """Write the probe app module with the given keys; it is importable and the cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(secret_key: object, fallbacks: object = None) -> Path:
        source = (
            "from hipflask import Hipflask\n"
            "app = Hipflask(__name__)\n"
            f"app.config['SECRET_KEY'] = {secret_key!r}\n"
            f"app.config['SECRET_KEY_FALLBACKS'] = {fallbacks!r}\n"
        )
        (tmp_path / f"{MODULE}.py").write_text(source, encoding="utf-8")
        return tmp_path

    yield write
    sys.modules.pop(MODULE, None)


def _serve_with_serve_app(monkeypatch: pytest.MonkeyPatch) -> Serve:
    served: list[str] = []

    def granian(target: str, **options: Any) -> SimpleNamespace:
        return SimpleNamespace(
            serve=lambda target_loader: served.append(target), on_startup=lambda hook: None
        )

    fake = SimpleNamespace(
        Granian=granian,
        Interfaces=str,
        HTTPModes=SimpleNamespace(auto="auto", http1="http1"),
        SSLProtocols=SimpleNamespace(tls12="tls12"),
    )
    monkeypatch.setattr(production, "require", lambda module, extra: fake)
    # Nothing listens: the port check would only make these tests depend on
    # what else runs on this machine.
    monkeypatch.setattr(production, "ensure_free", lambda host, port: None)

    def serve(folder: Path) -> str | None:
        try:
            serve_app(f"{MODULE}:app", sys_path_entry=str(folder))
        except ConfigurationError as exc:
            assert served == []
            return str(exc)
        assert served == [f"{MODULE}:app"]
        return None

    return serve


def _serve_with_the_cli(monkeypatch: pytest.MonkeyPatch) -> Serve:
    calls: list[str] = []
    monkeypatch.setattr(serve_module, "serve_app", lambda target, **kw: calls.append(target))

    def serve(folder: Path) -> str | None:
        result = CliRunner(env=CLI_ENV).invoke(cli, ["--app", MODULE, "serve"])
        if result.exit_code == 1:
            assert calls == []
            assert "Serving Hipflask app" not in result.output
            # One paragraph: click prefixes "Error: " and ends the line.
            assert result.output.startswith("Error: Refusing to serve")
            assert result.output.count("\n") == 1
            return result.output
        assert result.exit_code == 0, result.output
        assert calls == [f"{MODULE}:app"]
        return None

    return serve


@pytest.fixture(params=["serve_app", "hipflask serve"])
def serve(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Serve:
    """Each entry point that applies the check, with granian replaced by a recorder."""
    if request.param == "serve_app":
        return _serve_with_serve_app(monkeypatch)
    return _serve_with_the_cli(monkeypatch)


def _assert_says_how_to_fix(message: str) -> None:
    assert "SECRET_KEY" in message
    assert "python -c 'import secrets; print(secrets.token_hex(32))'" in message
    assert "HIPFLASK_SECRET_KEY" in message
    assert "app.config.from_prefixed_env()" in message
    assert "config file" in message


# -- accepted ----------------------------------------------------------------------------


def test_a_64_hex_character_key_is_served(write_app: WriteApp, serve: Serve) -> None:
    assert serve(write_app(GOOD_KEY)) is None


@pytest.mark.parametrize(
    "key",
    [
        GOOD_KEY[:MIN_SECRET_KEY_LENGTH],
        # Random bytes may end in a byte that reads as whitespace; length is not stripped.
        bytes(range(0x80, 0x80 + MIN_SECRET_KEY_LENGTH - 1)) + b"\xa0",
    ],
    ids=["32-characters", "32-bytes"],
)
def test_a_key_of_exactly_the_minimum_length_is_served(
    write_app: WriteApp, serve: Serve, key: str | bytes
) -> None:
    assert serve(write_app(key)) is None


def test_a_short_old_key_may_stay_in_the_fallbacks_while_it_is_retired(
    write_app: WriteApp, serve: Serve
) -> None:
    assert serve(write_app(GOOD_KEY, ["an-old-short-key", b"older-key"])) is None


# -- a missing key -----------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", b"", "   \n"], ids=["none", "empty", "bytes", "blank"])
def test_a_missing_or_empty_key_is_refused(write_app: WriteApp, serve: Serve, key: object) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert "Refusing to serve without a SECRET_KEY" in message
    _assert_says_how_to_fix(message)


def test_a_key_that_is_not_text_is_refused_with_the_json_hint(
    write_app: WriteApp, serve: Serve
) -> None:
    # HIPFLASK_SECRET_KEY=1234... arrives as an int through from_prefixed_env().
    message = serve(write_app(12345678901234567890123456789012345678901234567890))

    assert message is not None
    assert "SECRET_KEY of type int" in message
    assert "quote the value as JSON" in message
    _assert_says_how_to_fix(message)


# -- a short key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (GOOD_KEY[: MIN_SECRET_KEY_LENGTH - 1], "31-character"),
        (bytes(range(1, MIN_SECRET_KEY_LENGTH)), "31-byte"),
        ("correct horse battery", "21-character"),
    ],
    ids=["str", "bytes", "passphrase"],
)
def test_a_short_key_is_refused_without_echoing_it(
    write_app: WriteApp, serve: Serve, key: str | bytes, shown: str
) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert f"Refusing to serve with a {shown} SECRET_KEY" in message
    assert "at least 32" in message
    assert str(key) not in message
    _assert_says_how_to_fix(message)


# -- a well-known key --------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "dev",
        "secret",
        "changeme",
        "change-me",
        "development",
        "test",
        "your-secret-key",
        "super secret key",
        "keyboard cat",
        FLASK_QUICKSTART_KEY,
        FLASK_QUICKSTART_KEY.decode("latin-1"),
        r'_5#y2L"F4Q8z\n\xec]/',
    ],
)
def test_a_well_known_key_is_refused(write_app: WriteApp, serve: Serve, key: str | bytes) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert "Refusing to serve with a well-known SECRET_KEY" in message
    _assert_says_how_to_fix(message)


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-a-long-random-value-from-the-environment",
        "Replace_Me_With_A_Random_Key_Of_64_Characters_Or_More_Please",
        "your-secret-key-here-that-is-at-least-32-characters",
        b"changeme-0123456789012345678901234567890123",
    ],
)
def test_a_placeholder_padded_past_the_length_check_is_refused(
    write_app: WriteApp, serve: Serve, key: str | bytes
) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert "Refusing to serve with a well-known SECRET_KEY" in message


def _example_default_keys() -> list[str]:
    """The fallback keys the repository's examples (and so the docs) print."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    pattern = re.compile(r'environ\.get\(\s*"(?:HIPFLASK_)?SECRET_KEY",\s*"([^"]+)"')
    return sorted(
        {key for path in examples.rglob("*.py") for key in pattern.findall(path.read_text())}
    )


@pytest.mark.parametrize("key", _example_default_keys())
def test_the_fallback_keys_of_the_examples_are_refused(key: str) -> None:
    assert is_well_known_key(key)


@pytest.mark.parametrize("key", ["dev-only-secret-key-for-my-app-0123456789", "DEV_ONLY key 42"])
def test_a_key_marked_dev_only_is_refused(key: str) -> None:
    assert is_well_known_key(key)


def test_a_generated_key_is_not_taken_for_a_placeholder() -> None:
    from hipflask.serving.secret_key import is_well_known_key

    assert not is_well_known_key("c4a9d2e1f0b7a6958473625140312f1e0d9c8b7a69584736251403f2e1d0c9b8")
    assert not is_well_known_key("changed-recently-but-random-7Hq2vXk9LmPz3RtY8sWd")


@pytest.mark.parametrize(
    "key", ["  DEV\n", "ChangeMe", "CHANGE_ME", "Super-Secret-Key", "keyboard.cat", b"Dev"]
)
def test_a_well_known_key_is_refused_in_any_case_or_spacing(
    write_app: WriteApp, serve: Serve, key: str | bytes
) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert "well-known SECRET_KEY" in message


@pytest.mark.parametrize("key", WELL_KNOWN_KEYS)
def test_every_listed_key_counts_as_well_known(key: str | bytes) -> None:
    assert is_well_known_key(key)
    with pytest.raises(ConfigurationError, match="well-known SECRET_KEY"):
        check_secret_key(key)


def test_a_long_random_key_does_not_count_as_well_known() -> None:
    assert not is_well_known_key(GOOD_KEY)
    assert not is_well_known_key(GOOD_KEY.encode())


# -- the fallbacks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fallbacks", "expected"),
    [
        (["changeme"], "SECRET_KEY_FALLBACKS[0] is a well-known example value"),
        ([GOOD_KEY, b"Keyboard Cat"], "SECRET_KEY_FALLBACKS[1] is a well-known example value"),
        ([FLASK_QUICKSTART_KEY], "SECRET_KEY_FALLBACKS[0] is a well-known example value"),
        ([GOOD_KEY, ""], "SECRET_KEY_FALLBACKS[1] is empty"),
        ([None], "SECRET_KEY_FALLBACKS[0] of type NoneType"),
        ("old-key-kept-for-a-month-0123456789", "SECRET_KEY_FALLBACKS of type str"),
        (42, "SECRET_KEY_FALLBACKS of type int"),
    ],
    ids=["placeholder", "second-placeholder", "flask-key", "empty", "not-a-key", "str", "int"],
)
def test_a_fallback_anyone_could_sign_with_is_refused(
    write_app: WriteApp, serve: Serve, fallbacks: object, expected: str
) -> None:
    message = serve(write_app(GOOD_KEY, fallbacks))

    assert message is not None
    assert expected in message


def test_a_placeholder_fallback_is_refused_with_the_way_forward() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_secret_key(GOOD_KEY, ["dev"])

    assert "Remove it from the list" in str(caught.value)


# -- only the production server checks --------------------------------------------------


def test_the_development_server_serves_a_placeholder_key(
    write_app: WriteApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_app("dev")
    calls: list[Any] = []
    monkeypatch.setattr(run_module, "serve_development", lambda app, *a, **kw: calls.append(app))

    result = CliRunner(env=CLI_ENV).invoke(cli, ["--app", MODULE, "run"])

    assert result.exit_code == 0, result.output
    assert calls[0].config["SECRET_KEY"] == "dev"


# -- the key from the environment ---------------------------------------------------------


@pytest.mark.parametrize("variable", ["HIPFLASK_SECRET_KEY", "FLASK_SECRET_KEY"])
def test_an_app_without_a_key_is_served_with_the_environment_s_key(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("HIPFLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.setenv(variable, GOOD_KEY)
    assert serve(write_app(None)) is None


def test_the_environment_s_key_is_checked_like_any_other(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "short")
    message = serve(write_app(None))
    assert message is not None
    assert "5-character SECRET_KEY" in message


def test_a_key_set_by_the_app_wins_over_the_environment(
    write_app: WriteApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.serving.secret_key import apply_secret_key_from_env

    monkeypatch.setenv("HIPFLASK_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("FLASK_SECRET_KEY", "flask-" + GOOD_KEY)
    config: dict[str, Any] = {"SECRET_KEY": "the app's own " + GOOD_KEY}
    apply_secret_key_from_env(config)
    assert config["SECRET_KEY"] == "the app's own " + GOOD_KEY
    config = {"SECRET_KEY": None}
    apply_secret_key_from_env(config)
    assert config["SECRET_KEY"] == GOOD_KEY


def test_each_worker_takes_the_environment_s_key(
    write_app: WriteApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", GOOD_KEY)
    folder = write_app(None)
    app = production.load_worker_app(f"{MODULE}:app", sys_path_entry=str(folder))
    assert app.config["SECRET_KEY"] == GOOD_KEY


def test_the_refusal_says_serve_reads_the_environment(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPFLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    message = serve(write_app(None))
    assert message is not None
    assert "hipflask serve uses it when the app sets no key" in message


# -- a refused key the app set itself ------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["dev-only-change-me-0123456789abcdef", "short-default", 12345],
    ids=["placeholder", "short", "not-text"],
)
def test_a_refused_key_the_app_set_says_the_environment_s_key_is_not_read(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch, key: object
) -> None:
    # os.environ.get("SECRET_KEY", "<default>") in the app's config: following
    # the usual advice, export HIPFLASK_SECRET_KEY, changes nothing, since a key
    # the app sets wins; the refusal has to say so.
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", GOOD_KEY)
    message = serve(write_app(key))

    assert message is not None
    assert "The app sets this SECRET_KEY itself" in message
    assert "HIPFLASK_SECRET_KEY is not read" in message
    assert GOOD_KEY not in message


def test_a_refused_key_from_the_environment_does_not_blame_the_app(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "changeme")
    message = serve(write_app(None))

    assert message is not None
    assert "Refusing to serve with a well-known SECRET_KEY" in message
    assert "The app sets this SECRET_KEY itself" not in message


def test_a_key_from_prefixed_env_counts_as_the_environment_s(
    write_app: WriteApp, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    # from_prefixed_env() parsed HIPFLASK_SECRET_KEY=1234... as JSON: the key
    # did come from the variable, so the refusal must not say it is unread.
    digits = "1234567890" * 4
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", digits)
    message = serve(write_app(int(digits)))

    assert message is not None
    assert "SECRET_KEY of type int" in message
    assert "The app sets this SECRET_KEY itself" not in message
