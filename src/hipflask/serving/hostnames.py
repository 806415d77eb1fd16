"""One rule for comparing host names, shared by ``hipflask serve``'s listeners.

DNS names are case-insensitive, and ``example.com.`` (the fully qualified
form, with its trailing dot) names the same host as ``example.com``. The
app's host check (Werkzeug's :func:`~werkzeug.sansio.utils.host_is_trusted`)
compares the ``Host`` header as it was sent, so ``LOCALHOST`` was refused by
the app with 400 while the HTTPS redirect listener, comparing in lower case,
sent the browser there. Under ``hipflask serve`` both now see the same
canonical form: lower case, one trailing dot removed, the port kept. The
redirect listener compares with :func:`is_trusted_host`; the workers get
:class:`CanonicalHost` in front of the app and canonical ``TRUSTED_HOSTS``,
and then apply Werkzeug's check to the canonical ``Host``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.sansio.utils import host_is_trusted

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CanonicalHost",
    "canonical_host",
    "canonical_trusted_hosts",
    "host_name",
    "is_trusted_host",
    "server_name_hosts",
]


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


def is_trusted_host(host: str, trusted: Iterable[str]) -> bool:
    """Whether a ``Host`` header names one of ``trusted`` (canonical entries).

    The app's own check, on canonical forms; an empty ``trusted`` trusts
    nothing (unlike Werkzeug's, where it means anything goes).
    """
    names = list(trusted)
    return bool(names) and host_is_trusted(canonical_host(host), names)


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


class CanonicalHost:
    """Rewrite the ``Host`` header to its canonical form before the app sees it.

    Speaks both protocols, as the app does; a request whose ``Host`` is
    already canonical (what browsers send) passes untouched.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, *args: Any) -> Any:
        if len(args) == 2:
            environ = args[0]
            host = environ.get("HTTP_HOST")
            if host is not None:
                environ["HTTP_HOST"] = canonical_host(host)
            return self.app(environ, args[1])
        scope = args[0]
        if scope.get("type") in ("http", "websocket"):
            headers = scope.get("headers")
            if headers is not None and _needs_rewrite(headers):
                scope = {**scope, "headers": _canonical_headers(headers)}
        return self.app(scope, *args[1:])


def _needs_rewrite(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"host":  # ASGI header names are lower case
            return value != value.lower() or value.endswith(b".") or b".:" in value
    return False


def _canonical_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (name, canonical_host(value.decode("latin-1")).encode("latin-1"))
        if name == b"host"
        else (name, value)
        for name, value in headers
    ]
