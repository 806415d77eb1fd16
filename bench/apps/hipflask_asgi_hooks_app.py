"""The hipflask ASGI bench app (``async def`` views) with a typical app's hooks and login.

See ``apps.hooks``.
"""

from __future__ import annotations

from apps.hooks import add_hooks
from apps.variants import fresh_app
from hipflask import g
from hipflask.login import LoginManager

app = add_hooks(fresh_app("hipflask_asgi_app"), g, LoginManager)
