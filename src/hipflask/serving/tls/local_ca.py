"""A certificate authority of one's own, for development HTTPS that browsers accept.

This does what ``mkcert`` does, built in: the first use makes a CA key and
certificate in the user's data directory; once that CA is trusted (see
:mod:`hipflask.serving.tls.trust`), every leaf certificate it issues for
``localhost`` and friends is accepted with no warning, by browsers, ``curl`` and
Python clients alike.

The CA key can vouch for *any* host name to whoever trusts it, so it never leaves
the user's machine: it is written owner-only, in an owner-only directory, and the
CA is limited to signing server certificates for local names (``pathlen=0``,
``serverAuth`` only, name constraints; see :mod:`.constraints`). Never share the
directory and never trust someone else's development CA.

Layout of the directory::

    rootCA.pem          the CA certificate (public; this is what gets trusted)
    rootCA-key.pem      the CA key (0600)
    leaf/NAME.pem       leaf certificates, one per set of host names
    leaf/NAME-key.pem   their keys (0600)
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import os
import re
import shlex
import socket
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ...errors import ConfigurationError
from ..command import hipflask_command
from .adhoc import CLOCK_SKEW
from .adhoc import DEFAULT_HOSTNAMES
from .adhoc import generate_private_key
from .adhoc import private_key_pem
from .adhoc import server_certificate_builder
from .adhoc import subject_alt_names
from .constraints import check_local_names
from .constraints import local_ca_extensions
from .permissions import check_ancestor
from .permissions import check_owner
from .permissions import existing_ancestors
from .permissions import file_mode
from .permissions import trusted_owners

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "CA_VALIDITY",
    "MAX_LEAF_DAYS",
    "RENEW_WITHIN",
    "LocalCA",
    "default_ca_dir",
]

#: The CA outlives many leaf certificates, so it is trusted once, not every year.
CA_VALIDITY = datetime.timedelta(days=3650)

#: Browsers refuse server certificates valid for longer than 398 days.
MAX_LEAF_DAYS = 397

#: Leaf certificates are replaced this long before they expire.
RENEW_WITHIN = datetime.timedelta(days=30)

_CA_CERT = "rootCA.pem"
_CA_KEY = "rootCA-key.pem"
_LEAF_DIR = "leaf"
_MAX_NAME_ATTRIBUTE = 64

# The extensions a CA made today has and older ones lack, with how to name them.
_CONSTRAINTS: tuple[tuple[type[x509.ExtensionType], str], ...] = (
    (x509.ExtendedKeyUsage, "the server-only key usage"),
    (x509.NameConstraints, "the local-names-only constraint"),
)

_CAKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def default_ca_dir() -> Path:
    """Where the local CA lives unless a path is given.

    ``HIPFLASK_CA_DIR`` wins, so a project, a container or a test can keep its own
    CA; otherwise it is the platform's per-user data directory, never the project
    folder, where the key could end up committed.
    """
    override = os.environ.get("HIPFLASK_CA_DIR")
    if override:
        return Path(override).expanduser()
    # Read through a variable so every branch is type-checked on every platform.
    system: str = sys.platform
    if system == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    elif system == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        # The XDG spec says a relative value is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "hipflask" / "ca"


def _owner() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _short(value: str) -> str:
    return value[:_MAX_NAME_ATTRIBUTE]


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Replace ``path`` atomically, the file never readable beyond ``mode``.

    ``mkstemp`` creates the file owner-only and refuses to follow a planted
    symlink, so a private key is never briefly world-readable; the rename means a
    reader sees the old file or the new one, never half of one.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _name_key(entry: x509.GeneralName) -> str:
    return str(entry.value).lower()


def _names_in(certificate: x509.Certificate) -> set[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set()
    return {
        _name_key(entry)
        for entry in extension.value
        if isinstance(entry, (x509.DNSName, x509.IPAddress))
    }


def _wanted_names(names: Iterable[str]) -> list[str]:
    """The leaf's names: the loopback defaults, then the extras, without repeats."""
    return [_name_key(entry) for entry in subject_alt_names([*DEFAULT_HOSTNAMES, *names])]


def _spki(key: PrivateKeyTypes | x509.Certificate) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class LocalCA:
    """A development CA kept in one directory, and the leaf certificates it issues."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_ca_dir()

    def __repr__(self) -> str:
        return f"LocalCA({str(self.path)!r})"

    @property
    def cert_path(self) -> Path:
        """The CA certificate: the file to trust, and safe to share."""
        return self.path / _CA_CERT

    @property
    def key_path(self) -> Path:
        """The CA private key: whoever reads it can impersonate any site to you."""
        return self.path / _CA_KEY

    @property
    def leaf_dir(self) -> Path:
        """Where issued certificates live, inside the CA's private directory."""
        return self.path / _LEAF_DIR

    @property
    def exists(self) -> bool:
        """Whether both CA files are there; a half-written CA counts as absent."""
        return self.cert_path.is_file() and self.key_path.is_file()

    # -- the CA itself -------------------------------------------------------

    def create(self) -> bool:
        """Make the CA key and certificate unless they exist; tell whether it did.

        Idempotent on purpose: a second CA would silently invalidate the first
        one's trust-store entries and every leaf it issued.
        """
        self.check_permissions()
        if self.exists:
            return False
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot create the local CA directory {self.path}: {exc.strerror}."
                " Set HIPFLASK_CA_DIR to a directory you own."
            ) from exc
        self.check_permissions()
        key = generate_private_key()
        # Key first: until the certificate lands the CA does not "exist", so an
        # interrupted run is simply redone next time.
        _write_file(self.key_path, private_key_pem(key), 0o600)
        _write_file(self.cert_path, self._sign_ca_certificate(key), 0o644)
        return True

    def _sign_ca_certificate(self, key: ec.EllipticCurvePrivateKey) -> bytes:
        owner = _owner()
        # The owner in the name makes the CA recognisable in a trust store, so a
        # user can tell it from another machine's and remove it later.
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hipflask development CA"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _short(owner)),
                x509.NameAttribute(NameOID.COMMON_NAME, _short(f"hipflask {owner}")),
            ]
        )
        public_key = key.public_key()
        not_before = datetime.datetime.now(datetime.timezone.utc) - CLOCK_SKEW
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(public_key)
            # A random serial: Firefox rejects two CAs sharing name and serial,
            # which a recreated CA otherwise would.
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + CA_VALIDITY)
            # pathlen=0: even this CA's key cannot mint further CAs.
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key),
                critical=False,
            )
        )
        # Server certificates for local names only (see .constraints).
        for extension, critical in local_ca_extensions():
            certificate = certificate.add_extension(extension, critical=critical)
        signed = certificate.sign(key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.PEM)

    def check_permissions(self) -> None:
        """Refuse a CA that someone else could replace, or whose key others could read.

        Whoever can write the CA certificate, or the directory holding it (or
        any directory above, which lets them rename it away), can swap in
        their own CA before it is trusted and then impersonate any site to
        this user; whoever can read the key can do the same once it is
        trusted. Every command that uses the CA calls this first. The files
        of a CA not (fully) created yet are skipped, as they are made anew.
        """
        if os.name != "posix":
            return  # Windows keeps %LOCALAPPDATA% per-user through its ACLs.
        owners = trusted_owners()
        for ancestor in existing_ancestors(self.path):
            check_ancestor(ancestor, owners)
        if not self.path.exists():
            return
        check_owner(self.path, owners)
        # A directory others can write lets them swap in their own CA before it
        # is trusted, and then impersonate any site to this user.
        if self.path.stat().st_mode & 0o022:
            raise ConfigurationError(
                f"The local CA directory {self.path} is writable by other users,"
                " who could replace the CA before you trust it. Use a private"
                f" directory: chmod 700 {shlex.quote(str(self.path))}"
            )
        if not self.exists:
            return  # a half-written CA is made anew, its leftovers replaced
        check_owner(self.key_path, owners)
        if self.key_path.stat().st_mode & 0o077:
            raise ConfigurationError(
                f"The local CA key {self.key_path} is open to other users (mode"
                f" {file_mode(self.key_path)}): whoever reads it can impersonate any"
                " local site to you once the CA is trusted. Make it yours alone:"
                f" chmod 600 {shlex.quote(str(self.key_path))} (and if others may"
                f" have copied it, replace the CA: {hipflask_command()} certs recreate)."
            )
        check_owner(self.cert_path, owners)
        if self.cert_path.stat().st_mode & 0o022:
            raise ConfigurationError(
                f"The local CA certificate {self.cert_path} is writable by other"
                f" users (mode {file_mode(self.cert_path)}), who could replace it with"
                " their own CA before you trust it. Make it yours alone:"
                f" chmod 644 {shlex.quote(str(self.cert_path))}"
            )

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot read {path}: {exc.strerror}. Run `hipflask certs create` as"
                " the user who owns the local CA, or set HIPFLASK_CA_DIR."
            ) from exc

    def load_certificate(self) -> x509.Certificate:
        """Read the CA certificate, or say how to make one or make it safe."""
        self.check_permissions()
        if not self.cert_path.is_file():
            raise ConfigurationError(
                f"There is no local CA in {self.path}. Create one with `hipflask certs create`."
            )
        try:
            return x509.load_pem_x509_certificate(self._read(self.cert_path))
        except ValueError as exc:
            raise ConfigurationError(
                f"{self.cert_path} is not a PEM certificate. Remove {self.path}"
                " and run `hipflask certs create` to start a new CA."
            ) from exc

    def _load(self) -> tuple[x509.Certificate, _CAKey]:
        certificate = self.load_certificate()
        try:
            key = serialization.load_pem_private_key(self._read(self.key_path), password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"{self.key_path} is not an unencrypted PEM private key. Remove"
                f" {self.path} and run `hipflask certs create` to start a new CA."
            ) from exc
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise ConfigurationError(
                f"{self.key_path} holds a {type(key).__name__}; the local CA signs"
                " with an EC or RSA key."
            )
        if _spki(key) != _spki(certificate):
            raise ConfigurationError(
                f"The local CA key {self.key_path} does not belong to"
                f" {self.cert_path}. Remove {self.path} and run"
                " `hipflask certs create`, then trust the new CA."
            )
        return certificate, key

    def missing_constraints(self) -> list[str]:
        """The constraints (see :mod:`.constraints`) an existing CA lacks.

        CAs made by older versions carry neither: trusted, they can vouch for
        any website and any purpose. An absent or unreadable CA lacks none
        here; the commands that need it say what is wrong with it.
        """
        if not self.exists:
            return []
        try:
            extensions = self.load_certificate().extensions
        except ConfigurationError:
            return []
        missing = []
        for kind, label in _CONSTRAINTS:
            try:
                extensions.get_extension_for_class(kind)
            except x509.ExtensionNotFound:
                missing.append(label)
        return missing

    def outdated_warning(self) -> str | None:
        """A one-line warning, with the command that replaces the CA, or ``None``."""
        missing = self.missing_constraints()
        if not missing:
            return None
        return (
            f"Warning: the local CA in {self.path} was made by an older hipflask and"
            f" lacks {' and '.join(missing)}; replace it with"
            f" `{hipflask_command()} certs recreate`."
        )

    def recreate(self) -> None:
        """Replace the CA with a new, constrained one; the old key and leaves are deleted.

        Every leaf the old CA signed goes with it (a new CA cannot vouch for
        them), and the old key is deleted so nothing can sign with it again.
        The new CA must be trusted anew, and the old one removed from the
        trust stores it was added to.
        """
        self.check_permissions()
        for cert_path, key_path in self.leaves():
            cert_path.unlink(missing_ok=True)
            key_path.unlink(missing_ok=True)
        self.cert_path.unlink(missing_ok=True)
        self.key_path.unlink(missing_ok=True)
        self.create()

    # -- leaf certificates ---------------------------------------------------

    def leaf_paths(self, names: Iterable[str] = ()) -> tuple[Path, Path]:
        """Where the leaf for ``names`` is kept, as ``(cert_path, key_path)``.

        The file name derives from the whole set of names, so each set keeps its
        own certificate and asking again for the same set finds it.
        """
        wanted = _wanted_names(names)
        extras = sorted(set(wanted) - set(_wanted_names(())))
        if extras:
            digest = hashlib.sha256(",".join(extras).encode()).hexdigest()[:8]
            label = f"{re.sub(r'[^a-z0-9.-]+', '_', extras[0])}-{digest}"
        else:
            label = "localhost"
        return self.leaf_dir / f"{label}.pem", self.leaf_dir / f"{label}-key.pem"

    def leaves(self) -> list[tuple[Path, Path]]:
        """The stored leaf certificates, as ``(cert_path, key_path)`` pairs."""
        if not self.leaf_dir.is_dir():
            return []
        return [
            (cert, cert.with_name(f"{cert.stem}-key.pem"))
            for cert in sorted(self.leaf_dir.glob("*.pem"))
            if not cert.name.endswith("-key.pem")
        ]

    def issue(self, names: Iterable[str] = (), *, days: int = MAX_LEAF_DAYS) -> tuple[Path, Path]:
        """Issue a new leaf certificate for the loopback names plus ``names``.

        A new key is made every time, so renewing also rotates the key. IP
        addresses among ``names`` become IP entries, which is what a client
        checks when the URL holds an address.
        """
        if not 1 <= days <= MAX_LEAF_DAYS:
            raise ConfigurationError(
                f"A leaf certificate must be valid for 1 to {MAX_LEAF_DAYS} days, not"
                f" {days}: browsers refuse server certificates valid for longer."
            )
        ca_certificate, ca_key = self._load()
        wanted = _wanted_names(names)
        check_local_names(ca_certificate, subject_alt_names(wanted))
        key = generate_private_key()
        not_before = datetime.datetime.now(datetime.timezone.utc) - CLOCK_SKEW
        # A leaf outliving its CA would only fail later with a vaguer error.
        not_after = min(
            not_before + datetime.timedelta(days=days),
            ca_certificate.not_valid_after_utc,
        )
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hipflask development certificate"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _short(_owner())),
            ]
        )
        ca_key_id = ca_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        certificate = (
            server_certificate_builder(
                key.public_key(),
                wanted,
                subject=subject,
                not_before=not_before,
                not_after=not_after,
            )
            .issuer_name(ca_certificate.subject)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_path, key_path = self.leaf_paths(wanted)
        self.leaf_dir.mkdir(mode=0o700, exist_ok=True)
        _write_file(key_path, private_key_pem(key), 0o600)
        _write_file(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        return cert_path, key_path

    def leaf_needs_renewal(
        self,
        cert_path: str | os.PathLike[str],
        names: Iterable[str] = (),
        within: datetime.timedelta = RENEW_WITHIN,
        *,
        now: datetime.datetime | None = None,
    ) -> bool:
        """Tell whether a leaf must be (re)issued before a server uses it.

        True when it is missing or unreadable, expired or expiring ``within``,
        not yet valid, lacking one of the wanted names, or not signed by this CA
        (a recreated CA orphans every earlier leaf). ``now`` lets a caller ask
        about another moment than the present.
        """
        try:
            certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
        except (OSError, ValueError):
            return True
        moment = now or datetime.datetime.now(datetime.timezone.utc)
        if moment < certificate.not_valid_before_utc:
            return True
        if moment + within >= certificate.not_valid_after_utc:
            return True
        if not set(_wanted_names(names)) <= _names_in(certificate):
            return True
        return not self._issued(certificate)

    def _issued(self, certificate: x509.Certificate) -> bool:
        if not self.cert_path.is_file():
            return False
        try:
            certificate.verify_directly_issued_by(self.load_certificate())
        except (ValueError, TypeError, InvalidSignature, ConfigurationError):
            return False
        return True

    def _key_matches(self, cert_path: Path, key_path: Path) -> bool:
        try:
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        except (OSError, ValueError, TypeError):
            return False
        return _spki(key) == _spki(certificate)

    def ensure_leaf(self, names: Iterable[str] = ()) -> tuple[Path, Path]:
        """Return a usable leaf for ``names``, creating the CA and leaf as needed.

        This is what ``--cert=local`` calls at every start: the first run sets
        everything up, later runs reuse the files, and a leaf near expiry or
        missing a name is replaced without anyone having to remember.
        """
        wanted = _wanted_names(names)
        self.create()
        cert_path, key_path = self.leaf_paths(wanted)
        if self.leaf_needs_renewal(cert_path, wanted) or not self._key_matches(cert_path, key_path):
            return self.issue(wanted)
        return cert_path, key_path

    def renew(self) -> list[tuple[Path, Path]]:
        """Reissue every stored leaf now, keeping its names; at least the default.

        The CA itself is not renewed: that would need trusting it again. Leaves
        that cannot be read are left alone; the next :meth:`ensure_leaf` for their
        names replaces them.
        """
        self.create()
        renewed: list[tuple[Path, Path]] = []
        for cert_path, _key_path in self.leaves():
            try:
                certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            except (OSError, ValueError):
                continue
            renewed.append(self.issue(sorted(_names_in(certificate))))
        return renewed or [self.issue()]
