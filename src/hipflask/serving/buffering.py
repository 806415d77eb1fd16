"""The body-buffering WSGI front ``hipflask serve`` runs WSGI apps behind.

It lives in :mod:`hipflask.core.wsgi_front`, beside the protocol adapters,
because the ASGI adapter also serves through it the requests of an app whose
``wsgi_app`` carries WSGI middleware; this module keeps the import path the
serving tools and deployments use.
"""

from __future__ import annotations

from ..core.wsgi_front import BufferedWSGI as BufferedWSGI

__all__ = ["BufferedWSGI"]
