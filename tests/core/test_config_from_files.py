"""Config.from_pyfile, from_envvar and from_file: settings read from files, and their errors."""

from __future__ import annotations

import errno
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tests.core.config_fixtures import config as config

from hipflask.core.config import Config
from hipflask.core.config import ConfigTypeError
from hipflask.core.config import ConfigValueError
from hipflask.core.config import UnsetEnvironmentVariableError
from hipflask.errors import ConfigurationError


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_from_pyfile_executes_the_file_relative_to_root_path(
    config: Config, tmp_path: Path
) -> None:
    write(
        tmp_path / "settings.py",
        """
        import os
        SECRET_KEY = "from-file"
        TIMEOUT = 60 * 2
        helper = "ignored"
        WHERE = __file__
        """,
    )

    assert config.from_pyfile("settings.py") is True
    assert config["SECRET_KEY"] == "from-file"
    assert config["TIMEOUT"] == 120
    assert config["WHERE"] == str(tmp_path / "settings.py")
    assert "helper" not in config
    assert "os" not in config


def test_from_pyfile_accepts_an_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", "A = 1\n")
    config = Config(tmp_path / "elsewhere")

    assert config.from_pyfile(path) is True
    assert config["A"] == 1


def test_from_pyfile_missing_file_raises_naming_the_file(config: Config, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        config.from_pyfile("missing.py")

    message = str(info.value)
    assert "No such file or directory" in message
    assert str(tmp_path / "missing.py") in message
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.errno == errno.ENOENT


def test_from_pyfile_missing_file_is_false_when_silent(config: Config) -> None:
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config == {}


def test_from_pyfile_directory_is_false_when_silent(config: Config, tmp_path: Path) -> None:
    (tmp_path / "folder.py").mkdir()

    assert config.from_pyfile("folder.py", silent=True) is False


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="needs POSIX permissions enforced for the current user",
)
def test_from_pyfile_unreadable_file_raises_even_when_silent(
    config: Config, tmp_path: Path
) -> None:
    path = write(tmp_path / "secret.py", "A = 1\n")
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match="Unable to load configuration file"):
            config.from_pyfile("secret.py", silent=True)
    finally:
        path.chmod(0o600)


def test_from_pyfile_errors_inside_the_file_propagate(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "A = 1 / 0\n")

    with pytest.raises(ZeroDivisionError):
        config.from_pyfile("broken.py", silent=True)


def test_from_pyfile_syntax_errors_name_the_file(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "bad.py", "A = (\n")

    with pytest.raises(SyntaxError) as info:
        config.from_pyfile("bad.py")

    assert info.value.filename == str(tmp_path / "bad.py")


def test_from_envvar_loads_the_file_the_variable_names(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "prod.py", "SERVER_NAME = 'prod.example'\n")
    monkeypatch.setenv("APP_SETTINGS", str(path))

    assert config.from_envvar("APP_SETTINGS") is True
    assert config["SERVER_NAME"] == "prod.example"


@pytest.mark.parametrize("value", [None, ""])
def test_from_envvar_unset_variable_raises_runtime_error_saying_to_set_it(
    config: Config, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("APP_SETTINGS", raising=False)
    else:
        monkeypatch.setenv("APP_SETTINGS", value)

    with pytest.raises(RuntimeError, match="'APP_SETTINGS' is not set") as info:
        config.from_envvar("APP_SETTINGS")

    assert "Set it to the path of a Python configuration file" in str(info.value)
    assert isinstance(info.value, ConfigurationError)
    assert isinstance(info.value, UnsetEnvironmentVariableError)


def test_from_envvar_unset_variable_is_false_when_silent(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_SETTINGS", raising=False)

    assert config.from_envvar("APP_SETTINGS", silent=True) is False


def test_from_envvar_missing_file_raises_unless_silent(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_SETTINGS", str(tmp_path / "gone.py"))

    with pytest.raises(FileNotFoundError, match=r"gone\.py"):
        config.from_envvar("APP_SETTINGS")
    assert config.from_envvar("APP_SETTINGS", silent=True) is False


def test_from_file_loads_json(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "config.json", '{"SECRET_KEY": "j", "DEBUG": true, "low": 1}')

    assert config.from_file("config.json", load=json.load) is True
    assert config == {"SECRET_KEY": "j", "DEBUG": True}


def test_from_file_reads_text_as_utf8(config: Config, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes('{"GREETING": "grüß dich"}'.encode())

    config.from_file("config.json", load=json.load)

    assert config["GREETING"] == "grüß dich"


def test_from_file_loads_toml_in_binary_mode(config: Config, tmp_path: Path) -> None:
    tomllib = pytest.importorskip("tomllib")
    write(
        tmp_path / "config.toml",
        """
        SECRET_KEY = "t"
        MAX_CONTENT_LENGTH = 1024

        [DB]
        HOST = "localhost"
        """,
    )

    assert config.from_file("config.toml", load=tomllib.load, text=False) is True
    assert config == {
        "SECRET_KEY": "t",
        "MAX_CONTENT_LENGTH": 1024,
        "DB": {"HOST": "localhost"},
    }


def test_from_file_passes_a_binary_file_when_text_is_false(config: Config, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"x")
    seen: list[Any] = []

    def load(file: Any) -> dict[str, Any]:
        seen.append(file.read())
        return {}

    config.from_file("data.bin", load=load, text=False)
    config.from_file("data.bin", load=load)

    assert seen == [b"x", "x"]


def test_from_file_missing_file_raises_naming_it(config: Config, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file") as info:
        config.from_file("missing.json", load=json.load)

    assert str(tmp_path / "missing.json") in str(info.value)


def test_from_file_missing_file_is_false_when_silent(config: Config) -> None:
    assert config.from_file("missing.json", load=json.load, silent=True) is False


@pytest.mark.parametrize(
    ("text", "flask_error", "kind"),
    [
        ("[1, 2]", TypeError, "list"),
        ("42", TypeError, "int"),
        ('"text"', ValueError, "str"),
        ('[["A", 1, 2]]', ValueError, "list"),
    ],
)
def test_from_file_refuses_a_file_whose_top_level_is_not_a_mapping(
    config: Config, tmp_path: Path, text: str, flask_error: type[Exception], kind: str
) -> None:
    write(tmp_path / "top.json", text)

    with pytest.raises(ConfigurationError, match=f"holds a {kind} at the top level") as info:
        config.from_file("top.json", load=json.load)

    # Also the class Flask raises there, for code that catches that.
    assert isinstance(info.value, flask_error)
    assert isinstance(info.value, ConfigTypeError if flask_error is TypeError else ConfigValueError)


def test_from_file_reads_what_flask_reads_as_a_mapping(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "pairs.json", '[["SECRET_KEY", "x"], ["lower", 1]]')
    write(tmp_path / "null.json", "null")

    assert config.from_file("pairs.json", load=json.load) is True
    assert config.from_file("null.json", load=json.load) is True

    assert config == {"SECRET_KEY": "x"}


def test_from_file_parse_errors_propagate_even_when_silent(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "bad.json", "{not json")

    with pytest.raises(json.JSONDecodeError):
        config.from_file("bad.json", load=json.load, silent=True)
