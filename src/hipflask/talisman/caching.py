"""Pages that carry a CSP nonce stay out of shared caches.

A nonce protects a page only while nobody but the one browser it was sent
to knows it. A CDN or proxy that stores the page serves the same nonce to
every visitor: an attacker fetches the page once, reads the nonce, and an
injection that reaches anyone else's copy (DOM XSS from the URL fragment, a
``postMessage`` handler) runs its ``<script nonce="...">`` there, as if the
policy had no nonce at all. So a page whose enforced
``Content-Security-Policy`` holds a nonce is made ``private``: browsers may
still keep it for the back button, shared caches may not.

Only HTML documents are concerned: a script, a stylesheet, an image or JSON
runs no inline script, and such files are what CDNs are for (``send_file``
marks them ``public``). Flask-Talisman does not do this.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import Any
from weakref import WeakKeyDictionary

from hipflask.contexts import globals as _globals

if TYPE_CHECKING:
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

__all__ = ["keep_nonce_private"]

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

_log = logging.getLogger("hipflask.talisman")

#: The types a browser renders as a document, where the policy's nonce lets
#: inline scripts run.
_DOCUMENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: Per app, the endpoints already warned about, so a busy page logs once.
_warned: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()


def keep_nonce_private(request: Request, response: Response) -> None:
    """Make a page whose enforced CSP carries a nonce ``private`` (a gate finisher).

    ``no-store`` and ``private`` are kept as they are. ``public`` and
    ``s-maxage`` are dropped, with a warning: the view asked for a shared
    cache, which would give every visitor one nonce. ``no-cache`` alone
    still lets a shared cache store the page and serve it after a
    revalidation, so it gains ``private`` too. ``CACHE_SAFETY = False``
    leaves caching to the views here as everywhere.
    """
    ctx = _cv_request.get(None)
    if ctx is not None and not ctx.app.config.get("CACHE_SAFETY", True):
        return
    if response.mimetype not in _DOCUMENT_TYPES:
        return
    if not any("'nonce-" in value for value in response.headers.getlist("Content-Security-Policy")):
        return
    cache = response.cache_control
    if cache.no_store or cache.private is True:
        return
    if cache.public or cache.s_maxage is not None:
        endpoint = request.endpoint or request.path
        warned = _warned.setdefault(ctx.app, set()) if ctx is not None else set()
        if endpoint not in warned:
            warned.add(endpoint)
            _log.warning(
                "%s asked for a shared cache (Cache-Control: %s) on a page whose"
                " Content-Security-Policy carries a nonce; a shared cache would"
                " give every visitor that one nonce. Sent as private instead.",
                endpoint,
                response.headers.get("Cache-Control"),
            )
        cache.public = False
        cache.s_maxage = None
        cache.proxy_revalidate = False
    cache.private = True
