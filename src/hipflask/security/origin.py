"""Refusal of cross-site unsafe requests, from headers a page cannot forge.

Cross-site request forgery works because a browser attaches a user's cookies
to any request it sends to a site, whichever page asked it to: a hidden form
on ``evil.example`` that posts to ``bank.example/transfer`` carries the
victim's session. Browsers now say where a request comes from, in headers
that page scripts are not allowed to set:

* ``Sec-Fetch-Site`` (Fetch Metadata) says whether the page that sent the
  request is on the same origin, the same site, another site, or none at
  all (the user typed the URL or followed a bookmark). Every major browser
  sends it over HTTPS and on ``localhost``. It is checked first because it is
  the browser's own verdict and privacy settings never strip it.
* ``Origin`` says which origin sent a non-GET request. It is the fallback for
  browsers or plain-HTTP sites without Fetch Metadata.

A request with neither header did not come from a browser page (curl, a
server-to-server call, a test client) and carries no victim's cookies by
accident, so it passes. Safe methods always pass: by HTTP's rules they change
nothing, and they are what links and page loads use.

:meth:`OriginPolicy.check` is called for every request, so everything it
compares against is prepared at start-up; for the common same-origin
request it costs two header reads and one set lookup.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol
from urllib.parse import urlsplit

from werkzeug.datastructures import EnvironHeaders

from hipflask.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "REASON_CROSS_SITE",
    "REASON_NULL_ORIGIN",
    "REASON_ORIGIN_MISMATCH",
    "REASON_ORIGIN_WITHOUT_CREDENTIALS",
    "REASON_SAME_SITE",
    "SAFE_METHODS",
    "WITHOUT_CREDENTIALS",
    "HeaderLookup",
    "OriginPolicy",
    "refusal_without_credentials",
]

#: Methods that must not change state (RFC 9110, section 9.2.1); never checked.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

REASON_CROSS_SITE = "Cross-site {method} refused: Sec-Fetch-Site is 'cross-site'."
REASON_SAME_SITE = (
    "Cross-origin {method} refused: Sec-Fetch-Site is 'same-site'"
    " and the Origin is not a trusted origin."
)
REASON_NULL_ORIGIN = "Cross-origin {method} refused: the Origin is 'null'."
REASON_ORIGIN_MISMATCH = (
    "Cross-origin {method} refused: the Origin matches neither this host nor a trusted origin."
)
REASON_ORIGIN_WITHOUT_CREDENTIALS = (
    "Cross-origin {method} refused: this route's CORS policy allows the Origin"
    " only for requests without credentials, and this one carries a cookie or"
    " HTTP authentication the browser adds by itself. A script that sends"
    " credentials on purpose needs supports_credentials=True on the policy."
)

#: Key in ``RequestState.extensions`` of an ``Origin`` that a policy (CORS)
#: allows only without credentials, sent with some: the refusal then says
#: that, rather than that the origin matches nothing.
WITHOUT_CREDENTIALS = "hipflask.origin_without_credentials"

# Methods named in refusal messages. Any other method is attacker-chosen text
# and is not echoed back into a response body (reflected content).
_NAMED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Sec-Fetch-Site values that prove the request came from this origin's own
# pages, or from the user (address bar, bookmark) rather than from any page.
_SITE_ALLOWED = frozenset({"same-origin", "none"})
_SITE_REFUSALS: dict[str | None, str] = {
    "cross-site": REASON_CROSS_SITE,
    # A sibling subdomain is "same-site" but not the same origin: a takeover
    # of, or an XSS on, forum.example.com must not post to bank.example.com.
    "same-site": REASON_SAME_SITE,
}

_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_HOSTNAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\Z")
_WHITESPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")

# Config key -> OriginPolicy keyword argument.
_SETTINGS = {
    "CROSS_ORIGIN_PROTECTION": "enabled",
    "TRUSTED_ORIGINS": "trusted_origins",
}


class HeaderLookup(Protocol):
    """What :meth:`OriginPolicy.check` needs of request headers.

    Werkzeug's ``Headers`` and ``EnvironHeaders`` fit; lookups must ignore
    the case of the name.
    """

    def get(self, key: str, /) -> str | None: ...


class OriginPolicy:
    """Which unsafe requests to refuse as cross-origin, decided at start-up.

    Build it with :meth:`from_config`. Trusted origins are validated and put
    in the form browsers send (``scheme://host[:port]``, lower case, default
    port dropped) so a request's ``Origin`` is compared by one set lookup.
    """

    __slots__ = ("is_enabled", "trusted_origins")

    def __init__(self, *, enabled: bool = True, trusted_origins: Iterable[str] = ()) -> None:
        if not isinstance(enabled, bool):
            raise ConfigurationError(
                f"CROSS_ORIGIN_PROTECTION must be True or False, not {enabled!r}."
                " A string such as 'false' would count as true; convert it when"
                " reading the environment."
            )
        self.is_enabled: bool = enabled
        self.trusted_origins: frozenset[str] = _trusted_origins(trusted_origins)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OriginPolicy:
        """Build the policy from an application's configuration.

        Only the keys present are read; an empty mapping gives protection on,
        with no origin trusted beyond the request's own.
        """
        options = {arg: config[key] for key, arg in _SETTINGS.items() if key in config}
        return cls(**options)

    def check(self, method: str, headers: HeaderLookup, scheme: str, host: str) -> str | None:
        """Return why the request must be refused with 403, or None to let it in.

        :param method: the request method, upper case as ``request.method``
            gives it; anything not recognised as safe is checked.
        :param headers: the request headers, looked up case-insensitively.
        :param scheme: ``http`` or ``https`` as the client saw it, after
            trusted proxy headers are applied. Behind a TLS-terminating
            proxy that is not trusted, the scheme is ``http``, and browsers
            without Fetch Metadata are refused since their ``Origin`` says
            ``https``.
        :param host: the host (and port) the client asked for, also after
            trusted proxy headers are applied.

        An ``Origin`` that merely equals the request's own host is only as
        trustworthy as that ``Host`` header: under DNS rebinding an attacker's
        page sends both with the attacker's name. Trusted-host checking, which
        runs before this check, is what closes that gap.
        """
        return self.check_lazily(method, headers, scheme, lambda: host)

    def check_lazily(
        self, method: str, headers: HeaderLookup, scheme: str, host: Callable[[], str]
    ) -> str | None:
        """:meth:`check` with ``host()`` called only when the answer needs it.

        A request's host is computed from its headers (and proxy trust), and
        most browser requests are decided by ``Sec-Fetch-Site`` alone.
        """
        if method in SAFE_METHODS or not self.is_enabled:
            return None
        site = _fetch_site(headers)
        if site in _SITE_ALLOWED:
            return None
        origin = _single(headers, "Origin")
        if origin in self.trusted_origins:
            return None
        refusal = _SITE_REFUSALS.get(site)
        if refusal is not None:
            return _reason(refusal, method)
        # No Fetch Metadata (an older browser, a plain-HTTP site, or a
        # non-browser client sending a value browsers never send): the
        # Origin decides.
        if origin is None:
            return None
        own = host()
        if origin == f"{scheme}://{own}":
            return None
        if origin == "null":
            # Sandboxed iframes, data: and file: pages and some cross-site
            # redirects send an opaque origin; attackers use them to hide
            # where a forged request comes from.
            return _reason(REASON_NULL_ORIGIN, method)
        canonical = _canonical(origin)
        if canonical == _request_origin(scheme, own) or canonical in self.trusted_origins:
            return None
        return _reason(REASON_ORIGIN_MISMATCH, method)


def _single(headers: HeaderLookup, name: str) -> str | None:
    """A header that must appear once; repeated values are joined, so they match nothing.

    A WSGI server joins repeats with commas and an ASGI server keeps the
    first: joining under both gives one answer, and a joined ``Origin`` is
    no origin this app trusts.
    """
    values = _all(headers, name)
    return ",".join(values) if values else None


def _all(headers: HeaderLookup, name: str) -> list[str]:
    """Every value of a header: one joined value from environ headers, each one otherwise."""
    getlist = getattr(headers, "getlist", None)
    if getlist is None or isinstance(headers, EnvironHeaders):
        # A WSGI server already joined repeats; getlist would walk the environ.
        value = headers.get(name)
        return [] if value is None else [value]
    values: list[str] = getlist(name)
    return values


def _fetch_site(headers: HeaderLookup) -> str | None:
    """The ``Sec-Fetch-Site`` value to judge, the least trusted one when repeated.

    Browsers send it once. Repeated (joined with commas by a WSGI server,
    separate under ASGI), the first value must not decide: an attacker who
    can add a header would put ``same-origin`` in front of the browser's
    ``cross-site``. Any cross-site value refuses; a mix of trusted values
    with anything else falls through to the ``Origin`` check.
    """
    found = _all(headers, "Sec-Fetch-Site")
    if not found:
        return None
    if len(found) == 1 and "," not in found[0]:
        return found[0].strip()
    values = {part.strip() for value in found for part in value.split(",")}
    if len(values) <= 1:
        return values.pop() if values else None
    for worst in ("cross-site", "same-site"):
        if worst in values:
            return worst
    return "mixed"


def refusal_without_credentials(method: str) -> str:
    """The refusal of an origin allowed only without credentials, which it sent.

    Refused as any other cross-origin write, but with the reason named: the
    origin is listed, so "matches nothing" would send a developer looking in
    the wrong place.
    """
    return _reason(REASON_ORIGIN_WITHOUT_CREDENTIALS, method)


def _reason(template: str, method: str) -> str:
    return template.format(method=method if method in _NAMED_METHODS else "request")


def _request_origin(scheme: str, host: str) -> str:
    """Serialise scheme and host the way browsers serialise an origin."""
    scheme = scheme.lower()
    host = host.lower()
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(port):
        host = host[: -len(port)]
    return f"{scheme}://{host}"


def _canonical(origin: str) -> str:
    scheme, separator, host = origin.partition("://")
    return _request_origin(scheme, host) if separator else origin


def _trusted_origins(value: object) -> frozenset[str]:
    # A bare string is iterable too: "https://a.example" would become a set of
    # single characters, none of which is an origin.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"TRUSTED_ORIGINS must be a list of origins, not {value!r};"
            " write ['https://app.example.com'] even for a single origin."
        )
    return frozenset(_parse_origin(entry) for entry in value)


def _malformed(entry: object, hint: str) -> ConfigurationError:
    return ConfigurationError(
        f"TRUSTED_ORIGINS has {entry!r}, which is not an origin: {hint}. Write"
        " scheme://host[:port] with no path, such as 'https://app.example.com'."
    )


def _parse_origin(entry: object) -> str:
    """Validate one trusted origin and put it in the form browsers send."""
    if not isinstance(entry, str):
        raise _malformed(entry, "it is not a string")
    if _WHITESPACE_OR_CONTROL.search(entry) is not None:
        # urlsplit quietly drops tabs and newlines; refuse instead of
        # trusting something other than what was written.
        raise _malformed(entry, "it contains whitespace or a control character")
    if entry.lower() == "null":
        raise _malformed(
            entry,
            "'null' is the origin of every sandboxed iframe and file: page,"
            " so trusting it would trust any attacker",
        )
    try:
        # Recent Pythons reject a malformed [IPv6] host here; any version
        # rejects a port that is not a number from 0 to 65535.
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        raise _malformed(entry, "its host or port is not valid") from None
    if (
        _SCHEME.match(parts.scheme) is None
        or parts.hostname is None
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or entry.endswith(("?", "#"))
    ):
        raise _malformed(entry, "it needs a scheme and a host, and nothing else")
    host = _parse_host(entry, parts.hostname, is_literal=parts.netloc.startswith("["))
    origin = f"{parts.scheme}://{host}"
    if port is not None and f":{port}" != _DEFAULT_PORTS.get(parts.scheme):
        origin += f":{port}"
    return origin


def _parse_host(entry: str, hostname: str, is_literal: bool) -> str:
    try:
        # Older Pythons accept anything in brackets; only IPv6 belongs there.
        if is_literal:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        # Browsers send internationalised names in their ASCII (punycode) form.
        ascii_host = hostname.encode("idna").decode("ascii")
    except ValueError:  # UnicodeError, from a bad IDNA label, is a ValueError
        raise _malformed(entry, "its host is not valid") from None
    if _HOSTNAME.match(ascii_host) is None:
        raise _malformed(
            entry,
            "its host name is not valid (wildcards are not supported; list each origin)",
        )
    return ascii_host
