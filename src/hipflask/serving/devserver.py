"""The development server behind ``app.run()`` and ``hipflask run``.

It is Werkzeug's ``run_simple`` (threaded, with the reloader and, in debug
mode, the interactive debugger), given a TLS context from
:mod:`hipflask.serving.tls` so HTTPS in development is one option away.

The interactive debugger is a Python console in the browser: whoever reaches
it runs code as the server's user. It is therefore attached only when the
server listens on a loopback address (``127.0.0.0/8``, ``::1``,
``localhost``). On any other address the app still runs in debug mode, with
the reloader and debug logging, but errors get a plain 500 page; the
explicitly named ``unsafe_remote_debugger=True`` (``hipflask run
--unsafe-remote-debugger``) is the only way around that.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from ..errors import ConfigurationError
from ..security.hosts import LOOPBACK_HOST_NAMES
from ..security.hosts import has_host_setting
from .devtimeouts import DEV_SERVER_TIMEOUT
from .devtimeouts import DeferredHandshakeContext
from .devtimeouts import timed_handler
from .proxies import ProxyTrust

if TYPE_CHECKING:
    import ssl

    from ..core.app import Hipflask
    from .tls.context import SSLContextSpec

__all__ = [
    "REMOTE_DEBUGGER_REFUSED",
    "check_resolvable",
    "display_url",
    "is_loopback",
    "run_app",
    "serve_development",
    "trust_local_names",
]

#: Set by the ``hipflask`` command line; ``app.run()`` then returns at once.
RUN_FROM_CLI_VARIABLE = "HIPFLASK_RUN_FROM_CLI"

#: The one line printed when debug mode runs on a non-loopback address.
REMOTE_DEBUGGER_REFUSED = (
    " * Debugger console off: {host} is reachable from other machines and the console"
    " runs any Python code a visitor sends (remote code execution); to accept that"
    " risk anyway, pass unsafe_remote_debugger=True (hipflask run --unsafe-remote-debugger)."
)

_REMOTE_DEBUGGER_FORCED = (
    " * WARNING: the debugger console is reachable on {host}: anyone who can connect"
    " can run code on this machine."
)

_MAX_WATCHED_TEMPLATES = 5_000

_HOSTS_FILE = r"C:\Windows\System32\drivers\etc\hosts" if os.name == "nt" else "/etc/hosts"

#: Addresses meaning "every interface" (compared against, never bound here).
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine.

    ``localhost``, ``127.0.0.0/8`` and ``::1`` (also IPv4-mapped); anything
    else, including ``0.0.0.0``, ``::``, host names and Unix sockets (which a
    reverse proxy may expose), counts as reachable from elsewhere.
    """
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_running_from_reloader() -> bool:
    """Whether this process is the reloader's child (the one serving requests)."""
    return os.environ.get("WERKZEUG_RUN_MAIN") == "true"


#: The names development certificates always carry; any other host is added.
_CERTIFICATE_DEFAULTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _bare(host: str) -> str:
    return host.strip().strip("[]").lower()


def display_url(host: str, port: int, tls: bool) -> str:
    """The URL to open in a browser for a server bound to ``host``.

    With TLS on ``127.0.0.1`` or every interface it is ``localhost``, the
    name development certificates carry; any other address or name is shown
    as given (it is added to those certificates), since ``localhost`` would
    not reach a server listening on, say, ``127.0.0.2``.
    """
    if host.startswith("unix://"):
        return host
    scheme = "https" if tls else "http"
    wildcard = host in WILDCARD_HOSTS
    if tls and (wildcard or _bare(host) in _CERTIFICATE_DEFAULTS):
        name = "localhost"
    elif wildcard:
        name = "[::1]" if host == "::" else "127.0.0.1"
    else:
        name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{scheme}://{name}:{port}"


def _certificate_names(host: str) -> tuple[str, ...]:
    """Extra names for development certificates: the address or name the server was given.

    Every specific host counts, loopback ones such as ``127.0.0.2`` too: a
    client connecting to that address checks the certificate against it.
    """
    if host in WILDCARD_HOSTS or host.startswith("unix://") or _bare(host) in _CERTIFICATE_DEFAULTS:
        return ()
    return (_bare(host),)


def check_resolvable(host: str, port: int) -> None:
    """Refuse a host name this machine cannot resolve, saying how to map it.

    Binding would otherwise fail with the resolver's bare "Name or service
    not known"; a development name such as ``myapp.test`` resolves only once
    it is in the hosts file.
    """
    name = _bare(host)
    if host in WILDCARD_HOSTS or host.startswith("unix://"):
        return
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return
    try:
        socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigurationError(
            f"Cannot listen on {host!r}: this machine does not know that name"
            f" ({getattr(exc, 'strerror', None) or exc}). Map it to a loopback address"
            f" by adding the line '127.0.0.1 {name}' to {_HOSTS_FILE} (as"
            " administrator), or listen on an address: --host 127.0.0.1."
        ) from exc


def trust_local_names(app: Hipflask, host: str) -> list[str] | None:
    """On loopback, make the local names the trusted hosts, unless the app names its own.

    As ``hipflask serve`` does on loopback: only ``localhost`` (and its
    subdomains, which resolve to loopback by definition), ``127.0.0.1`` and
    the address listened on can genuinely reach the server; any other
    ``Host`` is a DNS rebinding attack. With the names known, external URLs
    (``url_for(..., _external=True)``) work outside debug mode. An app with
    ``TRUSTED_HOSTS``, ``SERVER_NAME`` or ``PROXY_FIX`` keeps its settings,
    and so does a server reachable from elsewhere, which can be reached by
    names only the app's owner knows.
    """
    name = _bare(host)
    if has_host_setting(app.config) or app.config.get("PROXY_FIX") or not is_loopback(host):
        return None
    names = [*LOOPBACK_HOST_NAMES, ".localhost"]
    if ":" in name:
        names.append(f"[{name}]")  # an IPv6 address, as a Host header writes it
    elif name not in names:
        names.append(name)
    app.config["TRUSTED_HOSTS"] = names
    return names


def make_ssl_context(spec: SSLContextSpec | None, host: str) -> ssl.SSLContext | None:
    """Turn ``ssl_context=``/``--cert`` into a context, covering ``host`` for dev certificates."""
    if spec is None:
        return None
    from .tls.context import load_ssl_context

    return load_ssl_context(spec, names=_certificate_names(host))


def _template_files(app: Hipflask) -> Iterator[str]:
    scaffolds: list[Any] = [app, *app.blueprints.values()]
    count = 0
    for scaffold in scaffolds:
        folder = getattr(scaffold, "template_folder", None)
        if not folder:
            continue
        root = Path(scaffold.root_path, folder)
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file():
                yield str(path)
                count += 1
                if count >= _MAX_WATCHED_TEMPLATES:
                    return


def watched_files(app: Hipflask, extra_files: Iterable[str] | None) -> list[str]:
    """Files the reloader watches besides Python modules: templates and ``extra_files``."""
    return [*_template_files(app), *(extra_files or ())]


def _wrap_debugger(application: Any, host: str, use_reloader: bool, evalex: bool) -> Any:
    from werkzeug.debug import DebuggedApplication

    debugged = DebuggedApplication(application, evalex=evalex)
    # The console also checks the Host header (against DNS rebinding); let the
    # address the server was explicitly given through as well.
    if host not in WILDCARD_HOSTS:
        debugged.trusted_hosts.append(host if ":" not in host else f"[{host.strip('[]')}]")
    if not use_reloader and debugged.pin is not None:
        # Werkzeug prints the PIN only in the reloader's child; without the
        # reloader there is no child, and the user would have no way to unlock it.
        click.echo(f" * Debugger PIN: {debugged.pin}")
    return debugged


def _debugger_allowed(host: str, wanted: bool, unsafe_remote_debugger: bool) -> bool:
    if not wanted:
        return False
    if is_loopback(host):
        return True
    announce = not is_running_from_reloader()
    if unsafe_remote_debugger:
        if announce:
            click.secho(_REMOTE_DEBUGGER_FORCED.format(host=host), fg="red", err=True)
        return True
    if announce:
        click.secho(
            REMOTE_DEBUGGER_REFUSED.format(host=host or "every interface"), fg="yellow", err=True
        )
    return False


def serve_development(
    app: Hipflask,
    host: str,
    port: int,
    *,
    use_reloader: bool = False,
    use_debugger: bool = False,
    unsafe_remote_debugger: bool = False,
    ssl_context: SSLContextSpec | None = None,
    extra_files: Iterable[str] | None = None,
    threaded: bool = True,
    **options: Any,
) -> None:
    """Serve ``app`` with Werkzeug's development server until interrupted.

    This is what ``hipflask run`` and :func:`run_app` share; it applies the
    debugger rule from the module docstring, builds the TLS context (names
    in ``adhoc``/``local`` certificates include a non-loopback ``host``) and
    prints the URL to open. TLS handshakes and request heads get
    ``io_timeout`` seconds, bodies the app's ``BODY_MIN_RATE`` after that,
    each in the connection's own thread (see
    :mod:`hipflask.serving.devtimeouts`). Other ``options`` go to
    :func:`werkzeug.serving.run_simple`.
    """
    from werkzeug.serving import run_simple

    if app.debug:
        logger = app.logger
        if not logger.level:
            logger.setLevel(logging.DEBUG)
    check_resolvable(host, port)
    trusted = trust_local_names(app, host)
    context = make_ssl_context(ssl_context, host)
    application: Any = app
    # The app applies PROXY_FIX to each request; a malformed one fails here.
    ProxyTrust.from_config(app.config.get("PROXY_FIX"))
    evalex = bool(options.pop("use_evalex", True))
    # The app's body rate, so a body is held to the same rule as under a server.
    min_rate = float(app.config.get("BODY_MIN_RATE") or 0)
    options.setdefault(
        "request_handler", timed_handler(options.pop("io_timeout", DEV_SERVER_TIMEOUT), min_rate)
    )
    served_context: Any = DeferredHandshakeContext(context) if context is not None else None
    if _debugger_allowed(host, use_debugger, unsafe_remote_debugger):
        application = _wrap_debugger(application, host, use_reloader, evalex)
    if not is_running_from_reloader():
        if trusted is not None:
            click.echo(
                f" * Answering to host names: {', '.join(trusted)} (set TRUSTED_HOSTS for others)"
            )
        if port:
            # Port 0: the system picks one; Werkzeug prints where it listens.
            click.echo(f" * Open {display_url(host, port, context is not None)}")
    run_simple(
        host,
        port,
        application,
        use_reloader=use_reloader,
        use_debugger=False,
        extra_files=watched_files(app, extra_files) if use_reloader else None,
        threaded=threaded,
        ssl_context=served_context,
        **options,
    )


def show_server_banner(app: Hipflask) -> None:
    """Say which app runs and in which mode, once (not again in the reloader's child)."""
    if is_running_from_reloader():
        return
    click.echo(f" * Serving Hipflask app {app.name!r}")
    click.echo(f" * Debug mode: {'on' if app.debug else 'off'}")


def _server_name_parts(app: Hipflask) -> tuple[str | None, int | None]:
    server_name = app.config.get("SERVER_NAME")
    if not server_name:
        return None, None
    name, _, port = str(server_name).rpartition(":")
    if not name or not port.isdigit():
        return str(server_name), None
    return name, int(port)


def run_app(
    app: Hipflask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: Any,
) -> None:
    """Run the development server for ``app.run()``.

    When the ``hipflask`` command line loaded the module (it sets
    ``HIPFLASK_RUN_FROM_CLI``), a call left at module level returns at once, so
    a script guarded by ``if __name__ == "__main__": app.run()`` works both as
    ``python app.py`` and under ``hipflask run``.

    ``options`` are those of :func:`serve_development`: ``ssl_context``
    (``"adhoc"``, ``"local"``, ``(cert, key)`` or an :class:`ssl.SSLContext`),
    ``use_reloader`` and ``use_debugger`` (both follow debug mode),
    ``unsafe_remote_debugger``, ``extra_files``, ``threaded`` and Werkzeug's.
    """
    if os.environ.get(RUN_FROM_CLI_VARIABLE):
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()': the 'hipflask' command loaded the"
                " app and runs it itself. Guard it with 'if __name__ == \"__main__\":'.",
                fg="red",
                err=True,
            )
        return
    from ..cli.dotenv import load_dotenv as load_dotenv_files
    from ..cli.dotenv import should_load_dotenv

    if load_dotenv and should_load_dotenv():
        load_dotenv_files()
        env_debug = os.environ.get("HIPFLASK_DEBUG") or os.environ.get("FLASK_DEBUG")
        if env_debug:
            app.debug = env_debug.lower() not in {"0", "false", "no", "off"}
    if debug is not None:
        app.debug = bool(debug)
    name_host, name_port = _server_name_parts(app)
    host = host or name_host or "127.0.0.1"
    # 0 is a port too (the system picks a free one), as in Flask.
    fallback = name_port if name_port is not None else 5000
    port = int(port) if port or port == 0 else fallback
    if not 0 <= port < 65536:
        raise ConfigurationError(
            f"Port {port} is out of range; use 1 to 65535, or 0 for any free port."
        )
    options.setdefault("use_reloader", app.debug)
    options.setdefault("use_debugger", app.debug)
    options.setdefault("threaded", True)
    show_server_banner(app)
    try:
        serve_development(app, host, port, **options)
    finally:
        # A clean stop lets the app be set up again (as in tests that call run()).
        app._got_first_request = False
