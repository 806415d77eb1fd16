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

A check has a time limit (``--check-timeout``): an app whose import waits on
a network call that never answers would otherwise hold the check forever,
and every later ``SIGHUP`` would only ask for one more check after it. Past
the limit the child is killed with its process group and the reload is
refused like any other. What the log says is what happens: a refusal that
follows a check that passed says the reload that check asked for goes ahead
(granian has taken the signal, and nothing undoes it), rather than that the
workers keep serving.

``SIGHUP`` before granian installs its handler is the concern of
:mod:`hipflask.serving.hangups`.

Why not let the new workers refuse by themselves: granian 2.8.9 stops an old
worker a few seconds after starting its replacement whether or not that one
loaded, and then, a worker having exited, shuts the whole server down. The
workers do check what they load too
(:func:`~hipflask.serving.loading.load_worker_app`), for files changed
between the child's check and their own import; such a refusal stops the
server rather than serve the app.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from ..errors import HipflaskError
from .child_process import DEFAULT_CHECK_TIMEOUT
from .child_process import CheckAbandoned
from .child_process import CheckTimedOut
from .hangups import log_from_handler as _log_from_handler
from .hangups import reload_logger as reload_logger
from .inspection import inspect_app
from .tls.context import make_server_context

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.app import Hipflask
    from .inspection import StartupChecks

__all__ = ["CheckedReload", "reload_logger"]

#: How long stopping the server waits for a check under way to end its child
#: and the processes the app started (a ``SIGTERM``, a second's grace, ``SIGKILL``).
_STOP_SECONDS = 5.0

_DURING_CHECK = "SIGHUP during a check: the app on disk is checked again once this one ends."

_DURING_SHUTDOWN = "SIGHUP during shutdown: nothing to reload, the server is stopping."

_CHECKING = "SIGHUP received: checking the app on disk before reloading."

_CHECKING_AGAIN = "Checking the app on disk again, for the SIGHUP received during the last check."

_PASSED = "The app on disk passes the start-up checks: reloading the workers."

_PASSED_STOPPING = (
    "The app on disk passes the start-up checks, but the server is stopping: no reload."
)

_FAILS = "what is on disk fails the start-up checks. {reason}"

_TIMED_OUT = "the check of the app on disk did not finish in time. {reason}"

_REFUSED = "Reload refused, the workers keep serving the code they loaded: {reason}"

#: A refusal that follows a check that passed: the reload that one asked for
#: is under way (granian took the signal) and is not undone.
_REFUSED_AFTER_RELOAD = (
    "Reload refused for the files on disk now: {reason} The reload the previous check"
    " passed goes ahead all the same: its new workers import the files as they are when"
    " each starts, and one that imports code the checks refuse exits, which stops the server."
)


_Load = Callable[[], "tuple[Hipflask, str | None, str | None]"]


class CheckedReload:
    """``SIGHUP``: check the app on disk in a child, then hand the signal to granian.

    :param load: loads the app as the workers will (in the checking child),
        returning it, its import target and its ``sys.path`` entry.
    :param checks: what the app is judged against, as at start-up, with the
        interface the server speaks.
    :param certificate: the certificate and key files the workers read, loaded
        before the app is.
    :param timeout: seconds the checking child may take; one that takes
        longer is killed, with the processes it started, and the reload
        refused (``None``: no limit).
    """

    def __init__(
        self,
        load: _Load,
        checks: StartupChecks,
        certificate: tuple[Path, Path] | None = None,
        timeout: float | None = DEFAULT_CHECK_TIMEOUT,
    ) -> None:
        self._load = load
        self._timeout = timeout
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
        again = False
        passed_before = False
        while True:
            refusal = self._check(again)
            log = reload_logger()
            with self._lock:
                if refusal is None and not self._stopped and self._reload is not None:
                    log.info(_PASSED)
                    self._reload(signal.SIGHUP, None)
                    passed_before = True
                elif refusal is None:
                    log.info(_PASSED_STOPPING)
                elif refusal:
                    wording = _REFUSED_AFTER_RELOAD if passed_before else _REFUSED
                    log.error(wording.format(reason=refusal))
                if not self._pending or self._stopped:
                    self._running = False
                    return
                self._pending = False
            again = True

    def _check(self, again: bool) -> str | None:
        """Check the app on disk: ``None`` when it passes, else why not (empty: abandoned)."""
        log = reload_logger()
        log.info(_CHECKING_AGAIN if again else _CHECKING)
        try:
            if self._certificate is not None:
                make_server_context(*self._certificate)
            facts = inspect_app(
                self._load, self._checks, abandon=self._abandon, timeout=self._timeout
            )
        except CheckAbandoned:
            log.info("Reload check abandoned: the server is stopping.")
            return ""
        except CheckTimedOut as exc:
            return _TIMED_OUT.format(reason=exc)
        except HipflaskError as exc:
            return _FAILS.format(reason=exc)
        except Exception as exc:  # the check itself failed (no process to fork)
            return f"The check could not run: {exc!r}."
        for line in facts.counters:
            log.warning("%s", line)
        return None
