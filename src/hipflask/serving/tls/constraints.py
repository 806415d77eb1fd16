"""What the local CA may vouch for: server certificates for local names only.

A CA trusted by a machine can impersonate any website to it. The local CA
therefore carries, besides ``pathlen:0``, two constraints that browsers and
OpenSSL enforce on the whole chain:

* an extended key usage of ``serverAuth`` only: it cannot sign code,
  e-mail or client certificates;
* name constraints permitting only names that never belong to a public
  website: ``localhost``, the reserved and private-use domains (``.test``,
  ``.localhost``, ``.local``, ``.internal``, ``.home.arpa``, ``.lan``,
  ``.localdomain``, ``.example``) and loopback, private and link-local
  addresses. A certificate it signed for ``bank.example.com`` is rejected
  by the browser even on a machine that trusts the CA.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ...errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "LOCAL_DOMAINS",
    "LOCAL_NETWORKS",
    "check_local_names",
    "is_local_name",
    "local_ca_extensions",
]

#: DNS names (and every name below them) the local CA may sign.
LOCAL_DOMAINS: tuple[str, ...] = (
    "localhost",
    "test",
    "local",
    "internal",
    "home.arpa",
    "lan",
    "localdomain",
    "example",
)

#: Addresses the local CA may sign: loopback, private and link-local.
LOCAL_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("fc00::/7"),
    ipaddress.ip_network("fe80::/10"),
)


def local_ca_extensions() -> list[tuple[x509.ExtensionType, bool]]:
    """The constraining extensions of a new local CA, each with its criticality."""
    permitted: list[x509.GeneralName] = [x509.DNSName(domain) for domain in LOCAL_DOMAINS]
    permitted.extend(x509.IPAddress(network) for network in LOCAL_NETWORKS)
    return [
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        # Critical, as RFC 5280 requires: a client that cannot check the
        # constraints must not accept the chain at all.
        (x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), True),
    ]


def _is_local(entry: x509.GeneralName) -> bool:
    if isinstance(entry, x509.IPAddress):
        address = entry.value
        return any(
            address.version == network.version and address in network for network in LOCAL_NETWORKS
        )
    name = str(entry.value).lower().rstrip(".").removeprefix("*.")
    return any(name == domain or name.endswith(f".{domain}") for domain in LOCAL_DOMAINS)


def is_local_name(name: str) -> bool:
    """Whether the local CA may sign ``name`` (a DNS name, ``*.`` wildcard, or an address)."""
    try:
        entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        entry = x509.DNSName(name)
    return _is_local(entry)


def check_local_names(ca_certificate: x509.Certificate, names: Iterable[x509.GeneralName]) -> None:
    """Refuse names the CA's name constraints forbid, before signing a useless leaf.

    CAs made before the constraints existed have none and sign anything, as
    they always did.
    """
    try:
        ca_certificate.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        return
    outside = [str(entry.value) for entry in names if not _is_local(entry)]
    if outside:
        raise ConfigurationError(
            f"The local CA only vouches for local names, not {', '.join(outside)}: use"
            f" localhost, a name under .test (or {_OTHER_DOMAINS}), or a private"
            " address. A public name needs a real certificate (--cert FILE --key FILE)."
        )


#: The domains besides localhost and .test, as the refusal names them.
_OTHER_DOMAINS = ", ".join(f".{domain}" for domain in LOCAL_DOMAINS if domain != "test")
