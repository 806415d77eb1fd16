"""Repeated request headers, read the same under both protocols.

An ASGI server hands repeated headers over one by one; a WSGI server joins
them into one environ value. Reading "the first" under one protocol and
"the joined string" under the other gives two answers for the same bytes
(``Accept`` and content negotiation, ``X-Forwarded-For``, ``Cookie``), so
under ASGI the request's headers join them too, each in the place of its
first copy:

Every header but ``Cookie``
    Joined with a comma, as WSGI servers (gunicorn, Werkzeug's, granian)
    join them into the environ: ``request.headers.get("Accept")`` and
    ``getlist`` answer the same under both protocols.
``Cookie``
    Several ``Cookie`` headers are one list of cookies, joined with ``"; "``
    (RFC 6265 section 5.4, and how HTTP/2 rebuilds a split header, RFC 9113
    section 8.2.3). Under ASGI the request's headers and the adapter's
    scan of the credentials join them so; hipflask's own WSGI fronts
    (``hipflask serve``, the development server, the gunicorn worker in
    :mod:`hipflask.serving.gunicorn`) build their environ the same way.
``Content-Type``
    A body has one media type. When a request announces a body, a repeated
    ``Content-Type`` (joined with a comma, and a comma outside a quoted
    parameter is no part of a media type) is refused with 400, whichever
    copy a proxy in front believed.
"""

from __future__ import annotations

__all__ = ["CONFLICTING_CONTENT_TYPES", "content_type_refusal", "join_repeated"]

CONFLICTING_CONTENT_TYPES = "The request has more than one Content-Type."

# The separator of a joined header, by lower-case name, when not a comma.
_JOINERS = {"cookie": "; "}


def join_repeated(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with each repeated header joined into one, where its first copy was.

    With a comma, and ``Cookie`` with ``"; "`` (see the module notes). A
    list without repeats (nearly every request) is returned as it is.
    """
    seen: set[str] = set()
    for name, _value in pairs:
        lowered = name.lower()
        if lowered in seen:
            break
        seen.add(lowered)
    else:
        return pairs
    values: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for name, value in pairs:
        lowered = name.lower()
        if lowered in values:
            values[lowered].append(value)
        else:
            values[lowered] = [value]
            first[lowered] = name
    return [(first[key], _JOINERS.get(key, ",").join(found)) for key, found in values.items()]


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
