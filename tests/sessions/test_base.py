from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import session
from hipflask.errors import ConfigurationError
from hipflask.sessions import Session
from hipflask.sessions import base as sessions_base
from hipflask.sessions.base import NullSession
from hipflask.sessions.base import SecureCookieSession
from hipflask.sessions.base import ServerSideSession
from hipflask.sessions.base import ServerSideSessionInterface
from hipflask.sessions.base import SessionInterface
from hipflask.sessions.base import SessionMixin
from hipflask.sessions.base import SessionUnavailableError
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.request import Request


def fresh(**data: Any) -> SecureCookieSession:
    return SecureCookieSession(data)


def test_new_session_is_neither_accessed_nor_modified() -> None:
    s = fresh(a=1)
    assert (s.accessed, s.modified, s.new) == (False, False, False)
    assert s == {"a": 1}


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s["a"],
        lambda s: s.get("a"),
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: bool(s),
        lambda s: s.keys(),
        lambda s: s.values(),
        lambda s: s.items(),
        lambda s: s.copy(),
        lambda s: s.permanent,
        lambda s: s.new,
        lambda s: s.setdefault("a", 2),
        lambda s: s.pop("missing", None),
    ],
    ids=[
        "getitem",
        "get",
        "contains",
        "iter",
        "len",
        "bool",
        "keys",
        "values",
        "items",
        "copy",
        "permanent",
        "new",
        "setdefault-existing",
        "pop-missing",
    ],
)
def test_reading_marks_accessed_but_not_modified(
    read: Callable[[SecureCookieSession], Any],
) -> None:
    s = fresh(a=1)
    read(s)
    assert s.accessed is True
    assert s.modified is False
    assert s == {"a": 1}


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda s: s.__setitem__("b", 2), {"a": 1, "b": 2}),
        (lambda s: s.__delitem__("a"), {}),
        (lambda s: s.setdefault("b", 2), {"a": 1, "b": 2}),
        (lambda s: s.pop("a"), {}),
        (lambda s: s.pop("a", None), {}),
        (lambda s: s.popitem(), {}),
        (lambda s: s.clear(), {}),
        (lambda s: s.update({"b": 2}, c=3), {"a": 1, "b": 2, "c": 3}),
        (lambda s: s.__ior__({"b": 2}), {"a": 1, "b": 2}),
        (lambda s: setattr(s, "permanent", True), {"a": 1, "_permanent": True}),
    ],
    ids=[
        "setitem",
        "delitem",
        "setdefault-new",
        "pop",
        "pop-default",
        "popitem",
        "clear",
        "update",
        "ior",
        "permanent",
    ],
)
def test_writing_marks_modified_and_accessed(
    write: Callable[[SecureCookieSession], Any], expected: dict[str, Any]
) -> None:
    s = fresh(a=1)
    write(s)
    assert s.modified is True
    assert s.accessed is True
    assert dict(s) == expected


def test_pop_of_missing_key_without_default_raises() -> None:
    s = fresh()
    with pytest.raises(KeyError):
        s.pop("nope")
    assert s.modified is False


def test_copy_is_independent_plain_dict() -> None:
    s = fresh(a=1)
    c = s.copy()
    c["b"] = 2
    assert type(c) is dict
    assert "b" not in s


def test_permanent_is_stored_as_bool() -> None:
    s = fresh()
    assert s.permanent is False
    s.permanent = 1  # type: ignore[assignment]
    assert s.permanent is True
    assert s["_permanent"] is True
    s.permanent = False
    assert s.permanent is False


def test_repr_names_the_class() -> None:
    assert repr(fresh(a=1)) == "<SecureCookieSession {'a': 1}>"


def test_mixin_defaults_assume_changes() -> None:
    class Plain(dict[str, Any], SessionMixin):  # type: ignore[misc]
        pass

    plain = Plain()
    assert plain.modified is True
    assert plain.accessed is True
    assert plain.new is False


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("a", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.setdefault("a", 1),
        lambda s: s.pop("a", None),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.update(a=1),
        lambda s: s.__ior__({"a": 1}),
        lambda s: setattr(s, "permanent", True),
    ],
    ids=["setitem", "delitem", "setdefault", "pop", "popitem", "clear", "update", "ior", "perm"],
)
def test_null_session_refuses_writes_naming_the_setting(
    write: Callable[[NullSession], Any],
) -> None:
    with pytest.raises(SessionUnavailableError, match=r"no secret key was set.*SECRET_KEY"):
        write(NullSession())


def test_null_session_error_is_configuration_and_runtime_error() -> None:
    assert issubclass(SessionUnavailableError, ConfigurationError)
    assert issubclass(SessionUnavailableError, RuntimeError)


def test_null_session_reads_find_nothing() -> None:
    s = NullSession()
    assert s.get("user_id") is None
    assert "user_id" not in s
    assert len(s) == 0
    assert s.permanent is False


# -- SessionInterface helpers ------------------------------------------------


def test_interface_open_and_save_must_be_written(app: Hipflask) -> None:
    interface = SessionInterface()
    with app.test_request_context() as ctx:
        with pytest.raises(NotImplementedError):
            interface.open_session(app, ctx.request)
        with pytest.raises(NotImplementedError):
            interface.save_session(app, fresh(), Response())


def test_interface_null_session(app: Hipflask) -> None:
    interface = SessionInterface()
    null = interface.make_null_session(app)
    assert isinstance(null, NullSession)
    assert interface.is_null_session(null)
    assert not interface.is_null_session(fresh())
    assert interface.pickle_based is False


def test_cookie_settings_have_secure_defaults(app: Hipflask) -> None:
    interface = SessionInterface()
    assert interface.get_cookie_name(app) == "session"
    assert interface.get_cookie_domain(app) is None
    assert interface.get_cookie_path(app) == "/"
    assert interface.get_cookie_httponly(app) is True
    assert interface.get_cookie_samesite(app) == "Lax"
    assert interface.get_cookie_partitioned(app) is False


def test_cookie_settings_follow_config(app: Hipflask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    interface = SessionInterface()
    assert interface.get_cookie_name(app) == "sid"
    assert interface.get_cookie_domain(app) == "example.test"
    assert interface.get_cookie_path(app) == "/app"
    assert interface.get_cookie_httponly(app) is False
    assert interface.get_cookie_samesite(app) == "Strict"
    assert interface.get_cookie_partitioned(app) is True


def test_cookie_path_defaults_to_application_root(app: Hipflask) -> None:
    app.config["APPLICATION_ROOT"] = "/mounted"
    assert SessionInterface().get_cookie_path(app) == "/mounted"


def test_samesite_none_setting_omits_the_attribute(app: Hipflask) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = None
    assert SessionInterface().get_cookie_samesite(app) is None


@pytest.mark.parametrize(
    ("setting", "base_url", "expected"),
    [
        (None, "http://localhost", False),
        (None, "https://localhost", True),
        (True, "http://localhost", True),
        (False, "https://localhost", False),
    ],
)
def test_secure_follows_request_scheme_unless_forced(
    app: Hipflask, setting: bool | None, base_url: str, expected: bool
) -> None:
    app.config["SESSION_COOKIE_SECURE"] = setting
    with app.test_request_context(base_url=base_url):
        assert SessionInterface().get_cookie_secure(app) is expected


def test_secure_outside_a_request_is_false(app: Hipflask) -> None:
    assert SessionInterface().get_cookie_secure(app) is False


def test_expiration_only_for_permanent_sessions(app: Hipflask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 600
    interface = SessionInterface()
    s = fresh()
    assert interface.get_expiration_time(app, s) is None
    s.permanent = True
    expires = interface.get_expiration_time(app, s)
    assert expires is not None
    remaining = expires - datetime.now(timezone.utc)
    assert timedelta(seconds=590) < remaining <= timedelta(seconds=600)


def test_should_set_cookie_when_modified_or_refreshing_permanent(app: Hipflask) -> None:
    interface = SessionInterface()
    s = fresh(a=1)
    assert interface.should_set_cookie(app, s) is False
    s.permanent = True
    s.modified = False
    assert interface.should_set_cookie(app, s) is True
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert interface.should_set_cookie(app, s) is False
    s.modified = True
    assert interface.should_set_cookie(app, s) is True


# -- a custom interface plugs into the request cycle ---------------------------


class MemoryInterface(SessionInterface):
    """Keeps sessions in a dict keyed by a cookie: the shape of a server-side store."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.saved = 0

    def open_session(self, app: Any, request: Request) -> SecureCookieSession | None:
        if request.headers.get("X-No-Session"):
            return None
        sid = request.cookies.get(self.get_cookie_name(app))
        return SecureCookieSession(self.store.get(sid or "", {}))

    def save_session(self, app: Any, session: SessionMixin, response: Response) -> None:
        self.saved += 1
        if session.modified:
            self.store["sid-1"] = dict(session)
            response.set_cookie(self.get_cookie_name(app), "sid-1", path=self.get_cookie_path(app))


def test_custom_interface_opens_and_saves(app: Hipflask, client: HipflaskClient) -> None:
    interface = MemoryInterface()
    app.session_interface = interface

    @app.route("/set")
    def set_value() -> str:
        session["n"] = 5
        return "ok"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("n"))

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    client.get("/set")
    assert interface.store == {"sid-1": {"n": 5}}
    assert client.get("/get").text == "5"
    # As in Flask, a request carrying the session cookie opens and saves the
    # session even when the view never touches it (the sliding expiry of a
    # permanent session depends on it) ...
    saved = interface.saved
    client.get("/untouched")
    assert interface.saved == saved + 1
    # ... but not with the refresh turned off, nor without the cookie.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/untouched")
    assert interface.saved == saved + 1
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    client.delete_cookie(interface.get_cookie_name(app))
    client.get("/untouched")
    assert interface.saved == saved + 1


def test_custom_interface_asks_to_see_every_response_with_cookies(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask saves on every request; an interface relying on that (a cookie of
    # another name, a "last seen" stamp) says so with refresh_untouched.
    class StampingInterface(MemoryInterface):
        def refresh_untouched(self, app: Any, request: Request, response: Response) -> bool:
            return True

    interface = StampingInterface()
    app.session_interface = interface

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    client.get("/untouched")
    assert interface.saved == 0
    client.set_cookie("theme", "dark")
    client.get("/untouched")
    assert interface.saved == 1


def test_interface_returning_none_gives_the_null_session(
    app: Hipflask, client: HipflaskClient
) -> None:
    interface = MemoryInterface()
    app.session_interface = interface

    @app.route("/read")
    def read() -> str:
        return f"{type(session._get_current_object()).__name__} {session.get('n')}"  # type: ignore[attr-defined]

    response = client.get("/read", headers={"X-No-Session": "1"})
    assert response.text == "NullSession None"
    assert interface.saved == 0


def test_flask_sessions_server_side_classes_import_from_its_base_path(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask-Session documents them as flask_session.base.*: a port renames the path.
    Session(app)
    seen: list[object] = []

    @app.get("/login")
    def login() -> str:
        seen.append(session._get_current_object())  # type: ignore[attr-defined]
        session["user"] = "ann"
        return "ok"

    @app.get("/rotate")
    def rotate() -> str:
        app.session_interface.regenerate(session)  # type: ignore[attr-defined]
        return session["user"]  # type: ignore[no-any-return]

    client.get("/login")
    before = client.get_cookie("session")
    rotated = client.get("/rotate")

    assert isinstance(app.session_interface, ServerSideSessionInterface)
    assert isinstance(seen[0], ServerSideSession)
    assert before is not None
    assert rotated.get_data(as_text=True) == "ann"
    after = client.get_cookie("session")
    assert after is not None
    assert after.value != before.value


def test_the_base_path_names_no_other_server_side_class() -> None:
    with pytest.raises(AttributeError, match="RedisSessionInterface"):
        getattr(sessions_base, "RedisSessionInterface")  # noqa: B009
    assert {"ServerSideSession", "ServerSideSessionInterface"} <= set(dir(sessions_base))
