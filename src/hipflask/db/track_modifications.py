"""Flask-SQLAlchemy's modification signals: what a commit wrote, per model instance.

With ``SQLALCHEMY_TRACK_MODIFICATIONS`` true, the sessions of ``db``
(``db.session`` and ``db.async_session``) note each model instance a
transaction inserts, updates or deletes, and a commit sends the list::

    from hipflask.db.track_modifications import models_committed

    @models_committed.connect_via(app)
    def reindex(sender, changes):
        for instance, operation in changes:  # "insert", "update" or "delete"
            ...

Each instance appears once, with its effect on the committed database: one
inserted and then changed is an ``"insert"``, one changed and then deleted a
``"delete"``, and one inserted and deleted before the commit is left out. A
rollback forgets what the transaction noted; rolling back a savepoint
forgets only what was noted since it began. Releasing a savepoint sends
nothing: its work is not committed until the outer transaction is.

``models_committed`` is sent once the transaction has ended, so a receiver
can read expired attributes (a new transaction loads them). Off by default,
as in Flask-SQLAlchemy 3: every flush pays for the bookkeeping, and
SQLAlchemy's own session events are the cheaper way to watch one model.
"""

from __future__ import annotations

from types import CoroutineType
from typing import Any

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.util import await_only

from .. import signals
from ..contexts import globals as _globals
from .async_session import AsyncBindSession

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

_signals = Namespace()

models_committed = _signals.signal("models-committed")
"""Sent after a commit that changed model instances.

The sender is the app; receivers get ``changes``, a list of ``(instance,
operation)`` tuples whose operation is ``"insert"``, ``"update"`` or
``"delete"``. Receivers may be ``async def``. After a commit of
``db.async_session`` they run on the event loop (async ones awaited
there): a sync receiver that blocks holds up every request.
"""

before_models_committed = _signals.signal("before-models-committed")
"""Sent as a commit starts, before its last flush, with the same ``changes``.

Objects the receivers add or change are part of the commit. A receiver
that raises stops the commit: the exception comes out of ``commit()`` with
the transaction still open, for the caller (or the request's teardown) to
roll back.
"""

_CHANGES = "hipflask.db.changes"
_SAVEPOINTS = "hipflask.db.savepoints"
_COMMITTED = "hipflask.db.committed"

#: What an instance's earlier operation becomes when a later one is seen;
#: ``None`` drops it (inserted and deleted in the same transaction).
_MERGED: dict[tuple[str, str], str | None] = {
    ("insert", "update"): "insert",
    ("insert", "delete"): None,
    ("update", "insert"): "update",
    ("delete", "insert"): "update",
}


def _tracking_app() -> Any:
    """The current app when it tracks modifications, else ``None``."""
    ctx = _cv_app.get(None)
    if ctx is None or not ctx.app.config.get("SQLALCHEMY_TRACK_MODIFICATIONS"):
        return None
    return ctx.app


def _changes(session: Any) -> dict[int, tuple[Any, str]]:
    changes: dict[int, tuple[Any, str]] = session.info.setdefault(_CHANGES, {})
    return changes


def _note(changes: dict[int, tuple[Any, str]], instance: Any, operation: str) -> None:
    key = id(instance)  # the tuple holds the instance, so its id stays its own
    earlier = changes.get(key)
    if earlier is not None:
        merged = _MERGED.get((earlier[1], operation), operation)
        if merged is None:
            del changes[key]
            return
        operation = merged
    changes[key] = (instance, operation)


def _record(session: Any, *args: Any) -> None:
    """Note what the session is about to write (before each flush and commit)."""
    if _tracking_app() is None:
        return
    changes = _changes(session)
    for instance in session.new:
        _note(changes, instance, "insert")
    for instance in session.dirty:
        # ``dirty`` holds every instance an attribute was set on, even to
        # the value it had; only a net change is an update.
        if session.is_modified(instance):
            _note(changes, instance, "update")
    for instance in session.deleted:
        _note(changes, instance, "delete")


def _on_savepoint(session: Any, transaction: Any) -> None:
    if transaction.nested and _CHANGES in session.info:
        savepoints = session.info.setdefault(_SAVEPOINTS, {})
        savepoints[transaction] = dict(session.info[_CHANGES])


def _on_rollback(session: Any) -> None:
    nested = session.get_nested_transaction()
    savepoints = session.info.get(_SAVEPOINTS, {})
    if nested is not None:
        # Rolling back a savepoint: what was noted before it began stands.
        session.info[_CHANGES] = dict(savepoints.get(nested, {}))
        return
    session.info.pop(_CHANGES, None)
    session.info.pop(_SAVEPOINTS, None)


def _before_commit(session: Any) -> None:
    _record(session)
    if session.in_nested_transaction():
        return
    app = _tracking_app()
    changes = session.info.get(_CHANGES)
    if app is not None and changes and before_models_committed.receivers:
        _send(session, before_models_committed, app, list(changes.values()))


def _after_commit(session: Any) -> None:
    if not session.in_nested_transaction():
        session.info[_COMMITTED] = True


def _on_transaction_end(session: Any, transaction: Any) -> None:
    if transaction.nested:
        session.info.get(_SAVEPOINTS, {}).pop(transaction, None)
        return
    if transaction.parent is not None:
        return
    committed = session.info.pop(_COMMITTED, False)
    changes = session.info.pop(_CHANGES, None)
    session.info.pop(_SAVEPOINTS, None)
    app = _tracking_app()
    if committed and changes and app is not None and models_committed.receivers:
        # Sent after the transaction closed, not in after_commit: there the
        # session can run no SQL, so a receiver reading an expired
        # attribute would fail.
        _send(session, models_committed, app, list(changes.values()))


def _as_is(func: Any) -> Any:
    return func


def _send(session: Any, signal: Any, app: Any, changes: list[tuple[Any, str]]) -> None:
    if not isinstance(session, AsyncBindSession):
        signals.send(signal, app, changes=changes)
        return
    # An AsyncSession runs this inside its greenlet on the event loop: async
    # receivers are awaited there, as the request pipeline awaits its own.
    for _receiver, rv in signal.send(app, _async_wrapper=_as_is, changes=changes):
        if type(rv) is CoroutineType:
            await_only(rv)


_LISTENERS: tuple[tuple[str, Any], ...] = (
    ("before_flush", _record),
    ("before_commit", _before_commit),
    ("after_commit", _after_commit),
    ("after_rollback", _on_rollback),
    ("after_transaction_create", _on_savepoint),
    ("after_transaction_end", _on_transaction_end),
)


def track(target: Any) -> None:
    """Note the changes of ``target``'s sessions (a session class or maker).

    Idempotent, so ``init_app`` on a second tracking app adds nothing.
    """
    for name, listener in _LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


__all__ = ["before_models_committed", "models_committed", "track"]
