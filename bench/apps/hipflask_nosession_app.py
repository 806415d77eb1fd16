"""The hipflask WSGI bench app with no secret key, so no
session machinery at all (its ``/session`` cell is n/a).

Compared with the ``hipflask`` row of the same run, it gives that default's cost.
"""

from __future__ import annotations

from apps.variants import fresh_app

app = fresh_app("hipflask_app", secret_key=None)
