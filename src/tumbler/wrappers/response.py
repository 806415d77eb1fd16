"""The response object: Werkzeug's full response API, built cheaply.

Flask code relies on the whole Werkzeug response API (``headers``,
``set_cookie``, ``get_data``, ``make_conditional``, ``freeze`` …), so this is
Werkzeug's response class. What tumbler adds is a construction path for the
common case (a complete body with a known type and status) that skips the
general ``__init__`` — header validation and status parsing for values that
are known good — which is most of the cost of a small response. The core
never calls the WSGI-specific methods; the protocol adapters write the wire
format themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response as _WerkzeugResponse

from ..json.provider import DefaultJSONProvider

#: Status lines for every registered code, computed once.
STATUS_LINES: dict[int, str] = {
    int(status): f"{int(status)} {status.phrase.upper()}" for status in HTTPStatus
}
STATUS_LINES[200] = "200 OK"

_HTML = "text/html; charset=utf-8"


def _never_secure() -> bool:
    return False


class _JSONModule:
    """``Response.json_module``: decodes bodies the way the app's provider would."""

    _provider = DefaultJSONProvider(None)

    @classmethod
    def loads(cls, s: str | bytes, **kwargs: Any) -> Any:
        return cls._provider.loads(s, **kwargs)

    @classmethod
    def dumps(cls, obj: Any, **kwargs: Any) -> str:
        return cls._provider.dumps(obj, **kwargs)


class Response(_WerkzeugResponse):
    """A response; ``str`` bodies default to ``text/html; charset=utf-8``.

    Cookies set with :meth:`set_cookie` default to ``HttpOnly`` and
    ``SameSite=Lax``, and to ``Secure`` when the current request came over
    HTTPS: the safe choice unless the caller says otherwise.
    """

    default_mimetype: str | None = "text/html"
    json_module = _JSONModule  # type: ignore[assignment]  # the json module's interface
    autocorrect_location_header = False

    #: Tells ``set_cookie`` whether the current request is secure; the core
    #: installs the real check (this layer cannot see the request context).
    is_request_secure: Callable[[], bool] = staticmethod(_never_secure)

    #: Largest cookie accepted before a warning, like browsers' 4 KiB limit.
    max_cookie_size = 4093

    @classmethod
    def _fast(cls, body: bytes, status: int, content_type: str) -> Response:
        """Build a complete response without the general ``__init__``.

        Only for values already known to be valid: the status is a registered
        code and the content type a constant or computed from a valid mimetype.
        """
        self = cls.__new__(cls)
        headers = Headers()
        # Headers keeps its items in ``_list``; filling it directly skips a
        # validation pass over two constant header names.
        headers._list = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
        ]
        self.headers = headers
        self._status = STATUS_LINES[status]
        self._status_code = status
        self.direct_passthrough = False
        self._on_close = []
        self.response = [body]
        return self

    @classmethod
    def _html(cls, body: str, status: int = 200) -> Response:
        return cls._fast(body.encode(), status, _HTML)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: str | None = "Lax",
        partitioned: bool = False,
    ) -> None:
        """Set a cookie; secure defaults described on the class.

        ``secure=None`` means "Secure when the request came over HTTPS";
        ``samesite=None`` omits the attribute (browsers then treat it as Lax).
        A ``SameSite=None`` cookie must be ``Secure``; browsers reject it
        otherwise, so that is enforced here rather than failing silently.
        """
        if secure is None:
            secure = self.is_request_secure()
        if samesite is not None and samesite.lower() == "none":
            secure = True
        super().set_cookie(
            key,
            value=value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: str | None = "Lax",
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie; path and domain must match those it was set with."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )


_NO_BODY_STATUSES = frozenset({204, 304})


def wire_parts(response: Response, method: str) -> tuple[str, list[tuple[str, str]], Any]:
    """What a protocol adapter writes: status line, header list, body.

    The body is ``None`` when none may be sent (HEAD, 1xx, 204, 304), the
    list of byte strings for a complete body, or an iterable to stream. This
    is Werkzeug's ``get_wsgi_response`` without the environ: Content-Length
    dropped where HTTP forbids it, added when the body is known, and
    ``Location`` made ASCII-safe.
    """
    status = response._status_code
    headers = response.headers
    body: Any = response.response
    if 300 <= status < 400 and "Location" in headers:
        headers["Location"] = iri_to_uri(headers["Location"])
    if status < 200 or status in _NO_BODY_STATUSES:
        if status == 304:
            remove_entity_headers(headers)
        else:
            headers.remove("Content-Length")
        return response._status, headers.to_wsgi_list(), None
    if response.direct_passthrough:
        pass
    elif isinstance(body, list) and (len(body) != 1 or type(body[0]) is not bytes):
        body = list(response.iter_encoded())
        if "Content-Length" not in headers:
            headers["Content-Length"] = str(sum(len(chunk) for chunk in body))
    elif isinstance(body, tuple):
        body = list(response.iter_encoded())
    elif not isinstance(body, list) and not hasattr(body, "__aiter__"):
        body = response.iter_encoded()
    if method == "HEAD":
        response.close()
        return response._status, headers.to_wsgi_list(), None
    return response._status, headers.to_wsgi_list(), body
