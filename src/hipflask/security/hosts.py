"""Which host names the app answers to, and what follows when nobody said.

The ``Host`` header is written by the client. An app that builds absolute
URLs from it (``url_for(..., _external=True)`` in a password-reset mail, a
redirect's ``Location``, an OAuth callback) writes the attacker's host into
them when the attacker sends ``Host: evil.example``: the reset link mailed
to the victim then carries the reset token to the attacker (host header
poisoning), and a shared cache may store the poisoned page for everyone.
``TRUSTED_HOSTS`` closes this: requests for any other host are refused with
400 before a view runs. ``SERVER_NAME`` alone does so only under
``hipflask serve``, which makes it the trusted name; under other servers it
names the host for ``url_for`` and refuses nothing, as in Flask.

In production an app must therefore know its names:

* ``hipflask serve`` refuses to start without ``TRUSTED_HOSTS`` or
  ``SERVER_NAME`` unless ``--host-name`` names them, or the server listens
  on a loopback address with no proxy in front, where the only genuine
  names are ``localhost`` and ``127.0.0.1`` (anything else is a DNS
  rebinding attack, and is refused).
* Under any other server, an app that is neither in debug nor in testing
  mode refuses to build an *external* URL from the request's host
  (:func:`check_external_url`); relative URLs, which browsers resolve
  against the address they actually used, are unaffected.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import get_host
from werkzeug.sansio.utils import host_is_trusted

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "LOOPBACK_HOST_NAMES",
    "UnknownHostError",
    "canonical_host",
    "canonical_trusted_hosts",
    "check_external_url",
    "has_host_setting",
    "hosts_to_trust",
    "is_trusted",
    "trusted_host",
]

#: The names a loopback listener with no proxy in front can genuinely be
#: reached by.
LOOPBACK_HOST_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1")

_WHAT_TO_SET = (
    " Set TRUSTED_HOSTS to the names the site is reached by, for example"
    " TRUSTED_HOSTS = ['example.com', 'www.example.com'] (or SERVER_NAME), or pass"
    " them to 'hipflask serve --host-name example.com'."
)
SERVE_REFUSED = (
    "Refusing to serve on {where} without TRUSTED_HOSTS or SERVER_NAME: the app would"
    " answer any Host header and build links and redirects from it, so an attacker's"
    " Host (host header poisoning) would end up in password-reset mails and cached pages."
    + _WHAT_TO_SET
)
EXTERNAL_URL_REFUSED = (
    "Refusing to build an external URL from the request's Host header: neither"
    " TRUSTED_HOSTS nor SERVER_NAME is set, so the host may be the attacker's"
    " (host header poisoning)." + _WHAT_TO_SET
)


class UnknownHostError(ConfigurationError):
    """An absolute URL was needed, but the app does not know its own host names."""


def has_host_setting(config: Mapping[str, Any]) -> bool:
    """Whether ``TRUSTED_HOSTS`` or ``SERVER_NAME`` pins the host names."""
    return bool(config.get("TRUSTED_HOSTS") or config.get("SERVER_NAME"))


def hosts_to_trust(
    config: Mapping[str, Any],
    *,
    where: str,
    is_loopback_only: bool,
    host_names: Sequence[str] = (),
) -> list[str] | None:
    """The ``TRUSTED_HOSTS`` a production server gives the app, or ``None`` to keep its own.

    :param where: the address served, for the message.
    :param is_loopback_only: the listener is on loopback with no proxy in front.
    :param host_names: names given on the command line (``--host-name``).
    :raises ConfigurationError: nothing names the hosts, and the listener
        can be reached through other names.
    """
    if isinstance(host_names, str):
        host_names = [host_names]
    names = [name.strip().lower() for name in host_names if name.strip()]
    if names:
        if any("/" in name or " " in name for name in names):
            raise ConfigurationError(
                f"--host-name takes host names such as example.com, not {host_names!r}."
            )
        return names
    if has_host_setting(config):
        return None
    if is_loopback_only:
        return list(LOOPBACK_HOST_NAMES)
    raise ConfigurationError(SERVE_REFUSED.format(where=where))


def check_external_url(config: Mapping[str, Any], *, is_production: bool) -> None:
    """Refuse to build an absolute URL from an unchecked ``Host`` in production.

    :raises UnknownHostError: ``is_production`` and no host setting.
    """
    if is_production and not has_host_setting(config):
        raise UnknownHostError(EXTERNAL_URL_REFUSED)


def canonical_host(host: str) -> str:
    """``Example.COM.:8443`` -> ``example.com:8443``: lower case, one trailing dot dropped.

    Only one dot: ``example.com..`` stays malformed and is refused.
    """
    host = host.strip().lower()
    if host.startswith("["):
        return host
    name, colon, port = host.partition(":")
    return f"{name.removesuffix('.')}{colon}{port}"


def canonical_trusted_hosts(names: Iterable[str] | str) -> list[str]:
    """The ``TRUSTED_HOSTS`` entries in the form :func:`canonical_host` gives ``Host``.

    A leading dot (the domain and its subdomains, Werkzeug's rule) is kept.
    """
    if isinstance(names, str):
        names = [names]
    trusted = []
    for name in names:
        wildcard = name.strip().startswith(".")
        canonical = canonical_host(name.strip().removeprefix("."))
        trusted.append(f".{canonical}" if wildcard else canonical)
    return trusted


#: The port a ``Host`` may leave out for each scheme.
_DEFAULT_PORTS = {"http": "80", "ws": "80", "https": "443", "wss": "443"}


def _valid_port(port: str) -> bool:
    # As Werkzeug's check reads a name's port: 1 to 65535, no leading zero
    # (an out-of-range port echoed into a URL fails when the URL is built).
    return port.isascii() and port.isdigit() and port[0] != "0" and int(port) <= 65535


def _ip_literal(host: str) -> tuple[ipaddress.IPv6Address, str] | None:
    """``[::1]:8000`` -> (the address, ``"8000"``); ``None`` when malformed."""
    inside, bracket, rest = host[1:].partition("]")
    if not bracket or (rest and not (rest[:1] == ":" and _valid_port(rest[1:]))):
        return None
    try:
        return ipaddress.IPv6Address(inside), rest[1:]
    except ValueError:
        return None


def _trusted_address(entry: str) -> ipaddress.IPv6Address | None:
    """A ``TRUSTED_HOSTS`` entry naming an IPv6 address (``::1`` or ``[::1]``), else ``None``."""
    if entry.startswith("["):
        parsed = _ip_literal(entry)
        return parsed[0] if parsed is not None else None
    if entry.count(":") < 2:
        return None  # a name, or a name with a port
    try:
        return ipaddress.IPv6Address(entry)
    except ValueError:
        return None


def is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whether a canonical ``Host`` (see :func:`canonical_host`) is one of ``trusted``.

    Names follow Werkzeug's rule (a leading dot: the domain and its
    subdomains; the port is not compared). An IPv6 literal (``[::1]:8000``),
    which Werkzeug's matcher cannot read, matches an entry naming the same
    address, written ``::1`` or ``[::1]``, in any of its spellings.
    """
    names = list(trusted)
    if not host.startswith("["):
        return host_is_trusted(host, names)
    parsed = _ip_literal(host)
    return parsed is not None and any(_trusted_address(entry) == parsed[0] for entry in names)


def trusted_host(scheme: str, host: str | None, server: Any, trusted: Sequence[str]) -> str:
    """The request's host when it is trusted, else :class:`~werkzeug.exceptions.SecurityError`.

    Werkzeug's ``get_host`` with :func:`is_trusted` deciding: a ``Host``
    naming the scheme's default port loses it, and a request without one
    gets the server's address.
    """
    if host is None and server is not None and ":" in server[0]:
        # No Host header (HTTP/1.0) on an IPv6 address: the server's address,
        # written as a Host header writes it, checked by the same rule.
        port = server[1]
        host = f"[{server[0]}]" if port is None else f"[{server[0]}]:{port}"
    if host is None or not host.startswith("["):
        return get_host(scheme, host, server, trusted)
    if not is_trusted(host, trusted):
        raise SecurityError(f"Host {host!r} is not trusted.")
    name, _, port = host.rpartition(":") if "]:" in host else (host, "", "")
    return name if port == _DEFAULT_PORTS.get(scheme) else host
