"""Reverse-proxy trust for servers and middleware: ``PROXY_FIX`` and :class:`ProxyFix`.

The implementation lives in :mod:`hipflask.security.proxies`, below the core,
because the app applies its own ``PROXY_FIX`` setting to every request; this
module keeps the import path deployments use for the middleware.
"""

from __future__ import annotations

from ..security.proxies import ProxyFix as ProxyFix
from ..security.proxies import ProxyTrust as ProxyTrust

__all__ = ["ProxyFix", "ProxyTrust"]
