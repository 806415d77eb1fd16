"""Notes: a small multi-user notes app built the way hipflask's docs teach each part.

Sign-up and login (argon2id hashes, remember-me, logouts that stick, throttled
attempts), forms with CSRF tokens, an ``admin`` role that sees every note,
notes in SQLite through ``hipflask.db`` with an Alembic migration, pagination
and search, a JSON API with JWT access and refresh tokens on
``hipflask.restful`` with typed schemas, its OpenAPI document and docs page,
CORS for one configured origin, a Content Security Policy with nonces, and
server-side sessions.

On one machine nothing needs installing or starting (SQLite in the instance
folder, in-process and file stores). Set ``HIPFLASK_DATABASE_URL`` and
``HIPFLASK_REDIS_URL`` to run several workers on PostgreSQL or MariaDB and
Redis with the same code; see :mod:`examples.notes.settings`.
"""

from __future__ import annotations

from .app import create_app as create_app
