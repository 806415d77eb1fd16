"""``get_recorded_queries()``: the SQL a request ran, for debugging and tests.

Turned on with ``SQLALCHEMY_RECORD_QUERIES``; off by default, since keeping
every statement and its parameters costs memory and parameters may hold
personal data that must not end up in a debug toolbar in production.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from typing import Any

import sqlalchemy as sa

from ..contexts.globals import _cv_app

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
    """The queries recorded in the current app context, oldest first."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return []
    return list(getattr(ctx.g, _G_KEY, []))


def _caller() -> str:
    """The first frame outside SQLAlchemy and this package: the app's line."""
    for frame_info in inspect.stack(context=0)[2:]:
        module = frame_info.frame.f_globals.get("__name__", "")
        if not (module.startswith(("sqlalchemy", "hipflask.db")) or module == __name__):
            return f"{module}:{frame_info.lineno} ({frame_info.function})"
    return "<unknown>"


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
    queries.append(_QueryInfo(statement, parameters, start, time.perf_counter(), _caller()))


def record_on(engine: sa.Engine) -> None:
    """Record every statement ``engine`` runs inside an app context."""
    sa.event.listen(engine, "before_cursor_execute", _before)
    sa.event.listen(engine, "after_cursor_execute", _after)


__all__ = ["get_recorded_queries"]
