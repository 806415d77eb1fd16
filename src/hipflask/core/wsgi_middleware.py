"""The proxy trust that ASGI requests take from a ``ProxyFix`` installed on ``app.wsgi_app``.

Flask's deployment guide tells every app behind nginx to write
``app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)``. WSGI
middleware sees WSGI requests only, so the same app served over ASGI (by
uvicorn, or by its test suite under ``HIPFLASK_TEST_PROTOCOL=asgi``) would
silently see the proxy's address and plain ``http``: every client shares
the proxy's rate-limit bucket, session protection compares the wrong
address, and an HTTPS redirect loops. The ASGI adapter therefore applies
the trust such a middleware declares, as if it were the ``PROXY_FIX``
setting, which wins when both are given. Other WSGI middleware is not
applied to ASGI requests (see the ASGI and WSGI page of the documentation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix as WerkzeugProxyFix

from ..security.proxies import ProxyFix
from ..security.proxies import ProxyTrust

if TYPE_CHECKING:
    from .app import Hipflask

__all__ = ["wsgi_middleware_trust"]

#: How many wrappers deep to look: middleware stacks are a handful deep, and
#: a wrapper whose ``app`` points back at itself must not loop forever.
_MAX_DEPTH = 32


def wsgi_middleware_trust(app: Hipflask) -> ProxyTrust | None:
    """The trust of the outermost ``ProxyFix`` wrapped around ``app.wsgi_app``, if any.

    Werkzeug's middleware (and most others) keep the application they wrap
    in a public ``app`` attribute; the chain is followed through it.
    """
    wrapper: Any = app.__dict__.get("wsgi_app")
    for _ in range(_MAX_DEPTH):
        if wrapper is None:
            return None
        if isinstance(wrapper, WerkzeugProxyFix):
            return ProxyTrust(
                x_for=wrapper.x_for,
                x_proto=wrapper.x_proto,
                x_host=wrapper.x_host,
                x_port=wrapper.x_port,
                x_prefix=wrapper.x_prefix,
            )
        if isinstance(wrapper, ProxyFix):
            return wrapper.trust
        wrapper = getattr(wrapper, "app", None)
    return None
