"""The Flask-style bench app as ``hipflask serve`` runs a WSGI app.

``hipflask serve`` puts a WSGI app behind :class:`~hipflask.serving.buffering.BufferedWSGI`,
an ASGI front on granian's event loop that reads each body before a thread
calls the app. In-process, this row measures that front; over the wire the
row runs the real ``hipflask serve`` command on ``hipflask_app``.
"""

from __future__ import annotations

from apps.hipflask_app import app as wsgi_app
from hipflask.serving.buffering import BufferedWSGI
from hipflask.serving.production import default_threads

app = BufferedWSGI(wsgi_app, wsgi_app.config, default_threads())
