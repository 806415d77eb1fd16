"""Response headers every server can send, checked before any server sees them.

HTTP allows a header value tabs, visible ASCII, spaces and bytes 0x80-0xFF
(RFC 9110, section 5.5); a WSGI or ASGI server sends a value as Latin-1.
Werkzeug refuses carriage returns and line feeds (header injection), but not
the other control characters, nor text Latin-1 cannot encode. Servers then
disagree on the same response: uvicorn drops the connection without an
answer, granian's WSGI mode leaves the header out or sends UTF-8, gunicorn
sends its own 500. A view that echoes user input into a header is how such
a value gets there; the app refuses it first, as its own error, so its 500
handler answers the same way under every server. A header name that is not
a token (a space, a colon, a control character, a letter outside ASCII) gets
the same treatment, for the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from .locations import LOCATION_NAMES

__all__ = [
    "UnsendableHeaderError",
    "check_content_type",
    "check_sendable",
    "drop_unsendable",
    "is_sendable",
    "unsendable_header",
]

#: A character no header value may carry: a control character other than
#: the tab, DEL, or one Latin-1 cannot encode.
_UNSENDABLE = re.compile("[^\t\x20-\x7e\x80-\xff]")

#: Header names joined, each a token (RFC 9110, section 5.1).
_NAMES = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
#: A character no header name may carry.
_NOT_TOKEN = re.compile(r"[^-!#$%&'*+.^_`|~0-9A-Za-z]")

_name = itemgetter(0)
_value = itemgetter(1)


class UnsendableHeaderError(ValueError):
    """A response header the app set has a value no server can send as it is."""


def is_sendable(value: str) -> bool:
    """Whether ``value`` may be sent as a header value by every server."""
    return _UNSENDABLE.search(value) is None


def unsendable_header(headers: Iterable[tuple[str, str]]) -> str | None:
    """Why one of ``headers`` cannot be sent, or ``None`` when all can.

    The reason names the header and the character's code point, never the
    value: it is often the client's input, and it is logged. ``Location``
    and ``Content-Location`` are left out: the header policy makes their
    URLs ASCII-safe (:mod:`hipflask.wrappers.locations`) on the way out.
    """
    for name, value in headers:
        bad_name = _NOT_TOKEN.search(name)
        if bad_name is not None or not name:
            # The name may be the client's input too: only the character.
            character = f" (U+{ord(bad_name.group()):04X})" if bad_name is not None else ""
            return (
                f"A response header's name is empty or has a character{character} a header"
                " name may not have (letters, digits and !#$%&'*+-.^_`|~ only)."
            )
        found = _UNSENDABLE.search(value)
        if found is not None and name.lower() not in LOCATION_NAMES:
            return _reason(name, found.group())
    return None


def _reason(name: str, character: str) -> str:
    return (
        f"The response header {name!r} has a character servers cannot send"
        f" (U+{ord(character):04X}) in its value. Control characters"
        " and text outside Latin-1 must be removed or encoded first."
    )


def check_sendable(headers: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`UnsendableHeaderError` for a header no server can send.

    Most values are plain printable ASCII, seen in one pass over them joined,
    and the names are checked as they are sent, joined, in one match.
    """
    names = list(map(_name, headers))
    joined = "".join(map(_value, headers))
    if (
        joined.isascii()
        and joined.isprintable()
        and "" not in names
        and _NAMES.fullmatch("".join(names)) is not None
    ):
        return
    reason = unsendable_header(headers)
    if reason is not None:
        raise UnsendableHeaderError(reason)


def drop_unsendable(headers: Any) -> None:
    """Remove from ``headers`` each header no server can send, in place.

    For the app's error response only, when a hook set such a header on
    every response, that one included: it goes without the header rather
    than with a value each server would answer differently.
    """
    kept = [pair for pair in headers.items() if unsendable_header((pair,)) is None]
    headers.clear()
    headers.extend(kept)


def check_content_type(value: str) -> None:
    """Raise :class:`UnsendableHeaderError` for a ``Content-Type`` no server can send."""
    found = _UNSENDABLE.search(value)
    if found is not None:
        raise UnsendableHeaderError(_reason("Content-Type", found.group()))
