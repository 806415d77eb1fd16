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
"""

from __future__ import annotations

import secrets
from collections.abc import Generator
from typing import Any

from ..security.revocation import StoreLike
from ..security.revocation import open_store


def new_token() -> str:
    """A random id for a login or a generation."""
    return secrets.token_urlsafe(18)


class LoginRegistry:
    """Live logins and per-user generations in one store."""

    def __init__(self, store: StoreLike) -> None:
        self.store = store

    def generation(self, user_id: str) -> str:
        """The user's current generation, created on first use."""
        current = self.store.get("gen:" + user_id)
        if current is None:
            self.store.add("gen:" + user_id, new_token().encode())
            current = self.store.get("gen:" + user_id)
        return (current or b"").decode()

    def register(self, user_id: str, ttl: float | None) -> tuple[str, str]:
        """Record a new login; returns its id and the generation it belongs to."""
        login_id = new_token()
        self.store.set("live:" + login_id, user_id.encode(), ttl)
        return login_id, self.generation(user_id)

    @staticmethod
    def _is_live_flow(
        user_id: str, login_id: Any, generation: Any
    ) -> Generator[str, bytes | None, bool]:
        """The liveness test as the store keys it reads (one logic, two drivers)."""
        if not isinstance(login_id, str) or not isinstance(generation, str):
            return False
        owner = yield "live:" + login_id
        if owner is None or owner.decode() != user_id:
            return False
        current = yield "gen:" + user_id
        return current is not None and current.decode() == generation

    def is_live(self, user_id: str, login_id: Any, generation: Any) -> bool:
        """Whether this login was neither logged out nor ended everywhere."""
        flow = self._is_live_flow(user_id, login_id, generation)
        try:
            key = next(flow)
            while True:
                key = flow.send(self.store.get(key))
        except StopIteration as stop:
            return bool(stop.value)

    async def ais_live(self, user_id: str, login_id: Any, generation: Any) -> bool:
        """:meth:`is_live` without blocking the event loop."""
        flow = self._is_live_flow(user_id, login_id, generation)
        try:
            key = next(flow)
            while True:
                key = flow.send(await self.store.aget(key))
        except StopIteration as stop:
            return bool(stop.value)

    def end(self, login_id: Any) -> None:
        """Log one login out."""
        if isinstance(login_id, str):
            self.store.delete("live:" + login_id)

    def end_all(self, user_id: str) -> str:
        """End every login of a user; returns the new generation."""
        generation = new_token()
        self.store.set("gen:" + user_id, generation.encode())
        return generation


def open_registry(setting: Any, prefix: str = "hipflask:login:") -> LoginRegistry | None:
    """The registry ``LOGIN_REGISTRY_STORE`` names, ``None`` when it is off."""
    store = open_store(setting, prefix, "LOGIN_REGISTRY_STORE")
    return None if store is None else LoginRegistry(store)


__all__ = ["LoginRegistry", "new_token", "open_registry"]
