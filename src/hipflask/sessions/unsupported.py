"""Flask-Session's store types hipflask does not provide, and why.

A server-side session needs three things from its store: a new record is
written only if its id is free (``add``), a save replaces the record only if
it is still the one the request loaded (``compare_and_set``, so two tabs keep
both their changes, see :mod:`hipflask.sessions.merge`), and a record that
expired is never read again. hipflask's stores give all three on one machine
(memory, files) and across machines (Redis, SQL). For the backends below it
has no store, and each lacks one of them as Flask-Session uses it, so an app
naming one fails at ``Session(app)`` with the reason and the type to use,
never later at its first request.
"""

from __future__ import annotations

from ..errors import ConfigurationError

_USE_REDIS = (
    " Use SESSION_TYPE = 'redis' (SESSION_REDIS names the server) to share sessions"
    " between processes and machines, or 'sqlalchemy' to keep them in the app's database."
)

#: Why each backend is refused, keyed by Flask-Session's SESSION_TYPE name.
REASONS = {
    "memcached": (
        "Memcached drops entries before they expire whenever it needs the memory, so"
        " sessions (logins included) vanish at random under load, and hipflask has no"
        " Memcached store." + _USE_REDIS
    ),
    "mongodb": (
        "hipflask has no MongoDB store: Flask-Session writes each session whole (the last"
        " save erases a parallel one's changes), and MongoDB removes expired documents only"
        " in a background pass." + _USE_REDIS
    ),
    "dynamodb": (
        "hipflask has no DynamoDB store: DynamoDB deletes expired items only eventually"
        " (they stay readable meanwhile), and Flask-Session writes each session whole (the"
        " last save erases a parallel one's changes)." + _USE_REDIS
    ),
    "uwsgi": (
        "The uWSGI cache exists only inside a uWSGI server and offers no atomic"
        " compare-and-set, which saves need so that two tabs keep both their changes."
        " Use SESSION_TYPE = 'filesystem' for the processes of one machine, or 'redis'"
        " across machines."
    ),
}


def refuse(what: str, kind: str) -> ConfigurationError:
    """The error for a backend in :data:`REASONS`; ``what`` names the app's setting."""
    return ConfigurationError(f"{what} is not supported for sessions. {REASONS[kind]}")


__all__ = ["REASONS", "refuse"]
