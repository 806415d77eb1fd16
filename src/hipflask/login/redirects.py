"""Where a login may send the user back to: same-site paths only.

``login_view`` redirects carry the page the user wanted as ``next``; a login
view that redirects to ``next`` blindly is an open redirect (a phishing link
``/login?next=https://evil.example`` that looks like the real site). Only a
path on this site passes. A client that cannot follow the redirect at all
(an API client, a ``fetch`` call) is answered 401 instead.

An answer chosen that way differs by request headers the URL does not
show, so it says which (``Vary``): a shared cache would otherwise serve one
client's JSON 401 to every browser asking for the same page, or the
browser's redirect to the API client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..contexts.globals import request
from ..contexts.globals import request_ctx
from ..wrappers.headers import add_vary

_JSON_TYPES = ("application/json", "application/problem+json")
#: The request headers :func:`wants_json` reads, so the ones its answers vary on.
NEGOTIATED_HEADERS = ("Accept", "X-Requested-With", "Content-Type")
_NEGOTIATED = "_hipflask_login_negotiated"


def load_shared_check() -> Callable[[str], bool] | None:
    """The project-wide redirect check of :mod:`hipflask.security.redirects`, if present."""
    try:
        module = importlib.import_module("hipflask.security.redirects")
    except ImportError:
        return None
    check: Callable[[str], bool] | None = getattr(module, "is_safe_redirect_target", None)
    return check


_shared_check = load_shared_check()


def _is_same_site_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(char) < 32 or char == "\\" for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def is_safe_next(target: object) -> bool:
    """Whether ``target`` is a path on this site (and so safe to redirect to)."""
    if not isinstance(target, str) or not target:
        return False
    if not _is_same_site_path(target):
        return False
    return _shared_check is None or bool(_shared_check(target))


def wants_json() -> bool:
    """Whether the client is an API client that cannot follow a login redirect.

    Asking marks the request's response ``Vary`` on the headers read here
    (:func:`vary_on_negotiation`), whoever asked: an answer built on the
    reply is one of two for the same URL.
    """
    # On the request itself: the finisher then reads its ``__dict__``, which
    # costs every response a fraction of what a lookup through ``g`` does.
    request_ctx.request.__dict__[_NEGOTIATED] = True
    if request.is_json or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", *_JSON_TYPES])
    return best in _JSON_TYPES and accept[best] > accept["text/html"]


def vary_on_negotiation(request: Any, response: Any) -> None:
    """Add :data:`NEGOTIATED_HEADERS` to ``Vary`` when the answer asked :func:`wants_json`.

    Run by the login manager's finisher, so on every response, error pages
    and the throttle's 429 included, after the view and its hooks: any
    ``Vary`` already there is kept, one added later (the session's
    ``Cookie``) joins, and no name is listed twice.
    """
    if request.__dict__.get(_NEGOTIATED):
        for name in NEGOTIATED_HEADERS:
            add_vary(response.headers, name)


__all__ = [
    "NEGOTIATED_HEADERS",
    "is_safe_next",
    "load_shared_check",
    "vary_on_negotiation",
    "wants_json",
]
