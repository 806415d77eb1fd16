"""``Location`` and ``Content-Location`` made ASCII-safe, as Werkzeug sends them.

Werkzeug passes both headers through ``iri_to_uri`` on every response, so a
``201 Created`` whose ``Location`` names ``/items/café`` goes out as
``/items/caf%C3%A9``. A header holding text outside Latin-1 cannot be written
at all under ASGI (header values are Latin-1 bytes) and reaches a WSGI server
as text it may refuse or send as raw UTF-8; a space or other character a URL
may not hold is quoted too. The security gate's header pass, which reads
the names of each finished response's headers anyway, calls
:func:`locations_to_uri` when it sees either one (with ``SECURITY_HEADERS``
off it reads them for this alone); the responses served on the direct path,
which carry only ``Content-Type`` and ``Content-Length``, are never looked
at. The adapters keep doing it for redirects that reach them otherwise.
"""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.datastructures import Headers
from werkzeug.urls import iri_to_uri

__all__ = ["LOCATION_NAMES", "location_to_uri", "locations_to_uri"]

#: The headers whose value is a URL to make ASCII-safe, in lower case.
LOCATION_NAMES = frozenset({"location", "content-location"})

# What a URL may hold as it is: the reserved characters, and "%" so that a
# value already quoted is not quoted twice.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]"


def location_to_uri(value: str) -> str:
    """``iri_to_uri(value)``, or each unsafe character quoted when it cannot be split.

    ``iri_to_uri`` refuses a host it cannot read (``//[bad``, a port over
    65535) with ``ValueError``; such a value (a path of the request's own
    that starts with ``//[``) must still go out, not fail the response.
    """
    try:
        return iri_to_uri(value)
    except ValueError:
        return quote(value, safe=_URL_SAFE)


def locations_to_uri(headers: Headers | list[tuple[str, str]]) -> None:
    """Rewrite each ``Location`` and ``Content-Location`` value with ``iri_to_uri``.

    ``headers`` is a response's ``Headers`` or the list of pairs it keeps;
    names match in any case. ``iri_to_uri`` leaves an ASCII-safe URL as it
    is, so a value already quoted is not quoted twice. A value it cannot
    split into a URL's parts has its unsafe characters quoted instead.
    """
    if isinstance(headers, Headers):
        for name in ("Location", "Content-Location"):
            value = headers.get(name)
            if value is not None:
                headers[name] = location_to_uri(value)
        return
    for index, (name, value) in enumerate(headers):
        if name.lower() in LOCATION_NAMES:
            headers[index] = (name, location_to_uri(value))
