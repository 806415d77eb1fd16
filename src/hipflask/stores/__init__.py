"""Key-value stores with expiry, shared by sessions, logins and token blocklists.

::

    from hipflask.stores import create_store

    store = create_store("redis://127.0.0.1:6379/0", prefix="myapp:tokens:")
    store.set("abc", b"revoked", ttl=3600)
    await store.aget("abc")        # the same, without blocking the event loop

``memory://`` keeps entries in the process (the embedded default); a Redis URL
or an SQLAlchemy database URL shares them between processes and machines.
"""

from __future__ import annotations

from .base import Store as Store
from .base import create_store as create_store
from .memory import MemoryStore as MemoryStore

__all__ = ["MemoryStore", "Store", "create_store"]
