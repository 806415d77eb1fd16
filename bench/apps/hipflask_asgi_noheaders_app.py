"""The hipflask ASGI bench app (``async def`` views) with the security headers off
(``SECURITY_HEADERS = False``).

Compared with the ``hipflask-asgi`` row of the same run, it gives that default's
cost under ASGI, where the server encodes every response header.
"""

from __future__ import annotations

from apps.variants import fresh_app

app = fresh_app("hipflask_asgi_app", SECURITY_HEADERS=False)
