"""``hipflask serve``: the production server (granian), with the start-up refusals.

Granian imports the app in every worker process, so this command finds the
app once (to check it and report errors clearly, in a child process that
then exits: see :mod:`hipflask.serving.inspection`) and hands granian the
*location* discovery recorded, such as ``hello:app`` or
``hello:create_app('prod')``. See :mod:`hipflask.serving.production`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from typing import Any

import click

from ..errors import ConfigurationError
from ..errors import HipflaskError
from ..serving.child_process import DEFAULT_CHECK_TIMEOUT
from ..serving.devserver import is_loopback
from ..serving.hangups import sighup_before_serving
from ..serving.inspection import StartupChecks
from ..serving.inspection import inspect_app
from ..serving.limits import ServerLimits
from ..serving.production import INTERFACES
from ..serving.production import check_certificate_files
from ..serving.production import serve_app
from .discovery import ScriptInfo
from .discovery import debug_from_environment
from .discovery import pass_script_info
from .run import FileCertParamType
from .run import ssl_spec

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = ["serve_command"]

_NO_TARGET = (
    "hipflask serve needs the app's import location, because each worker process"
    " imports the app again; name it with --app module:app or HIPFLASK_APP."
)
_DEBUG_REFUSED = (
    "hipflask serve never runs in debug mode: the debugger and propagated errors"
    " are for one developer's machine. Use 'hipflask run --debug' for development."
)


def _proxy_setting(proxy: int | None, addresses: tuple[str, ...]) -> Any:
    if proxy is None and not addresses:
        return None
    count = proxy or 1
    if not addresses:
        return count
    return {"x_for": count, "x_proto": count, "peers": addresses}


def _explain_plain_http(host: str, proxy: Any, insecure_http: bool, tls: bool) -> None:
    if tls or is_loopback(host):
        return
    if proxy is not None:
        click.echo(
            " * Plain HTTP behind a proxy: X-Forwarded-For and X-Forwarded-Proto are"
            f" trusted from {proxy if isinstance(proxy, int) else proxy['x_for']} proxy hop(s),"
            " so make sure only the proxy can reach this port."
        )
    elif insecure_http:
        click.secho(
            f" * WARNING: plain HTTP on {host or 'every interface'}: anyone on the network can read"
            " and change the traffic, cookies and passwords included.",
            fg="yellow",
            err=True,
        )


@click.command("serve", short_help="Run the production server (granian).")
@click.option("--host", default="127.0.0.1", show_default=True, help="The interface to bind.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port."
)
@click.option(
    "--interface",
    type=click.Choice(INTERFACES),
    default="auto",
    show_default=True,
    help="Serve the app as WSGI or ASGI (the same app object speaks both); 'auto' picks"
    " the protocol of middleware installed on app.wsgi_app or app.asgi_app alone, else"
    " ASGI when any view is async def, WSGI otherwise.",
)
@click.option(
    "--workers", "-w", default=1, show_default=True, type=click.IntRange(1), help="Processes."
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=None,
    help="Threads per worker running views (WSGI), or the size of the pool running"
    " sync views (ASGI). Default: two per CPU plus one (WSGI); the app's"
    " ASGI_THREAD_POOL_SIZE, 40 unless set (ASGI).",
)
@click.option(
    "--cert",
    type=FileCertParamType(),
    help="Serve HTTPS: a certificate (chain) file used with --key, or"
    " 'local' (local CA), or 'adhoc' (throwaway).",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    help="The private key file (PEM: PKCS#8, or traditional RSA or EC) for --cert=FILE.",
)
@click.option(
    "--redirect-http",
    type=click.IntRange(1, 65535),
    default=None,
    metavar="PORT",
    help="Also listen for plain HTTP on PORT and redirect requests for the site's host"
    " names (308) to HTTPS; other hosts get 400.",
)
@click.option(
    "--proxy",
    type=click.IntRange(1),
    is_flag=False,
    flag_value=1,
    default=None,
    metavar="[COUNT]",
    help="A reverse proxy in front terminates TLS: trust X-Forwarded-For and"
    " X-Forwarded-Proto from COUNT proxies (default 1). Allows plain HTTP on a public"
    " address.",
)
@click.option(
    "--proxy-address",
    "proxy_addresses",
    multiple=True,
    metavar="ADDRESS",
    help="Trust forwarded headers only on connections from this address or network"
    " (repeatable; implies --proxy).",
)
@click.option(
    "--host-name",
    "host_names",
    multiple=True,
    metavar="NAME",
    help="A host name the site is reached by, such as example.com (repeatable): requests"
    " for any other Host are refused, and links are built with these names only. Needed"
    " unless the app sets TRUSTED_HOSTS or SERVER_NAME, or serves loopback alone.",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Serve plain HTTP on a public address without a proxy (a network you trust).",
)
@click.option(
    "--access-log/--no-access-log", default=True, show_default=True, help="Log each request."
)
@click.option(
    "--shutdown-timeout",
    type=click.IntRange(1),
    default=30,
    show_default=True,
    help="Seconds a worker may take to finish its requests after SIGTERM.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0, 60, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Time a client may take to send the request line and headers (slowloris).",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Time to wait for the next piece of a request body, and the grace period"
    " before --body-min-rate applies; a stalled body is answered 408.",
)
@click.option(
    "--body-min-rate",
    type=click.IntRange(0),
    default=1024,
    show_default=True,
    metavar="BYTES",
    help="Bytes per second a request body must average after the grace period (0: off).",
)
@click.option(
    "--send-timeout",
    type=click.FloatRange(0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Time a client may take to accept each 64 KiB of a large or streamed response"
    " before it is abandoned (0: off).",
)
@click.option(
    "--backpressure",
    type=click.IntRange(1),
    default=None,
    metavar="COUNT",
    help="Connections a worker holds at once; more wait in the backlog. Default: 8192, or"
    " what the open-file limit allows.",
)
@click.option(
    "--http2/--no-http2",
    default=False,
    show_default=True,
    help="Also offer HTTP/2 over TLS. Off by default: with it, granian never times out a"
    " connection that completes its TLS handshake and sends nothing, and enough of those"
    " take every connection slot. Turn it on behind a front that bounds idle connections.",
)
@click.option(
    "--keep-alive/--no-keep-alive",
    default=True,
    show_default=True,
    help="Keep HTTP/1.1 connections open between requests.",
)
@click.option(
    "--buffer-bodies/--no-buffer-bodies",
    default=True,
    show_default=True,
    help="WSGI: read each request body in full before a thread runs the view, so slow"
    " uploads cannot hold the threads. Off: granian's native WSGI, faster for small"
    " requests, without body timeouts.",
)
@click.option(
    "--check-timeout",
    type=click.FloatRange(0, min_open=True),
    default=DEFAULT_CHECK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time the app may take to load and pass the start-up checks, at start-up and on"
    " each SIGHUP reload. Past it the check is killed: the server does not start, or the"
    " reload is refused and the workers keep serving.",
)
@click.option("--debug", is_flag=True, help="Refused: use 'hipflask run' for debug mode.")
@pass_script_info
@sighup_before_serving()
def serve_command(
    info: ScriptInfo,
    host: str,
    port: int,
    interface: str,
    workers: int,
    threads: int | None,
    cert: str | None,
    key: str | None,
    redirect_http: int | None,
    proxy: int | None,
    proxy_addresses: tuple[str, ...],
    host_names: tuple[str, ...],
    insecure_http: bool,
    access_log: bool,
    shutdown_timeout: int,
    header_timeout: float,
    body_timeout: float,
    body_min_rate: int,
    send_timeout: float,
    backpressure: int | None,
    http2: bool,
    keep_alive: bool,
    buffer_bodies: bool,
    check_timeout: float,
    debug: bool,
) -> None:
    """Serve the app in production with granian (pip install 'hipflask[server]').

    Plain HTTP on an address other machines can reach is refused unless
    --proxy (TLS ends at a reverse proxy) or --insecure-http says why it is
    fine. An app without a strong SECRET_KEY is refused on any address, and so
    is one that does not know its host names (TRUSTED_HOSTS, SERVER_NAME or
    --host-name) unless it listens on loopback with no proxy in front.
    SIGTERM stops accepting connections and lets requests in flight finish.
    SIGHUP reloads the workers with the code on disk once it passes the same
    checks; a refused reload is logged and the running workers keep serving.
    A SIGHUP while the server starts is logged and reloads nothing.
    """
    if debug:
        raise click.UsageError(_DEBUG_REFUSED)
    if redirect_http is not None and cert is None:
        raise click.UsageError("--redirect-http needs HTTPS to redirect to: add --cert.")
    spec = ssl_spec(cert, key)
    if spec is not None and not isinstance(spec, str):
        cert, key = str(spec[0]), str(spec[1])  # type: ignore[index]
    if spec == "local":
        _warn_outdated_ca()
    proxy_setting = _proxy_setting(proxy, proxy_addresses)
    try:
        limits = ServerLimits(
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            body_min_rate=body_min_rate,
            send_timeout=send_timeout,
            backpressure=backpressure,
            http2=http2,
            keep_alive=keep_alive,
            buffer_bodies=buffer_bodies,
        )
        if cert is not None and cert not in ("local", "adhoc"):
            # Checked before the banner, so it never announces a site that
            # then fails to start; granian would report it in every worker.
            check_certificate_files(cert, key)
        checks = StartupChecks(
            host=host,
            tls=cert is not None,
            proxy=proxy_setting is not None,
            insecure_http=insecure_http,
            host_names=host_names,
            workers=workers,
            interface=interface,
            # The workers apply HIPFLASK_DEBUG whatever this ScriptInfo's
            # set_debug_flag says, so the app is checked with it too.
            debug=debug_from_environment(),
        )
        facts = inspect_app(functools.partial(_load, info), checks, timeout=check_timeout)
        target = facts.import_target or ""  # _load refuses an app without one
        interface = facts.interface
        names = facts.host_names
        counters = facts.counters
        tls = cert is not None

        def announce() -> None:
            # Called by serve_app once the ports are known free and the
            # certificate loads: the banner never announces a site that then
            # fails to start.
            click.echo(f" * Serving Hipflask app {facts.name!r} ({target}) with granian")
            click.echo(
                f" * {interface.upper()}, {workers} worker(s)"
                + (
                    ", HTTP/2 and HTTP/1.1 over TLS"
                    if tls and http2
                    else ", HTTP/1.1 over TLS"
                    if tls
                    else ", HTTP/1.1"
                )
            )
            _explain_plain_http(host, proxy_setting, insecure_http, tls)
            if names:
                click.echo(f" * Answering to host names: {', '.join(names)}")
            _echo_url(host, port, tls, redirect_http, names, proxy_setting)
            for line in counters:
                click.echo(f" * Warning: {line}", err=True)

        serve_app(
            target,
            sys_path_entry=facts.sys_path_entry,
            host=host,
            port=port,
            interface=interface,
            workers=workers,
            threads=threads,
            cert=cert,
            key=key,
            proxy=proxy_setting,
            insecure_http=insecure_http,
            redirect_http=redirect_http,
            access_log=access_log,
            shutdown_timeout=shutdown_timeout,
            facts=facts,
            limits=limits,
            host_names=host_names,
            announce=announce,
            check_timeout=check_timeout,
        )
    except click.ClickException:
        # Discovery's NoAppException, raised again from the checking child:
        # a usage error (status 2, the usage line), as in every other command.
        raise
    except HipflaskError as exc:
        raise click.ClickException(str(exc)) from exc


def _load(info: ScriptInfo) -> tuple[Hipflask, str | None, str | None]:
    """Find the app as the command line does (in the checking child): app, target, path entry."""
    app = info.load_app()
    if info.import_target is None:
        raise ConfigurationError(_NO_TARGET)
    return app, info.import_target, info.sys_path_entry


def _echo_url(
    host: str,
    port: int,
    tls: bool,
    redirect_http: int | None,
    names: list[str],
    proxy: Any,
) -> None:
    name = _name_to_open(host, tls, names)
    if name is None:
        return
    url = _site_url(name, port, tls)
    if proxy is not None and not tls:
        # The proxy is what visitors reach; it ends TLS on the default port.
        bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
        listening = _site_url(bound, port, tls)
        click.echo(f" * Listening on {listening} for the proxy; visitors open https://{name}")
        return
    click.echo(f" * Open {url}")
    if redirect_http is not None:
        plain = _name_to_open(host, False, names) or name
        click.echo(f" * Redirecting {_site_url(plain, redirect_http, False)} to HTTPS")


def _site_url(name: str, port: int, tls: bool) -> str:
    """``scheme://name[:port]``, the port left out when it is the scheme's default."""
    scheme = "https" if tls else "http"
    default = 443 if tls else 80
    return f"{scheme}://{name}" if port == default else f"{scheme}://{name}:{port}"


def _name_to_open(host: str, tls: bool, names: list[str]) -> str | None:
    """A trusted name to put in the URL shown: one the server answers to.

    On loopback that is the address listened on when it is trusted (plain
    HTTP), else ``localhost``, the name development certificates carry and
    one that reaches ``::1`` too; elsewhere the first name given.
    """
    plain = [name.removeprefix(".") for name in names]
    if is_loopback(host):
        address = host.strip("[]")
        if not tls and address in plain:
            return address
        if "localhost" in plain:
            return "localhost"
    return plain[0] if plain else None


def _warn_outdated_ca() -> None:
    from ..serving.tls.local_ca import LocalCA

    warning = LocalCA().outdated_warning()
    if warning is not None:
        click.echo(f" * {warning}", err=True)
