"""Getting the local CA trusted by browsers, the system and Python clients.

Trusting a CA is a decision about the whole machine, so hipflask prints the steps
for the user to run and changes a trust store only when explicitly asked
(``hipflask certs trust --install``), and then only the Linux system store, whose
tools are uniform enough to drive. A trusted development CA whose key leaks lets
the holder impersonate any site to this machine: remove it when no longer needed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from ...errors import ConfigurationError
from ...errors import HipflaskError
from ..command import hipflask_command
from .local_ca import LocalCA

__all__ = ["TrustInstallError", "absolute_command", "install_trust", "trust_instructions"]

_ANCHOR_NAME = "hipflask-local-ca"
_DEFAULT_NICKNAME = "hipflask local CA"
_NSSDB = "sql:$HOME/.pki/nssdb"

#: Where Debian's ca-certificates-java hook mirrors the system store, and the
#: alias it gives an anchor added by ``update-ca-certificates``.
_JAVA_CACERTS = "/etc/ssl/certs/java/cacerts"
_JAVA_ALIAS = f"debian:{_ANCHOR_NAME}.pem"


class TrustInstallError(HipflaskError):
    """The CA could not be, or was not allowed to be, added to a trust store."""


@dataclass(frozen=True)
class _SystemStore:
    distribution: str
    anchor: Path
    command: tuple[str, ...]


_LINUX_STORES: tuple[_SystemStore, ...] = (
    _SystemStore(
        "Debian/Ubuntu",
        Path("/usr/local/share/ca-certificates") / f"{_ANCHOR_NAME}.crt",
        ("update-ca-certificates",),
    ),
    _SystemStore(
        "Fedora/RHEL",
        Path("/etc/pki/ca-trust/source/anchors") / f"{_ANCHOR_NAME}.pem",
        ("update-ca-trust", "extract"),
    ),
)


def _nickname(ca: LocalCA) -> str:
    try:
        attributes = ca.load_certificate().subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    except ConfigurationError:
        return _DEFAULT_NICKNAME
    return str(attributes[0].value) if attributes else _DEFAULT_NICKNAME


def absolute_command() -> str:
    """The ``hipflask`` executable by absolute path, for a line run under ``sudo``.

    ``sudo`` searches its own ``secure_path``, not the user's ``PATH``, so a
    bare ``hipflask`` from a virtual environment is not found there.
    """
    beside = Path(os.path.abspath(sys.executable)).parent / "hipflask"
    if beside.exists():
        return shlex.quote(str(beside))
    found = shutil.which("hipflask")
    if found is not None:
        return shlex.quote(os.path.abspath(found))
    return f"{shlex.quote(os.path.abspath(sys.executable))} -m hipflask"


def _linux_steps(cert: str, nick: str) -> list[str]:
    steps = [
        f"{store.distribution}: sudo cp {cert} {store.anchor} && sudo {shlex.join(store.command)}"
        for store in _LINUX_STORES
    ]
    nssdb = _NSSDB
    return [
        *steps,
        f"Arch and other p11-kit systems: sudo trust anchor --store {cert}",
        "Chrome/Chromium on Linux keeps its own store (NSS); with certutil from"
        " libnss3-tools (Debian) or nss-tools (Fedora), creating the store first"
        " on a profile that has none yet: mkdir -p $HOME/.pki/nssdb && (certutil"
        f" -d {nssdb} -L >/dev/null 2>&1 || certutil -d {nssdb} -N --empty-password)"
        f" && certutil -d {nssdb} -A -t C,, -n {shlex.quote(nick)} -i {cert}",
        "Each Firefox profile: for d in $HOME/.mozilla/firefox/*/; do certutil"
        f' -d "sql:$d" -A -t C,, -n {shlex.quote(nick)} -i {cert}; done',
    ]


def _macos_steps(cert: str) -> list[str]:
    return [
        "macOS: sudo security add-trusted-cert -d -r trustRoot -k"
        f" /Library/Keychains/System.keychain {cert}",
        "Firefox on macOS: set security.enterprise_roots.enabled to true in"
        " about:config so it trusts the system keychain.",
    ]


def _windows_steps(path: Path) -> list[str]:
    return [
        f'Windows (current user, no admin needed): certutil -user -addstore Root "{path}"',
        "Firefox on Windows: set security.enterprise_roots.enabled to true in"
        " about:config so it trusts the Windows store.",
    ]


def _linux_removal(cert: str, nick: str) -> list[str]:
    debian, fedora = _LINUX_STORES
    return [
        f"{debian.distribution}: sudo rm -f {debian.anchor} && sudo"
        " update-ca-certificates --fresh; and if Java's store got a copy"
        f" ({_JAVA_CACERTS}): sudo keytool -delete -alias {_JAVA_ALIAS}"
        f" -keystore {_JAVA_CACERTS} -storepass changeit",
        f"{fedora.distribution}: sudo rm -f {fedora.anchor} && sudo {shlex.join(fedora.command)}",
        f"Arch and other p11-kit systems: sudo trust anchor --remove {cert}",
        f"Chrome/Chromium on Linux: certutil -d {_NSSDB} -D -n {shlex.quote(nick)}",
        "Each Firefox profile: for d in $HOME/.mozilla/firefox/*/; do certutil"
        f' -d "sql:$d" -D -n {shlex.quote(nick)}; done',
    ]


def _removal_steps(ca: LocalCA, system: str) -> list[str]:
    nick = _nickname(ca)
    steps = ["To stop trusting it, remove it from each store it was added to:"]
    if system in ("all", "linux"):
        steps += _linux_removal(shlex.quote(str(ca.cert_path)), nick)
    if system in ("all", "darwin"):
        steps.append(
            f"macOS: sudo security delete-certificate -c {shlex.quote(nick)}"
            " /Library/Keychains/System.keychain"
        )
    if system in ("all", "win32"):
        steps.append(f'Windows: certutil -user -delstore Root "{nick}"')
    steps.append(
        "Python clients and Node.js: unset SSL_CERT_FILE REQUESTS_CA_BUNDLE"
        " NODE_EXTRA_CA_CERTS wherever you exported them."
    )
    steps.append(f"Then delete {ca.path} (every certificate it issued stops working).")
    return steps


def _client_steps(cert: str, path: Path, port: int) -> list[str]:
    return [
        "Python clients, for one shell (they then trust this CA only, so use it"
        f" for local servers): export SSL_CERT_FILE={cert} (ssl, httpx) and"
        f" export REQUESTS_CA_BUNDLE={cert} (requests)",
        "Python clients, in code: httpx.Client(verify=ssl.create_default_context("
        f"cafile={str(path)!r})) or requests.get(url, verify={str(path)!r})",
        f"curl: curl --cacert {cert} https://localhost:{port}/",
        f"Node.js: export NODE_EXTRA_CA_CERTS={cert}",
    ]


def trust_instructions(ca: LocalCA, *, platform: str | None = None, port: int = 5000) -> list[str]:
    """The steps that make this machine trust ``ca``, one per line, for a person.

    ``platform`` is a ``sys.platform`` value (the running one by default) or
    ``"all"``; browsers and Python clients keep their own stores, so their steps
    come whatever the platform. ``port`` is the local server's, for the
    example requests.

    :raises ConfigurationError: the CA could be replaced by another user (see
        :meth:`LocalCA.check_permissions`): trusting it then is what they want.
    """
    ca.check_permissions()
    command = hipflask_command()
    system = platform or sys.platform
    if system.startswith("linux"):
        system = "linux"
    elif system == "cygwin":
        system = "win32"
    elif system not in ("darwin", "win32"):
        system = "all"  # a platform without known steps gets every one
    cert = shlex.quote(str(ca.cert_path))
    steps = [f"The local CA certificate is {ca.cert_path}."]
    if not ca.exists:
        steps.append(f"It does not exist yet: create it with `{command} certs create`.")
    steps.append("Trust it once; every certificate it issues is then accepted:")
    if system in ("all", "linux"):
        steps += _linux_steps(cert, _nickname(ca))
        steps.append(
            f"Or let hipflask do the system-store step (Debian or Fedora layout):"
            f" {command} certs trust --install (it says how to run it as root)"
        )
    if system in ("all", "darwin"):
        steps += _macos_steps(cert)
    if system in ("all", "win32"):
        steps += _windows_steps(ca.cert_path)
    steps += _client_steps(cert, ca.cert_path, port)
    return steps + _removal_steps(ca, system)


def _refuse_unless_allowed(ca: LocalCA, system: bool) -> None:
    if not system:
        raise TrustInstallError(
            "Nothing was installed: changing the system trust store needs an explicit"
            " system=True (`hipflask certs trust --install`)."
        )
    platform: str = sys.platform
    if not platform.startswith("linux"):
        raise TrustInstallError(
            f"Installing the CA is automated on Linux only, not on {platform}."
            " Run the steps printed by `hipflask certs trust` instead."
        )
    if os.geteuid() != 0:
        # Under plain `sudo`, HOME may become root's, and with it the CA
        # directory; passing the path keeps the user's CA.
        raise TrustInstallError(
            "Changing the system trust store needs root. Run:"
            f" sudo env HIPFLASK_CA_DIR={shlex.quote(str(ca.path))}"
            f" {absolute_command()} certs trust --install"
        )


def install_trust(ca: LocalCA, *, system: bool) -> list[str]:
    """Add ``ca`` to the Linux system trust store; return what was done.

    Only the CA certificate is copied, re-encoded from its parsed form so nothing
    but a certificate can reach the store; browsers with their own store (NSS)
    still need the steps from :func:`trust_instructions`.
    """
    _refuse_unless_allowed(ca, system)
    pem = ca.load_certificate().public_bytes(serialization.Encoding.PEM)
    for store in _LINUX_STORES:
        tool = shutil.which(store.command[0])
        if tool is None or not store.anchor.parent.is_dir():
            continue
        store.anchor.write_bytes(pem)
        store.anchor.chmod(0o644)
        command = [tool, *store.command[1:]]
        try:
            # The command is a fixed tool name resolved on PATH, no user input.
            subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", None) or str(exc)
            raise TrustInstallError(
                f"{shlex.join(command)} failed: {detail.strip()}. The certificate"
                f" was copied to {store.anchor}; remove it or rerun the command."
            ) from exc
        return [
            f"copied {ca.cert_path} to {store.anchor}",
            f"ran {shlex.join(command)}",
        ]
    raise TrustInstallError(
        "No supported system trust store was found (Debian's update-ca-certificates"
        " or Fedora's update-ca-trust). Run the steps printed by"
        " `hipflask certs trust` instead."
    )
