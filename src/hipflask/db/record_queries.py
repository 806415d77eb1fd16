"""``get_recorded_queries()``: the SQL a request ran, for debugging and tests.

Turned on with ``SQLALCHEMY_RECORD_QUERIES``; off by default, since keeping
every statement and its parameters costs memory and parameters may hold
personal data that must not end up in a debug toolbar in production.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from types import FrameType
from typing import Any

import sqlalchemy as sa

from ..contexts import globals as _globals

# A plain name, not a ``from`` import, so that its method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

_G_KEY = "_sqlalchemy_queries"


@dataclasses.dataclass
class _QueryInfo:
    """One statement: its SQL, parameters, timing and where it was run from."""

    statement: str | None
    parameters: Any
    start_time: float
    end_time: float
    location: str

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time


def get_recorded_queries() -> list[_QueryInfo]:
    """The queries recorded in the current app context, oldest first.

    Each has ``statement`` (the SQL, with placeholders), ``parameters`` (the
    list of parameter sets sent with it), ``start_time``, ``end_time``,
    ``duration`` (seconds) and ``location`` (``path/to/file.py:12 (function)``,
    the line of the app's code that ran it). Once a query is recorded, the
    list is the app context's own, as in Flask-SQLAlchemy: clearing it
    starts the count afresh. Outside an app context it raises
    :class:`~hipflask.db.DatabaseContextError` (a :class:`RuntimeError`), as
    Flask-SQLAlchemy's raises there: an empty list would hide that the
    queries were run somewhere nothing is recorded.
    """
    ctx = _cv_app.get(None)
    if ctx is None:
        from .extension import _NO_APP_CONTEXT
        from .extension import DatabaseContextError

        raise DatabaseContextError(_NO_APP_CONTEXT)
    queries: list[_QueryInfo] = getattr(ctx.g, _G_KEY, [])
    return queries


def _location(frame: FrameType | None) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})" if frame else ""


def _caller(import_name: str) -> str:
    """Where the app's code ran the query: ``path/to/file.py:12 (function)``.

    The innermost frame of the app's own package (its ``import_name``) is
    the line to look at, past helpers of other libraries; an app whose
    package is not on the stack (a test module, say) gets the innermost
    frame outside SQLAlchemy and hipflask.db instead.
    """
    package = import_name.partition(".")[0]
    outside: FrameType | None = None
    frame = inspect.currentframe()
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module == package or module.startswith(package + "."):
            return _location(frame)
        if outside is None and not module.startswith(("sqlalchemy", "hipflask.db")):
            outside = frame
        frame = frame.f_back
    return _location(outside) or "<unknown>"


def _before(
    conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
) -> None:
    if _cv_app.get(None) is not None:
        conn.info.setdefault("_hipflask_query_start", []).append(time.perf_counter())


def _after(
    conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
) -> None:
    ctx = _cv_app.get(None)
    starts = conn.info.get("_hipflask_query_start")
    if ctx is None or not starts:
        return
    start = starts.pop()
    queries = getattr(ctx.g, _G_KEY, None)
    if queries is None:
        queries = []
        setattr(ctx.g, _G_KEY, queries)
    # The statement's parameter sets, a list, as Flask-SQLAlchemy records
    # them (the statement too is the one SQLAlchemy compiled, whichever
    # batch of it this cursor call ran).
    if context is not None:
        statement, parameters = context.statement, context.parameters
    else:
        parameters = [parameters]
    location = _caller(ctx.app.import_name)
    queries.append(_QueryInfo(statement, parameters, start, time.perf_counter(), location))


def record_on(engine: sa.Engine) -> None:
    """Record every statement ``engine`` runs inside an app context."""
    sa.event.listen(engine, "before_cursor_execute", _before)
    sa.event.listen(engine, "after_cursor_execute", _after)


__all__ = ["get_recorded_queries"]
