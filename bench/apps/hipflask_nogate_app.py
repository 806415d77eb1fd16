"""The hipflask WSGI bench app with the cross-origin gate off
(``CROSS_ORIGIN_PROTECTION = False``).

Compared with the ``hipflask`` row of the same run, it gives that default's cost.
"""

from __future__ import annotations

from apps.variants import fresh_app

app = fresh_app("hipflask_app", CROSS_ORIGIN_PROTECTION=False)
