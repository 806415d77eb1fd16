"""The hipflask bench app (plain ``def`` views) with ``ASGI_SYNC_ON_LOOP = True``.

Served as ASGI, its views run on the event loop instead of a worker thread;
compared with the ``hipflask-asgi-sync`` row it gives the cost of the
hand-off to the thread pool.
"""

from __future__ import annotations

from apps.variants import fresh_app

app = fresh_app("hipflask_app", ASGI_SYNC_ON_LOOP=True)
