"""The built-in blocklist and refresh-token rotation with reuse detection.

Revoking a token puts its ``jti`` in the blocklist store until the token's
own ``exp``: after that the signature check refuses it anyway, so the entry
can go. Every token made by one login carries the same family id (the
``fam`` claim); revoking the family revokes them all.

Rotation happens when a view protected by ``jwt_required(refresh=True)``
issues a new refresh token: the token it was called with is then marked as
used. A refresh token that comes back after being used was copied (stolen,
or replayed by an attacker who saw it), and there is no telling which copy
is the thief's, so the whole family is revoked and both holders must log in
again. An app that never issues a new refresh token at ``/refresh`` keeps
Flask-JWT-Extended's behaviour: its refresh token is reusable until expiry.

The logic is one generator of store operations, run by a sync driver (for
``def`` views) or an async one (for ``async def`` views, so the event loop
never waits on Redis).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from typing import Any

from ..security.revocation import StoreLike
from ..stores.unavailable import StoreUnavailable
from ..stores.unavailable import log_failure
from .tokens import FAMILY_CLAIM

REASON_UNAVAILABLE = (
    "The token service is unavailable (its blocklist store did not answer). No"
    " token was accepted or revoked; try again in a moment."
)


_log = logging.getLogger("hipflask.jwt")


def _unavailable(exc: Exception) -> BlocklistUnavailable:
    """The 503 for a store failure, logged with its cause.

    The client is told only that the service is unavailable; the operator
    needs to know why (a refused connection, a wrong password), and a
    handled 503 is logged nowhere else.
    """
    log_failure(_log, "The JWT blocklist store", exc)
    return BlocklistUnavailable()


class BlocklistUnavailable(StoreUnavailable):
    """The blocklist's store failed: answered with 503, failing closed.

    A token that cannot be checked is not accepted, and a logout that could
    not revoke its token says so, instead of a bare 500.
    """

    description = REASON_UNAVAILABLE


_MARK = b"1"

# One store operation: ("get", key) -> bytes | None; ("set", key, ttl) -> None;
# ("add", key, ttl) -> whether the key was absent (and is now set).
Operation = tuple[str, str, float | None]
Flow = Generator[Operation, Any, bool]


def remaining(
    claims: dict[str, Any], default: float | None = None, leeway: float = 0.0
) -> float | None:
    """Seconds until the token stops verifying; at least one so an entry is written.

    That is its ``exp`` plus ``JWT_DECODE_LEEWAY``: an entry gone at ``exp``
    would let a revoked token through again for the leeway's length.
    """
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        return default
    return max(exp + leeway - time.time(), 1.0)


def revoke_flow(claims: dict[str, Any], leeway: float = 0.0) -> Generator[Operation, Any, None]:
    """Put one token on the blocklist until it no longer verifies.

    :raises ValueError: the token has no ``jti`` (an identity provider's):
        an entry for it would be every such token's.
    """
    jti = claims.get("jti")
    if jti is None:
        raise ValueError(
            "This token has no jti claim (an identity provider's token): it cannot be"
            " revoked on its own. Revoke it at its issuer."
        )
    yield ("set", "jti:" + str(jti), remaining(claims, leeway=leeway))


def revoke_family_flow(family: str, ttl: float | None) -> Generator[Operation, Any, None]:
    """Revoke every token of one login."""
    yield ("set", "fam:" + family, ttl)


def mark_used_flow(
    claims: dict[str, Any], family_ttl: float | None = None, leeway: float = 0.0
) -> Generator[Operation, Any, None]:
    """Record that a refresh token was exchanged for a new one.

    Atomically (the store's ``add``): two requests sending the same refresh
    token at once (the user's and a thief's replay) both pass the check
    before either marks it, and the second to mark it finds the mark. That
    is reuse as surely as a replay after the fact, so the family is revoked,
    the tokens both requests were just given with it.
    """
    jti = claims.get("jti")
    if jti is None:
        # An identity provider's token: no mark could tell its uses apart.
        return
    first = yield ("add", "used:" + str(jti), remaining(claims, leeway=leeway))
    family = claims.get(FAMILY_CLAIM)
    if not first and isinstance(family, str):
        yield ("set", "fam:" + family, family_ttl)


def is_revoked_flow(claims: dict[str, Any], family_ttl: float | None) -> Flow:
    """Tell whether a token is revoked, revoking its family on refresh-token reuse."""
    if claims.get("jti") is None:
        # An identity provider's token: nothing was ever revoked under it.
        return False
    jti = str(claims.get("jti"))
    if (yield ("get", "jti:" + jti, None)) is not None:
        return True
    family = claims.get(FAMILY_CLAIM)
    if not isinstance(family, str):
        return False
    if (yield ("get", "fam:" + family, None)) is not None:
        return True
    if claims.get("type") == "refresh" and (yield ("get", "used:" + jti, None)) is not None:
        # Reuse of a rotated refresh token: see the module docstring.
        yield ("set", "fam:" + family, family_ttl)
        return True
    return False


def run(store: StoreLike, flow: Generator[Operation, Any, Any]) -> Any:
    """Drive a flow with the store's blocking calls."""
    try:
        operation = next(flow)
        while True:
            kind, key, ttl = operation
            result: bytes | bool | None = None
            try:
                if kind == "get":
                    result = store.get(key)
                elif kind == "add":
                    result = store.add(key, _MARK, ttl)
                else:
                    store.set(key, _MARK, ttl)
            except Exception as exc:
                raise _unavailable(exc) from exc
            operation = flow.send(result)
    except StopIteration as stop:
        return stop.value


async def run_async(store: StoreLike, flow: Generator[Operation, Any, Any]) -> Any:
    """Drive a flow with the store's async calls."""
    try:
        operation = next(flow)
        while True:
            kind, key, ttl = operation
            result: bytes | bool | None = None
            try:
                if kind == "get":
                    result = await store.aget(key)
                elif kind == "add":
                    result = await store.aadd(key, _MARK, ttl)
                else:
                    await store.aset(key, _MARK, ttl)
            except Exception as exc:
                raise _unavailable(exc) from exc
            operation = flow.send(result)
    except StopIteration as stop:
        return stop.value


__all__ = [
    "REASON_UNAVAILABLE",
    "BlocklistUnavailable",
    "is_revoked_flow",
    "mark_used_flow",
    "remaining",
    "revoke_family_flow",
    "revoke_flow",
    "run",
    "run_async",
]
