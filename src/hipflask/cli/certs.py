"""``hipflask certs``: the local development CA from the command line.

The group needs no app and imports nothing from the core, so certificates can be
made before an app exists or even loads; the main command line only adds it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from ..errors import HipflaskError
from ..serving.command import hipflask_command
from ..serving.tls.local_ca import LocalCA
from ..serving.tls.trust import install_trust
from ..serving.tls.trust import trust_instructions

__all__ = ["certs_command"]

_PLATFORMS = ("current", "linux", "darwin", "win32", "all")


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Show setup errors as one line, the way click shows its own, not a traceback."""
    try:
        yield
    except HipflaskError as exc:
        raise click.ClickException(str(exc)) from exc


def _warn_if_outdated(ca: LocalCA) -> None:
    warning = ca.outdated_warning()
    if warning is not None:
        click.echo(warning, err=True)


@click.group("certs")
def certs_command() -> None:
    """Manage the local development CA and its HTTPS certificates.

    The CA lives in your user data directory, or in HIPFLASK_CA_DIR when set.
    Once trusted, `hipflask run --cert=local` serves HTTPS that browsers accept.
    """


@certs_command.command("create")
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="HOST",
    help="Another host name or IP address for the certificate (repeatable).",
)
def create_command(names: tuple[str, ...]) -> None:
    """Create the CA (once) and a certificate for localhost and the given names."""
    ca = LocalCA()
    _warn_if_outdated(ca)
    with _reported():
        created = ca.create()
        cert_path, key_path = ca.ensure_leaf(names)
    click.echo(f"{'Created' if created else 'Using'} the local CA in {ca.path}")
    click.echo(f"Certificate: {cert_path}")
    click.echo(f"Key: {key_path}")
    if created:
        click.echo(f"Next, trust the CA so browsers accept it: {hipflask_command()} certs trust")


@certs_command.command("path")
@click.option(
    "--ca-cert",
    is_flag=True,
    help="Print only the CA certificate path, e.g. for SSL_CERT_FILE.",
)
def path_command(ca_cert: bool) -> None:
    """Show where the CA and the certificates it issued are kept."""
    ca = LocalCA()
    if ca_cert:
        click.echo(str(ca.cert_path))
        return
    _warn_if_outdated(ca)
    missing = "" if ca.exists else " (not created yet: hipflask certs create)"
    click.echo(f"CA directory: {ca.path}")
    click.echo(f"CA certificate: {ca.cert_path}{missing}")
    for cert_path, key_path in ca.leaves():
        click.echo(f"Certificate: {cert_path}")
        click.echo(f"Key: {key_path}")


@certs_command.command("trust")
@click.option(
    "--install",
    is_flag=True,
    help="Add the CA to the Linux system trust store (needs root).",
)
@click.option(
    "--platform",
    type=click.Choice(_PLATFORMS),
    default="current",
    show_default=True,
    help="Whose steps to print.",
)
@click.option(
    "--port",
    type=int,
    default=5000,
    show_default=True,
    help="The local server's port, for the example requests.",
)
def trust_command(install: bool, platform: str, port: int) -> None:
    """Print the steps that make this machine trust the CA, or run them."""
    ca = LocalCA()
    _warn_if_outdated(ca)
    if not install:
        chosen = None if platform == "current" else platform
        with _reported():
            steps = trust_instructions(ca, platform=chosen, port=port)
        for step in steps:
            click.echo(step)
        return
    with _reported():
        done = install_trust(ca, system=True)
    for line in done:
        click.echo(line)
    click.echo(
        "Browsers with their own store (Firefox; Chrome on Linux) need the steps"
        f" from `{hipflask_command()} certs trust` as well."
    )


@certs_command.command("renew")
def renew_command() -> None:
    """Reissue every certificate the CA issued, with a new key and the same names."""
    ca = LocalCA()
    _warn_if_outdated(ca)
    with _reported():
        renewed = ca.renew()
    for cert_path, _key_path in renewed:
        click.echo(f"Renewed {cert_path}")


@certs_command.command("recreate")
@click.option(
    "--install",
    is_flag=True,
    help="Also add the new CA to the Linux system trust store (needs root).",
)
@click.confirmation_option(
    prompt="Replace the local CA? Its certificates stop working until the new CA is trusted."
)
def recreate_command(install: bool) -> None:
    """Replace the CA with a new one, e.g. one made by an older version.

    CAs made by older versions may vouch for any website; a new one vouches for
    local names only (localhost, .test, private addresses) and for servers
    only. The old key and its certificates are deleted; trust the new CA, and
    remove the old one from the stores it was added to.
    """
    ca = LocalCA()
    with _reported():
        ca.recreate()
        cert_path, _key_path = ca.ensure_leaf()
    click.echo(f"Created a new local CA in {ca.path}")
    click.echo(f"Certificate: {cert_path}")
    if install:
        with _reported():
            for line in install_trust(ca, system=True):
                click.echo(line)
    click.echo(
        "Remove the old 'hipflask development CA' from the trust stores it was added"
        f" to, then trust the new one: {hipflask_command()} certs trust"
    )
