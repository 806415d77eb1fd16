"""Key functions: who a request counts against (``flask_limiter.util``)."""

from __future__ import annotations

from hipflask.contexts.globals import request

__all__ = ["get_ipaddr", "get_remote_address"]


def get_remote_address() -> str:
    """The client's address, as the app's proxy trust (``PROXY_FIX``) resolved it.

    ``request.remote_addr`` is the peer's address, or the address a trusted
    proxy reported: an ``X-Forwarded-For`` sent by the client itself is
    ignored unless ``PROXY_FIX`` trusts the peer, so an attacker cannot get
    a fresh budget per request by inventing addresses.
    """
    return request.remote_addr or "127.0.0.1"


def get_ipaddr() -> str:
    """Older Flask-Limiter name; the same proxy-aware address as :func:`get_remote_address`.

    The original read the last ``X-Forwarded-For`` entry directly, which
    any client can forge; it now follows ``PROXY_FIX`` like everything else.
    """
    return get_remote_address()
