"""The framing headers of a request, read the same way under both protocols.

A WSGI server joins repeated headers with commas into one environ value; an
ASGI server hands them over one by one. Taking "the first" under one and
"the joined string" under the other gives two answers for the same bytes,
and a front proxy that picks a third is how requests are smuggled or a Host
is poisoned. So a repeated ``Content-Length``, and repeated ``Host``
headers that disagree, are refused (400) before routing, and a ``Content-Length`` next to
``Transfer-Encoding`` too (RFC 9112 calls that a smuggling attempt).

After such a refusal nobody knows where the next request on the connection
starts: the bytes after the body the server framed may be a request the
client's proxy counted as this one's body. The refusal is a
:class:`FramingError`, and the ASGI adapter answers it with
``Connection: close`` so the server reads nothing more from the connection
(RFC 9112, section 6.3). WSGI servers frame requests themselves and may not
be sent hop-by-hop headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.exceptions import BadRequest

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FramingError",
    "conflicting_headers",
    "declared_length",
    "refusal_for",
    "split_values",
]

CONFLICTING_LENGTHS = "The request has more than one Content-Length."
CONFLICTING_HOSTS = "The request has more than one Host."
LENGTH_WITH_CHUNKED = "The request has both Content-Length and Transfer-Encoding."
INVALID_LENGTH = "The Content-Length header is not a valid number."

# Reasons that leave the end of the body, and so the start of the next
# request on the connection, in doubt.
_FRAMING_REASONS = frozenset({CONFLICTING_LENGTHS, LENGTH_WITH_CHUNKED, INVALID_LENGTH})


class FramingError(BadRequest):
    """A request refused because its body's length is in doubt.

    The connection it came on must be closed after the answer: a request
    smuggled after the body would otherwise be served as the next one.
    """


def refusal_for(reason: str) -> BadRequest:
    """The 400 for a refused request: a :class:`FramingError` when its framing is in doubt."""
    return FramingError(reason) if reason in _FRAMING_REASONS else BadRequest(reason)


def split_values(values: Iterable[str]) -> list[str]:
    """Every comma-separated value of a repeated header.

    The spaces after a comma are list syntax and removed; a lone value is
    kept exactly as the server passed it.
    """
    parts: list[str] = []
    for value in values:
        items = value.split(",")
        parts.extend(items if len(items) == 1 else (item.strip(" \t") for item in items))
    return parts


def declared_length(values: Iterable[str]) -> int | None:
    """The body length the ``Content-Length`` header values announce, or ``None``.

    Anything but one plain number is a 400, repeated identical values too:
    RFC 9110 lets a recipient accept those, but proxies disagree on it, and
    refusing costs honest clients nothing (none repeats the header).
    Werkzeug would read a malformed length as 0 and drop the body, while
    the server framed it differently: such disagreements are what request
    smuggling is built on.
    """
    if type(values) is list and len(values) == 1:
        # The usual case, one plain number, without splitting it first.
        value = values[0]
        if value.isdigit() and value.isascii():
            return int(value)
    parts = [part for part in split_values(values) if part]
    if not parts:
        return None
    if len(parts) > 1:
        raise BadRequest(CONFLICTING_LENGTHS)
    if not (parts[0].isascii() and parts[0].isdigit()):
        raise BadRequest(INVALID_LENGTH)
    return int(parts[0])


def conflicting_headers(
    lengths: Iterable[str], hosts: Iterable[str], transfer_encodings: Iterable[str] = ()
) -> str | None:
    """Why a request's framing headers are refused, or ``None`` when they agree.

    Called by both adapters before routing, so WSGI (where servers join
    repeated headers with commas) and ASGI (where they arrive one by one)
    give the same answer for the same bytes.
    """
    lengths = list(lengths)
    if lengths and any(value.strip() for value in transfer_encodings):
        return LENGTH_WITH_CHUNKED
    try:
        declared_length(lengths)
    except BadRequest as exc:
        return str(exc.description)
    names = {host.strip().lower() for host in split_values(hosts)}
    if len(names) > 1:
        return CONFLICTING_HOSTS
    return None
