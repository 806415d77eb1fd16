"""Where a login may send the user back to: same-site paths only.

``login_view`` redirects carry the page the user wanted as ``next``; a login
view that redirects to ``next`` blindly is an open redirect (a phishing link
``/login?next=https://evil.example`` that looks like the real site). Only a
path on this site passes. A client that cannot follow the redirect at all
(an API client, a ``fetch`` call) is answered 401 instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from urllib.parse import urlsplit

from ..contexts.globals import request

_JSON_TYPES = ("application/json", "application/problem+json")


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
    """Whether the client is an API client that cannot follow a login redirect."""
    if request.is_json or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", *_JSON_TYPES])
    return best in _JSON_TYPES and accept[best] > accept["text/html"]


__all__ = ["is_safe_next", "load_shared_check", "wants_json"]
