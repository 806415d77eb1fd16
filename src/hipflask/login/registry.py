"""The registry of live logins: what makes a logout stick.

A signed session or remember-me cookie stays valid as long as its signature
does, so a copy taken before ``logout_user()`` (by malware, a shared
computer, a proxy log) would keep working. Each login therefore gets a
random id, registered in a store while the login lives and deleted at
logout; a login the registry does not know is not a login.

Each user also has a *generation*: ``logout_everywhere(user)`` replaces it,
which ends every login made under the old one at once, without listing
them (after a password change, or "log out of all devices").

The store is ``LOGIN_REGISTRY_STORE``: memory for one process, Redis or
SQL when several processes serve the app. A memory registry cannot know the
logins another worker process made (nor those of this process before a
restart): it takes such a login in, as Flask-Login would, and logs once
that logouts then hold only in the process that made them. Its own logins,
and every login it has seen logged out, keep the full guarantee.

Every operation is written once, as a generator of store operations, and
run by a blocking driver (:meth:`LoginRegistry.run`, for WSGI and sync
views) or an awaiting one (:meth:`LoginRegistry.arun`, on the event loop),
so under ASGI the registry never blocks the loop. A store that fails raises
:class:`RegistryUnavailable`, a 503: the caller has not changed the session
yet, so a failed write never leaves a half-done login or logout.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Generator
from typing import Any

from ..security.revocation import StoreLike
from ..security.revocation import open_store
from ..stores.unavailable import StoreUnavailable
from ..stores.unavailable import log_failure

#: One store operation: ("get", key), ("set", key, value, ttl),
#: ("add", key, value, ttl) or ("delete", key); the driver sends back the result.
Operation = tuple[Any, ...]
Flow = Generator[Operation, Any, Any]

REASON_UNAVAILABLE = (
    "The login service is unavailable (its store did not answer). Nothing was"
    " changed; try again in a moment."
)


class RegistryUnavailable(StoreUnavailable):
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


_log = logging.getLogger("hipflask.login")


def _unavailable(exc: Exception) -> RegistryUnavailable:
    """The 503 for a store failure, logged with its cause.

    The client is told only that the service is unavailable; the operator
    needs to know why (a refused connection, a wrong password), and a
    handled 503 is logged nowhere else.
    """
    log_failure(_log, "The login registry's store", exc)
    return RegistryUnavailable()


#: The length of a node's stamp on its login ids (hex digits).
_STAMP_SIZE = 8
_HEX = frozenset("0123456789abcdef")

#: The value of a logged-out login in a process-local registry: a login it
#: did not make is taken in when unknown, so an ended one must stay known.
_ENDED = b""

_FOREIGN_LOGIN = (
    "LOGIN_REGISTRY_STORE is a store of this process only (%r), but a login made"
    " by another process (another worker, or this app before a restart) arrived."
    " It is accepted, as Flask-Login would; its logout will hold only in the"
    " process that sees it. When several processes serve the app, set"
    " LOGIN_REGISTRY_STORE to a shared store ('redis://...', an SQL URL, or"
    " 'file:///path' on one machine) so that logins and logouts hold in all."
)


class LoginRegistry:
    """Live logins and per-user generations in one store.

    On a process-local store (``memory://``) each process stamps the login
    ids it makes with a node id of its own. An unknown login stamped by
    another node was made elsewhere and is taken in (registered here, not
    generation-checked: generations are per process too); a logout here
    keeps its id as ended, so a copied cookie is still refused here.
    """

    def __init__(self, store: StoreLike, keep_ttl: float | None = None) -> None:
        self.store = store
        #: How long a process-local registry keeps a login it took in or saw
        #: ended: as long as any cookie carrying it can live.
        self.keep_ttl = keep_ttl
        self.local = bool(getattr(store, "process_local", False))
        self._node: tuple[int, str] | None = None
        self._warned = False

    def node(self) -> str:
        """This process's stamp on the login ids it makes (a forked worker gets its own)."""
        pid = os.getpid()
        node = self._node
        if node is None or node[0] != pid:
            node = self._node = (pid, secrets.token_hex(_STAMP_SIZE // 2))
        return node[1]

    def new_login_id(self) -> str:
        """A random id for a new login, stamped with the node on a process-local store."""
        token = new_token()
        return f"{self.node()}.{token}" if self.local else token

    def _is_foreign(self, login_id: str) -> bool:
        """Stamped by another node: only ids this code makes on a local store are."""
        stamp, dot, _rest = login_id.partition(".")
        return (
            bool(dot)
            and len(stamp) == _STAMP_SIZE
            and all(char in _HEX for char in stamp)
            and stamp != self.node()
        )

    # -- flows that depend on the store's reach ---------------------------------

    def is_live_flow(self, user_id: str, login_id: Any, generation: Any) -> Flow:
        """:func:`is_live_flow`, taking in another process's login on a local store."""
        if not self.local:
            return (yield from is_live_flow(user_id, login_id, generation))
        if not isinstance(login_id, str) or not isinstance(generation, str):
            return False
        owner = yield ("get", "live:" + login_id)
        if owner is None and self._is_foreign(login_id):
            # Made by another process: this one cannot know whether it ended.
            self._warn()
            yield ("set", "live:" + login_id, user_id.encode(), self.keep_ttl)
            return True
        if owner is None or owner == _ENDED or owner.decode() != user_id:
            return False
        if self._is_foreign(login_id):
            return True
        current = yield ("get", "gen:" + user_id)
        return current is not None and current.decode() == generation

    def end_flow(self, login_id: Any) -> Flow:
        """:func:`end_flow`; a process-local registry remembers the login as ended."""
        if self.local and isinstance(login_id, str):
            yield ("set", "live:" + login_id, _ENDED, self.keep_ttl)
            return
        yield from end_flow(login_id)

    def _warn(self) -> None:
        if not self._warned:
            self._warned = True
            _log.warning(_FOREIGN_LOGIN, type(self.store).__name__)

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
                    raise _unavailable(exc) from exc
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
                    raise _unavailable(exc) from exc
                operation = flow.send(result)
        except StopIteration as stop:
            return stop.value

    # -- blocking shortcuts ----------------------------------------------------

    def register(self, user_id: str, ttl: float | None) -> tuple[str, str]:
        """Record a new login; returns its id and the generation it belongs to."""
        login_id = self.new_login_id()
        return login_id, self.run(register_flow(user_id, login_id, ttl))

    def is_live(self, user_id: str, login_id: Any, generation: Any) -> bool:
        """Whether this login was neither logged out nor ended everywhere."""
        return bool(self.run(self.is_live_flow(user_id, login_id, generation)))

    def end(self, login_id: Any) -> None:
        """Log one login out."""
        self.run(self.end_flow(login_id))

    def end_all(self, user_id: str) -> str:
        """End every login of a user; returns the new generation."""
        generation = new_token()
        self.run(end_all_flow(user_id, generation))
        return generation


def open_registry(
    setting: Any, prefix: str = "hipflask:login:", keep_ttl: float | None = None
) -> LoginRegistry | None:
    """The registry ``LOGIN_REGISTRY_STORE`` names, ``None`` when it is off.

    ``keep_ttl``: see :attr:`LoginRegistry.keep_ttl`.
    """
    store = open_store(setting, prefix, "LOGIN_REGISTRY_STORE")
    return None if store is None else LoginRegistry(store, keep_ttl)


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
