"""``SIGHUP`` before granian takes it over: from the command's first line, never fatal.

The default action of ``SIGHUP`` ends the process on the spot, with no word
and no clean-up. ``hipflask serve`` takes a while to start (the command line
parsed, installed plugin commands loaded, the app loaded in a checking
child, a certificate made), and a deploy tool that sends ``SIGHUP`` right
after starting it (or ``logrotate``) would stop the server instead of
reloading it. Nothing needs reloading then: the workers, not started yet,
load the code on disk and check it themselves.

Two layers cover that time:

* :func:`hangups_deferred`, the first thing the ``hipflask`` command does,
  before it parses its arguments, records a ``SIGHUP`` instead of dying of
  it. Once the command is known, a command other than ``serve`` gets the
  default back, with a recorded ``SIGHUP`` delivered again
  (:func:`release_hangups`): ``hipflask shell`` still ends with its
  terminal.
* :func:`sighup_before_serving`, around ``serve`` and
  :func:`~hipflask.serving.production.serve_app`, logs each ``SIGHUP`` (one
  recorded earlier included) as coming during start-up, until granian
  installs its own handler, which
  :class:`~hipflask.serving.reloads.CheckedReload` then fronts.

What runs before the command's first line (the interpreter starting,
``import hipflask``) cannot be covered from inside: a ``SIGHUP`` then still
ends the process. A deploy tool sends it once the server listens, or starts
the server with ``SIGHUP`` ignored (``nohup``), which is kept until granian
installs its handler.

Only the default is ever replaced, and only in the main thread: a program
that set its own handler (or ignores the signal) keeps it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = [
    "hangups_deferred",
    "log_from_handler",
    "release_hangups",
    "reload_logger",
    "sighup_before_serving",
]

#: Where reloads and refusals are reported, beside granian's own lines.
_LOGGER_NAME = "hipflask.serving.reload"

_DURING_START_UP = (
    "SIGHUP during start-up: nothing to reload, the workers about to start load the app"
    " on disk and check it."
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


def log_from_handler(message: str) -> None:
    """Log ``message`` at ``INFO`` from a signal handler, in a thread of its own.

    A handler runs in the main thread wherever that thread was interrupted,
    possibly inside a write to the very stream the log goes to; writing
    there again raises ("reentrant call"). A thread waits for the stream
    instead.
    """
    thread = threading.Thread(target=reload_logger().info, args=(message,), daemon=True)
    thread.start()


class _Recorder:
    """The handler of :func:`hangups_deferred`: counts the ``SIGHUP`` signals it takes."""

    def __init__(self) -> None:
        self.received = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.received += 1


def _may_replace(handler: object) -> bool:
    """Whether ``SIGHUP`` may be taken here: a system with it, the main thread, ``handler`` ours."""
    return (
        hasattr(signal, "SIGHUP")
        and threading.current_thread() is threading.main_thread()
        and (handler is signal.SIG_DFL or isinstance(handler, _Recorder))
    )


@contextlib.contextmanager
def hangups_deferred() -> Iterator[None]:
    """Record ``SIGHUP`` rather than die of it, until the command says what to do with it.

    The ``hipflask`` command's first line (see the module docstring). On the
    way out, as from :func:`release_hangups`, the default is put back and a
    ``SIGHUP`` no command took over is delivered again.
    """
    # Nested (the recorder already in place): the outer one releases.
    current = signal.getsignal(signal.SIGHUP) if hasattr(signal, "SIGHUP") else None
    if current is not signal.SIG_DFL or not _may_replace(current):
        yield
        return
    signal.signal(signal.SIGHUP, _Recorder())
    try:
        yield
    finally:
        release_hangups()


def release_hangups() -> None:
    """Give ``SIGHUP`` its default back, delivering again one that came meanwhile.

    For a command that is not ``serve``: a hangup must end it as it would
    have without :func:`hangups_deferred`. Does nothing once another handler
    took over.
    """
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return
    recorder = signal.getsignal(signal.SIGHUP)
    if not isinstance(recorder, _Recorder):
        return
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    if recorder.received:
        os.kill(os.getpid(), signal.SIGHUP)


@contextlib.contextmanager
def sighup_before_serving() -> Iterator[None]:
    """Until granian takes ``SIGHUP`` over, log it rather than die of it.

    Takes over from :func:`hangups_deferred`: a ``SIGHUP`` it recorded is
    logged now, as coming during start-up. The default found is put back on
    the way out; the recorder is not, the command exiting then.
    """
    previous = signal.getsignal(signal.SIGHUP) if hasattr(signal, "SIGHUP") else None
    if previous is None or not _may_replace(previous):
        yield
        return

    def starting(signum: int, frame: object) -> None:
        log_from_handler(_DURING_START_UP)

    signal.signal(signal.SIGHUP, starting)
    if isinstance(previous, _Recorder) and previous.received:
        previous.received = 0  # taken over: not to be delivered again
        reload_logger().info(_DURING_START_UP)
    try:
        yield
    finally:
        # After serving, the command only exits: a SIGHUP then has nothing
        # to reload, and delivered again by the recorder's release it would
        # end a server that stopped cleanly with the wrong status.
        signal.signal(
            signal.SIGHUP, signal.SIG_IGN if isinstance(previous, _Recorder) else previous
        )
