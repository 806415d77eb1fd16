"""``after_serving`` in a WSGI worker of ``hipflask serve``: once, when the worker stops.

Under ASGI, granian sends the lifespan shutdown when a worker stops, and the
app runs its ``after_serving`` hooks then. WSGI has no such event, and
granian 2.8.9 offers a WSGI worker no hook of its own: its ``on_shutdown``
and ``on_reload`` hooks run in the main process, and a worker ends without
running :mod:`atexit` handlers (:mod:`multiprocessing` ends its processes
with :func:`os._exit`).

What a worker does run on its way out is the joining of its non-daemon
threads: when the function a :mod:`multiprocessing` process runs returns,
the process waits for them, as an interpreter does at exit (Python 3.7 and
later). Granian's worker function returns once the worker has stopped
serving: on ``SIGTERM`` or ``SIGINT``, whether it came from an operator or
from the main process stopping an old worker after a ``SIGHUP`` reload. So
:func:`run_after_serving_on_exit` starts one non-daemon thread per worker
that waits for the main thread to finish, then runs the hooks in an app
context: once per worker, after the worker stopped serving.

They do not run in a worker killed before it finishes (``SIGKILL``, or one
still busy past ``--shutdown-timeout``, which granian kills), nor in the
checking child, which ends before any of this. ``before_serving`` still runs
before the first request under WSGI, so in a worker that served none,
``after_serving`` runs without it.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING

from ..core import bridge
from ..core import serve

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = ["run_after_serving_on_exit"]

_log = logging.getLogger("hipflask.serving")

#: The signals granian's workers answer, left to their main thread.
_STOP_SIGNALS = {
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
}


def run_after_serving_on_exit(app: Hipflask) -> None:
    """Run ``app``'s ``after_serving`` hooks once this process's main thread has finished.

    For a granian WSGI worker (see the module docstring). The hooks are
    looked up then, not now: one registered while serving runs too.
    """
    thread = threading.Thread(
        target=_after_main_thread, args=(app,), name="hipflask-after-serving", daemon=False
    )
    thread.start()


def _after_main_thread(app: Hipflask) -> None:
    if hasattr(signal, "pthread_sigmask"):
        # The system hands a process's signal to any thread that does not
        # block it. Taken by this one, blocked in a join, a SIGTERM would not
        # wake the worker's main thread waiting in granian's stop event, and
        # the worker would sit out --shutdown-timeout before being killed.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    threading.main_thread().join()
    if not app.after_serving_funcs:
        return
    try:
        bridge.run_coroutine(serve.serving_hooks(app, starting=False))
    except Exception:
        # The worker is ending anyway; the operator needs to know a clean-up failed.
        _log.exception("An after_serving function of the app failed as the worker stopped.")
