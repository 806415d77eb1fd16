"""How parallel saves of one server-side session are merged, and when one gives up.

Two requests of one visitor (two tabs, a page and its API calls) each load
the session, change it and save it. A save is a compare-and-set against the
record its request loaded. When another save landed in between, the record
is read again, this request's changes (the keys it set, replaced, changed in
place or deleted) are applied to it, and the compare-and-set is tried again.

Every failed attempt means another save succeeded, so saves as a whole
always progress; but one save can lose the race again and again while many
others win it (dozens of parallel requests with one cookie, as a load test
makes). Retrying at once only repeats the collision, so each retry first
waits a random time of up to twice the previous bound (capped): the savers
spread out and each gets its turn. A save never ends by writing its merge
unchecked, which would silently erase what others saved in between: after
``_MERGE_PATIENCE`` seconds of collisions it gives up with
:class:`SessionConflictError`, leaving the record as the others saved it.
The request then fails (a 500, logged like any error), so the one change
that was lost is reported, to the client and in the log.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterable
from typing import Any

_Op = tuple[str, tuple[Any, ...]]
_Flow = Generator[_Op, Any, Any]

# Seconds a save keeps retrying after its first collision. Far longer than
# heavy contention needs (with twelve threads saving one session at once on
# PostgreSQL or MariaDB, the slowest save waits about a second); a save that
# still collides after it is in a stampede the store cannot serve.
_MERGE_PATIENCE = 10.0
# The first retry waits up to _BACKOFF_FIRST seconds, each later one up to
# twice as long as the one before, never more than _BACKOFF_CAP: two tabs
# colliding lose a millisecond, a stampede spreads over a tenth of a second.
_BACKOFF_FIRST = 0.002
_BACKOFF_CAP = 0.1


class SessionConflictError(RuntimeError):
    """A save kept colliding with parallel saves of its session and gave up.

    Nothing was overwritten: the record keeps every change the other saves
    made; only this request's changes (to the keys in :attr:`keys`) are
    missing from it. :attr:`waited` is how long the save tried, in seconds.
    """

    def __init__(self, keys: Iterable[str], waited: float) -> None:
        self.keys = sorted(keys)
        self.waited = waited
        changed = ", ".join(repr(key) for key in self.keys) or "no key"
        super().__init__(
            f"The session was not saved: for {waited:.1f} s its save kept colliding with"
            f" parallel saves of the same session, so this request's changes to {changed}"
            " are lost (every other save's changes are kept). Many requests are changing"
            " one session at once; keep data they all write somewhere else."
        )


def merge_changes(
    base: dict[str, Any], current: dict[str, Any], mine: dict[str, Any]
) -> dict[str, Any]:
    """Apply the keys this request changed (``base`` -> ``mine``) to ``current``."""
    merged = dict(current)
    for key in changed_keys(base, mine):
        if key in mine:
            merged[key] = mine[key]
        else:
            merged.pop(key, None)
    return merged


def changed_keys(base: dict[str, Any], mine: dict[str, Any]) -> list[str]:
    """The keys set, replaced or deleted between ``base`` and ``mine``."""
    return [
        key
        for key in base.keys() | mine.keys()
        if key not in mine or key not in base or base[key] != mine[key]
    ]


class Backoff:
    """The waits between one save's attempts, and when its patience runs out.

    Full jitter (a uniform wait up to the bound) rather than a fixed wait:
    savers that collided together must not retry together.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.bound = _BACKOFF_FIRST

    def next_delay(self) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        if self.clock() - self.started >= _MERGE_PATIENCE:
            return None
        delay = random.uniform(0, self.bound)  # noqa: S311 - jitter, not a secret
        self.bound = min(self.bound * 2, _BACKOFF_CAP)
        return delay

    def waited(self) -> float:
        """Seconds since the first collision."""
        return self.clock() - self.started


def merge_flow(
    sid: str,
    loaded: bytes,
    mine: dict[str, Any],
    encoded: bytes,
    ttl: float,
    codec: tuple[Callable[[dict[str, Any]], bytes], Callable[[bytes], dict[str, Any] | None]],
) -> _Flow:
    """Write this request's changes onto record ``sid`` as it is now.

    ``loaded`` is the record the request loaded, ``mine`` the session as the
    request left it and ``encoded`` that, encoded. Yields store operations
    (and ``("sleep", (seconds,))`` between attempts); returns the record
    written, or ``None`` when the record was gone (ended by another request,
    or expired), which stays gone. Raises :class:`SessionConflictError` when
    its patience runs out, with nothing written.
    """
    encode, decode = codec
    expected = loaded
    base: dict[str, Any] | None = None
    backoff: Backoff | None = None
    while not (yield ("compare_and_set", (sid, expected, encoded, ttl))):
        if base is None:
            base = decode(loaded) or {}
        backoff = backoff or Backoff()
        delay = backoff.next_delay()
        if delay is None:
            raise SessionConflictError(changed_keys(base, mine), backoff.waited())
        yield ("sleep", (delay,))
        raw = yield ("get", (sid,))
        current = None if raw is None else decode(raw)
        if current is None:
            # Ended elsewhere (logout in another tab, expiry): stay ended.
            return None
        expected = raw
        encoded = encode(merge_changes(base, current, mine))
    return encoded


__all__ = ["SessionConflictError"]
