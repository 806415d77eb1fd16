"""``hipflask run``: the development server, with HTTPS one option away.

``--cert=adhoc`` serves a throwaway self-signed certificate, ``--cert=local``
one from the local CA (trusted once with ``hipflask certs trust``), and
``--cert=cert.pem --key=key.pem`` your own files. In debug mode the reloader
watches the code, the templates and ``--extra-files``; the interactive
debugger is attached only on loopback addresses (see
:mod:`hipflask.serving.devserver`).
"""

from __future__ import annotations

import os
import ssl
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

import click
from werkzeug.utils import import_string

from ..core.helpers import get_debug_flag
from ..errors import HipflaskError
from ..serving.devserver import RUN_FROM_CLI_VARIABLE
from ..serving.devserver import is_running_from_reloader
from ..serving.devserver import make_ssl_context
from ..serving.devserver import serve_development
from ..serving.devserver import show_server_banner
from ..serving.devtimeouts import DEV_SERVER_TIMEOUT
from .discovery import ScriptInfo
from .discovery import pass_script_info

if TYPE_CHECKING:
    from ..serving.tls.context import SSLContextSpec

__all__ = ["CertParamType", "FileCertParamType", "SeparatedPathType", "run_command", "ssl_spec"]

_GENERATED = ("adhoc", "local")


class CertParamType(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    """``--cert``: ``adhoc``, ``local``, an existing certificate file, or
    the import name of an :class:`ssl.SSLContext` (``mytls.context`` or
    ``mytls:context``), for a context the app's own code configures, as in
    Flask's ``run``.
    """

    name = "path|adhoc|local"
    #: Whether an ``SSLContext``'s import name is taken (``serve`` needs files).
    allow_context = True

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, ssl.SSLContext) and self.allow_context:
            return value
        if isinstance(value, str) and value.lower() in _GENERATED:
            return value.lower()
        try:
            return self.path_type.convert(value, param, ctx)
        except click.BadParameter:
            if not self.allow_context:
                raise
            found = import_string(value, silent=True)
            if isinstance(found, ssl.SSLContext):
                return found
            raise


class FileCertParamType(CertParamType):
    """``--cert`` for ``hipflask serve``: ``adhoc``, ``local`` or a file (granian reads files)."""

    allow_context = False


class SeparatedPathType(click.Path):
    """A list of paths separated like ``PATH`` (``:`` on Unix, ``;`` on Windows)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(item, param, ctx) for item in items]


def ssl_spec(cert: str | ssl.SSLContext | None, key: str | None) -> SSLContextSpec | None:
    """Check that ``--cert`` and ``--key`` go together, and build the ``ssl_context`` value.

    :raises click.BadParameter: ``--key`` without a file ``--cert``, or a file
        ``--cert`` without ``--key``.
    """
    if cert is None:
        if key is not None:
            raise click.BadParameter('"--cert" must also be given.', param_hint="--key")
        return None
    if isinstance(cert, ssl.SSLContext):
        if key is not None:
            raise click.BadParameter(
                '"--key" is not used when "--cert" is an SSLContext object.', param_hint="--key"
            )
        return cert
    if cert in _GENERATED:
        if key is not None:
            raise click.BadParameter(
                f'"--key" is not used with "--cert={cert}".', param_hint="--key"
            )
        return cert
    if key is None:
        raise click.BadParameter(
            '"--key" is required with a certificate file (or use "--cert=local").',
            param_hint="--cert",
        )
    return (cert, key)


def _load_app_or_report(info: ScriptInfo) -> Any:
    """Load the app; in the reloader's child, report a failure instead of exiting.

    Exiting would stop the reloader too, so a typo saved mid-edit would end the
    session; instead the error is printed and the reloader keeps watching for
    the fix.
    """
    try:
        return info.load_app()
    except Exception as exc:
        if not is_running_from_reloader():
            raise
        if isinstance(exc, click.ClickException):
            click.secho(f"Error: {exc.format_message()}", fg="red", err=True)
        else:
            traceback.print_exc()
        return exc


def _serve_load_error(
    error: BaseException,
    host: str,
    port: int,
    spec: SSLContextSpec | None,
    extra_files: Iterable[str] | None,
) -> None:
    from werkzeug.serving import run_simple

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = b"The app failed to load; the error is in the server's terminal.\n"
        start_response(
            "500 INTERNAL SERVER ERROR",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    click.secho(
        f" * The app failed to load ({type(error).__name__}); save a fix and the server"
        " restarts by itself.",
        fg="red",
        err=True,
    )
    run_simple(
        host,
        port,
        application,
        use_reloader=True,
        extra_files=extra_files,
        threaded=True,
        ssl_context=make_ssl_context(spec, host),
    )


@click.command("run", short_help="Run the development server.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface to bind.")
@click.option(
    "--port",
    "-p",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The port to bind.",
)
@click.option(
    "--cert",
    type=CertParamType(),
    help="Serve HTTPS: 'adhoc' (throwaway certificate), 'local' (certificate from"
    " the local CA), a certificate file used with --key, or the import name of an"
    " ssl.SSLContext.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    help="The private key file for --cert=FILE.",
)
@click.option("--debug/--no-debug", default=None, help="Debug mode (default: HIPFLASK_DEBUG).")
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when code, templates or --extra-files change (default: in debug mode).",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show the interactive debugger on errors (default: in debug mode, loopback only).",
)
@click.option(
    "--unsafe-remote-debugger",
    is_flag=True,
    help="Attach the debugger even on a non-loopback address. Anyone who reaches"
    " the server can then run code on this machine.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    show_default=True,
    help="Handle each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(resolve_path=True),
    help=f"More files the reloader watches, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=f"fnmatch patterns of files the reloader ignores, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--io-timeout",
    type=click.FloatRange(0, min_open=True),
    default=DEV_SERVER_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help=(
        "Time for a TLS handshake and for each request's line and headers, in"
        " total; the longest silence in a body, which must then average the"
        " app's BODY_MIN_RATE."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    cert: str | ssl.SSLContext | None,
    key: str | None,
    debug: bool | None,
    reload: bool | None,
    debugger: bool | None,
    unsafe_remote_debugger: bool,
    with_threads: bool,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    io_timeout: float,
) -> None:
    """Run the development server (Werkzeug's, threaded).

    It reloads on changes and shows the interactive debugger in debug mode
    (--debug or HIPFLASK_DEBUG=1); the debugger only on loopback addresses.
    Never use it in production: use 'hipflask serve'.
    """
    spec = ssl_spec(cert, key)
    os.environ[RUN_FROM_CLI_VARIABLE] = "true"
    if debug is not None:
        # Both names, as the group's --debug sets them (see hipflask.cli.main).
        os.environ["HIPFLASK_DEBUG"] = os.environ["FLASK_DEBUG"] = "1" if debug else "0"
    loaded = _load_app_or_report(info)
    if isinstance(loaded, BaseException):
        _serve_load_error(loaded, host, port, spec, extra_files)
        return
    app = loaded
    if debug is not None:
        app.debug = debug
    # As Flask's run command: the command line and the environment decide,
    # never DEBUG = True left in the app's code, which would otherwise turn
    # the reloader and the interactive debugger on wherever the code runs.
    env_debug = debug if debug is not None else get_debug_flag()
    _announce_local_ca(spec, port)
    show_server_banner(app)
    try:
        serve_development(
            app,
            host,
            port,
            use_reloader=env_debug if reload is None else reload,
            use_debugger=env_debug if debugger is None else debugger,
            unsafe_remote_debugger=unsafe_remote_debugger,
            ssl_context=spec,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
            threaded=with_threads,
            io_timeout=io_timeout,
        )
    except HipflaskError as exc:
        raise click.ClickException(str(exc)) from exc


def _announce_local_ca(spec: SSLContextSpec | None, port: int) -> None:
    if spec != "local" or is_running_from_reloader():
        return
    from ..serving.command import hipflask_command
    from ..serving.tls.local_ca import LocalCA

    ca = LocalCA()
    if not ca.exists:
        trust = f"{hipflask_command()} certs trust" + ("" if port == 5000 else f" --port {port}")
        click.echo(
            f" * Creating a local CA in {ca.path}; run '{trust}' once so"
            " browsers accept its certificates."
        )
    warning = ca.outdated_warning()
    if warning is not None:
        click.echo(f" * {warning}", err=True)
