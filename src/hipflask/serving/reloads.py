"""Checked reloads: ``SIGHUP`` serves new code only once the start-up checks pass.

Granian answers ``SIGHUP`` by starting a new generation of workers, which
import the app from disk again, and stopping the old ones. Left to itself it
would serve whatever is on disk then: a deploy that set a well-known
``SECRET_KEY`` (whoever knows it signs a session cookie that makes them any
user), or an admin anyone can open, would be served by the very server that
refused to start with it.

So ``hipflask serve`` takes ``SIGHUP`` first (:class:`CheckedReload`, set up
from granian's documented ``on_startup`` hook, once granian has installed
its own handler): the app on disk is loaded and checked in a child process,
exactly as at start-up (:func:`~hipflask.serving.inspection.inspect_app`,
with the same :class:`~hipflask.serving.inspection.StartupChecks`), while
the old workers go on serving. Only when the checks pass is the signal
handed to granian's handler, and the reload proceeds. A refusal is logged
with its reason and the old workers keep serving the code they loaded: a
failed deploy leaves the site as it was. The certificate and key files
(``--cert FILE --key FILE``) are loaded first, as at start-up: the new
workers read them again, and a renewal copied in halves (a certificate its
key does not match) would otherwise fail in each of them, which takes the
whole server down.

Why not let the new workers refuse by themselves: granian 2.8.9 stops an old
worker a few seconds after starting its replacement whether or not that one
loaded, and then, a worker having exited, shuts the whole server down. The
workers do check what they load too
(:func:`~hipflask.serving.loading.load_worker_app`), for files changed
between the child's check and their own import; such a refusal stops the
server rather than serve the app.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from ..errors import HipflaskError
from .child_process import CheckAbandoned
from .inspection import inspect_app
from .tls.context import make_server_context

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.app import Hipflask
    from .inspection import StartupChecks

__all__ = ["CheckedReload", "reload_logger", "sighup_before_serving"]

#: Where reloads and refusals are reported, beside granian's own lines.
_LOGGER_NAME = "hipflask.serving.reload"

#: How long stopping the server waits for a check under way to end its child
#: and the processes the app started (a ``SIGTERM``, a second's grace, ``SIGKILL``).
_STOP_SECONDS = 5.0

_DURING_START_UP = (
    "SIGHUP during start-up: nothing to reload, the workers about to start load the app"
    " on disk and check it."
)

_DURING_CHECK = "SIGHUP during a check: the app on disk is checked again once this one ends."

_DURING_SHUTDOWN = "SIGHUP during shutdown: nothing to reload, the server is stopping."

_REFUSED = (
    "Reload refused, the workers keep serving the code they loaded: what is on disk"
    " fails the start-up checks. {reason}"
)


def reload_logger() -> logging.Logger:
    """The logger of reloads and of their refusals, writing to ``stderr`` unless configured.

    A refused deploy must reach the operator's log, and granian sets up only
    its own loggers: without a handler of the program's own (on this logger
    or above it), one is added, in granian's ``[LEVEL] message`` form.
    """
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger


@contextlib.contextmanager
def sighup_before_serving() -> Iterator[None]:
    """Until granian takes ``SIGHUP`` over, log it rather than die of it.

    The default action of ``SIGHUP`` ends the process on the spot, with no
    word and no clean-up, and ``hipflask serve`` takes a while to start (the
    app loaded in a checking child, a certificate made): a reload asked for
    then (a deploy, ``logrotate``) would stop the server instead. Nothing
    needs reloading: the workers, not started yet, load the code on disk and
    check it themselves. Only the default is replaced, in the main thread,
    and it is put back on the way out.
    """
    if (
        not hasattr(signal, "SIGHUP")
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL
    ):
        yield
        return

    def starting(signum: int, frame: object) -> None:
        _log_from_handler(_DURING_START_UP)

    signal.signal(signal.SIGHUP, starting)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _log_from_handler(message: str) -> None:
    """Log ``message`` at ``INFO`` from a signal handler, in a thread of its own.

    A handler runs in the main thread wherever that thread was interrupted,
    possibly inside a write to the very stream the log goes to; writing
    there again raises ("reentrant call"). A thread waits for the stream
    instead.
    """
    thread = threading.Thread(target=reload_logger().info, args=(message,), daemon=True)
    thread.start()


_Load = Callable[[], "tuple[Hipflask, str | None, str | None]"]


class CheckedReload:
    """``SIGHUP``: check the app on disk in a child, then hand the signal to granian.

    :param load: loads the app as the workers will (in the checking child),
        returning it, its import target and its ``sys.path`` entry.
    :param checks: what the app is judged against, as at start-up, with the
        interface the server speaks.
    :param certificate: the certificate and key files the workers read, loaded
        before the app is.
    """

    def __init__(
        self,
        load: _Load,
        checks: StartupChecks,
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        self._load = load
        self._checks = checks
        self._certificate = certificate
        self._reload: Callable[[int, Any], Any] | None = None
        # Reentrant: the handler runs in the main thread, which may hold the
        # lock already (in stop()) when the signal arrives.
        self._lock = threading.RLock()
        self._running = False
        self._pending = False
        self._stopped = False
        self._main_pid: int | None = None
        self._abandon = threading.Event()
        self._thread: threading.Thread | None = None

    def install(self) -> None:
        """Put this check in front of the ``SIGHUP`` handler granian installed.

        Called from granian's ``on_startup`` hook, which runs after granian
        sets its signal handlers. Without a handler to pass the signal on to
        (no ``SIGHUP`` on this system, or none installed), nothing changes.
        Granian's ``SIGTERM`` and ``SIGINT`` handlers get this one in front
        too: from the moment the server starts shutting down (the workers
        may take ``--shutdown-timeout`` to finish their requests), no
        reload follows, so a check under way is abandoned and none starts.
        """
        if not hasattr(signal, "SIGHUP"):  # pragma: no cover - Windows
            return
        current = signal.getsignal(signal.SIGHUP)
        if not callable(current):
            return
        self._reload = current
        self._main_pid = os.getpid()
        signal.signal(signal.SIGHUP, self._requested)
        for signum in (signal.SIGINT, signal.SIGTERM):
            interrupt = signal.getsignal(signum)
            if callable(interrupt):
                signal.signal(signum, functools.partial(self._interrupted, interrupt))

    def stop(self) -> None:
        """Hand no further signal to granian, and end a check under way: the server stops.

        Left running, a check would be cut short by this process's exit: its
        child dies with the thread that waits for it, and the processes the
        app started while it loaded would run on, orphaned, with nothing
        left to stop them.
        """
        self._shut_down()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(_STOP_SECONDS)

    def _shut_down(self) -> None:
        with self._lock:
            self._stopped = True
        self._abandon.set()

    def _interrupted(self, interrupt: Callable[[int, Any], Any], signum: int, frame: Any) -> None:
        if os.getpid() == self._main_pid:
            self._shut_down()
        interrupt(signum, frame)

    def _requested(self, signum: int, frame: object) -> None:
        if os.getpid() != self._main_pid:
            # A worker, forked after install() with this handler: a SIGHUP
            # to the whole process group (a terminal's hangup) reaches it
            # too, and reloading is the main process's job. Granian's own
            # handler does nothing in a worker either.
            return
        # The check loads the app, which takes its time: it runs in a thread,
        # so granian's main loop goes on answering SIGTERM and worker exits.
        # A SIGHUP during a check asks for one more, once it is done: the
        # files may have changed again since it began.
        with self._lock:
            if self._stopped:
                _log_from_handler(_DURING_SHUTDOWN)
                return
            if self._running:
                # Logged: a check that hangs (an import waiting on a database)
                # would otherwise swallow every later SIGHUP without a word.
                if not self._pending:
                    _log_from_handler(_DURING_CHECK)
                self._pending = True
                return
            self._running = True
            thread = threading.Thread(target=self._check_loop, name="hipflask-reload-check")
            thread.daemon = True
            self._thread = thread
        thread.start()

    def _check_loop(self) -> None:
        while True:
            passed = self._check()
            with self._lock:
                if passed and not self._stopped and self._reload is not None:
                    self._reload(signal.SIGHUP, None)
                if not self._pending or self._stopped:
                    self._running = False
                    return
                self._pending = False

    def _check(self) -> bool:
        """Whether the app on disk passes the start-up checks; a refusal is logged."""
        log = reload_logger()
        log.info("SIGHUP received: checking the app on disk before reloading.")
        try:
            if self._certificate is not None:
                make_server_context(*self._certificate)
            facts = inspect_app(self._load, self._checks, abandon=self._abandon)
        except CheckAbandoned:
            log.info("Reload check abandoned: the server is stopping.")
            return False
        except HipflaskError as exc:
            log.error(_REFUSED.format(reason=exc))
            return False
        except Exception as exc:  # the check itself failed (no process to fork)
            log.error(_REFUSED.format(reason=f"The check could not run: {exc!r}."))
            return False
        for line in facts.counters:
            log.warning("%s", line)
        log.info("The app on disk passes the start-up checks: reloading the workers.")
        return True
