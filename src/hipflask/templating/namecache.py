"""Jinja's template cache, telling its environments when a template leaves it.

:meth:`hipflask.templating.Environment.get_or_select_template` answers a
template name it has loaded before from a table of its own, skipping Jinja's
three calls and its locked cache lookup. That table may only hold what
Jinja's cache would answer itself: a template Jinja dropped (its cache was
full, or cleared in place by ``cache.clear()``) must be loaded again, from a
file that may have changed. Jinja's cache cannot be watched from outside, so
the environment makes its own cache of this class: every change that may
remove or replace a template first asks the environments using it to empty
their tables. Loading a template that fits in the cache removes nothing and
keeps the tables.

Only the cache an environment made itself is replaced by one of these: a
cache the app assigns is kept as it is (the app may hold it and change it),
and the environment then asks Jinja every time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from jinja2.utils import LRUCache

__all__ = ["TrackedLRUCache"]


class TrackedLRUCache(LRUCache):
    """:class:`jinja2.utils.LRUCache` calling back before anything may leave it."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        # What to call before a template may leave: one per environment using
        # this cache (an environment and its overlays may share one), held
        # weakly so that a cache kept by the app does not keep them alive.
        self._listeners: weakref.WeakKeyDictionary[Any, Callable[[], None]] = (
            weakref.WeakKeyDictionary()
        )
        self._insert_lock = threading.Lock()

    def listen(self, owner: Any, forget: Callable[[], None]) -> None:
        """Call ``forget`` before a template may leave the cache, while ``owner`` lives."""
        self._listeners[owner] = forget

    def _leaving(self) -> None:
        for forget in list(self._listeners.values()):
            forget()

    # The tables are emptied after the change: a render that read a table
    # before it got what Jinja's cache held a moment earlier, and one that
    # put a template in a table meanwhile sees that table emptied.

    def __setitem__(self, key: Any, value: Any) -> None:
        # A new key in a full cache pushes the least recently used out; an
        # existing key is replaced. Checked and inserted under one lock: two
        # loads filling the last place at once would each find room, and
        # the second push a template out unannounced.
        with self._insert_lock:
            leaving = key in self or len(self) >= self.capacity
            super().__setitem__(key, value)
        if leaving:
            self._leaving()

    def __delitem__(self, key: Any) -> None:
        try:
            super().__delitem__(key)
        finally:
            self._leaving()

    def clear(self) -> None:
        """Empty the cache, and every table answering from it."""
        try:
            super().clear()
        finally:
            self._leaving()

    def __setstate__(self, state: Any) -> None:
        # Unpickled (Jinja's state leaves the listeners out): nobody listens yet.
        super().__setstate__(state)
        self._listeners = weakref.WeakKeyDictionary()
        self._insert_lock = threading.Lock()
