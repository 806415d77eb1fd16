"""The start-up checks, run on the app in a child process that then exits.

``hipflask serve`` must load the app to check it (its secret key, its host
names, its admin, the state its workers would each keep) before anything
listens. Granian then forks its workers from the serving process. Were the
app loaded there, every worker would be a copy of it:

* whatever the app opened while loading (a database pool's connection, a
  SQLite handle, a client's socket, a thread) would be shared by every
  worker, and two processes writing one connection corrupt it;
* an app factory would run again in a process where it already ran, so
  set-up that changes module-level objects (``admin.add_view`` on a global
  ``Admin``) would meet its own first run and fail ("already registered");
* a ``SIGHUP`` reload would fork the old code again.

So :func:`inspect_app` loads the app in a forked child, runs the checks
there, hands back what the server needs to know (:class:`AppFacts`, or the
refusal) and ends the child without running anything more of it. The
serving process never imports the app; each worker imports it once, as
``gunicorn app:app`` workers do.

Nothing of the check outlives it (see :mod:`~hipflask.serving.child_process`):
the processes the app starts while it is checked (a scheduler forked at
import, a ``subprocess``) end with the child, each worker starting its own,
and on Linux a serving process killed with ``SIGKILL`` takes the child with
it. Nothing of the app comes back either: only the child (not a copy the app
forks) answers, with :class:`AppFacts` or the refusal as plain data, which
the serving process reads taking no class but hipflask's, and with what the
app printed when the serving process's streams are not the descriptors the
child shares.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from ..errors import HipflaskError
from .child_process import detach_child
from .child_process import end_child
from .child_process import end_group
from .child_process import inherited_helpers
from .child_process import own_process_group
from .child_process import stop_helpers
from .child_process import terminate_raises
from .child_process import wait_for_answer

if TYPE_CHECKING:
    import threading

    from ..core.app import Hipflask

__all__ = [
    "AppFacts",
    "AppLoadFailed",
    "StartupChecks",
    "app_facts",
    "check_app",
    "in_child",
    "inspect_app",
]


#: An error as plain data: its hipflask class, its arguments, its attributes.
_PlainError = tuple[type[HipflaskError], tuple[str, ...], dict[str, object]]

#: The buffers the child's ``sys.stdout`` and ``sys.stderr`` write to, by name.
_Output = dict[str, io.BytesIO]

#: How deep lists, tuples and dicts of plain data may nest in an error's attributes.
_PLAIN_DEPTH = 8


class AppLoadFailed(HipflaskError):
    """The app raised while it was loaded or checked; the message holds its traceback."""


@dataclass(frozen=True)
class AppFacts:
    """What the server needs from a loaded, checked app, without the app."""

    #: ``app.name``, for the banner.
    name: str
    #: ``module:expression`` the workers load the app from.
    import_target: str | None
    #: The folder that import needs on ``sys.path``.
    sys_path_entry: str | None
    #: The ``TRUSTED_HOSTS`` to give the workers, or ``None`` to keep the app's.
    trusted_hosts: list[str] | None
    #: The host names the served app answers to.
    host_names: list[str]
    #: ``wsgi`` or ``asgi``: the interface asked for, or the one ``auto`` picks.
    interface: str
    #: Warnings about state each worker would keep in its own memory.
    counters: list[str]


@dataclass(frozen=True)
class StartupChecks:
    """What the start-up checks judge the app against: where and how it will be served."""

    #: The address the server listens on.
    host: str
    #: Whether it serves HTTPS.
    tls: bool
    #: Whether a reverse proxy in front is declared.
    proxy: bool
    #: Whether plain HTTP on a public address was asked for explicitly.
    insecure_http: bool
    #: The names the site is reached by (``--host-name``).
    host_names: Sequence[str] = ()
    #: How many worker processes will serve it.
    workers: int = 1
    #: ``auto``, ``wsgi`` or ``asgi``.
    interface: str = "auto"
    #: The debug mode the workers set over the app's own (``HIPFLASK_DEBUG``),
    #: or ``None`` when they keep the app's: the checks judge the app as served.
    debug: bool | None = None


def app_facts(
    app: Hipflask,
    checks: StartupChecks,
    *,
    import_target: str | None,
    sys_path_entry: str | None,
) -> AppFacts:
    """Run every start-up check on ``app`` (raising the first refusal) and gather its facts."""
    from .production import choose_interface
    from .production import trusted_host_names
    from .shared_state import local_counters

    trusted = check_app(app, checks)
    interface = checks.interface
    # Plain str throughout: the facts cross to the serving process, which
    # takes no class but hipflask's from the child, and a config library's
    # str subclass in TRUSTED_HOSTS would refuse the whole answer.
    return AppFacts(
        name=str(app.name),
        import_target=import_target,
        sys_path_entry=sys_path_entry,
        trusted_hosts=None if trusted is None else [str(host) for host in trusted],
        host_names=[str(name) for name in trusted_host_names(app, trusted)],
        interface=str(choose_interface(app) if interface == "auto" else interface),
        counters=[str(counter) for counter in local_counters(app, checks.workers)],
    )


def check_app(app: Hipflask, checks: StartupChecks) -> list[str] | None:
    """Every start-up check on ``app``, judged against ``checks``: the ``TRUSTED_HOSTS`` to give it.

    The one call of :func:`~hipflask.serving.production.check_deployment`
    that the checking child and each worker make alike (see
    :func:`~hipflask.serving.loading.load_worker_app`), so that a worker
    judges the app it loaded exactly as the child judged the one it checked.
    """
    from .production import check_deployment

    return check_deployment(
        app,
        checks.host,
        tls=checks.tls,
        proxy=checks.proxy,
        insecure_http=checks.insecure_http,
        host_names=checks.host_names,
        workers=checks.workers,
        debug=checks.debug,
    )


def inspect_app(
    load: Callable[[], tuple[Hipflask, str | None, str | None]],
    checks: StartupChecks,
    *,
    abandon: threading.Event | None = None,
    timeout: float | None = None,
) -> AppFacts:
    """Load the app with ``load`` and check it, in a child process; see the module docstring.

    ``load`` returns the app, its import target and its ``sys.path`` entry.
    A refusal (:class:`~hipflask.errors.HipflaskError`) is raised here with
    the message it had there, as the hipflask class it is or derives from,
    with its attributes that are plain data (any other is ``None``: none of
    the app's objects comes back); any other error loading the app is
    :class:`AppLoadFailed` with the child's traceback. Setting ``abandon``
    ends the check, and so does ``timeout`` (see :func:`in_child`).
    """

    def check() -> AppFacts:
        app, target, entry = load()
        return app_facts(app, checks, import_target=target, sys_path_entry=entry)

    return in_child(check, abandon=abandon, timeout=timeout)


def in_child(
    work: Callable[[], AppFacts],
    *,
    abandon: threading.Event | None = None,
    timeout: float | None = None,
) -> AppFacts:
    """``work()`` in a forked child: its result, or its error raised here.

    The child ends with :func:`os._exit` once the answer is written: no
    ``atexit`` handler, no wait for the app's threads, nothing it opened
    flushed into shared files; the processes the app started with
    :mod:`multiprocessing` are stopped first, and any other it started
    (``os.fork``, ``subprocess``) are ended with the child's process group
    (see :mod:`~hipflask.serving.child_process`). What the app prints to
    ``sys.stdout`` and ``sys.stderr`` reaches this process's: through the
    descriptors the child shares, or where these streams have none (click's
    ``CliRunner``), sent back with the answer. Where ``fork`` does not
    exist, ``work`` runs in this process.

    Setting ``abandon`` (from another thread) ends the child and its
    process group and raises
    :class:`~hipflask.serving.child_process.CheckAbandoned` here: a check
    run in a thread of its own gets no ``SIGTERM`` to stop it. A child still
    running after ``timeout`` seconds is ended the same way, and
    :class:`~hipflask.serving.child_process.CheckTimedOut` (a refusal) raised:
    an import that hangs must not hold the start, or a reload, forever.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        return work()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    caller = os.getpid()
    captured = _streams_to_capture()
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        os.close(reader)  # no child (a process limit reached): nothing will use the pipe
        os.close(writer)
        raise
    if pid == 0:  # pragma: no cover - the child's lines run in the forked process
        child = os.getpid()
        try:
            detach_child(caller)
            _child(work, reader, writer, child, captured)
        finally:
            # Whatever escapes (an interrupt among the last lines) must not
            # return into the caller's code, run on as a copy of its process.
            os._exit(0)
    own_process_group(pid)
    os.close(writer)
    try:
        with terminate_raises():
            try:
                data, code = wait_for_answer(reader, pid, abandon, timeout)
            except BaseException:
                # Interrupted (Ctrl+C or a SIGTERM, neither of which the
                # child gets in its own group), abandoned or timed out: serve gives up,
                # and the child must not go on loading the app, orphaned.
                end_child(pid)
                raise
            end_group(pid)
    finally:
        os.close(reader)
    if not data:
        raise AppLoadFailed(
            f"Loading the app stopped its process before the checks were done (exit status {code})."
        )
    ok, value, output = _read_answer(data)
    _replay(output)
    if ok:
        return value  # type: ignore[no-any-return]
    raise _rebuilt(value)


def _child(  # pragma: no cover - runs in the forked child
    work: Callable[[], AppFacts], reader: int, writer: int, child: int, captured: Sequence[str]
) -> None:
    """The checking child's work: answer on ``writer``, then stop what the app started.

    Only the process ``child`` answers. An app that forks while it loads
    and lets both processes carry on brings its copy here too, and a second
    answer in the pipe, read first or interleaved with the child's, would
    be taken for it: the copy ends without a word.
    """
    os.close(reader)
    output = _capture(captured)
    inherited = inherited_helpers()
    try:
        answer = _answer(work, output)
        if os.getpid() != child:
            os._exit(0)
        with os.fdopen(writer, "wb") as out:
            out.write(answer)
    finally:
        with contextlib.suppress(BaseException):
            stop_helpers(inherited)
        for stream in (sys.stdout, sys.stderr):
            # BaseException: Ctrl+C while a paused terminal blocks the flush.
            with contextlib.suppress(BaseException):
                stream.flush()


def _answer(work: Callable[[], AppFacts], output: _Output) -> bytes:
    """The pickled answer: facts or the error as plain data, and the ``output`` captured."""
    outcome: tuple[bool, object]
    try:
        outcome = (True, work())
    except HipflaskError as exc:
        outcome = (False, _as_plain_data(exc))
    except BaseException:
        failure = AppLoadFailed(f"The app failed to load:\n{traceback.format_exc()}")
        outcome = (False, _as_plain_data(failure))
    printed = _captured_text(output)
    try:
        data = pickle.dumps((*outcome, printed))
        _read_answer(data)  # what the serving process will make of it
    except Exception as exc:
        failure = AppLoadFailed(f"The checks' answer could not be sent back: {exc}")
        data = pickle.dumps((False, _as_plain_data(failure), printed))
    return data


def _streams_to_capture() -> tuple[str, ...]:
    """Which of ``sys.stdout`` and ``sys.stderr`` the child must capture.

    Those that write to descriptor 1 or 2 need nothing: the child shares
    the descriptors, and what it writes shows as it is written. Any other
    stream (click's ``CliRunner``, pytest's ``capsys``, a file opened here)
    is a Python object the child writes into its own copy of, which ends
    with it: what the app printed while checked would be lost.
    """
    captured = []
    for name, descriptor in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        if stream is None:  # no stream to show it in
            continue
        try:
            shared = stream.fileno() == descriptor
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
            shared = False
        if not shared:
            captured.append(name)
    return tuple(captured)


def _capture(names: Sequence[str]) -> _Output:  # pragma: no cover - runs in the forked child
    """Replace the streams ``names`` of :mod:`sys` with buffers, whose text goes with the answer."""
    output = {}
    for name in names:
        buffer = io.BytesIO()
        # surrogatepass: any str the app writes comes back as it was written.
        setattr(sys, name, io.TextIOWrapper(buffer, "utf-8", "surrogatepass", write_through=True))
        output[name] = buffer
    return output


def _captured_text(output: _Output) -> dict[str, str]:  # pragma: no cover - in the child
    text = {}
    for name, buffer in output.items():
        # ValueError: the app closed the stream, and its buffer with it.
        with contextlib.suppress(ValueError):
            text[name] = buffer.getvalue().decode("utf-8", "surrogatepass")
    return text


def _replay(output: dict[str, str]) -> None:
    """Write what the child printed into streams of this process to this process's."""
    for name, text in output.items():
        stream = getattr(sys, name)
        # A stream closed or broken here: the output has nowhere to go.
        with contextlib.suppress(OSError, ValueError):
            stream.write(text)
            stream.flush()


def _as_plain_data(error: HipflaskError) -> _PlainError:
    """``error`` as data the serving process reads without importing the app.

    Unpickling imports every class it meets by its module's name: an error
    class the app defines, or any of the app's objects held in an error's
    attributes or arguments, would import the app's module in the serving
    process (or fail there, the module not on its path). So the class goes
    as the nearest hipflask class it derives from, the arguments as strings,
    and the attributes that are plain data as they are, any other as
    ``None``. Should that not read as ``error`` did (a ``__str__`` of the
    app's), the message alone goes as the arguments.
    """
    message = str(error)
    nearest = next(cls for cls in type(error).__mro__ if _is_hipflask_error(cls))
    state = {name: value if _is_plain(value) else None for name, value in vars(error).items()}
    try:
        args = tuple(str(arg) for arg in error.args)
    except Exception:  # the app's __str__ raising
        args = (message,)
    for candidate in ((nearest, args, state), (nearest, (message,), state)):
        with contextlib.suppress(Exception):
            if str(_rebuilt(candidate)) == message:
                return candidate
    return (HipflaskError, (message,), {})


def _rebuilt(error: _PlainError) -> HipflaskError:
    """The error :func:`_as_plain_data` describes, made without its ``__init__``.

    An ``__init__`` may take other arguments than the ones it passes on
    (``MissingExtraError(module, extra)``): the attributes it set come back
    with the plain data instead.
    """
    cls, args, state = error
    rebuilt = cls.__new__(cls, *args)
    rebuilt.args = args
    vars(rebuilt).update(state)
    return rebuilt


def _is_plain(value: object, depth: int = 0) -> bool:
    """Whether ``value`` pickles without naming a class: builtin scalars, lists, tuples, dicts."""
    if type(value) in (str, bytes, int, float, bool, type(None)):
        return True
    if depth > _PLAIN_DEPTH:
        return False
    if type(value) is list or type(value) is tuple:
        return all(_is_plain(item, depth + 1) for item in value)
    if type(value) is dict:
        return all(
            _is_plain(key, depth + 1) and _is_plain(item, depth + 1) for key, item in value.items()
        )
    return False


class _AnswerUnpickler(pickle.Unpickler):
    """Reads the child's answer, refusing any class but hipflask's.

    The answer holds only :class:`AppFacts`, hipflask's error classes and
    plain data: a class of the app's among them would import the app here.
    """

    def find_class(self, module: str, name: str) -> Any:
        if module.partition(".")[0] != "hipflask":
            raise pickle.UnpicklingError(f"{module}.{name} is not hipflask's")
        return super().find_class(module, name)


def _read_answer(data: bytes) -> tuple[bool, Any, dict[str, str]]:
    return _AnswerUnpickler(io.BytesIO(data)).load()  # type: ignore[no-any-return]


def _is_hipflask_error(cls: type) -> bool:
    return issubclass(cls, HipflaskError) and cls.__module__.partition(".")[0] == "hipflask"
