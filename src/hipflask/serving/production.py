"""The production server: granian, with hipflask's start-up checks.

:func:`serve_app` runs granian (``pip install 'hipflask[server]'``) with the
app as WSGI or ASGI, worker processes, TLS 1.2+ (HTTP/2 on request), an access log and
graceful shutdown: on ``SIGTERM`` or ``SIGINT`` the workers stop accepting
connections and finish the requests in flight (up to ``shutdown_timeout``).

Granian imports the app in each worker process, so it is given the app's
*location*, not the object: the import target that discovery recorded
(``module:app``, ``module:create_app('prod')``, see
:mod:`hipflask.cli.discovery`), loaded again by :func:`load_worker_app` with
the same search. The checks below load the app in a child process that
then exits (see :mod:`hipflask.serving.inspection`): granian forks its
workers from a process that never imported the app, so the app's module
code, or its factory, runs once in each worker, as under any multi-process
server, and nothing the checks opened (a connection, a thread) reaches a
worker.

Before anything listens, the refusals of the design apply: plain HTTP on an
address other machines can reach needs either a declared reverse proxy
(``proxy=``, whose ``X-Forwarded-*`` headers are then trusted, see
:mod:`hipflask.serving.proxies`) or an explicit ``insecure_http=True``; a
debug-mode app is never served on such an address; an app whose
``SECRET_KEY`` is missing, short or well known is not served at all, on any
address (see :mod:`hipflask.serving.secret_key`); and an app that does not
know its host names (``TRUSTED_HOSTS``, ``SERVER_NAME`` or ``host_names=``)
is only served on loopback with no proxy in front, where it answers to
``localhost``, ``127.0.0.1`` and the address it listens on alone (see
:mod:`hipflask.security.hosts`). An app with ``SERVER_NAME`` alone answers to
that name only, and settings the security gate refuses (a bad
``HSTS_PRELOAD``, a malformed ``PROXY_FIX``) stop the server before it listens.
The workers compare host names in lower case and without a trailing dot, as
the redirect listener does (:mod:`hipflask.serving.hostnames`).

The refusals hold after start-up too: each worker runs the same checks on
the app it imported, and a ``SIGHUP`` reload serves the code on disk only
once a checking child has passed it (:mod:`hipflask.serving.reloads`).
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import ipaddress
import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from .._extras import require
from ..core.views import is_async_view
from ..errors import ConfigurationError
from ..security.hosts import LOOPBACK_HOST_NAMES
from ..security.hosts import hosts_to_trust
from .admin_access import check_admin_access
from .child_process import DEFAULT_CHECK_TIMEOUT
from .devserver import is_loopback
from .hangups import sighup_before_serving
from .hostnames import server_name_hosts
from .inspection import AppFacts
from .inspection import StartupChecks
from .inspection import app_facts
from .inspection import inspect_app
from .jwt_key import check_jwt_secret_key
from .limits import ServerLimits
from .loading import load_served_app
from .loading import load_worker_app as load_worker_app
from .loading import served_debug
from .proxies import ProxyTrust
from .redirect import start_redirector
from .redirect import stop_process
from .reloads import CheckedReload
from .secret_key import check_served_secret_key
from .shared_state import check_shared_state
from .tls.scratch import remove_private_folder

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from multiprocessing.process import BaseProcess

    from ..core.app import Hipflask

_log = logging.getLogger("hipflask.serving")

__all__ = [
    "INTERFACES",
    "PLAIN_HTTP_REFUSED",
    "check_certificate_files",
    "check_public_binding",
    "choose_interface",
    "default_threads",
    "load_worker_app",
    "resolve_certificate",
    "serve_app",
    "trusted_host_names",
]

#: The protocols the app object speaks, and ``auto`` (see :func:`choose_interface`).
INTERFACES: tuple[str, ...] = ("auto", "wsgi", "asgi")

#: Why plain HTTP on a public address is refused, and the ways forward.
PLAIN_HTTP_REFUSED = (
    "Refusing to serve plain HTTP on {host}: cookies, passwords and pages would cross"
    " the network unencrypted and could be read or changed on the way.\n"
    "  --cert FILE --key FILE  serve HTTPS (add --redirect-http 80 for plain-HTTP visitors)\n"
    "  --proxy                 a reverse proxy in front terminates TLS: trust its"
    " X-Forwarded-For and X-Forwarded-Proto headers\n"
    "  --insecure-http         serve plain HTTP anyway (only on a network you trust)"
)

_DEBUG_REFUSED = (
    "Refusing to serve a debug-mode app on {host}: debug mode propagates errors and"
    " is meant for one developer's machine. Unset HIPFLASK_DEBUG/FLASK_DEBUG or set"
    " DEBUG = False, or use 'hipflask run' for development."
)


def default_threads() -> int:
    """Threads per worker for WSGI views: two per CPU plus one, granian's own ceiling."""
    return (os.cpu_count() or 1) * 2 + 1


def check_public_binding(
    host: str,
    *,
    tls: bool,
    proxy: bool,
    insecure_http: bool,
    debug: bool = False,
) -> None:
    """Refuse what must not listen on a non-loopback address; see the module docstring."""
    if is_loopback(host) or host.startswith("unix:"):
        return
    shown = host or "every interface"
    if debug:
        raise ConfigurationError(_DEBUG_REFUSED.format(host=shown))
    if not tls and not proxy and not insecure_http:
        raise ConfigurationError(PLAIN_HTTP_REFUSED.format(host=shown))


def _write_private(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    return path


def resolve_certificate(
    cert: str | os.PathLike[str],
    key: str | os.PathLike[str] | None,
    host: str,
    scratch: list[Path],
    host_names: Sequence[str] = (),
) -> tuple[Path, Path]:
    """Turn ``--cert``/``--key`` into certificate and key files granian can read.

    ``local`` takes a leaf from the local CA; ``adhoc`` writes a throwaway
    pair into a private temporary folder, appended to ``scratch`` for the
    caller to delete at shutdown (granian's workers read the files by path).
    Both cover the names the site answers to (``host_names``, as
    ``TRUSTED_HOSTS`` writes them), the local CA's those it may sign.
    Files are checked here with hipflask's own TLS loader, so a wrong key or a
    passphrase-protected one is a clear error before any worker starts.
    """
    from .devserver import _certificate_names
    from .tls.adhoc import certificate_names
    from .tls.context import make_server_context

    names = [*_certificate_names(host), *certificate_names(host_names)]
    if cert in ("adhoc", "local") and key is not None:
        raise ConfigurationError(f"--key is not used with --cert={cert}; leave it out.")
    if cert == "local":
        from .tls.constraints import is_local_name
        from .tls.local_ca import LocalCA

        cert_path, key_path = LocalCA().ensure_leaf([n for n in names if is_local_name(n)])
    elif cert == "adhoc":
        from .tls.adhoc import DEFAULT_HOSTNAMES
        from .tls.adhoc import make_adhoc_certificate
        from .tls.scratch import make_private_folder

        cert_pem, key_pem = make_adhoc_certificate([*DEFAULT_HOSTNAMES, *names])
        directory = make_private_folder()
        scratch.append(directory)
        cert_path = _write_private(directory, "cert.pem", cert_pem)
        key_path = _write_private(directory, "key.pem", key_pem)
    else:
        return check_certificate_files(cert, key)
    make_server_context(cert_path, key_path)
    return cert_path, key_path


def check_certificate_files(
    cert: str | os.PathLike[str], key: str | os.PathLike[str] | None
) -> tuple[Path, Path]:
    """Load ``--cert FILE --key FILE`` with hipflask's TLS loader, or say what is wrong.

    A key that does not match, or one protected by a passphrase, is a clear
    error before anything listens, instead of a traceback in every worker.
    """
    from .tls.context import make_server_context

    if key is None:
        raise ConfigurationError(
            "--key is required with --cert=FILE: give the private key file"
            " (or use --cert=local or --cert=adhoc)."
        )
    make_server_context(cert, key)
    return Path(cert), Path(key)


def _granian_options(
    *,
    host: str,
    port: int,
    interface: str,
    workers: int,
    threads: int | None,
    tls: tuple[Path, Path] | None,
    access_log: bool,
    shutdown_timeout: int,
    limits: ServerLimits | None = None,
) -> dict[str, Any]:
    constants = require("granian.constants", extra="server")
    # WSGI apps run behind the body-buffering front on granian's event loop
    # (see hipflask.serving.buffering): a slow body must never hold a thread.
    # ("asginl": ASGI without lifespan; WSGI apps run before_serving on the
    # first request, as under any WSGI server, and after_serving when the
    # worker stops, see hipflask.serving.worker_exit.)
    limits = limits or ServerLimits()
    buffered = interface == "wsgi" and limits.buffer_bodies
    served = constants.Interfaces("asginl" if buffered else interface)
    options: dict[str, Any] = {
        **limits.granian_options(),
        "address": host,
        "port": port,
        "interface": served,
        "workers": workers,
        "log_access": access_log,
        "workers_kill_timeout": shutdown_timeout,
        # HTTP/2 is negotiated through ALPN, which needs TLS; plain HTTP stays
        # 1.1, and so does TLS unless asked (see hipflask.serving.limits).
        "http": constants.HTTPModes.auto if tls and limits.http2 else constants.HTTPModes.http1,
    }
    if interface == "wsgi" and not buffered:
        options["blocking_threads"] = threads or default_threads()
    if tls is not None:
        options["ssl_cert"] = tls[0]
        options["ssl_key"] = tls[1]
        options["ssl_protocol_min"] = constants.SSLProtocols.tls12
    return options


def ensure_free(host: str, port: int) -> None:
    """Refuse, with a sentence, an address granian cannot listen on.

    granian would fail in its worker with a long Python and Rust traceback
    (a port in use, a host name instead of an address); the question the
    user needs answered is which, and what to do.
    """
    address = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    except ValueError:
        raise ConfigurationError(
            f"--host takes an IP address, not {host!r}: 127.0.0.1 (or ::1) for this machine"
            " alone, 0.0.0.0 (or ::) for every interface."
        ) from None
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if os.name != "nt":
                # A port left in TIME_WAIT is free. SO_REUSEPORT, with which
                # granian binds, is left off: with it, a port another server
                # of this user listens on (an earlier `hipflask serve` still
                # running, another app) would look free, and the kernel
                # would then share the connections between the two servers.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((address, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"Port {port} on {host} is in use by another program (or another"
                " server still running): stop it, or choose another port with --port."
            ) from None
        raise ConfigurationError(
            f"Cannot listen on {host} port {port}: {exc.strerror or exc}."
        ) from None


def check_deployment(
    app: Hipflask,
    host: str,
    *,
    tls: bool,
    proxy: bool,
    insecure_http: bool,
    host_names: Sequence[str] = (),
    workers: int = 1,
    debug: bool | None = None,
) -> list[str] | None:
    """Every production start-up check, raising :class:`ConfigurationError` on the first refusal.

    Plain HTTP on a public address (unless a proxy, declared here or by the
    app's ``PROXY_FIX``, or ``insecure_http`` explains it), debug mode on a
    public address, a weak ``SECRET_KEY`` (:mod:`hipflask.serving.secret_key`)
    or ``JWT_SECRET_KEY`` (:mod:`hipflask.serving.jwt_key`),
    host names nobody pinned (:mod:`hipflask.security.hosts`), and several
    ``workers`` on state each would keep in its own memory
    (:mod:`hipflask.serving.shared_state`), and an admin whose views anyone
    could open (:mod:`hipflask.serving.admin_access`).

    The app's security policies are built here too, so a setting they refuse
    (``HSTS_PRELOAD`` without a year's ``HSTS_MAX_AGE``, a malformed
    ``PROXY_FIX``) stops the server instead of failing every request with 500.

    :param host_names: the names the site is reached by (``--host-name``).
    :param debug: the debug mode the app will be served in, when that is not
        its own: the workers apply ``HIPFLASK_DEBUG`` over the app's ``DEBUG``.
    :returns: the ``TRUSTED_HOSTS`` to give the app, or ``None`` to keep its
        own. ``SERVER_NAME`` alone becomes the trusted name (see
        :func:`~hipflask.serving.hostnames.server_name_hosts`); on a loopback
        address other than ``127.0.0.1`` that address is trusted too, so the
        URL the server prints works.
    """
    behind_proxy = proxy or bool(app.config.get("PROXY_FIX"))
    check_public_binding(
        host,
        tls=tls,
        proxy=behind_proxy,
        insecure_http=insecure_http,
        debug=app.debug if debug is None else debug,
    )
    check_served_secret_key(app.config)
    check_jwt_secret_key(app)
    _check_security_settings(app)
    check_shared_state(app, workers)
    check_admin_access(app)
    trusted = hosts_to_trust(
        app.config,
        where=host or "every interface",
        is_loopback_only=is_loopback(host) and not behind_proxy,
        host_names=host_names,
    )
    if trusted is None and not app.config.get("TRUSTED_HOSTS"):
        # SERVER_NAME alone restricts nothing in Flask; serve promises it does.
        return server_name_hosts(app.config, subdomain_matching=app.subdomain_matching)
    if trusted == list(LOOPBACK_HOST_NAMES) and not host_names:
        address = host.strip("[]")
        if ":" in address:
            trusted.append(f"[{address}]")  # an IPv6 address, as a Host header writes it
        elif address not in trusted and address != "localhost":
            trusted.append(address)
    return trusted


def trusted_host_names(app: Hipflask, override: Sequence[str] | None) -> list[str]:
    """The host names the served app answers to: ``override`` (see
    :func:`check_deployment`), else its own ``TRUSTED_HOSTS``."""
    if override is not None:
        return list(override)
    configured = app.config.get("TRUSTED_HOSTS") or []
    return [configured] if isinstance(configured, str) else list(configured)


def _check_security_settings(app: Hipflask) -> None:
    # Building the gate's policies validates HSTS_*, CSP, frame and origin
    # settings; left to the first request, each refusal is a 500 on every
    # request instead of one message at start-up.
    ProxyTrust.from_config(app.config.get("PROXY_FIX"))
    app.gate.header_policy  # noqa: B018 - built for its refusals
    app.gate.reset()


def choose_interface(app: Hipflask) -> str:
    """The interface ``auto`` picks: ``asgi`` when any view is ``async def``, else ``wsgi``
    (unless middleware wraps one entry point only; see below).

    Under WSGI each request has a thread of its own, the right home for
    blocking views (a database driver, file I/O); an async view there needs an
    event loop per thread. Under ASGI async views run on the server's loop,
    and the sync views still present run in a bounded thread pool. So an app
    with no async view is served the way Flask apps always were, and one that
    has them gets the loop they were written for.

    Middleware installed on one entry point only (``app.wsgi_app =
    ProxyFix(app.wsgi_app)``, Flask's documented way, or ``app.asgi_app =
    …``) decides instead: it sees requests of its own protocol only, and
    serving the other would skip it without a word.
    """
    wsgi_wrapped = "wsgi_app" in vars(app)
    asgi_wrapped = "asgi_app" in vars(app)
    if wsgi_wrapped != asgi_wrapped:
        return "wsgi" if wsgi_wrapped else "asgi"
    if any(is_async_view(view) for view in app.view_functions.values()):
        return "asgi"
    return "wsgi"


def _facts_of(
    target: str,
    sys_path_entry: str | None,
    app: Hipflask | None,
    checks: StartupChecks,
    timeout: float | None,
) -> AppFacts:
    """The start-up checks of :func:`serve_app`: on ``app`` here, or on ``target`` in a child."""
    if app is not None:
        return app_facts(app, checks, import_target=target, sys_path_entry=sys_path_entry)
    load = functools.partial(_load_for_check, target, sys_path_entry)
    return inspect_app(load, checks, timeout=timeout)


def _load_for_check(
    target: str, sys_path_entry: str | None
) -> tuple[Hipflask, str | None, str | None]:
    """The app as the workers load it, with its location, for a check in the child."""
    return load_served_app(target, sys_path_entry), target, sys_path_entry


@sighup_before_serving()
def serve_app(
    target: str,
    *,
    sys_path_entry: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    interface: str = "auto",
    workers: int = 1,
    threads: int | None = None,
    cert: str | os.PathLike[str] | None = None,
    key: str | os.PathLike[str] | None = None,
    proxy: Any = None,
    insecure_http: bool = False,
    redirect_http: int | None = None,
    access_log: bool = True,
    shutdown_timeout: int = 30,
    app: Hipflask | None = None,
    facts: AppFacts | None = None,
    limits: ServerLimits | None = None,
    host_names: Sequence[str] = (),
    announce: Callable[[], None] | None = None,
    check_timeout: float | None = DEFAULT_CHECK_TIMEOUT,
) -> None:
    """Serve the app found at ``target`` with granian until stopped.

    ``SIGHUP`` reloads the workers with the code on disk once it passes the
    same checks, and otherwise logs the refusal and keeps the workers
    serving (:class:`~hipflask.serving.reloads.CheckedReload`).

    :param target: ``module:expression`` as recorded by discovery.
    :param sys_path_entry: folder to import ``target`` from.
    :param threads: Python threads per worker running views (WSGI), or the
        size of the pool running sync views (ASGI).
    :param cert: a certificate file, ``"local"`` or ``"adhoc"``; ``key`` goes
        with a file.
    :param proxy: a count of reverse proxies, or a ``PROXY_FIX`` mapping;
        their ``X-Forwarded-*`` headers are trusted.
    :param redirect_http: also listen for plain HTTP on this port, answering
        every request for a trusted host with a 308 to the same path over
        HTTPS (:mod:`hipflask.serving.redirect`); its deadline per request is
        the limits' ``header_timeout``.
    :param limits: timeouts and limits (:class:`~hipflask.serving.limits.ServerLimits`);
        safe defaults when omitted.
    :param host_names: the names the site is reached by; they become the
        workers' ``TRUSTED_HOSTS``. Needed when the app sets neither
        ``TRUSTED_HOSTS`` nor ``SERVER_NAME`` and the listener is not on
        loopback alone.
    :param app: the app already loaded from ``target`` in this process, to
        check here. Without it (and without ``facts``) the app is loaded and
        checked in a child process (:func:`~hipflask.serving.inspection.inspect_app`),
        so that the workers, forked from this process, load it themselves:
        pass ``app`` only when this process has loaded it anyway. Its
        ``DEBUG``, ``PROXY_FIX``, ``SECRET_KEY``, ``SECRET_KEY_FALLBACKS`` and
        ``TRUSTED_HOSTS`` feed the start-up checks, and a target that does not
        load fails here, once, instead of in every worker.
    :param facts: the outcome of those checks, made already (the command line
        makes them before its banner).
    :param announce: called once every check has passed (the ports are
        free, the certificate loads, the redirect listener runs) and just
        before the server starts: the command prints its banner there, so it
        never announces a site that then fails to start. Without one, the
        counters several workers would each keep
        (:func:`~hipflask.serving.shared_state.local_counters`) are logged as
        warnings on the ``hipflask.serving`` logger.
    :param check_timeout: seconds the checking child may take to load and
        check the app, at start-up and on each reload (``None``: no limit).
        Past it the child is killed with the processes it started: at
        start-up the server refuses to start
        (:class:`~hipflask.serving.child_process.CheckTimedOut`), on a
        reload the reload is refused and the workers keep serving.
    """
    granian = require("granian", extra="server")
    if interface not in INTERFACES:
        raise ConfigurationError(f"Unknown interface {interface!r}; use 'auto', 'wsgi' or 'asgi'.")
    if redirect_http is not None and cert is None:
        raise ConfigurationError("--redirect-http needs HTTPS to redirect to: add --cert.")
    checks = StartupChecks(
        host=host,
        tls=cert is not None,
        # A proxy counts only if the app will trust one: proxy=0 is read as
        # "no proxy" by PROXY_FIX, so it must not excuse plain HTTP on a
        # public address.
        proxy=ProxyTrust.from_config(proxy) is not None,
        insecure_http=insecure_http,
        host_names=host_names,
        workers=workers,
        interface=interface,
        debug=served_debug(),
    )
    if facts is None:
        facts = _facts_of(target, sys_path_entry, app, checks, check_timeout)
    interface = facts.interface
    # The workers and the reloads judge the app as it is served: the
    # interface is chosen once, at start-up.
    checks = dataclasses.replace(checks, interface=interface)
    if announce is None:
        for line in facts.counters:
            _log.warning("%s", line)
    limits = limits or ServerLimits()
    ensure_free(host, port)
    if redirect_http is not None:
        ensure_free(host, redirect_http)
    scratch: list[Path] = []
    redirector: BaseProcess | None = None
    try:
        tls = (
            resolve_certificate(cert, key, host, scratch, host_names=facts.host_names)
            if cert is not None
            else None
        )
        if redirect_http is not None:
            redirector = start_redirector(
                host,
                redirect_http,
                port,
                facts.host_names,
                deadline=limits.header_timeout,
            )
        if announce is not None:
            announce()
        options = _granian_options(
            host=host,
            port=port,
            interface=interface,
            workers=workers,
            threads=threads,
            tls=tls,
            access_log=access_log,
            shutdown_timeout=shutdown_timeout,
            limits=limits,
        )
        server = granian.Granian(target, **options)
        reloads = CheckedReload(
            functools.partial(_load_for_check, target, sys_path_entry),
            checks,
            certificate=tls,
            timeout=check_timeout,
        )
        server.on_startup(reloads.install)
        loader = functools.partial(
            load_worker_app,
            sys_path_entry=sys_path_entry,
            proxy=proxy,
            asgi_threads=threads if interface == "asgi" else None,
            limits=limits,
            wsgi_threads=(
                (threads or default_threads())
                if interface == "wsgi" and limits.buffer_bodies
                else None
            ),
            checks=checks,
            # WSGI has no lifespan: the workers run after_serving themselves
            # (see hipflask.serving.worker_exit).
            after_serving_on_exit=interface == "wsgi",
        )
        try:
            server.serve(target_loader=loader)
        finally:
            reloads.stop()
    finally:
        if redirector is not None:
            stop_process(redirector)
        for directory in scratch:
            remove_private_folder(directory)
