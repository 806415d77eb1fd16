"""Trusting ``X-Forwarded-*`` headers from a declared reverse proxy.

Behind nginx, Caddy or a load balancer that terminates TLS, the app sees the
proxy's plain-HTTP connection: the wrong client address, ``http`` instead of
``https``, perhaps the wrong host. The proxy reports the truth in
``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``, but any
client can send those headers too, so they are believed only as far as the
deployment declares: *how many* proxies append to each header (the entry that
many places from the right was written by the outermost trusted proxy; what
the client put before it is ignored), and optionally *which peer addresses*
are proxies at all.

``PROXY_FIX = 1`` (what ``hipflask serve --proxy`` sets) trusts one proxy for
the client address and the scheme. Host, port and prefix stay untrusted unless
named (``PROXY_FIX = {"x_for": 1, "x_proto": 1, "x_host": 1}``): a proxy that
does not *set* ``X-Forwarded-Host`` passes the client's value through, and a
forged host poisons password-reset links and cache keys.

The decision is made once, in :meth:`ProxyTrust.forwarded`, without any I/O.
The app applies its own ``PROXY_FIX`` setting to every request, whichever
server runs it (:func:`apply_wsgi`, :func:`apply_asgi`, called by the
protocol adapters); :class:`ProxyFix` does the same as a middleware, for
wrapping something other than the app. Either way an environ or scope is
rewritten at most once, so the two can be combined without shifting twice.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..typing import Receive
    from ..typing import Scope
    from ..typing import Send
    from ..typing import StartResponse
    from ..typing import WSGIEnvironment

__all__ = ["ProxyFix", "ProxyTrust", "apply_asgi", "apply_wsgi"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Marks an environ or scope already rewritten, so two wrappers never shift twice.
APPLIED_KEY = "hipflask.proxy_fix"

# What a Host header may hold: a name or an IPv4 address, or a bracketed IPv6
# address, with an optional port. Anything else (spaces, slashes, "@") is an
# injection attempt and is ignored.
_HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\Z")
_PORT = re.compile(r"[0-9]{1,5}\Z")
_PREFIX = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\Z")
_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FIELDS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def _last_trusted(value: str | None, count: int) -> str | None:
    """The entry ``count`` places from the right, if the header has that many."""
    if not value or count <= 0:
        return None
    entries = [entry.strip() for entry in value.split(",")]
    if len(entries) < count:
        # Fewer entries than declared proxies: the chain is not what the
        # deployment described, so nothing in it can be attributed to a proxy.
        return None
    return entries[-count] or None


def _parse_networks(peers: Iterable[str | _Network]) -> tuple[_Network, ...]:
    networks: list[_Network] = []
    for peer in peers:
        try:
            networks.append(ipaddress.ip_network(peer, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"{peer!r} is not an IP address or network; list the proxy's"
                " addresses, for example '10.0.0.5' or '10.0.0.0/8'."
            ) from None
    return tuple(networks)


@dataclass(frozen=True)
class ProxyTrust:
    """How far each ``X-Forwarded-*`` header is believed.

    Each ``x_*`` count is the number of proxies that append to that header;
    ``0`` ignores it. ``peers``, when given, restricts trust to connections
    coming from those addresses or networks, so a client that reaches the
    server directly, bypassing the proxy, cannot forge anything.
    """

    x_for: int = 1
    x_proto: int = 1
    x_host: int = 0
    x_port: int = 0
    x_prefix: int = 0
    peers: tuple[_Network, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in _FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(
                    f"PROXY_FIX {name} must be a number of proxies (0 or more), not {value!r}."
                )
        object.__setattr__(self, "peers", _parse_networks(self.peers))

    @classmethod
    def from_config(cls, value: Any) -> ProxyTrust | None:
        """Read the ``PROXY_FIX`` setting: ``None``, a count, a mapping or a :class:`ProxyTrust`."""
        if value is None or value is False or value == 0:
            return None
        if isinstance(value, ProxyTrust):
            return value
        if value is True:
            return cls()
        if isinstance(value, int):
            return cls(x_for=value, x_proto=value)
        if isinstance(value, Mapping):
            unknown = set(value) - {*_FIELDS, "peers"}
            if unknown:
                raise ConfigurationError(
                    f"PROXY_FIX has unknown keys {sorted(unknown)}; use {', '.join(_FIELDS)}"
                    " and peers."
                )
            options = dict(value)
            if "peers" in options:
                options["peers"] = tuple(options["peers"])
            return cls(**options)
        raise ConfigurationError(
            f"PROXY_FIX must be the number of proxies in front of the app, or a dict"
            f" of counts per header, not {value!r}."
        )

    def trusts_peer(self, peer: str | None) -> bool:
        """Whether the direct connection comes from a declared proxy."""
        if not self.peers:
            return True
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.peers)

    def forwarded(self, header: Callable[[str], str | None], peer: str | None) -> dict[str, str]:
        """The values a trusted proxy reported (``for``, ``proto``, ``host``, ``port``, ``prefix``).

        ``header`` looks up a request header by lower-case name (all of its
        lines joined by commas). Values that are malformed are dropped rather
        than passed on to the app.
        """
        if not self.trusts_peer(peer):
            return {}
        found: dict[str, str] = {}
        client = _last_trusted(header("x-forwarded-for"), self.x_for)
        if client:
            found["for"] = client
        proto = _last_trusted(header("x-forwarded-proto"), self.x_proto)
        if proto and proto.lower() in _SCHEMES:
            found["proto"] = proto.lower()
        host = _last_trusted(header("x-forwarded-host"), self.x_host)
        if host and _HOST.match(host):
            found["host"] = host
        port = _last_trusted(header("x-forwarded-port"), self.x_port)
        if port and _PORT.match(port) and 0 < int(port) < 65536:
            found["port"] = port
        prefix = _last_trusted(header("x-forwarded-prefix"), self.x_prefix)
        if prefix and _PREFIX.match(prefix) and not prefix.startswith("//"):
            found["prefix"] = prefix.rstrip("/")
        return found


def _split_host(host: str, scheme: str) -> tuple[str, int]:
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name += "]"
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port else _DEFAULT_PORTS.get(scheme, 80)


def _with_port(host: str, port: str) -> str:
    name = host.rpartition(":")[0] if ":" in host and not host.endswith("]") else host
    return f"{name}:{port}"


class ProxyFix:
    """Wrap an app (WSGI or ASGI, or a hipflask app serving both) to apply :class:`ProxyTrust`.

    Called with two arguments it rewrites the WSGI environ, with three the
    ASGI scope, then calls the wrapped app the same way.
    """

    def __init__(self, app: Any, trust: ProxyTrust | int | Mapping[str, Any] = 1) -> None:
        resolved = ProxyTrust.from_config(trust)
        if resolved is None:
            raise ConfigurationError("ProxyFix needs at least one trusted proxy.")
        self.app = app
        self.trust = resolved

    def __call__(self, *args: Any) -> Any:
        if len(args) == 2:
            return self.wsgi(args[0], args[1])
        if len(args) == 3:
            return self.asgi(args[0], args[1], args[2])
        raise TypeError(f"ProxyFix is called as WSGI or ASGI, not with {len(args)} arguments.")

    def wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        """The WSGI entry point."""
        apply_wsgi(environ, self.trust)
        return self.app(environ, start_response)

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (``lifespan`` passes through untouched)."""
        if scope["type"] in ("http", "websocket"):
            scope = apply_asgi(scope, self.trust)
        await self.app(scope, receive, send)


def apply_wsgi(environ: WSGIEnvironment, trust: ProxyTrust) -> None:
    """Rewrite ``environ`` in place with what a trusted proxy reported, once."""
    if APPLIED_KEY not in environ:
        environ[APPLIED_KEY] = True
        _apply_wsgi(environ, trust)


def apply_asgi(scope: Scope, trust: ProxyTrust) -> Scope:
    """A copy of ``scope`` with what a trusted proxy reported (``scope`` if done already)."""
    if APPLIED_KEY in scope:
        return scope
    return _apply_asgi(dict(scope), trust)


def _apply_wsgi(environ: WSGIEnvironment, trust: ProxyTrust) -> None:
    def header(name: str) -> str | None:
        value: str | None = environ.get("HTTP_" + name.upper().replace("-", "_"))
        return value

    values = trust.forwarded(header, environ.get("REMOTE_ADDR"))
    if not values:
        return
    if "for" in values:
        environ["REMOTE_ADDR"] = values["for"]
    scheme: str = values.get("proto") or environ.get("wsgi.url_scheme") or "http"
    environ["wsgi.url_scheme"] = scheme
    host = values.get("host")
    if "port" in values:
        current = host or environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        host = _with_port(current, values["port"])
    if host is not None:
        environ["HTTP_HOST"] = host
        name, port = _split_host(host, scheme)
        environ["SERVER_NAME"] = name
        environ["SERVER_PORT"] = str(port)
    if "prefix" in values:
        environ["SCRIPT_NAME"] = values["prefix"]


def _apply_asgi(scope: dict[str, Any], trust: ProxyTrust) -> dict[str, Any]:
    raw: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))

    def header(name: str) -> str | None:
        key = name.encode("latin-1")
        found = [value.decode("latin-1") for item, value in raw if item.lower() == key]
        return ",".join(found) if found else None

    client = scope.get("client")
    values = trust.forwarded(header, client[0] if client else None)
    scope[APPLIED_KEY] = True
    if not values:
        return scope
    if "for" in values:
        scope["client"] = (values["for"], client[1] if client else 0)
    scheme = values.get("proto", scope.get("scheme", "http"))
    if scope["type"] == "websocket":
        scope["scheme"] = "wss" if scheme == "https" else "ws"
    else:
        scope["scheme"] = scheme
    host = values.get("host")
    if "port" in values:
        current = host or header("host") or ""
        host = _with_port(current, values["port"])
    if host is not None:
        raw = [(item, value) for item, value in raw if item.lower() != b"host"]
        raw.append((b"host", host.encode("latin-1")))
        scope["headers"] = raw
        scope["server"] = _split_host(host, scheme)
    if "prefix" in values:
        # ASGI's path includes root_path, so the prefix the proxy stripped is
        # put back in front; the app removes exactly root_path again. The
        # prefix replaces a root_path the server set (uvicorn --root-path), as
        # it replaces SCRIPT_NAME under WSGI: the app's own path stays the same.
        path = scope.get("path", "")
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        scope["root_path"] = values["prefix"]
        scope["path"] = values["prefix"] + path
    return scope
