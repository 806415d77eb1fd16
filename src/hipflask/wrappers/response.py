"""The response object: Werkzeug's full response API, built cheaply.

Flask code relies on the whole Werkzeug response API (``headers``,
``set_cookie``, ``get_data``, ``make_conditional``, ``freeze`` …), so this is
Werkzeug's response class. What hipflask adds is a construction path for the
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
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.http import remove_entity_headers
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as _WerkzeugResponse

from ..json.provider import DefaultJSONProvider
from . import layout
from .locations import location_to_uri
from .sendable import check_content_type
from .sendable import is_sendable

#: Status lines for every registered code, computed once. From Werkzeug's
#: table, not :class:`http.HTTPStatus`: the phrases differ (``207 MULTI
#: STATUS``, and on newer Pythons ``413``, ``422`` …), and a response built
#: here must carry the status line Werkzeug's constructor would give it.
STATUS_LINES: dict[int, str] = {
    code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()
}

_HTML = "text/html; charset=utf-8"

#: ``Content-Type`` values already computed from a mimetype (bounded: apps use
#: a handful, but a mimetype may come from data).
_CONTENT_TYPES: dict[str, str] = {"text/html": _HTML}
_CONTENT_TYPES_MAX = 128


def _content_type(mimetype: str) -> str | None:
    """The ``Content-Type`` for ``mimetype``, or ``None`` when it needs the checked path."""
    found = _CONTENT_TYPES.get(mimetype)
    if found is not None:
        return found
    if not is_sendable(mimetype):
        return None  # checked on the general path, which raises the proper error
    value = get_content_type(mimetype, "utf-8")
    if len(_CONTENT_TYPES) < _CONTENT_TYPES_MAX:
        _CONTENT_TYPES[mimetype] = value
    return value


#: ``Content-Length`` values already written out, by length (bounded: bodies
#: of a few hundred distinct lengths make most of an app's responses). A
#: dictionary lookup costs about half of ``str(len(body))``, which every
#: response built here pays.
_LENGTHS: dict[int, str] = {}
_LENGTHS_MAX = 1024


def _length_text(length: int) -> str:
    """``str(length)``, kept for the next body of the same length."""
    text = str(length)
    if len(_LENGTHS) < _LENGTHS_MAX:
        _LENGTHS[length] = text
    return text


def _never_secure() -> bool:
    return False


#: ``object.__new__``: what ``Headers.__new__`` resolves to, without the lookup.
_new = object.__new__


class _JSONModule:
    """``Response.json_module``: decodes bodies the way the app's provider would."""

    _provider = DefaultJSONProvider(None)

    @classmethod
    def loads(cls, s: str | bytes, **kwargs: Any) -> Any:
        return cls._provider.loads(s, **kwargs)

    @classmethod
    def dumps(cls, obj: Any, **kwargs: Any) -> str:
        return cls._provider.dumps(obj, **kwargs)


_DEFAULT_MAX_COOKIE_SIZE = 4093


def _no_configured_size() -> int | None:
    return None


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

    #: Tells :attr:`max_cookie_size` the current app's ``MAX_COOKIE_SIZE``;
    #: the core installs the real lookup, as for :attr:`is_request_secure`.
    configured_max_cookie_size: Callable[[], int | None] = staticmethod(_no_configured_size)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """Largest cookie set without a warning: ``MAX_COOKIE_SIZE``, or 4093.

        Read from the current app's config, as Flask does, so the setting
        applies to every response; browsers drop larger cookies silently.
        A subclass may still set a plain class attribute instead.
        """
        size = self.configured_max_cookie_size()
        return _DEFAULT_MAX_COOKIE_SIZE if size is None else size

    #: Whether ``__init__`` may take the direct path; a subclass that changes
    #: how the body or status is stored keeps Werkzeug's general path, and so
    #: does every class when Werkzeug's layout is not the expected one
    #: (:mod:`hipflask.wrappers.layout`).
    _direct_init = layout.FAST

    #: Whether :meth:`_fast` builds what calling the class with a status and
    #: a content type would: the direct path and no ``__init__`` of its own.
    #: Otherwise callers that stand in for the constructor (``jsonify``, a
    #: ``str`` return value) call the class, as Flask does, so its
    #: ``__init__`` applies. The class's ``default_status`` and
    #: ``default_mimetype`` are not part of it: those callers read them on
    #: every call, so a value assigned after the ``class`` statement counts.
    _fast_is_init = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._direct_init = (
            layout.FAST
            and cls.set_data is Response.set_data
            and cls.status is Response.status
            and cls.automatically_set_content_length is True
        )
        cls._fast_is_init = cls._direct_init and cls.__init__ is Response.__init__

    def __init__(
        self,
        response: Any = None,
        status: int | str | HTTPStatus | None = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        """As Werkzeug's; a plain ``str``/``bytes`` body with no headers is built directly.

        ``Response("hello", mimetype="text/plain")`` is how views build most
        responses, and Werkzeug's general constructor (header validation,
        status parsing, ``set_data``) is most of their cost. The result is
        the same object either way.
        """
        kind = type(response)
        if (
            (kind is str or kind is bytes)
            and headers is None
            and content_type is None
            and not direct_passthrough
            # This class's flag, read only for a subclass: a class attribute
            # read through an instance is a slow lookup in CPython 3.11.
            and (layout.FAST if type(self) is Response else self._direct_init)
        ):
            code = self.default_status if status is None else status
            line = STATUS_LINES.get(code) if type(code) is int else None
            if mimetype is None:
                mimetype = self.default_mimetype
            ctype = (
                (_CONTENT_TYPES.get(mimetype) or _content_type(mimetype))
                if mimetype is not None
                else None
            )
            if line is not None and ctype is not None:
                body: bytes = response.encode() if kind is str else response
                # As _fast builds it, inline: this is how most views build their response.
                headers = _new(Headers)
                size = len(body)
                headers._list = [
                    ("Content-Type", ctype),
                    ("Content-Length", _LENGTHS.get(size) or _length_text(size)),
                ]
                self.headers = headers
                self._status = line
                self._status_code = code  # type: ignore[assignment]
                self.direct_passthrough = False
                self._on_close = []
                self.response = [body]
                return
        super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)
        if mimetype is not None or content_type is not None:
            # A type the view chose (perhaps from the client's input), in the
            # place where the finished response is not checked again.
            check_content_type(self.headers.get("Content-Type", ""))

    @classmethod
    def _fast(cls, body: bytes, status: int, content_type: str) -> Response:
        """Build a complete response without the general ``__init__``.

        Only for values already known to be valid: the status is a registered
        code and the content type a constant or computed from a valid mimetype.
        """
        self = cls.__new__(cls)
        if not layout.FAST:
            # Werkzeug's constructor, not the class's own: what the direct
            # construction below stands for.
            _WerkzeugResponse.__init__(self, body, status, content_type=content_type)
            return self
        # Every attribute Werkzeug's constructor sets, for a complete body, in
        # this frame: jsonify, a str return value and error pages all come
        # here, and a further call was about 1% of a JSON request. Headers
        # keeps its items in ``_list``; filling it directly skips the
        # constructor and a validation pass over two constant header names.
        headers = _new(Headers)
        size = len(body)
        headers._list = [
            ("Content-Type", content_type),
            ("Content-Length", _LENGTHS.get(size) or _length_text(size)),
        ]
        self.headers = headers
        self._status = STATUS_LINES[status]
        self._status_code = status
        self.direct_passthrough = False
        self._on_close = []
        self.response = [body]
        return self

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
    ``Location`` made ASCII-safe. The caller closes the response once it is
    sent (at once for HEAD, whose body is never read).
    """
    if layout.FAST:
        status = response._status_code
        line = response._status
    else:
        status = response.status_code
        line = response.status
    headers = response.headers
    body: Any = response.response
    if (
        200 <= status < 300
        and status != 204
        and type(body) is list
        and len(body) == 1
        and type(body[0]) is bytes
        and method != "HEAD"
        and not response.direct_passthrough
    ):
        # The usual response: a complete body whose Content-Length the
        # constructor set; none of the checks below applies to it. Its list
        # copied as Headers.__iter__ reads it, without that call.
        listed = headers._list if layout.FAST and type(headers) is Headers else iter(headers)
        return line, list(listed), body
    if 300 <= status < 400 and "Location" in headers:
        headers["Location"] = location_to_uri(headers["Location"])
    if status < 200 or status in _NO_BODY_STATUSES:
        if status == 304:
            remove_entity_headers(headers)
        else:
            headers.remove("Content-Length")
        return line, list(iter(headers)), None
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
    # ``list(iter(headers))`` is ``to_wsgi_list()`` without the extra
    # ``__len__`` call list() makes on the Headers object itself.
    if method == "HEAD":
        # The adapter closes the response, and with it an unread generator.
        return line, list(iter(headers)), None
    return line, list(iter(headers)), body
