"""Loading the app as ``hipflask serve``'s workers serve it.

Each granian worker imports the app itself, from the import target that
discovery recorded (:func:`load_worker_app`), and the start-up checks load it
the same way (:func:`load_served_app`), so that what was checked is what is
served: the same module code or factory, and the same debug mode.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from ..errors import HipflaskError
from .buffering import BufferedWSGI
from .hangups import reload_logger
from .inspection import check_app
from .limits import ServerLimits
from .proxies import ProxyTrust
from .secret_key import apply_secret_key_from_env
from .worker_exit import run_after_serving_on_exit

if TYPE_CHECKING:
    from ..core.app import Hipflask
    from .inspection import StartupChecks

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
    checks: StartupChecks | None = None,
    after_serving_on_exit: bool = False,
) -> Any:
    """Import the app in a granian worker and return what granian should call.

    With ``checks``, the worker runs the start-up checks on the app it has
    just loaded, with the same code as the checking child
    (:func:`~hipflask.serving.inspection.check_app`), and a refusal ends the
    worker, logged, before it serves a request: the files on disk may have
    changed since the child checked them (a deploy under way at start-up or
    during a ``SIGHUP`` reload, see :mod:`hipflask.serving.reloads`), and what
    a worker serves is what it loaded, not what the child saw. The checks'
    ``TRUSTED_HOSTS`` then go to the app, unless ``trusted_hosts`` names them.

    ``proxy`` becomes the app's ``PROXY_FIX`` setting, which the app applies
    to every request itself; it is checked here so that a malformed setting
    stops the worker at start-up rather than failing each request.
    ``limits`` sets the app's body timeouts. With ``wsgi_threads`` the app is
    served as WSGI behind :class:`~hipflask.serving.buffering.BufferedWSGI`.
    ``trusted_hosts`` becomes its ``TRUSTED_HOSTS`` (see
    :func:`~hipflask.serving.production.check_deployment`).
    ``after_serving_on_exit`` (WSGI, which has no lifespan) runs the app's
    ``after_serving`` hooks when the worker stops
    (:mod:`hipflask.serving.worker_exit`).
    """
    app = load_served_app(target, sys_path_entry)
    apply_secret_key_from_env(app.config)
    if checks is not None:
        checked_hosts = _check_in_worker(app, checks)
        if trusted_hosts is None:
            trusted_hosts = checked_hosts
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
    if after_serving_on_exit:
        run_after_serving_on_exit(app)
    served: Any = app
    if wsgi_threads is not None:
        served = BufferedWSGI(app, app.config, wsgi_threads)
    return served


def _check_in_worker(app: Hipflask, checks: StartupChecks) -> list[str] | None:
    """The start-up checks on the worker's app; a refusal ends the worker with status 1.

    Logged as one sentence rather than a traceback: the operator reads why
    the new code is not served, and granian reports the worker's exit.
    """
    try:
        return check_app(app, checks)
    except HipflaskError as exc:
        reload_logger().error("Worker %s refused to serve the app: %s", os.getpid(), exc)
        raise SystemExit(1) from None


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
