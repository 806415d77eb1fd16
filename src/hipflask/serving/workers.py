"""How granian's worker processes start: each from a fresh interpreter.

``hipflask serve`` loads the app in its own process first, for the start-up
checks. Granian starts its workers with :mod:`multiprocessing`'s default
method, which on Linux is ``fork``: each worker would then be a copy of
that process, app included. Two things go wrong in such a copy:

* whatever the app opened while loading (a database pool's connection, a
  SQLite handle, a client's socket, a thread) is shared by every worker,
  and two processes writing one connection corrupt it;
* an app factory runs again in a process where it already ran once, so
  set-up that changes module-level objects (``admin.add_view`` on a global
  ``Admin``, a blueprint registered on a module-level parent) meets its
  own first run and fails ("already registered").

So the workers are *spawned*, as uvicorn's are, and each imports the app
itself, once, the way ``gunicorn app:app`` workers do: module-level code
and factories run once per worker, in a process that owns everything
they open. A ``SIGHUP`` reload then also loads the code from disk again,
where forked workers would keep the parent's copy.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator

__all__ = ["WORKER_START_METHOD", "fresh_worker_processes"]

#: The :mod:`multiprocessing` start method granian's workers are started with.
WORKER_START_METHOD = "spawn"


@contextlib.contextmanager
def fresh_worker_processes() -> Iterator[None]:
    """Within the block, new worker processes start from a fresh interpreter.

    Granian reads :func:`multiprocessing.get_start_method` as it starts each
    worker (and again when it restarts one), so the method is set for the
    life of the server and put back afterwards: the serving process may be
    a program's own, whose other processes keep their method.
    """
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(WORKER_START_METHOD, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)
