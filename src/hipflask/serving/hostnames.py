"""One rule for comparing host names, shared by ``hipflask serve``'s listeners.

DNS names are case-insensitive, and ``example.com.`` (the fully qualified
form, with its trailing dot) names the same host as ``example.com``. The
app's host check (Werkzeug's :func:`~werkzeug.sansio.utils.host_is_trusted`)
compared the ``Host`` header as it was sent, so ``LOCALHOST`` was refused by
the app with 400 while the HTTPS redirect listener, comparing in lower case,
sent the browser there. Both now compare the same canonical form (lower
case, one trailing dot removed, the port kept): the app's security gate
(:func:`hipflask.security.hosts.canonical_host`, under any server) and the
redirect listener, with :func:`is_trusted_host`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from ..security.hosts import canonical_host
from ..security.hosts import canonical_trusted_hosts
from ..security.hosts import is_trusted

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "canonical_host",
    "canonical_trusted_hosts",
    "host_name",
    "is_trusted_host",
    "server_name_hosts",
]


def is_trusted_host(host: str, trusted: Iterable[str]) -> bool:
    """Whether a ``Host`` header names one of ``trusted`` (canonical entries).

    The app's own check, on canonical forms; an empty ``trusted`` trusts
    nothing (unlike Werkzeug's, where it means anything goes).
    """
    names = list(trusted)
    return bool(names) and is_trusted(canonical_host(host), names)


def host_name(host: str) -> str:
    """The name part of a ``host[:port]`` value (an IPv6 literal keeps its brackets)."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def server_name_hosts(config: Mapping[str, Any], *, subdomain_matching: bool) -> list[str]:
    """The trusted host names ``SERVER_NAME`` stands for (none when it is unset).

    Flask's ``SERVER_NAME`` builds URLs but no longer restricts the hosts a
    request may name; ``hipflask serve`` promises that it does, so it becomes
    the workers' ``TRUSTED_HOSTS``: the name without its port, and its
    subdomains too when the app matches subdomains.
    """
    server_name = config.get("SERVER_NAME")
    if not server_name:
        return []
    name = host_name(canonical_host(str(server_name)))
    return [name, f".{name}"] if subdomain_matching else [name]
