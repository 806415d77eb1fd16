"""Loading the app as ``hipflask serve``'s workers serve it.

Each granian worker imports the app itself, from the import target that
discovery recorded (:func:`load_worker_app`), and the start-up checks load it
the same way (:func:`load_served_app`), so that what was checked is what is
served: the same module code or factory, and the same debug mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from .buffering import BufferedWSGI
from .limits import ServerLimits
from .proxies import ProxyTrust
from .secret_key import apply_secret_key_from_env

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = ["load_served_app", "load_worker_app", "served_debug"]


def load_worker_app(
    target: str,
    *,
    sys_path_entry: str | None = None,
    proxy: Any = None,
    asgi_threads: int | None = None,
    limits: ServerLimits | None = None,
    wsgi_threads: int | None = None,
    trusted_hosts: Sequence[str] | None = None,
) -> Any:
    """Import the app in a granian worker and return what granian should call.

    ``proxy`` becomes the app's ``PROXY_FIX`` setting, which the app applies
    to every request itself; it is checked here so that a malformed setting
    stops the worker at start-up rather than failing each request.
    ``limits`` sets the app's body timeouts. With ``wsgi_threads`` the app is
    served as WSGI behind :class:`~hipflask.serving.buffering.BufferedWSGI`.
    ``trusted_hosts`` becomes its ``TRUSTED_HOSTS`` (see
    :func:`~hipflask.serving.production.check_deployment`).
    """
    app = load_served_app(target, sys_path_entry)
    apply_secret_key_from_env(app.config)
    if proxy is not None:
        app.config["PROXY_FIX"] = proxy
    if trusted_hosts is not None:
        app.config["TRUSTED_HOSTS"] = list(trusted_hosts)
    if asgi_threads is not None:
        # The sync-view pool is created on first use and sized from this setting.
        app.config["ASGI_THREAD_POOL_SIZE"] = asgi_threads
    ProxyTrust.from_config(app.config.get("PROXY_FIX"))
    if limits is not None:
        limits.apply_to(app.config)
    served: Any = app
    if wsgi_threads is not None:
        served = BufferedWSGI(app, app.config, wsgi_threads)
    return served


def served_debug() -> bool | None:
    """The debug mode :func:`load_served_app` gives the workers' app, ``None`` for its own."""
    from ..cli.discovery import debug_from_environment

    return debug_from_environment()


def load_served_app(target: str, sys_path_entry: str | None) -> Hipflask:
    """The app at ``target`` as the workers serve it, for them and for the checks alike.

    ``HIPFLASK_DEBUG`` wins over the app's own ``DEBUG``, as the command line
    applies it: were the checks to load the app without it, an app setting
    ``DEBUG = False`` would pass the debug refusal and then be served in
    debug mode.
    """
    from ..cli.discovery import load_target

    app = load_target(target, sys_path_entry)
    debug = served_debug()
    if debug is not None:
        app.debug = debug
    return app
