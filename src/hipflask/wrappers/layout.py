"""Whether Werkzeug keeps a response's state where hipflask's fast paths put it.

Werkzeug's public API builds a small response's headers in about 3.5 µs
(``Headers([...])`` and ``extend`` validate every pair); writing the header
list directly takes 0.2 µs, and a plain-text request costs about 4 µs in
all. So the response constructor, the protocol adapters and the header
policy write and read Werkzeug's private fields: ``Headers._list`` and
``Response._status``, ``_status_code`` and ``_on_close``.

A Werkzeug release may rename those fields or add state beside them (an
index kept next to the header list, say), and a fast path writing the old
layout would then send wrong headers. :data:`FAST` is worked out once, at
import: a response and a header object are built through the public API
and the direct way, and compared. If anything differs, every fast path
steps aside and responses are built and read through the public API only:
slower, still correct. ``tests/wrappers/test_layout.py`` fails on such a
release, so the change is noticed before it is shipped.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

__all__ = ["FAST", "headers_keep_list", "response_fields_match"]

#: The attributes Werkzeug's ``Response.__init__`` sets on the instance, all
#: of which the direct construction sets.
RESPONSE_FIELDS = frozenset(
    {"headers", "_status", "_status_code", "direct_passthrough", "_on_close", "response"}
)

_PAIRS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "2")]
_MORE = ("X-Frame-Options", "SAMEORIGIN")


def headers_keep_list(cls: type[Headers] = Headers) -> bool:
    """Whether ``cls`` keeps its items in a plain ``_list`` and nothing else.

    Items appended to that list must then read back through every public
    accessor, as the fast paths assume.
    """
    made = cls(_PAIRS)
    if vars(made) != {"_list": _PAIRS}:
        return False
    direct = cls.__new__(cls)
    direct._list = list(_PAIRS)
    direct._list.append(_MORE)
    return (
        list(direct) == [*_PAIRS, _MORE]
        and len(direct) == 3
        and direct.get("x-frame-options") == "SAMEORIGIN"
        and direct.getlist("Content-Length") == ["2"]
        and "content-type" in direct
        and direct.to_wsgi_list() == [*_PAIRS, _MORE]
    )


def response_fields_match(cls: type[Response] = Response) -> bool:
    """Whether ``cls()`` sets exactly the fields the direct construction sets, as it sets them."""
    made = cls(b"ok", 200, mimetype="text/plain")
    fields = vars(made)
    if fields.keys() != RESPONSE_FIELDS:
        return False
    direct: Any = cls.__new__(cls)
    headers = Headers.__new__(Headers)
    headers._list = list(_PAIRS)
    direct.headers = headers
    direct._status = "200 OK"
    direct._status_code = 200
    direct.direct_passthrough = False
    direct._on_close = []
    direct.response = [b"ok"]
    closed: list[bool] = []
    direct.call_on_close(lambda: closed.append(True))
    direct.close()
    return (
        fields["_status"] == "200 OK"
        and fields["_status_code"] == 200
        and fields["response"] == [b"ok"]
        and fields["_on_close"] == []
        and fields["direct_passthrough"] is False
        and list(made.headers) == _PAIRS
        and direct.status == "200 OK"
        and direct.status_code == 200
        and direct.get_data() == b"ok"
        and direct.calculate_content_length() == 2
        and closed == [True]
    )


#: Whether the fast paths may write and read Werkzeug's private fields.
FAST: bool = headers_keep_list() and response_fields_match()
