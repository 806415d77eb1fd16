from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import lifespan
from tests.asgi_driver import request_body
from tests.asgi_driver import request_on_loop
from tests.redis_helper import REDIS_URI
from tests.redis_helper import connections_named
from tests.redis_helper import statuses_with_connections_closed

from hipflask import session
from hipflask.errors import ConfigurationError
from hipflask.login import login_user
from hipflask.login.login_manager import _renew_flow
from hipflask.login.registry import LoginRegistry
from hipflask.login.registry import end_flow
from hipflask.login.registry import open_registry

from .conftest import build_app
from .conftest import log_in


def registry() -> LoginRegistry:
    opened = open_registry("memory://")
    assert opened is not None
    return opened


def test_registered_login_is_live_until_ended() -> None:
    logins = registry()
    login_id, generation = logins.register("7", 60)
    assert logins.is_live("7", login_id, generation)
    assert not logins.is_live("8", login_id, generation)
    logins.end(login_id)
    assert not logins.is_live("7", login_id, generation)
    logins.end(None)


def test_ending_all_logins_of_a_user_keeps_others() -> None:
    logins = registry()
    first = logins.register("7", 60)
    second = logins.register("7", 60)
    other = logins.register("8", 60)
    assert first[1] == second[1]
    new_generation = logins.end_all("7")
    assert not logins.is_live("7", *first)
    assert not logins.is_live("7", *second)
    assert logins.is_live("7", first[0], new_generation)
    assert logins.is_live("8", *other)


def test_forged_or_missing_values_are_not_live() -> None:
    logins = registry()
    login_id, generation = logins.register("7", 60)
    assert not logins.is_live("7", None, generation)
    assert not logins.is_live("7", login_id, 3)
    assert not logins.is_live("7", "guess", generation)
    logins.store.delete("gen:7")
    assert not logins.is_live("7", login_id, generation)


def test_registry_off_and_bad_settings() -> None:
    assert open_registry(None) is None
    with pytest.raises(ConfigurationError, match="LOGIN_REGISTRY_STORE"):
        open_registry(3.5)


# -- logouts that stick, on every store backend -----------------------------------


def test_logout_and_logout_everywhere_on_every_backend(
    store_url: tuple[str, str], protocol: str
) -> None:
    url, prefix = store_url
    app = build_app(LOGIN_REGISTRY_STORE=url, LOGIN_REGISTRY_KEY_PREFIX=prefix)

    @app.post("/close-store")
    async def close_store() -> str:
        # Async drivers hold connections per event loop: close them on it.
        registry = app.login_manager.registry()
        assert registry is not None
        await registry.store.aclose()
        return "closed"

    try:
        client: Any = app.test_client(protocol=protocol)
        log_in(client, remember="1")
        stolen = client.get_cookie("session").value
        assert client.get("/async-dashboard").text == "Async hello alice"
        client.post("/logout")
        client.set_cookie("session", stolen)
        assert client.get("/dashboard").status_code == 302
        laptop: Any = app.test_client(protocol=protocol)
        log_in(laptop)
        log_in(client)
        assert client.post("/password").text == "changed"
        assert laptop.get("/dashboard").status_code == 302
        assert client.get("/dashboard").text == "Hello alice"
    finally:
        client.post("/close-store")
        with app.app_context():
            registry = app.login_manager.registry()
        assert registry is not None
        registry.store.close()


def test_an_active_permanent_login_outlives_its_first_registration(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sliding session (SESSION_REFRESH_EACH_REQUEST) lives while its user is
    # active, as in Flask; its registry entry must too. The clocks of the
    # registry's memory store and of the login code move; the session
    # cookie's own (itsdangerous) clock does not, so only the registry ages.
    from types import SimpleNamespace

    import hipflask.login.login_manager as manager_module
    import hipflask.login.utils as utils_module
    import hipflask.stores.memory as memory_module

    offset = [0.0]
    real_time, real_monotonic = time.time(), time.monotonic()
    clock = SimpleNamespace(
        time=lambda: real_time + offset[0], monotonic=lambda: real_monotonic + offset[0]
    )
    for module in (manager_module, utils_module, memory_module):
        monkeypatch.setattr(module, "time", clock)

    app = build_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=100))

    @app.before_request
    def permanent() -> None:
        session.permanent = True

    client = app.test_client(protocol=protocol)
    log_in(client)
    offset[0] = 150.0  # registered for 200 s: due for renewal, still live
    assert client.get("/dashboard").text == "Hello alice"
    offset[0] = 300.0  # past the first registration; renewed at 150
    assert client.get("/dashboard").text == "Hello alice"
    offset[0] = 600.0  # idle longer than the renewed registration: gone
    assert client.get("/dashboard").status_code == 302


def test_a_renewal_never_brings_back_a_login_ended_meanwhile() -> None:
    # A request that found the login live, then renews it after a logout in
    # another request deleted it, must not write it back.
    app = build_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=100))
    with app.test_request_context("/"):
        registry = app.login_manager.registry()  # type: ignore[attr-defined]
        assert registry is not None
        login_id, _generation = registry.register("alice", 200)
        session.permanent = True
        session["_live_until"] = time.time() + 10  # due
        registry.run(end_flow(login_id))
        registry.run(_renew_flow(login_id))
        assert registry.store.get("live:" + login_id) is None
        assert session["_live_until"] < time.time() + 11


# -- a process-local registry when several processes serve the app ----------------


def test_a_local_registry_takes_in_another_processs_login(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Two memory registries stand for two worker processes: each sees only
    # the logins it made. One made by the other is taken in, as Flask-Login
    # would take it; the operator is told once how to make logouts hold in all.
    first, second = registry(), registry()
    login_id, generation = first.register("7", 60)

    with caplog.at_level("WARNING", logger="hipflask.login"):
        assert second.is_live("7", login_id, generation)
        assert second.is_live("7", login_id, generation)
    assert [record.getMessage() for record in caplog.records].count(
        caplog.records[0].getMessage()
    ) == 1
    assert "LOGIN_REGISTRY_STORE" in caplog.records[0].getMessage()
    # Taken in for its user only.
    assert not second.is_live("8", login_id, generation)


def test_a_local_registry_remembers_the_other_processs_logins_it_ended() -> None:
    first, second = registry(), registry()
    login_id, generation = first.register("7", 60)

    second.end(login_id)

    # A copied cookie stays refused where it was logged out ...
    assert not second.is_live("7", login_id, generation)
    # ... while the process that made it cannot know (with a shared store it would).
    assert first.is_live("7", login_id, generation)


def test_a_local_registry_stays_strict_on_its_own_and_unstamped_logins() -> None:
    first, second = registry(), registry()
    own_id, generation = first.register("7", 60)
    first.end(own_id)
    assert not first.is_live("7", own_id, generation)
    # An id no registry stamped, or one whose stamp is not a node's, is not taken in.
    for forged in ("guess", "zzzzzzzz.abc", "0123456.abc", f"{second.node()}x.abc"):
        assert not first.is_live("7", forged, generation)
    # logout_everywhere ends this process's logins of the user.
    again, _ = first.register("7", 60)
    first.end_all("7")
    assert not first.is_live("7", again, generation)


def test_a_shared_registry_never_takes_in_an_unknown_login(store_url: tuple[str, str]) -> None:
    url, prefix = store_url
    opened = open_registry(url, prefix)
    assert opened is not None
    try:
        assert opened.local is (url == "memory://")
        if opened.local:
            return
        login_id, generation = opened.register("7", 60)
        stamped = f"{'a' * 8}.{login_id}"
        assert opened.is_live("7", login_id, generation)
        assert not opened.is_live("7", stamped, generation)
        assert "." not in login_id
    finally:
        opened.store.close()


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_two_processes_on_memory_registries_keep_a_login(protocol: str) -> None:
    # Two apps with the same key and their own memory registries: a login
    # made by one works on the other, and a logout there holds there.
    first_app, second_app = build_app(), build_app()
    # The same accounts (their password hashes are part of a login).
    second_app.extensions["test_users"].clear()
    second_app.extensions["test_users"].update(first_app.extensions["test_users"])
    first = first_app.test_client(protocol=protocol)
    second = second_app.test_client(protocol=protocol)
    log_in(first, remember="1")
    cookies = {name: first.get_cookie(name).value for name in ("session", "remember_token")}
    for name, value in cookies.items():
        second.set_cookie(name, value)

    assert second.get("/dashboard").status_code == 200
    second.post("/logout")
    for name, value in cookies.items():
        second.set_cookie(name, value)
    assert second.get("/dashboard").status_code == 302
    second.delete_cookie("session")
    assert second.get("/dashboard").status_code == 302


def test_lifespan_shutdown_closes_the_registrys_async_connections(redis_prefix: str) -> None:
    url = f"{REDIS_URI}/0?client_name={redis_prefix}"
    app = build_app(LOGIN_REGISTRY_STORE=url, LOGIN_REGISTRY_KEY_PREFIX=redis_prefix + ":")

    @app.post("/async-login")
    async def async_login() -> Any:
        login_user(app.extensions["test_users"]["alice"])
        return "in"

    async def run() -> tuple[list[int], int]:
        async with lifespan(app):
            logged_in = await request_on_loop(
                app, http_scope("/async-login", "POST"), *request_body(b"")
            )
            cookie = logged_in.headers["set-cookie"].split(";")[0].encode()
            seen = await request_on_loop(
                app, http_scope("/async-dashboard", headers=[(b"cookie", cookie)])
            )
            opened = connections_named(redis_prefix)
        return [logged_in.status, seen.status], opened

    assert statuses_with_connections_closed(run, redis_prefix) == [200, 200]
