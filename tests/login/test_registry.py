from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from hipflask import session
from hipflask.errors import ConfigurationError
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
