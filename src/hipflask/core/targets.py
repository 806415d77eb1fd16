"""Absolute-form request targets, as middleware on ``asgi_app`` must see them.

uvicorn and hypercorn pass a request target in absolute form (``GET
http://host/admin``, which RFC 9112 has servers accept) on as the ASGI path;
the app routes it by its path alone, as WSGI servers pass it. Middleware
installed on ``app.asgi_app`` gets the same path, or a guard on ``/admin``
would let such a target walk past it.
"""

from __future__ import annotations

from typing import Any

from ..wrappers.request import normal_path

__all__ = ["routed_scope"]


def routed_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """``scope`` with the path the app routes by, for middleware on ``asgi_app``.

    uvicorn and hypercorn pass an absolute-form target (``GET
    http://host/admin``) on as the path, which the app routes as ``/admin``:
    a middleware guarding ``/admin`` must see that path too, or the target
    walks past it.
    """
    path = scope.get("path")
    if not isinstance(path, str):
        return scope
    # The path includes root_path (uvicorn puts it in front of the URL too).
    root_path = scope.get("root_path") or ""
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
    else:
        root_path, rest = "", path
    if rest[:1] != "/" and "://" in rest:
        return {**scope, "path": root_path + normal_path(rest)}
    return scope
