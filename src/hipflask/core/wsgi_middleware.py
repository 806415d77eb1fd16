"""ASGI requests and the WSGI middleware installed on ``app.wsgi_app``.

Flask apps install middleware the Flask way, ``app.wsgi_app =
Middleware(app.wsgi_app)``: an address allowlist, Werkzeug's
``DispatcherMiddleware`` mounting other apps under a prefix, request-id or
logging middleware, ``ProxyFix``. Such middleware sees WSGI requests only,
so the same app served over ASGI (by uvicorn, or by its test suite under
``HIPFLASK_TEST_PROTOCOL=asgi``) would silently skip it: an allowlist that
lets everyone in, a site whose mounted apps answer 404.

The ASGI adapter therefore serves the ``http`` requests of such an app
through ``app.wsgi_app``, behind :class:`~hipflask.core.wsgi_front.BufferedWSGI`
(the front ``hipflask serve`` runs WSGI apps behind): the body is read on
the event loop first, bounded and timed, then the middleware chain runs in
a worker thread with the app's own WSGI entry point at its end, and the
response is streamed back. Lifespan stays native.

One chain keeps the native path: a single ``ProxyFix`` (Flask's
deployment guide puts one on every app behind nginx), which changes nothing
but the trust given to forwarded headers. The ASGI adapter applies the
trust it declares, as if it were the ``PROXY_FIX`` setting.

Declared twice, trust is not one trust any more, and the front runs the
chain instead, so that ASGI answers exactly as WSGI does. Two or more
``ProxyFix`` wrappers: under WSGI each writes what it trusts over what the
one outside it wrote (``x_for=2`` inside ``x_for=1`` believes two
addresses, and an inner one trusting no ``X-Forwarded-Proto`` leaves the
outer one's scheme). A ``ProxyFix`` and the ``PROXY_FIX`` setting: under
WSGI the middleware runs first and the setting after it, over what
Werkzeug's left (or not at all once hipflask's own has applied a trust).
The second case is logged as a warning: one of the two should go.

What an app has installed is decided at its first ASGI request or lifespan
startup, and again only when ``app.wsgi_app`` is replaced or ``PROXY_FIX``
comes or goes: an app without middleware pays nothing per request, and one
with it two dictionary lookups and two identity comparisons.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix as WerkzeugProxyFix

from ..security.proxies import ProxyFix
from ..security.proxies import ProxyTrust
from .wsgi_front import BufferedWSGI

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException

    from ..typing import Receive
    from ..typing import Scope
    from ..typing import Send
    from .app import Hipflask

__all__ = ["wsgi_front", "wsgi_middleware_trust"]

_log = logging.getLogger("hipflask.serving")

#: How many wrappers deep to look: middleware stacks are a handful deep, and
#: a wrapper whose ``app`` points back at itself must not loop forever.
_MAX_DEPTH = 32


def wsgi_front(app: Hipflask) -> BufferedWSGI | None:
    """The front serving ASGI ``http`` requests through ``app.wsgi_app``, or ``None``.

    ``None`` means the native ASGI path: ``wsgi_app`` not replaced, or
    replaced by one ``ProxyFix`` only while ``PROXY_FIX`` is not set. Worked
    out once per installed ``wsgi_app`` (and again if ``PROXY_FIX`` comes or
    goes), when it is first seen, and logged then: a deployment
    should know that its ASGI requests run in worker threads, and why.
    """
    installed = app.__dict__.get("wsgi_app")
    if installed is None:
        return None
    known = app._wsgi_front
    if known is not None and known[0] is installed and known[2] is _setting(app):
        return known[1]
    front = None
    both = _also_set(app, installed)
    if both or not _is_one_proxy_fix(app, installed):
        # The app's thread pool: its size setting bounds these calls, and
        # the lifespan's shutdown stops its threads.
        front = BufferedWSGI(installed, app.config, app._threads, partial(_answer_refusal, app))
        _log.info(
            "ASGI requests to %r run through the WSGI middleware %r installed on"
            " app.wsgi_app, in worker threads. To serve them natively on the event"
            " loop, wrap app.asgi_app with ASGI middleware instead.",
            app.name,
            installed,
        )
    if both:
        _log.warning(
            "Both the PROXY_FIX setting and %r on app.wsgi_app of %r declare which"
            " forwarded headers to trust; requests run through the middleware and"
            " then the setting, as under WSGI. Keep one of the two.",
            installed,
            app.name,
        )
    app._wsgi_front = (installed, front, _setting(app))
    return front


async def _answer_refusal(
    app: Hipflask, scope: Scope, refusal: HTTPException, receive: Receive, send: Send
) -> None:
    """A request the front refused, answered by the app's error handlers.

    See :func:`hipflask.core.asgi.answer_refusal`.
    """
    from .asgi import answer_refusal  # the adapter imports this module: on first refusal

    await answer_refusal(app, scope, refusal, receive, send)


def _setting(app: Hipflask) -> bool:
    """Whether the ``PROXY_FIX`` setting declares a proxy (read as ``trusted_scope`` reads it)."""
    value = app.config.get("PROXY_FIX")
    return value is not None and value is not False


def _also_set(app: Hipflask, installed: Any) -> bool:
    """Whether a ``ProxyFix`` is installed alone while the ``PROXY_FIX`` setting is set too."""
    return _setting(app) and isinstance(installed, WerkzeugProxyFix | ProxyFix)


def _is_one_proxy_fix(app: Hipflask, wrapper: Any) -> bool:
    """Whether ``wrapper`` is the app's own ``wsgi_app``, alone or in one ``ProxyFix``."""
    if isinstance(wrapper, WerkzeugProxyFix | ProxyFix):
        wrapper = wrapper.app
    # The bound method the app had before any middleware; a subclass
    # overriding wsgi_app is still the app's own entry point.
    return (
        getattr(wrapper, "__self__", None) is app
        and getattr(wrapper, "__func__", None) is type(app).wsgi_app
    )


def wsgi_middleware_trust(app: Hipflask) -> ProxyTrust | None:
    """The trust of the outermost ``ProxyFix`` wrapped around ``app.wsgi_app``, if any.

    Applied to the native path, which only an app whose ``wsgi_app`` is one
    ``ProxyFix`` takes, so the outermost is the only one.

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
