"""The headers read on most requests, answered without making ``request.headers``.

The session and the cache-safety finisher read ``Authorization`` and
``Cookie``, the cross-origin check ``Origin`` and ``Sec-Fetch-Site``, on
nearly every request. Making the header object for them (from the
environ, or from the scope's list under ASGI) costs more than the answer,
so these read the environ or what the ASGI adapter found while scanning
the scope, and ask the header object only once it exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.datastructures import EnvironHeaders

from .headers import ASGIRequestHeaders

if TYPE_CHECKING:
    from .request import Request

__all__ = ["credential_headers", "may_carry_origin"]


def credential_headers(request: Request) -> tuple[str | None, str | None]:
    """The request's ``Authorization`` and ``Cookie`` values, read the cheap way.

    The cache-safety finisher and the session read these two on most
    requests. Under WSGI the environ holds them (the server joined repeated
    cookies), and the header object, made on first use, is not made for
    them; it is read every time, since code may change an environ. Under
    ASGI the adapter found them while scanning the scope's headers, which
    cannot change (cookies joined with ``"; "`` there too). Other header
    objects (set on the request by a hook or a middleware, made by a request
    class of its own, or a request built by hand) are asked, repeated
    cookies joined the same way.
    """
    fields = vars(request)
    headers = fields.get("headers")
    if headers is None:
        if type(request)._own_headers:
            # A request class with headers of its own: they are the truth.
            headers = request.headers
        else:
            pair: tuple[str | None, str | None] | None = fields.get("_credentials")
            if pair is not None:
                return pair
    if headers is None or isinstance(headers, EnvironHeaders):
        environ = fields.get("_environ")
        if environ is None:
            environ = request.environ
        return environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_COOKIE")
    if isinstance(headers, ASGIRequestHeaders):
        found: tuple[str | None, str | None] | None = fields.get("_credentials")
        if found is not None:
            return found
        first = headers.first_values()
        return first.get("authorization"), first.get("cookie")
    # Headers set by a hook or a middleware, or a class's own.
    cookies = headers.getlist("Cookie")
    return headers.get("Authorization"), "; ".join(cookies) if cookies else None


#: The headers the cross-origin check judges by, as environ keys and as
#: lower-case raw names.
_ORIGIN_KEYS = ("HTTP_ORIGIN", "HTTP_SEC_FETCH_SITE")
_ORIGIN_NAMES = frozenset({b"origin", b"sec-fetch-site"})


def may_carry_origin(request: Request) -> bool:
    """Whether the request may carry ``Origin`` or ``Sec-Fetch-Site``; ``False`` only if neither.

    Without either there is nothing for the cross-origin check to judge
    (API clients and tools send neither): it is answered from the environ
    or the scope's list, without making ``request.headers`` for it. Once
    the header object exists (or for a request built by hand) the answer is
    ``True``, and the check reads the headers as usual.
    """
    fields = vars(request)
    if "headers" in fields:
        return True
    environ = fields.get("_environ")
    if environ is not None:
        return _ORIGIN_KEYS[0] in environ or _ORIGIN_KEYS[1] in environ
    raw = fields.get("_raw_headers")
    if raw is None:
        return True
    names = _ORIGIN_NAMES
    # A loop rather than any() over a generator, which costs a frame.
    for name, _value in raw:  # noqa: SIM110
        # Servers send lower-case names; any spelling counts.
        if name in names or name.lower() in names:
            return True
    return False
