"""The hipflask WSGI bench app with a typical app's hooks and its login suite.

See ``apps.hooks``.
"""

from __future__ import annotations

from apps.hooks import add_hooks
from apps.variants import fresh_app
from hipflask import g
from hipflask.login import LoginManager

app = add_hooks(fresh_app("hipflask_app"), g, LoginManager)
