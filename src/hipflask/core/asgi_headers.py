"""The ASGI adapter's one pass over a scope's raw headers.

What decides how the body is read (its framing: ``Host``,
``Content-Length``, ``Transfer-Encoding``, ``Content-Type``) and the
credentials most requests need (``Authorization``, ``Cookie``) are found
before the request object exists; everything else waits in the raw list
until something reads ``request.headers``. Kept apart from
:mod:`hipflask.core.asgi_scope`, which makes the request and reads the body
with what this finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

__all__ = ["Framing", "hosts_to_compare", "scan_headers"]


class Framing:
    """What the framing checks need from the raw headers, gathered in the same pass.

    Looking these up on the built headers afterwards costs a list and a
    scan per lookup; the raw pairs are walked once anyway.
    """

    __slots__ = ("content_type", "hosts", "lengths", "transfer_encodings")

    def __init__(
        self,
        hosts: list[str] | None = None,
        lengths: list[str] | None = None,
        transfer_encodings: list[str] | None = None,
        content_type: str | None = None,
    ) -> None:
        self.hosts: list[str] = hosts if hosts is not None else []
        self.lengths: list[str] = lengths if lengths is not None else []
        self.transfer_encodings: list[str] = (
            transfer_encodings if transfer_encodings is not None else []
        )
        self.content_type = content_type


def scan_headers(
    raw: list[tuple[bytes, bytes]],
) -> tuple[Framing | None, tuple[str | None, str | None]]:
    """The framing headers and the credentials, from one pass over the raw headers.

    The framing decides whether and how the body is read; the credentials
    (``Authorization``, and the ``Cookie`` headers joined) are what the
    session and the cache-safety finisher read on most requests. Nothing
    else is decoded here: ``request.headers`` is built from the same list
    when something first reads it, and most views never do.
    """
    if (
        raw
        and raw[0][0] == b"host"
        and _COMMA not in raw[0][1]
        and _PLAIN_NAMES.issuperset(map(_first, raw[1:]))
    ):
        # The usual GET: one plain Host first, then only names of no interest
        # (checked in C, not in a loop over the headers).
        return None, _NO_CREDENTIALS
    by_name = dict(raw)
    if len(by_name) == len(raw) and _FAST_NAMES.issuperset(by_name):
        # No name twice and every name a known lower-case one (a POST, a
        # request with cookies): the headers of interest by lookups in C,
        # not by a loop over the headers.
        return _looked_up(by_name)
    found: list[tuple[int, bytes]] | None = None
    kinds = _KINDS
    for raw_name, raw_value in raw:
        kind = kinds.get(raw_name)
        if kind is None:
            kind = _kind(raw_name)
        if kind:
            if found is None:
                found = [(kind, raw_value)]
            else:
                found.append((kind, raw_value))
    if found is None or (len(found) == 1 and found[0][0] == _HOST and _COMMA not in found[0][1]):
        # One plain Host (or none), nothing else of interest: the usual GET.
        return None, _NO_CREDENTIALS
    return _facts(found)


def _looked_up(
    by_name: dict[bytes, bytes],
) -> tuple[Framing | None, tuple[str | None, str | None]]:
    """:func:`_facts` for headers none of which comes twice, by name."""
    authorization = by_name.get(b"authorization")
    cookie = by_name.get(b"cookie")
    credentials = (
        None if authorization is None else authorization.decode("latin-1"),
        None if cookie is None else cookie.decode("latin-1"),
    )
    host = by_name.get(b"host")
    length = by_name.get(b"content-length")
    encoding = by_name.get(b"transfer-encoding")
    # One plain Host is never compared (see hosts_to_compare): left out.
    plain_host = host is None or _COMMA not in host
    if length is None and encoding is None and plain_host:
        return None, credentials
    content_type = by_name.get(b"content-type")
    return Framing(
        [] if plain_host else [host.decode("latin-1")],  # type: ignore[union-attr]
        [] if length is None else [length.decode("latin-1")],
        [] if encoding is None else [encoding.decode("latin-1")],
        None if content_type is None else content_type.decode("latin-1"),
    ), credentials


def _facts(
    found: list[tuple[int, bytes]],
) -> tuple[Framing | None, tuple[str | None, str | None]]:
    authorization: str | None = None
    cookie: str | None = None
    hosts: list[str] = []
    lengths: list[str] = []
    encodings: list[str] = []
    content_types: list[str] = []
    for kind, raw_value in found:
        value = raw_value.decode("latin-1")
        if kind == _COOKIE:
            # Joined as request.headers joins them (hipflask.wrappers.repeated).
            cookie = value if cookie is None else f"{cookie}; {value}"
        elif kind == _HOST:
            hosts.append(value)
        elif kind == _AUTHORIZATION:
            # Joined as request.headers joins a repeated header.
            authorization = value if authorization is None else f"{authorization},{value}"
        elif kind == _LENGTH:
            lengths.append(value)
        elif kind == _TRANSFER_ENCODING:
            encodings.append(value)
        else:
            content_types.append(value)
    credentials = (authorization, cookie)
    if lengths or encodings or hosts_to_compare(hosts):
        content_type = ",".join(content_types) if content_types else None
        return Framing(hosts, lengths, encodings, content_type), credentials
    return None, credentials


_NO_CREDENTIALS: tuple[str | None, str | None] = (None, None)

#: ``ord(",")``: ``44 in value`` finds a byte at once, where ``b"," in value``
#: first tries the needle as a number and recovers from the TypeError.
_COMMA = 44

_HOST = 1
_LENGTH = 2
_TRANSFER_ENCODING = 3
_CONTENT_TYPE = 4
_COOKIE = 5
_AUTHORIZATION = 6
_KINDS_BY_NAME = {
    "host": _HOST,
    "content-length": _LENGTH,
    "transfer-encoding": _TRANSFER_ENCODING,
    "content-type": _CONTENT_TYPE,
    "cookie": _COOKIE,
    "authorization": _AUTHORIZATION,
}

#: Raw header name -> its kind above (0 for any other name). Servers send
#: lower-case names, found at once; other spellings are lowered once. Names
#: come from clients, so the cache is bounded: past it, a name is lowered
#: every time, as without it.
_KINDS: dict[bytes, int] = {name.encode(): kind for name, kind in _KINDS_BY_NAME.items()}
_KINDS_MAX = 512


#: The raw names of kind 0 seen so far (bounded as :data:`_KINDS` is).
_PLAIN_NAMES: set[bytes] = set()

#: Those and the lower-case names of the kinds above: headers whose names
#: all are here are looked up by name (:func:`_looked_up`).
_FAST_NAMES: set[bytes] = set(_KINDS)

_first = itemgetter(0)


def _kind(raw_name: bytes) -> int:
    kind = _KINDS_BY_NAME.get(raw_name.decode("latin-1").lower(), 0)
    # Clients choose the names: only short ones are kept, and only so many.
    if len(raw_name) <= 64 and len(_KINDS) < _KINDS_MAX:
        _KINDS[raw_name] = kind
        if not kind:
            _PLAIN_NAMES.add(raw_name)
            _FAST_NAMES.add(raw_name)
    return kind


def hosts_to_compare(hosts: list[str]) -> Sequence[str]:
    """The Host values to compare, or none when there is one plain Host.

    A WSGI server joins repeated Host headers with commas, so under WSGI a
    single ``Host: a, b`` cannot be told from two headers and is refused;
    under ASGI it is compared too, so that the same bytes get the same
    answer behind either protocol.
    """
    if len(hosts) > 1 or (hosts and "," in hosts[0]):
        return hosts
    return ()
