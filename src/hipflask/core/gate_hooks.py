"""The app's ``after_request`` hooks on what the security gate answered in its stead.

A rate limit's 429, a CSRF refusal's 400, the HTTPS redirect, a CORS
preflight, a refused host or origin: the gate answers these before any
``before_request`` hook runs. As in Flask, where the extensions refuse from
hooks of their own, the app's ``after_request`` hooks run on such an answer
(a hook adding ``Access-Control-Allow-Origin`` or a request id must reach
the 429 too, or a cross-origin page cannot read it), and a hook that
returns another response replaces the answer, as Flask's
``process_response`` does.

One thing differs. A hook reading what its ``before_request`` partner put
on ``g`` (a request timer) fails on such an answer, since that partner
never ran; Flask turns the refusal into a 500 then. Here the failure is
logged and the answer is sent as it was before the failing hook: its
status, body and headers, the gate's and the suites' included. The hooks
after it are skipped, as in Flask, where the exception ends them, but for
those marked :func:`every_response`, which still run: they must not miss a
response. The session save and the gate's finishers (the header policy,
CORS) then run as on any response.

A session interface opened before the gate (one with async methods, on
the event loop) that refuses with its store's 503 answers before the hooks
too, and comes here the same way. Only such answers come here; every other
response runs its hooks in :func:`hipflask.core.pipeline.process_response`
as before, with no work added.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from inspect import GEN_CREATED
from inspect import getgeneratorstate
from logging import ERROR
from logging import WARNING
from time import monotonic
from types import CoroutineType
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from werkzeug.wrappers import Response as BaseResponse

from ..wrappers.sendable import check_sendable

if TYPE_CHECKING:
    from logging import Logger

    from ..wrappers.response import Response
    from .app import Hipflask

__all__ = [
    "MAX_KINDS",
    "HookFailureLog",
    "after_gate_answer",
    "every_response",
    "hook_failure_log",
]

Step = Generator[Awaitable[Any], Any, Any]

_EVERY_RESPONSE = "_hipflask_every_response"

#: Seconds between two log lines for the same hook failing the same way.
REPORT_INTERVAL = 60.0

#: How much of an exception's message a repeated failure's line quotes.
_MESSAGE_LIMIT = 200

#: How many (hook, exception class) pairs are told apart; failures past it
#: share one entry.
MAX_KINDS = 256

#: The entry failures share once :data:`MAX_KINDS` kinds are counted.
_OTHER_KINDS = ("(any hook)", "(other exception classes)")
_OTHERS_NOTE = (
    f" More than {MAX_KINDS} kinds of failure (hook and exception class) were seen:"
    " failures of any other kind are counted together from now on."
)

F = TypeVar("F", bound=Callable[..., Any])


def every_response(hook: F) -> F:
    """Mark an ``after_request`` hook that must not miss a response.

    Every ``after_request`` hook runs on what the security gate answers in
    the app's stead; when one of them fails there, the hooks after it are
    skipped, but for those marked so. For a hook whose work does not depend
    on the others (the login suite's remember-me cookie, which an error
    handler's ``logout_user()`` clears).
    """
    # A bound method (an extension's ``self._after``) is marked on its
    # function, which the method reads attributes from.
    setattr(getattr(hook, "__func__", hook), _EVERY_RESPONSE, True)
    return hook


class _Saved:
    """A response as it was before a hook, to put back if the hook fails.

    Public attributes only: the status line, a copy of the headers, the
    body (a list copied, as a hook may append to it) and whether the body
    is passed through. A stream cannot be copied without reading it: one
    the hook may have read is not put back (see :meth:`restore`).
    """

    __slots__ = ("body", "headers", "passthrough", "response", "status")

    def __init__(self, response: Response) -> None:
        self.response = response
        self.status = response.status
        self.headers = response.headers.copy()
        body = response.response
        self.body = list(body) if type(body) is list else body
        self.passthrough = response.direct_passthrough

    def restore(self) -> Response:
        response = self.response
        body = self.body
        now = response.response
        response.status = self.status
        response.headers = self.headers
        if type(body) is not list and now is not body and type(now) is list and _spent(body):
            # ``get_data()`` read the stream into a list (a file too, once
            # the hook turned ``direct_passthrough`` off): put back, the
            # spent stream would send an empty body, or one short of its
            # Content-Length, which leaves the client waiting for the rest.
            # The list is what is left of the body; the length is its own.
            response.response = now
            response.direct_passthrough = False
            close = getattr(body, "close", None)
            if close is not None:
                # Not sent, so not closed by the server: a file left open.
                response.call_on_close(close)
            if "Content-Length" in response.headers:
                response.headers["Content-Length"] = str(sum(len(chunk) for chunk in now))
        else:
            response.response = body
            response.direct_passthrough = self.passthrough
        return response


def _spent(body: Any) -> bool:
    """Whether a streamed body may have been read: a generator knows, others cannot tell."""
    if isinstance(body, Generator):
        return getgeneratorstate(body) != GEN_CREATED
    return True


def after_gate_answer(app: Hipflask, hooks: tuple[Any, ...], response: Response) -> Step:
    """Run ``hooks`` on the gate's answer; a failing one is logged, its changes undone.

    A hook that raises, returns something that is not a response (a
    forgotten ``return response``) or leaves a header no server can send (a
    value echoed from the request), each of which a later step would fail
    on, is reported through :func:`hook_failure_log`; the answer is put
    back as it was before that hook. Only the hooks marked
    :func:`every_response` run after a failure. Nothing is raised, whatever
    ``PROPAGATE_EXCEPTIONS`` says: the gate's answer is what the client
    gets, in tests as in production.
    """
    failed = False
    for hook in hooks:
        if failed and not getattr(hook, _EVERY_RESPONSE, False):
            continue
        saved = _Saved(response)
        try:
            rv = hook(response)
            if type(rv) is CoroutineType:
                rv = yield rv
            if not isinstance(rv, BaseResponse):
                raise TypeError(
                    f"The hook returned {type(rv).__name__}, not a response: an"
                    " after_request hook must return the response it was given or another."
                )
            # A header no server can send (a request id echoed from the
            # query) would fail the finishers, and the answer with them.
            check_sendable(list(rv.headers.items()))
        except Exception as exc:
            response = saved.restore()
            hook_failure_log(app).report(app.logger, hook_name(hook), response.status_code, exc)
            failed = True
            continue
        response = rv  # type: ignore[assignment]
    return response


def hook_name(hook: Callable[..., Any]) -> str:
    """The name a log line gives a hook: its module and qualified name."""
    func = getattr(hook, "__func__", hook)
    qualname = getattr(func, "__qualname__", None)
    if qualname is None:
        return repr(hook)
    module = getattr(func, "__module__", None)
    return f"{module}.{qualname}" if module else str(qualname)


class HookFailureLog:
    """Logs the failures of ``after_request`` hooks on the gate's answers, sparingly.

    The first failure of a hook with a given exception class is logged at
    ERROR with its traceback, once: that is the bug, shown as a 500's would
    be. The same hook failing the same way again is the same bug, and under
    an attack (a flood of requests each refused with a 429) it fails once
    per request: a traceback each time would bury the log and cost a
    formatted stack per refusal. Those repeats are counted, and at most one
    WARNING line per interval (a minute) reports how many there were, with
    the latest message, without a traceback. So the volume is bounded by the
    number of hooks, not by the attacker's request rate, and a new kind of
    failure in the same hook (another exception class) still gets its own
    traceback. The count is reported with the first repeat after the
    interval; repeats that are never followed by another are not reported.
    At most :data:`MAX_KINDS` kinds are told apart: past them (exception
    classes made at run time, a hook whose name changes) every new kind is
    counted under one entry, so neither the table nor the tracebacks grow
    with the requests.
    """

    def __init__(self, interval: float = REPORT_INTERVAL, clock: Callable[[], float] = monotonic):
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        # (hook name, exception class) -> [time of the last line, repeats since]
        self._seen: dict[tuple[str, str], list[float]] = {}

    @property
    def kinds(self) -> int:
        """How many kinds of failure (hook and exception class) are being counted."""
        return len(self._seen)

    def report(self, logger: Logger, hook: str, status: int, exc: Exception) -> None:
        """Log a hook's failure on the gate's ``status`` answer, unless it was just logged."""
        # Imported here: the app module imports this one.
        from .app import log_from_app

        kind = type(exc)
        key = (hook, f"{kind.__module__}.{kind.__qualname__}")
        now = self.clock()
        with self._lock:
            entry = self._seen.get(key)
            if entry is None and len(self._seen) >= MAX_KINDS:
                # Exception classes made at run time (or a hook whose name
                # changes) would add an entry, and a traceback, per request.
                key = _OTHER_KINDS
                entry = self._seen.get(key)
            if entry is None:
                self._seen[key] = [now, 0]
                repeats = 0
                since = 0.0
            else:
                entry[1] += 1
                since = now - entry[0]
                if since < self.interval:
                    return
                repeats = int(entry[1])
                entry[0] = now
                entry[1] = 0
        if not repeats:
            log_from_app(
                logger,
                ERROR,
                "The after_request hook %s failed on the %d answered before any"
                " before_request hook ran (by the security gate or the session interface);"
                " that answer was sent as it was before the hook, and only the hooks marked"
                " every_response ran after it. Repeats of this failure are counted and"
                " logged at most every %d seconds, without a traceback.%s",
                hook,
                status,
                self.interval,
                _OTHERS_NOTE if key is _OTHER_KINDS else "",
                exc_info=exc,
            )
            return
        # The message may carry request data: quoted, and cut short.
        try:
            message = str(exc)[:_MESSAGE_LIMIT]
        except Exception:  # an exception whose __str__ fails must not fail the answer
            message = "(a message that could not be read)"
        log_from_app(
            logger,
            WARNING,
            "The after_request hook %s failed %d more times in %d seconds on answers given"
            " before the before_request hooks (the latest on a %d, %s: %r); each was sent"
            " as it was before the hook.",
            hook,
            repeats,
            since,
            status,
            kind.__name__,
            message,
        )


_logs: weakref.WeakKeyDictionary[Hipflask, HookFailureLog] = weakref.WeakKeyDictionary()
_logs_lock = threading.Lock()


def hook_failure_log(app: Hipflask) -> HookFailureLog:
    """The app's :class:`HookFailureLog`, made on its first hook failure.

    Kept beside the app, not on it: only an app whose hook failed on a gate
    answer has one.
    """
    with _logs_lock:
        log = _logs.get(app)
        if log is None:
            log = _logs[app] = HookFailureLog()
    return log
