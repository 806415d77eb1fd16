"""Throwaway self-signed server certificates, made in memory.

``hipflask run --cert=adhoc`` serves HTTPS at once, with nothing to install and
nothing written to the user's data directory. Browsers warn about such a
certificate because nobody vouches for it; for a certificate they accept, use the
local CA (:mod:`hipflask.serving.tls.local_ca`).

The helpers that shape a server certificate (names, key usage, extensions) live
here as well, and the local CA builds its leaf certificates with them, so both
kinds carry the same extensions.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from ...errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "ADHOC_VALIDITY",
    "DEFAULT_HOSTNAMES",
    "certificate_names",
    "generate_private_key",
    "make_adhoc_certificate",
    "private_key_pem",
    "server_certificate_builder",
    "subject_alt_names",
]

#: The names a development server is reached by on the machine it runs on.
DEFAULT_HOSTNAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")

#: A fresh certificate is made at every start, so it only has to outlive one run
#: of the server; a short life limits the harm if the key leaks from memory.
ADHOC_VALIDITY = datetime.timedelta(days=30)

#: Certificates start a little in the past so a client whose clock runs behind
#: (a container, a VM just resumed) does not reject one as "not yet valid".
CLOCK_SKEW = datetime.timedelta(minutes=5)

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)\Z")
_MAX_DNS_LENGTH = 253


def _invalid_name(name: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"{name!r} cannot go into a certificate: {why}. Give a host name such as"
        " 'myapp.test', a wildcard such as '*.myapp.test', or an IP address."
    )


def _dns_name(name: str) -> x509.DNSName:
    host = name.rstrip(".").lower()
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise _invalid_name(name, "it is not a valid international name") from exc
    labels = host.split(".")
    if len(host) > _MAX_DNS_LENGTH or not all(_LABEL.match(label) for label in labels):
        raise _invalid_name(name, "it is neither a host name nor an IP address")
    if labels[-1].isdigit():
        # Browsers parse "10.1" or "1.2.3" as an IP address, never as a name.
        raise _invalid_name(name, "it looks like an IP address but is not one")
    return x509.DNSName(f"*.{host}" if wildcard else host)


def subject_alt_names(names: Iterable[str]) -> list[x509.GeneralName]:
    """Turn host names and IP addresses into certificate names, without repeats.

    Clients match an IP address only against an ``IPAddress`` entry, never against
    a DNS entry spelling it (RFC 6125), so addresses are detected here and stored
    as such; ``[::1]`` is accepted as URLs write it. Host names are lower-cased and
    international names stored in their ASCII form, as the standard requires.
    """
    entries: list[x509.GeneralName] = []
    for raw in names:
        name = raw.strip()
        if not name:
            raise _invalid_name(raw, "it is empty")
        try:
            entry: x509.GeneralName = x509.IPAddress(
                ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
            )
        except ValueError:
            entry = _dns_name(name)
        if entry not in entries:
            entries.append(entry)
    return entries


def certificate_names(host_names: Iterable[str]) -> list[str]:
    """The certificate names that cover host names given as ``TRUSTED_HOSTS`` takes them.

    ``--host-name`` and ``TRUSTED_HOSTS`` write "this name and its
    subdomains" with a leading dot (``.myapp.test``); a certificate needs the
    name and its wildcard (``*.myapp.test``) for that. Pass the result to
    :meth:`~hipflask.serving.tls.LocalCA.ensure_leaf` or
    :func:`make_adhoc_certificate` (after the defaults), so a server reached
    by those names presents a certificate that matches them.
    """
    names: list[str] = []
    for raw in host_names:
        name = raw.strip().lower()
        wanted = [name[1:], f"*{name}"] if name.startswith(".") else [name]
        for entry in wanted:
            if entry.strip("*.") and entry not in names:
                names.append(entry)
    return names


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """Make a new P-256 key: quick to create, and accepted by every current client."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: PrivateKeyTypes) -> bytes:
    """Serialise a private key as unencrypted PKCS#8 PEM, the form servers load."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _key_usage(public_key: CertificateIssuerPublicKeyTypes) -> x509.KeyUsage:
    # An RSA key may also be used for RSA key transport in TLS 1.2; an EC key
    # only ever signs the handshake.
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=is_rsa,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def server_certificate_builder(
    public_key: CertificateIssuerPublicKeyTypes,
    names: Iterable[str],
    *,
    subject: x509.Name,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> x509.CertificateBuilder:
    """Start a TLS server certificate; the caller adds the issuer and signs it.

    The extensions are the ones strict verifiers (Python 3.13's default
    ``VERIFY_X509_STRICT``, browsers) insist on: not a CA, a critical key usage,
    ``serverAuth`` only, so a leaked development key cannot sign code, mail or
    other certificates.
    """
    alt_names = subject_alt_names(names)
    if not alt_names:
        raise ConfigurationError("A server certificate needs at least one host name or IP address.")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(public_key), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def make_adhoc_certificate(
    hostnames: Iterable[str] = DEFAULT_HOSTNAMES,
) -> tuple[bytes, bytes]:
    """Make a self-signed certificate and its key, as ``(cert_pem, key_pem)``.

    Nothing touches the disk; the key exists only as long as the caller keeps it.
    The certificate signs itself, so the key never gains the power to vouch for
    anything else.
    """
    key = generate_private_key()
    public_key = key.public_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hipflask adhoc certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, "hipflask adhoc"),
        ]
    )
    not_before = datetime.datetime.now(datetime.timezone.utc) - CLOCK_SKEW
    certificate = (
        server_certificate_builder(
            public_key,
            hostnames,
            subject=subject,
            not_before=not_before,
            not_after=not_before + ADHOC_VALIDITY,
        )
        .issuer_name(subject)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM), private_key_pem(key)
