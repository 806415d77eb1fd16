"""Repeated ``Cookie`` and ``Content-Type`` headers, read the same under both protocols.

An ASGI server hands repeated headers over one by one; a WSGI server joins
them into one environ value. Reading "the first" under one protocol and
"the joined string" under the other gives two answers for the same bytes:

``Cookie``
    Several ``Cookie`` headers are one list of cookies, joined with ``"; "``
    (RFC 6265 section 5.4, and how HTTP/2 rebuilds a split header, RFC 9113
    section 8.2.3). Under ASGI the request's headers and the adapter's
    scan of the credentials join them so; hipflask's own WSGI fronts
    (``hipflask serve``, the development server, the gunicorn worker in
    :mod:`hipflask.serving.gunicorn`) build their environ the same way.
``Content-Type``
    A body has one media type. When a request announces a body, a repeated
    ``Content-Type`` (a WSGI server joins it with a comma, and a comma
    outside a quoted parameter is no part of a media type) is refused with
    400, whichever copy a proxy in front believed.
"""

from __future__ import annotations

__all__ = ["CONFLICTING_CONTENT_TYPES", "JOINED_NAMES", "content_type_refusal", "join_repeated"]

CONFLICTING_CONTENT_TYPES = "The request has more than one Content-Type."

# How each header that is unified across protocols is joined, by lowercase name.
_JOINERS = {"host": ",", "cookie": "; ", "content-type": ","}

#: The lower-case names of the headers joined when repeated.
JOINED_NAMES = frozenset(_JOINERS)


def join_repeated(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with each repeated Host, Cookie and Content-Type joined into one.

    The joined header keeps the place of its first copy. A list without
    repeats (nearly every request) is returned as it is.
    """
    seen: set[str] = set()
    for name, _value in pairs:
        lowered = name.lower()
        if lowered in _JOINERS:
            if lowered in seen:
                break
            seen.add(lowered)
    else:
        return pairs
    values: dict[str, list[str]] = {}
    joined: list[tuple[str, str]] = []
    for name, value in pairs:
        lowered = name.lower()
        if lowered not in _JOINERS:
            joined.append((name, value))
        elif lowered in values:
            values[lowered].append(value)
        else:
            values[lowered] = [value]
            joined.append((name, value))
    return [
        (name, _JOINERS[name.lower()].join(values[name.lower()]))
        if name.lower() in values
        else (name, value)
        for name, value in joined
    ]


def content_type_refusal(value: str | None) -> str | None:
    """Why a ``Content-Type`` value is refused (it holds several), or ``None``.

    Commas inside a quoted parameter (``boundary="a,b"``) belong to it.
    """
    if not value or "," not in value:
        return None
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            return CONFLICTING_CONTENT_TYPES
    return None
