"""The Flask bench app with a typical app's hooks and Flask-Login (see ``apps.hooks``)."""

from __future__ import annotations

from flask import g
from flask_login import LoginManager

from apps.hooks import add_hooks
from apps.variants import fresh_app

app = add_hooks(fresh_app("flask_app"), g, LoginManager)
