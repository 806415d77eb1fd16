"""What every store must do, written once and run against each backend.

A backend's test file subclasses :class:`StoreContract` and provides a
``store`` fixture; each behaviour is checked through the sync methods and
through their async twins.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable
from collections.abc import Callable
from typing import TypeVar

import pytest

from hipflask.stores import Store
from hipflask.stores.base import MAX_VALUE_SIZE
from hipflask.stores.base import ValueTooLargeError

T = TypeVar("T")

# For an entry a test only waits to see expire: nothing has to happen while it
# is live, so it can be short.
EXPIRING_TTL = 0.1
# For an entry a call must reach while it is live, timed by briefly_live(),
# which tries again when a loaded machine was slower than this.
BRIEF_TTL = 0.2
# A value of the largest size every store takes, of the bytes SQL escaping
# lengthens most (quotes, backslashes, NUL) and of every other byte.
LARGEST = ((b"'\"\\\x00" * 64 + bytes(range(256))) * (MAX_VALUE_SIZE // 512 + 1))[:MAX_VALUE_SIZE]


def briefly_live(store: Store, call: Callable[[], T]) -> T:
    """Set ``k`` to expire in BRIEF_TTL, make ``call`` while it lives, and wait out that expiry.

    What the call did to the expiry is then all that keeps ``k``. Only a call
    that came before the first expiry proves anything, so on a machine too
    loaded for that the whole is tried again.
    """
    for _ in range(5):
        before = time.monotonic()
        store.set("k", b"v", ttl=BRIEF_TTL)
        written = time.monotonic()
        result = call()
        if time.monotonic() < before + BRIEF_TTL:
            time.sleep(max(0.0, written + BRIEF_TTL + 0.1 - time.monotonic()))
            return result
    pytest.fail(f"Five writes in a row took {BRIEF_TTL}s or more to be followed by a call.")


def run_async(store: Store, make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a fresh loop and close the store's async driver on it."""

    async def main() -> T:
        try:
            return await make()
        finally:
            await store.aclose()

    return asyncio.run(main())


class StoreContract:
    def test_get_of_a_missing_key_is_none(self, store: Store) -> None:
        assert store.get("missing") is None
        assert run_async(store, lambda: store.aget("missing")) is None

    def test_set_then_get_returns_the_bytes(self, store: Store) -> None:
        store.set("k", b"\x00binary\xff")
        assert store.get("k") == b"\x00binary\xff"
        run_async(store, lambda: store.aset("k2", b"async"))
        assert run_async(store, lambda: store.aget("k2")) == b"async"
        assert store.get("k2") == b"async"

    def test_set_replaces_the_value_and_the_expiry(self, store: Store) -> None:
        briefly_live(store, lambda: store.set("k", b"two"))
        assert store.get("k") == b"two"

    def test_an_expired_entry_is_never_returned(self, store: Store) -> None:
        store.set("sync", b"v", ttl=EXPIRING_TTL)
        run_async(store, lambda: store.aset("async", b"v", ttl=EXPIRING_TTL))
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.get("sync") is None
        assert run_async(store, lambda: store.aget("async")) is None

    def test_add_stores_only_when_absent(self, store: Store) -> None:
        assert store.add("k", b"first") is True
        assert store.add("k", b"second") is False
        assert store.get("k") == b"first"
        assert run_async(store, lambda: store.aadd("k", b"third")) is False
        assert run_async(store, lambda: store.aadd("k3", b"new")) is True
        assert store.get("k3") == b"new"

    def test_add_succeeds_over_an_expired_entry(self, store: Store) -> None:
        store.set("k", b"old", ttl=EXPIRING_TTL)
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.add("k", b"new") is True
        assert store.get("k") == b"new"

    def test_add_lets_exactly_one_of_racing_writers_win(self, store: Store) -> None:
        wins: list[bool] = []
        barrier = threading.Barrier(8)

        def writer(n: int) -> None:
            barrier.wait()
            wins.append(store.add("race", str(n).encode(), ttl=30))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wins.count(True) == 1

    def test_racing_adds_among_other_entries_never_fail(self, store: Store) -> None:
        # A one-time mark (a refresh token's "used") claimed by two requests
        # at once, in a table that holds other entries: one wins, the others
        # are told False; none gets a database error (a deadlock) instead.
        store.set("neighbour-a", b"v")
        store.set("neighbour-z", b"v")

        def claim(barrier: threading.Barrier, key: str, wins: list[bool]) -> None:
            barrier.wait()
            wins.append(store.add(key, b"mine", ttl=30))

        for round_ in range(15):
            key = f"mark-{round_}"
            if round_ % 2:
                store.set(key, b"old", ttl=0.001)  # an expired mark in the way
                time.sleep(0.01)
            wins: list[bool] = []
            barrier = threading.Barrier(6)
            threads = [threading.Thread(target=claim, args=(barrier, key, wins)) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(wins) == [False] * 5 + [True]

        async def claim_together(key: str) -> list[bool]:
            return list(await asyncio.gather(*(store.aadd(key, b"mine", ttl=30) for _ in range(6))))

        for round_ in range(6):
            key = f"async-mark-{round_}"
            wins = run_async(store, functools.partial(claim_together, key))
            assert sorted(wins) == [False] * 5 + [True]

    def test_compare_and_set_replaces_only_the_expected_value(self, store: Store) -> None:
        store.set("k", b"one")
        assert store.compare_and_set("k", b"other", b"two") is False
        assert store.get("k") == b"one"
        assert store.compare_and_set("k", b"one", b"two", ttl=30) is True
        assert store.get("k") == b"two"
        assert run_async(store, lambda: store.acompare_and_set("k", b"one", b"x")) is False
        assert run_async(store, lambda: store.acompare_and_set("k", b"two", b"three")) is True
        assert store.get("k") == b"three"

    def test_compare_and_set_of_a_missing_or_expired_key_fails(self, store: Store) -> None:
        assert store.compare_and_set("missing", b"", b"v") is False
        assert store.get("missing") is None
        store.set("k", b"v", ttl=EXPIRING_TTL)
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.compare_and_set("k", b"v", b"w") is False
        assert store.get("k") is None

    def test_compare_and_set_sets_the_new_expiry(self, store: Store) -> None:
        store.set("k", b"v")
        assert store.compare_and_set("k", b"v", b"w", ttl=EXPIRING_TTL) is True
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.get("k") is None

    def test_compare_and_set_lets_one_of_racing_writers_win(self, store: Store) -> None:
        store.set("race", b"start", ttl=30)
        wins: list[bool] = []
        barrier = threading.Barrier(6)

        def writer(n: int) -> None:
            barrier.wait()
            wins.append(store.compare_and_set("race", b"start", str(n).encode(), ttl=30))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wins.count(True) == 1

    def test_a_delete_racing_touches_and_saves_stays_deleted(self, store: Store) -> None:
        # Logout in one tab while another tab's request renews or saves the
        # session: once the delete returned, the entry must be gone for good.
        def race(barrier: threading.Barrier, call: Callable[[], object]) -> None:
            barrier.wait()
            call()

        resurrected = 0
        for _ in range(40):
            store.set("race", b"v", ttl=30)
            barrier = threading.Barrier(3)
            calls: list[Callable[[], object]] = [
                lambda: store.touch("race", 60),
                lambda: store.compare_and_set("race", b"v", b"changed", ttl=60),
                lambda: store.delete("race"),
            ]
            threads = [threading.Thread(target=race, args=(barrier, call)) for call in calls]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            resurrected += store.get("race") is not None
        assert resurrected == 0

    def test_delete_reports_whether_a_live_entry_was_there(self, store: Store) -> None:
        store.set("k", b"v")
        assert store.delete("k") is True
        assert store.get("k") is None
        assert store.delete("k") is False
        store.set("k", b"v")
        assert run_async(store, lambda: store.adelete("k")) is True
        assert run_async(store, lambda: store.adelete("k")) is False

    def test_delete_of_an_expired_entry_reports_false(self, store: Store) -> None:
        store.set("k", b"v", ttl=EXPIRING_TTL)
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.delete("k") is False

    def test_touch_renews_the_expiry_of_a_live_entry(self, store: Store) -> None:
        assert briefly_live(store, lambda: store.touch("k", 30)) is True
        assert store.get("k") == b"v"
        assert run_async(store, lambda: store.atouch("k", EXPIRING_TTL)) is True
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.get("k") is None

    def test_touch_with_none_makes_the_entry_permanent(self, store: Store) -> None:
        assert briefly_live(store, lambda: store.touch("k", None)) is True
        assert store.get("k") == b"v"

    def test_touch_of_a_missing_or_expired_key_reports_false(self, store: Store) -> None:
        assert store.touch("missing", 10) is False
        assert run_async(store, lambda: store.atouch("missing", 10)) is False
        store.set("k", b"v", ttl=EXPIRING_TTL)
        time.sleep(EXPIRING_TTL + 0.1)
        assert store.touch("k", 10) is False
        assert store.get("k") is None

    @pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan")])
    def test_a_ttl_that_is_not_a_positive_number_is_refused(self, store: Store, ttl: float) -> None:
        with pytest.raises(ValueError, match="positive"):
            store.set("k", b"v", ttl=ttl)
        assert store.get("k") is None

    def test_keys_are_stored_under_the_prefix(self, store: Store, other: Store) -> None:
        store.set("shared-name", b"mine")
        assert other.get("shared-name") is None
        other.set("shared-name", b"theirs")
        assert store.get("shared-name") == b"mine"

    def test_keys_with_unusual_characters_stay_distinct(self, store: Store) -> None:
        keys = ["a b", "a%b", "a_b", "a*", "ключ", "x' OR '1'='1", "k" * 200]
        for n, key in enumerate(keys):
            store.set(key, str(n).encode())
        assert [store.get(key) for key in keys] == [str(n).encode() for n in range(len(keys))]
        assert store.get("a?b") is None

    def test_a_value_of_the_largest_size_round_trips(self, store: Store) -> None:
        changed = LARGEST[:-1] + b"!"
        store.set("big", LARGEST)
        store.set("big", LARGEST)  # replacing a row (an upsert's update) too
        assert store.get("big") == LARGEST
        assert store.compare_and_set("big", LARGEST, changed) is True
        assert run_async(store, lambda: store.aget("big")) == changed
        assert run_async(store, lambda: store.acompare_and_set("big", changed, LARGEST)) is True
        run_async(store, lambda: store.aset("big", changed))
        assert store.get("big") == changed
        assert store.add("big-new", LARGEST) is True
        assert run_async(store, lambda: store.aadd("big-anew", LARGEST)) is True
        assert store.get("big-anew") == LARGEST

    def test_a_value_over_the_limit_is_refused_and_nothing_is_written(self, store: Store) -> None:
        too_large = b"x" * (MAX_VALUE_SIZE + 1)
        store.set("k", b"kept")
        refusals = [
            lambda: store.set("k", too_large),
            lambda: store.add("new", too_large),
            lambda: store.compare_and_set("k", b"kept", too_large),
            lambda: run_async(store, lambda: store.aset("k", too_large)),
            lambda: run_async(store, lambda: store.aadd("new", too_large)),
            lambda: run_async(store, lambda: store.acompare_and_set("k", b"kept", too_large)),
        ]
        for refused in refusals:
            with pytest.raises(ValueTooLargeError, match="over the limit of 8,388,608 bytes"):
                refused()
        assert store.get("k") == b"kept"
        assert store.get("new") is None

    @pytest.mark.parametrize("value", ["text", 5, 10**12, None, [1, 2]])
    def test_a_value_that_is_not_bytes_is_refused_and_nothing_is_written(
        self, store: Store, value: object
    ) -> None:
        # bytes(5) is five NUL bytes and bytes(10**12) a terabyte: neither is a value.
        store.set("k", b"kept")
        refusals = [
            lambda: store.set("k", value),  # type: ignore[arg-type]
            lambda: store.add("new", value),  # type: ignore[arg-type]
            lambda: store.compare_and_set("k", b"kept", value),  # type: ignore[arg-type]
            lambda: run_async(store, lambda: store.aset("k", value)),  # type: ignore[arg-type]
            lambda: run_async(store, lambda: store.aadd("new", value)),  # type: ignore[arg-type]
        ]
        for refused in refusals:
            with pytest.raises(TypeError, match=r"Store values are bytes"):
                refused()
        assert store.get("k") == b"kept"
        assert store.get("new") is None

    def test_bytearray_and_memoryview_values_are_bytes(self, store: Store) -> None:
        store.set("a", bytearray(b"array"))
        store.set("m", memoryview(b"view"))
        assert (store.get("a"), store.get("m")) == (b"array", b"view")
