"""Key functions for particular deployments (``flask_limiter.contrib.util``)."""

from __future__ import annotations

from hipflask.contexts.globals import request

from ..util import get_remote_address

__all__ = ["get_remote_address_cloudflare"]


def get_remote_address_cloudflare() -> str:
    """The client address Cloudflare reports in ``CF-Connecting-IP``.

    Only for an app that Cloudflare alone can reach (its firewall admits
    only Cloudflare's addresses): any other client can send the header and
    pick its own budget, which is why hipflask's default,
    :func:`~hipflask.limiter.util.get_remote_address`, ignores such headers
    unless ``PROXY_FIX`` trusts the peer. A request without the header
    counts against its peer's address, where Flask-Limiter's function
    raises ``KeyError`` (a 500).
    """
    return request.headers.get("CF-Connecting-IP") or get_remote_address()
