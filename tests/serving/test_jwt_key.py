"""A production server refuses a weak JWT_SECRET_KEY, as it refuses a weak SECRET_KEY."""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serving.test_secret_key import GOOD_KEY
from tests.serving.test_secret_key import MODULE
from tests.serving.test_secret_key import Serve
from tests.serving.test_secret_key import serve  # noqa: F401 - the fixture, both entry points

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.jwt import JWTManager
from hipflask.serving.jwt_key import check_jwt_secret_key

#: Another generated key: the app's SECRET_KEY, which passes its own check.
APP_KEY = "9d1f3a8b2e5c73f9c2b7e81d04a6f95e3c1b8d27a4f60e9b5c3d18f2a7e4b06c"

WriteApp = Callable[..., Path]
_UNSET = object()


@pytest.fixture
def write_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteApp]:
    """Write the probe app: a JWT app with the given settings; importable and the cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(key: object = _UNSET, fallbacks: object = _UNSET, algorithm: str = "HS256") -> Path:
        lines = [
            "from hipflask import Hipflask",
            "from hipflask.jwt import JWTManager",
            "app = Hipflask(__name__)",
            f"app.config['SECRET_KEY'] = {APP_KEY!r}",
            f"app.config['JWT_ALGORITHM'] = {algorithm!r}",
        ]
        if key is not _UNSET:
            lines.append(f"app.config['JWT_SECRET_KEY'] = {key!r}")
        if fallbacks is not _UNSET:
            lines.append(f"app.config['JWT_SECRET_KEY_FALLBACKS'] = {fallbacks!r}")
        lines.append("JWTManager(app)")
        (tmp_path / f"{MODULE}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return tmp_path

    yield write
    sys.modules.pop(MODULE, None)


# -- served ------------------------------------------------------------------------------


def test_a_generated_jwt_key_is_served(write_app: WriteApp, serve: Serve) -> None:  # noqa: F811
    assert serve(write_app(GOOD_KEY)) is None


@pytest.mark.parametrize("key", [_UNSET, None, ""], ids=["unset", "none", "empty"])
def test_without_a_jwt_key_tokens_use_the_derived_key_and_are_served(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
    key: object,
) -> None:
    assert serve(write_app(key)) is None


def test_a_short_old_key_may_stay_in_the_fallbacks_while_its_tokens_expire(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
) -> None:
    assert serve(write_app(GOOD_KEY, ["an-old-short-key", b"older-key"])) is None


# -- refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["super-secret", "Super_Secret", "secret", b"dev", "changeme-to-a-long-random-value-1234"],
)
def test_a_well_known_jwt_key_is_refused(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
    key: str | bytes,
) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert "Refusing to serve with a well-known JWT_SECRET_KEY" in message
    assert "anyone can sign an access token with it" in message
    assert "leave JWT_SECRET_KEY unset" in message
    assert "secrets.token_hex(32)" in message


@pytest.mark.parametrize(
    ("key", "shown"),
    [("a-16-char-secret", "16-character"), (b"\x8f" * 31, "31-byte")],
    ids=["str", "bytes"],
)
def test_a_short_jwt_key_is_refused_without_echoing_it(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
    key: str | bytes,
    shown: str,
) -> None:
    message = serve(write_app(key))

    assert message is not None
    assert f"Refusing to serve with a {shown} JWT_SECRET_KEY" in message
    assert "at least 32" in message
    assert "JWT_SECRET_KEY_FALLBACKS" in message
    assert "a-16-char-secret" not in message


def test_a_jwt_key_that_is_not_text_is_refused(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
) -> None:
    message = serve(write_app(12345678901234567890123456789012))

    assert message is not None
    assert "Refusing to serve with a JWT_SECRET_KEY of type int" in message


@pytest.mark.parametrize(
    ("fallbacks", "said"),
    [
        (["super-secret"], "JWT_SECRET_KEY_FALLBACKS[0] is a well-known example value"),
        ([GOOD_KEY, "  "], "JWT_SECRET_KEY_FALLBACKS[1] is empty"),
        ([42], "JWT_SECRET_KEY_FALLBACKS[0] of type int"),
        ("an-old-key", "JWT_SECRET_KEY_FALLBACKS of type str"),
    ],
    ids=["well-known", "blank", "not-a-key", "not-a-list"],
)
def test_a_fallback_anyone_could_sign_with_is_refused(
    write_app: WriteApp,
    serve: Serve,  # noqa: F811
    fallbacks: object,
    said: str,
) -> None:
    message = serve(write_app(GOOD_KEY, fallbacks))

    assert message is not None
    assert said in message


# -- not this check's business -----------------------------------------------------------


def _jwt_app(**config: object) -> Hipflask:
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = APP_KEY
    app.config.update(config)
    return app


def test_a_public_key_algorithm_never_uses_the_jwt_key() -> None:
    app = _jwt_app(JWT_ALGORITHM="RS256", JWT_SECRET_KEY="super-secret")
    JWTManager(app)

    check_jwt_secret_key(app)


def test_an_app_without_a_jwt_manager_signs_no_tokens() -> None:
    check_jwt_secret_key(_jwt_app(JWT_SECRET_KEY="super-secret"))


def test_the_check_can_be_called_from_an_app_factory() -> None:
    app = _jwt_app(JWT_SECRET_KEY="super-secret")
    JWTManager(app)

    with pytest.raises(ConfigurationError, match="well-known JWT_SECRET_KEY"):
        check_jwt_secret_key(app)
