from __future__ import annotations

import errno
import json
import os
import sys
import textwrap
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import session
from hipflask.core.config import DEFAULT_CONFIG
from hipflask.core.config import Config
from hipflask.core.config import ConfigAttribute
from hipflask.core.config import ConfigTypeError
from hipflask.core.config import ConfigValueError
from hipflask.core.config import UnsetEnvironmentVariableError
from hipflask.core.config import _to_timedelta
from hipflask.errors import ConfigurationError


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith(("HIPFLASK_", "FLASK_", "MYAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- construction and defaults ------------------------------------------------


def test_config_is_a_dict_starting_from_the_given_defaults(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": True, "A": 1})

    assert isinstance(config, dict)
    assert config == {"DEBUG": True, "A": 1}
    assert config.root_path == tmp_path


def test_root_path_is_kept_as_given(tmp_path: Path) -> None:
    # Flask keeps a Path a Path; code ported from it may use ``root_path / name``.
    from_path = Config(tmp_path)
    assert isinstance(from_path.root_path, Path)
    assert from_path.root_path == tmp_path
    assert Config(str(tmp_path)).root_path == str(tmp_path)


def test_config_without_defaults_is_empty(tmp_path: Path) -> None:
    assert Config(tmp_path) == {}
    assert Config(tmp_path, None) == {}


def test_mutable_defaults_are_copied_so_apps_do_not_share_them(tmp_path: Path) -> None:
    first = Config(tmp_path, DEFAULT_CONFIG)
    second = Config(tmp_path, DEFAULT_CONFIG)

    first["TRUSTED_ORIGINS"].append("https://evil.example")

    assert second["TRUSTED_ORIGINS"] == []
    assert DEFAULT_CONFIG["TRUSTED_ORIGINS"] == []


def test_defaults_mapping_is_not_modified_by_config_changes(tmp_path: Path) -> None:
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    config["A"] = 2

    assert defaults == {"A": 1}


def test_default_config_holds_the_secure_defaults() -> None:
    assert DEFAULT_CONFIG["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert DEFAULT_CONFIG["SESSION_COOKIE_HTTPONLY"] is True
    assert DEFAULT_CONFIG["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert DEFAULT_CONFIG["SESSION_COOKIE_SECURE"] is None
    assert DEFAULT_CONFIG["CROSS_ORIGIN_PROTECTION"] is True
    assert DEFAULT_CONFIG["SECURITY_HEADERS"] is True
    assert DEFAULT_CONFIG["HSTS_MAX_AGE"] == 31_536_000
    assert DEFAULT_CONFIG["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert DEFAULT_CONFIG["PROXY_FIX"] is None
    assert DEFAULT_CONFIG["ASGI_THREAD_POOL_SIZE"] == 40


def test_default_config_keys_are_all_uppercase() -> None:
    assert all(key.isupper() for key in DEFAULT_CONFIG)


def test_every_built_in_setting_is_documented() -> None:
    docs = Path(__file__).parents[2] / "docs" / "config.rst"
    if not docs.exists():
        pytest.skip("docs/config.rst is not part of this checkout")
    text = docs.read_text(encoding="utf-8")

    missing = [key for key in DEFAULT_CONFIG if f"* - ``{key}``" not in text]

    assert missing == []


def test_repr_names_the_class_and_shows_the_items(tmp_path: Path) -> None:
    class AppConfig(Config):
        pass

    assert repr(Config(tmp_path, {"A": 1})) == "<Config {'A': 1}>"
    assert repr(AppConfig(tmp_path, {"B": "x"})) == "<AppConfig {'B': 'x'}>"


# --- from_object --------------------------------------------------------------


def test_from_object_loads_only_uppercase_attributes(config: Config) -> None:
    class Settings:
        SECRET_KEY = "k"
        DEBUG = True
        lower = "ignored"
        Mixed = "ignored"
        _PRIVATE_lower = "ignored"

    config.from_object(Settings)

    assert config == {"SECRET_KEY": "k", "DEBUG": True}


def test_from_object_reads_inherited_and_instance_attributes(config: Config) -> None:
    class Base:
        DEBUG = False
        DB = "sqlite://"

    class Production(Base):
        DB = "postgresql://db"

        @property
        def URL(self) -> str:
            return self.DB + "/app"

    config.from_object(Production())

    assert config == {
        "DEBUG": False,
        "DB": "postgresql://db",
        "URL": "postgresql://db/app",
    }


def test_from_object_accepts_a_module(config: Config) -> None:
    module = types.ModuleType("settings")
    module.FOO = "bar"  # type: ignore[attr-defined]
    module.helper = len  # type: ignore[attr-defined]

    config.from_object(module)

    assert config == {"FOO": "bar"}


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch) -> str:
    module = types.ModuleType("hipflask_test_settings")

    class Production:
        SERVER_NAME = "example.com"
        lowercase = 1

    module.Production = Production  # type: ignore[attr-defined]
    module.TOP = "level"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


@pytest.mark.parametrize("separator", [":", "."])
def test_from_object_imports_a_dotted_or_colon_path(
    config: Config, settings_module: str, separator: str
) -> None:
    config.from_object(f"{settings_module}{separator}Production")

    assert config == {"SERVER_NAME": "example.com"}


def test_from_object_imports_a_module_path(config: Config, settings_module: str) -> None:
    config.from_object(settings_module)

    assert config["TOP"] == "level"


def test_from_object_with_a_bad_import_path_raises_import_error(config: Config) -> None:
    with pytest.raises(ImportError):
        config.from_object("hipflask_no_such_module_xyz:Settings")


# --- from_pyfile --------------------------------------------------------------


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


# --- from_envvar --------------------------------------------------------------


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


# --- from_file ----------------------------------------------------------------


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


# --- from_mapping -------------------------------------------------------------


def test_from_mapping_loads_uppercase_keys_of_mapping_and_kwargs(
    config: Config,
) -> None:
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}


def test_from_mapping_kwargs_override_the_mapping(config: Config) -> None:
    config.from_mapping({"A": 1}, A=2)

    assert config["A"] == 2


def test_from_mapping_without_arguments_changes_nothing(config: Config) -> None:
    assert config.from_mapping() is True
    assert config.from_mapping(None) is True
    assert config == {}


# --- from_prefixed_env --------------------------------------------------------


def test_prefixed_env_sets_keys_without_the_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_SECRET_KEY", "not json")
    clean_env.setenv("OTHER_SECRET", "ignored")
    clean_env.setenv("HIPFLASKX_Y", "ignored")

    assert config.from_prefixed_env() is True
    assert config == {"SECRET_KEY": "not json"}


def test_prefixed_env_parses_json_values(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HIPFLASK_DEBUG", "false")
    clean_env.setenv("HIPFLASK_LIFETIME", "3600")
    clean_env.setenv("HIPFLASK_RATIO", "0.5")
    clean_env.setenv("HIPFLASK_ORIGINS", '["https://a.example", "https://b.example"]')
    clean_env.setenv("HIPFLASK_EXTRA", '{"x": null}')
    clean_env.setenv("HIPFLASK_QUOTED", '"text"')

    config.from_prefixed_env()

    assert config == {
        "DEBUG": False,
        "LIFETIME": 3600,
        "RATIO": 0.5,
        "ORIGINS": ["https://a.example", "https://b.example"],
        "EXTRA": {"x": None},
        "QUOTED": "text",
    }


def test_prefixed_env_uses_a_custom_loads_and_keeps_strings_it_rejects(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_NUMBER", "12")
    clean_env.setenv("HIPFLASK_WORD", "twelve")

    config.from_prefixed_env(loads=int)

    assert config == {"NUMBER": 12, "WORD": "twelve"}


def test_prefixed_env_double_underscore_sets_nested_keys(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["DB"] = {"PORT": 5432}
    clean_env.setenv("HIPFLASK_DB__HOST", "db.internal")
    clean_env.setenv("HIPFLASK_CACHE__REDIS__URL", '"redis://localhost"')

    config.from_prefixed_env()

    assert config["DB"] == {"PORT": 5432, "HOST": "db.internal"}
    assert config["CACHE"] == {"REDIS": {"URL": "redis://localhost"}}


def test_prefixed_env_applies_whole_dicts_before_their_nested_keys(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_DB__HOST", "override")
    clean_env.setenv("HIPFLASK_DB", '{"HOST": "base", "PORT": 1}')

    config.from_prefixed_env()

    assert config["DB"] == {"HOST": "override", "PORT": 1}


@pytest.mark.parametrize("value", ["sqlite://", 5, None, ["a"]])
def test_prefixed_env_nested_key_through_a_non_dict_is_a_configuration_error(
    config: Config, clean_env: pytest.MonkeyPatch, value: object
) -> None:
    config["DB"] = value
    clean_env.setenv("HIPFLASK_DB__HOST", "x")

    with pytest.raises(ConfigurationError, match=r"but DB is a .*, not a dict") as info:
        config.from_prefixed_env()

    assert isinstance(info.value, TypeError)  # what Flask raises there
    assert isinstance(info.value, ConfigTypeError)


def test_prefixed_env_empty_nested_part_is_a_configuration_error(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_DB____HOST", "x")

    with pytest.raises(ConfigurationError, match="HIPFLASK_DB____HOST has an empty key") as info:
        config.from_prefixed_env()

    # Flask stores it under an empty key; refused here, as the malformed name it is.
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ConfigValueError)


def test_prefixed_env_ignores_the_bare_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_", "x")

    config.from_prefixed_env()

    assert config == {}


def test_prefixed_env_accepts_the_flask_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("HIPFLASK_SECRET_KEY", '"native"')

    config.from_prefixed_env("FLASK")

    assert config == {"SECRET_KEY": "ported"}


def test_prefixed_env_does_not_double_a_trailing_underscore(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("MYAPP_A", "1")

    config.from_prefixed_env("MYAPP_")

    assert config == {"A": 1}


# --- get_namespace ------------------------------------------------------------


@pytest.fixture
def namespaced(tmp_path: Path) -> Config:
    return Config(
        tmp_path,
        {"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_PATH": "/img", "OTHER": 1},
    )


def test_get_namespace_trims_and_lowercases_by_default(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/img"}


def test_get_namespace_can_keep_the_case(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/img",
    }


def test_get_namespace_can_keep_the_namespace(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/img",
    }
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False) == {
        "IMAGE_STORE_TYPE": "fs",
        "IMAGE_STORE_PATH": "/img",
    }


def test_get_namespace_returns_a_new_dict_and_nothing_for_unknown_prefix(
    namespaced: Config,
) -> None:
    found = namespaced.get_namespace("IMAGE_STORE_")
    found["type"] = "s3"

    assert namespaced["IMAGE_STORE_TYPE"] == "fs"
    assert namespaced.get_namespace("NOPE_") == {}


# --- ConfigAttribute and _to_timedelta ----------------------------------------


class App:
    secret_key = ConfigAttribute[str | None]("SECRET_KEY")
    debug = ConfigAttribute[bool | None]("DEBUG")
    testing = ConfigAttribute[bool]("TESTING")
    permanent_session_lifetime = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME", get_converter=_to_timedelta
    )

    def __init__(self, root: Path) -> None:
        self.config = Config(root, DEFAULT_CONFIG)


@pytest.fixture
def app(tmp_path: Path) -> App:
    return App(tmp_path)


def test_config_attribute_reads_the_setting(app: App) -> None:
    app.config["SECRET_KEY"] = "abc"

    assert app.secret_key == "abc"
    assert app.testing is False
    assert app.debug is None


def test_config_attribute_writes_through_to_the_config(app: App) -> None:
    app.secret_key = "written"
    app.testing = True

    assert app.config["SECRET_KEY"] == "written"
    assert app.config["TESTING"] is True


def test_config_attribute_on_the_class_returns_the_descriptor() -> None:
    descriptor = App.secret_key

    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.name == "SECRET_KEY"


def test_config_attribute_converts_seconds_to_a_timedelta(app: App) -> None:
    assert app.permanent_session_lifetime == timedelta(days=31)

    app.permanent_session_lifetime = 3600

    assert app.config["PERMANENT_SESSION_LIFETIME"] == 3600
    assert app.permanent_session_lifetime == timedelta(hours=1)


def test_config_attribute_wraps_converter_errors_with_the_setting_name(
    app: App,
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = "31d"

    with pytest.raises(ConfigurationError, match=r"PERMANENT_SESSION_LIFETIME.*'31d'") as info:
        _ = app.permanent_session_lifetime

    # Flask's timedelta(seconds="31d") raises TypeError; a ported except keeps catching.
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ConfigTypeError)


@pytest.mark.parametrize(
    ("converter", "value", "flask_error"),
    [(int, "abc", ValueError), (int, [1], TypeError), (json.loads, "{", ValueError)],
)
def test_config_attribute_converter_errors_keep_the_class_flask_lets_through(
    tmp_path: Path, converter: Any, value: object, flask_error: type[Exception]
) -> None:
    class Uploads:
        max_upload = ConfigAttribute[int]("MAX_UPLOAD", get_converter=converter)

        def __init__(self) -> None:
            self.config = Config(tmp_path, {"MAX_UPLOAD": value})

    with pytest.raises(flask_error, match="Setting MAX_UPLOAD has an invalid value") as info:
        _ = Uploads().max_upload

    assert isinstance(info.value, ConfigurationError)


def test_config_attribute_missing_setting_raises_key_error(app: App) -> None:
    del app.config["SECRET_KEY"]

    with pytest.raises(KeyError, match="SECRET_KEY"):
        _ = app.secret_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(minutes=5), timedelta(minutes=5)),
        (60, timedelta(minutes=1)),
        (0, timedelta(0)),
        (1.5, timedelta(seconds=1.5)),
    ],
)
def test_to_timedelta_accepts_timedeltas_and_seconds(value: object, expected: timedelta) -> None:
    assert _to_timedelta(value) == expected


@pytest.mark.parametrize("value", [True, "60", None, [60]])
def test_to_timedelta_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError, match="timedelta or a number of seconds"):
        _to_timedelta(value)


def test_prefixed_env_default_reads_flask_variables_too(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("FLASK_DB", '{"HOST": "db", "PORT": 1}')
    clean_env.setenv("FLASK_DB__PORT", "5432")

    config.from_prefixed_env()

    assert config == {"SECRET_KEY": "ported", "DB": {"HOST": "db", "PORT": 5432}}


def test_prefixed_env_hipflask_variable_wins_over_the_flask_one(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("HIPFLASK_SECRET_KEY", '"native"')
    clean_env.setenv("FLASK_DB__HOST", '"flask-db"')
    clean_env.setenv("HIPFLASK_DB__PORT", "5432")

    config.from_prefixed_env()

    assert config == {"SECRET_KEY": "native", "DB": {"HOST": "flask-db", "PORT": 5432}}


def test_prefixed_env_with_another_prefix_reads_only_that_one(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("MYAPP_SECRET_KEY", '"mine"')

    config.from_prefixed_env("MYAPP")

    assert config == {"SECRET_KEY": "mine"}


# --- settings given as class attributes of an app subclass ---------------------


def assert_session_counts(app: Hipflask, protocol: str) -> None:
    """A view counting in the session answers 1, then 2: the session is signed and read back."""

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    client: Any = app.test_client(protocol=protocol)
    assert client.get("/count").get_json() == {"n": 1}
    assert client.get("/count").get_json() == {"n": 2}


def test_a_subclass_secret_key_signs_the_session(protocol: str) -> None:
    class KeyedApp(Hipflask):
        secret_key = "class-level-secret-key-that-is-long-enough"

    app = KeyedApp("keyed")

    assert_session_counts(app, protocol)
    assert app.config["SECRET_KEY"] == "class-level-secret-key-that-is-long-enough"


def test_subclass_settings_reach_the_config() -> None:
    class Configured(Hipflask):
        testing = True
        permanent_session_lifetime = timedelta(hours=2)

    app = Configured("configured")
    assert app.config["TESTING"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
    # The plain Hipflask class keeps its defaults.
    assert Hipflask("plain").config["TESTING"] is False


def test_a_subclass_secret_key_property_is_read_when_the_app_is_made(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYAPP_SESSION_KEY", "environment-secret-key-that-is-long-enough")

    class PropertyApp(Hipflask):
        @property  # type: ignore[override]
        def secret_key(self) -> str:
            return os.environ["MYAPP_SESSION_KEY"]

    app = PropertyApp("property-keyed")

    assert_session_counts(app, protocol)


def test_a_property_that_cannot_answer_leaves_the_config_alone() -> None:
    class Unready(Hipflask):
        @property  # type: ignore[override]
        def testing(self) -> bool:
            raise KeyError("not configured yet")

    assert Unready("unready").config["TESTING"] is False
