"""The registry of live logins: what makes a logout stick.

A signed session or remember-me cookie stays valid as long as its signature
does, so a copy taken before ``logout_user()`` (by malware, a shared
computer, a proxy log) would keep working. Each login therefore gets a
random id, registered in a store while the login lives and deleted at
logout; a login the registry does not know is not a login.

Each user also has a *generation*: ``logout_everywhere(user)`` replaces it,
which ends every login made under the old one at once, without listing
them (after a password change, or "log out of all devices").

The store is ``LOGIN_REGISTRY_STORE``: memory for one process (a restart
then ends every login), Redis or SQL when several processes serve the app.

Every operation is written once, as a generator of store operations, and
run by a blocking driver (:meth:`LoginRegistry.run`, for WSGI and sync
views) or an awaiting one (:meth:`LoginRegistry.arun`, on the event loop),
so under ASGI the registry never blocks the loop. A store that fails raises
:class:`RegistryUnavailable`, a 503: the caller has not changed the session
yet, so a failed write never leaves a half-done login or logout.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator
from typing import Any

from werkzeug.exceptions import ServiceUnavailable

from ..security.revocation import StoreLike
from ..security.revocation import open_store

#: One store operation: ("get", key), ("set", key, value, ttl),
#: ("add", key, value, ttl) or ("delete", key); the driver sends back the result.
Operation = tuple[Any, ...]
Flow = Generator[Operation, Any, Any]

REASON_UNAVAILABLE = (
    "The login service is unavailable (its store did not answer). Nothing was"
    " changed; try again in a moment."
)


class RegistryUnavailable(ServiceUnavailable):
    """The registry's store failed: answered with 503, nothing half-done."""

    description = REASON_UNAVAILABLE


def new_token() -> str:
    """A random id for a login or a generation."""
    return secrets.token_urlsafe(18)


def generation_flow(user_id: str) -> Flow:
    """The user's current generation, created on first use."""
    current = yield ("get", "gen:" + user_id)
    if current is None:
        # ``add`` so that two first logins racing agree on one generation.
        yield ("add", "gen:" + user_id, new_token().encode(), None)
        current = yield ("get", "gen:" + user_id)
    return (current or b"").decode()


def register_flow(user_id: str, login_id: str, ttl: float | None) -> Flow:
    """Record a login; returns the generation it belongs to."""
    yield ("set", "live:" + login_id, user_id.encode(), ttl)
    return (yield from generation_flow(user_id))


def is_live_flow(user_id: str, login_id: Any, generation: Any) -> Flow:
    """Whether a login was neither logged out nor ended everywhere."""
    if not isinstance(login_id, str) or not isinstance(generation, str):
        return False
    owner = yield ("get", "live:" + login_id)
    if owner is None or owner.decode() != user_id:
        return False
    current = yield ("get", "gen:" + user_id)
    return current is not None and current.decode() == generation


def end_flow(login_id: Any) -> Flow:
    """Log one login out (a login id that is not a string names no login)."""
    if isinstance(login_id, str):
        yield ("delete", "live:" + login_id)


def end_all_flow(user_id: str, generation: str) -> Flow:
    """Replace the user's generation, ending every login made under the old one."""
    yield ("set", "gen:" + user_id, generation.encode(), None)


class LoginRegistry:
    """Live logins and per-user generations in one store."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store

    # -- the two drivers -----------------------------------------------------

    def run(self, flow: Flow) -> Any:
        """Drive ``flow`` with the store's blocking calls.

        A flow may run other code between its store operations (the login
        manager's loads the user); only the store's own failures become
        :class:`RegistryUnavailable`.
        """
        store = self.store
        try:
            operation = next(flow)
            while True:
                kind, key, *rest = operation
                try:
                    result = getattr(store, kind)(key, *rest)
                except Exception as exc:
                    raise RegistryUnavailable() from exc
                operation = flow.send(result)
        except StopIteration as stop:
            return stop.value

    async def arun(self, flow: Flow) -> Any:
        """Drive ``flow`` with the store's async calls (on the event loop).

        :raises RegistryUnavailable: the store failed.
        """
        store = self.store
        try:
            operation = next(flow)
            while True:
                kind, key, *rest = operation
                try:
                    result = await getattr(store, "a" + kind)(key, *rest)
                except Exception as exc:
                    raise RegistryUnavailable() from exc
                operation = flow.send(result)
        except StopIteration as stop:
            return stop.value

    # -- blocking shortcuts ----------------------------------------------------

    def register(self, user_id: str, ttl: float | None) -> tuple[str, str]:
        """Record a new login; returns its id and the generation it belongs to."""
        login_id = new_token()
        return login_id, self.run(register_flow(user_id, login_id, ttl))

    def is_live(self, user_id: str, login_id: Any, generation: Any) -> bool:
        """Whether this login was neither logged out nor ended everywhere."""
        return bool(self.run(is_live_flow(user_id, login_id, generation)))

    def end(self, login_id: Any) -> None:
        """Log one login out."""
        self.run(end_flow(login_id))

    def end_all(self, user_id: str) -> str:
        """End every login of a user; returns the new generation."""
        generation = new_token()
        self.run(end_all_flow(user_id, generation))
        return generation


def open_registry(setting: Any, prefix: str = "hipflask:login:") -> LoginRegistry | None:
    """The registry ``LOGIN_REGISTRY_STORE`` names, ``None`` when it is off."""
    store = open_store(setting, prefix, "LOGIN_REGISTRY_STORE")
    return None if store is None else LoginRegistry(store)


__all__ = [
    "REASON_UNAVAILABLE",
    "LoginRegistry",
    "RegistryUnavailable",
    "end_all_flow",
    "end_flow",
    "generation_flow",
    "is_live_flow",
    "new_token",
    "open_registry",
    "register_flow",
]
