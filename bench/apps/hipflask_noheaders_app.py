"""The hipflask WSGI bench app with the security headers off
(``SECURITY_HEADERS = False``).

Compared with the ``hipflask`` row of the same run, it gives that default's cost.
"""

from __future__ import annotations

from apps.variants import fresh_app

app = fresh_app("hipflask_app", SECURITY_HEADERS=False)
