"""The request body: its limits, its stream, and the form and files parsed from it.

What Werkzeug's WSGI request adds to its I/O-free one (JSON aside: see
:mod:`hipflask.wrappers.jsonbody`), read from the bounded stream the
protocol adapter hands over. A base of :class:`~hipflask.wrappers.request.Request`
only, kept apart so the request module stays within its size.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from typing import Any

from werkzeug import formparser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.request import Request as _SansIORequest

from .debugfiles import attach_enctype_error_multidict
from .framing import declared_length
from .headers import raw_value
from .lazy import lazy_attribute
from .multidict import ImmutableMultiDict
from .query import parse_multidict

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

    from werkzeug.datastructures import FileStorage
    from werkzeug.datastructures import MultiDict
    from werkzeug.formparser import FormDataParser

__all__ = ["RequestBody"]

_EMPTY = b""
_MISSING: Any = object()

#: The ``files`` of every urlencoded request: immutable, so one can serve all.
_NO_FILES: ImmutableMultiDict[str, FileStorage] = ImmutableMultiDict()


class RequestBody(_SansIORequest):
    """The body half of :class:`~hipflask.wrappers.request.Request`.

    ``self`` is always that request, which sets what is declared here; the
    type checker cannot see it through a base class (hence one ``arg-type`` ignore).
    """

    app: Any
    _open_stream: Callable[[Any], IO[bytes]] | None
    _limits: dict[str, int | None] | None
    _spent_stream: IO[bytes] | None
    parameter_storage_class: type[MultiDict[str, Any]]
    form_data_parser_class: type[FormDataParser]

    #: The length of a body read whole (see ``_read_whole``), after which its
    #: stream reads as at its end; ``None`` until then.
    _whole_read: int | None = None

    #: Whether this class replaces :attr:`stream` (a Flask-style subclass
    #: that decompresses or decrypts the body): then every read of the body
    #: goes through it, as under Werkzeug (see ``__init_subclass__``).
    _own_stream = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._own_stream = cls.stream is not RequestBody.stream

    # -- limits -----------------------------------------------------------

    def _limit(self, key: str) -> int | None:
        if self._limits is not None and key in self._limits:
            return self._limits[key]
        if self.app is not None:
            value: int | None = self.app.config.get(key)
            return value
        return None

    def _set_limit(self, key: str, value: int | None) -> None:
        if self._limits is None:
            self._limits = {}
        self._limits[key] = value

    @property
    def max_content_length(self) -> int | None:
        """Largest body accepted, from ``MAX_CONTENT_LENGTH`` unless set here.

        Setting it in a ``before_request`` hook changes the limit for one
        request (under ASGI the body is already read within the app-wide
        limit, so a per-request value can only lower it).
        """
        return self._limit("MAX_CONTENT_LENGTH")

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._set_limit("MAX_CONTENT_LENGTH", value)

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field kept in memory (``MAX_FORM_MEMORY_SIZE``)."""
        return self._limit("MAX_FORM_MEMORY_SIZE")

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._set_limit("MAX_FORM_MEMORY_SIZE", value)

    @property
    def max_form_parts(self) -> int | None:
        """Most multipart parts accepted (``MAX_FORM_PARTS``): bounds parser work."""
        return self._limit("MAX_FORM_PARTS")

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._set_limit("MAX_FORM_PARTS", value)

    # -- body -------------------------------------------------------------

    @lazy_attribute
    def content_length(self) -> int | None:
        """The body length announced by ``Content-Length`` (``None`` if chunked or invalid).

        Repeated identical values count once, whether the server joined them
        (WSGI) or passed them one by one (ASGI); reading :attr:`stream` with
        an invalid or conflicting length is a 400.
        """
        headers = self.headers
        value = headers.get("Content-Length")
        if value is None:
            return None
        encoding = headers.get("Transfer-Encoding")
        if encoding is not None and "chunked" in encoding.lower():
            return None
        if value.isdigit() and value.isascii():
            # One plain number, what every honest client sends.
            return int(value)
        try:
            return declared_length([value])
        except BadRequest:
            return None

    @property
    def input_stream(self) -> IO[bytes]:
        """Werkzeug's name for the body as the server hands it over: :attr:`stream` here.

        Werkzeug gives the server's stream without any check; this one is
        bounded by the declared length and ``MAX_CONTENT_LENGTH``, the same
        under both protocols, so code reading it gets the body and nothing
        past it.
        """
        return self.stream

    def _length_values(self) -> list[str]:
        # Repeats arrive joined under WSGI and were refused before routing
        # under ASGI, so one lookup is enough (a getlist on environ headers
        # would walk the whole environ).
        value = self.headers.get("Content-Length")
        return [] if value is None else [value]

    @lazy_attribute
    def stream(self) -> IO[bytes]:
        """The raw body, bounded; reading past the limit is a 413.

        A ``Content-Length`` that is not a plain number is a 400: Werkzeug
        would read it as 0 and silently drop the body, while the server may
        have framed the body differently, and such disagreements are what
        request smuggling is built on.
        """
        read = self._whole_read
        if read is not None:
            # Read whole already (see _read_whole): at its end, as reading
            # this stream would have left it, ``tell()`` included.
            spent = io.BytesIO()
            spent.seek(read)
            return spent
        length = self.content_length
        if length is None:
            # None may also mean an invalid length, which is refused here.
            declared_length(self._length_values())
        limit = self.max_content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge()
        if self._open_stream is None:
            return io.BytesIO()
        return self._open_stream(self)

    def _read_whole(self, size_limit: int | None) -> bytes | None:
        """The whole body in one read, if its stream is not needed for that; else ``None``.

        A body of declared length whose stream nobody opened, to be read all
        at once (a form, JSON), is read by the adapter's ``read_whole`` (see
        :class:`hipflask.core.wsgi._WsgiBody`): the same bytes and 400s as
        reading :attr:`stream`, at a fraction of the cost. The stream then
        reads as at its end, as after reading it. ``None`` (read the stream)
        for anything the stream must judge: no declared length, one over
        ``MAX_CONTENT_LENGTH`` or ``size_limit``, or a request class with
        its own :attr:`stream`, which Werkzeug reads the body through.
        """
        fields = self.__dict__
        length = fields.get("content_length")
        if length is None or "stream" in fields or self._own_stream or self._whole_read is not None:
            return None
        read_whole = getattr(self._open_stream, "read_whole", None)
        if read_whole is None:
            return None
        limit = self.max_content_length
        if (limit is not None and length > limit) or (
            size_limit is not None and length > size_limit
        ):
            return None
        try:
            data: bytes = read_whole(self, length)
        except HTTPException as exc:
            self._open_stream = _RefusedBody(self._open_stream, exc)
            raise
        # Not a new opener in place of the adapter's: whoever closes the body
        # through the request (a test client that kept the context closes the
        # ASGI buffer, a temporary file past 1 MiB) must still reach it.
        self._whole_read = length
        return data

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """Read the whole body (bytes, or text with ``as_text``)."""
        if parse_form_data:
            self._load_form_data()
        data = self.__dict__.get("_cached_data", _MISSING)
        if data is _MISSING:
            data = self._read_whole(None)
            if data is None:
                data = self.stream.read()
            if cache:
                self.__dict__["_cached_data"] = data
        if as_text:
            return data.decode(errors="replace")
        return data

    @lazy_attribute
    def data(self) -> bytes:
        """The body as bytes, unless it was a form (then it was parsed instead)."""
        return self.get_data(parse_form_data=True)  # type: ignore[no-any-return]

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self.mimetype == "application/x-www-form-urlencoded":
            form = self._parse_urlencoded()
            files = (
                _NO_FILES
                if self.parameter_storage_class is ImmutableMultiDict
                else self.parameter_storage_class()
            )
        elif self.want_form_data_parsed:
            opened: list[IO[bytes]] = []
            self.__dict__["_opened_parts"] = opened
            parser = self.make_form_data_parser()
            cached = "_cached_data" in self.__dict__
            if cached:
                body: IO[bytes] = io.BytesIO(self.__dict__["_cached_data"])
            else:
                body = self.stream
            try:
                rest, form, files = parser.parse(
                    body, self.mimetype, self.content_length, self.mimetype_params
                )
                if cached:
                    # A body get_data() read can be read again from the stream
                    # (what is left of it: all of it when it was no form), as
                    # Werkzeug hands it back once the form is loaded. The
                    # spent stream stays open (code may still hold it) until
                    # the request closes.
                    spent = self.__dict__.get("stream")
                    if spent is not None and spent is not rest:
                        self._spent_stream = spent
                    self.__dict__["stream"] = rest
            except BaseException:
                # A body cut off by a limit (413) or malformed (400) leaves the
                # parts already opened half-written: close them now, so a
                # spooled temporary file does not linger until collected.
                for stream in opened:
                    stream.close()
                raise
            finally:
                del self.__dict__["_opened_parts"]
        else:
            form = self.parameter_storage_class()
            files = self.parameter_storage_class()
        self.__dict__["form"] = form
        self.__dict__["files"] = files
        # Here rather than in ``files``: reading ``form`` first loads both.
        if (
            not files
            and self.app is not None
            and self.app.debug
            and self.mimetype != "multipart/form-data"
        ):
            attach_enctype_error_multidict(self)  # type: ignore[arg-type]

    def make_form_data_parser(self) -> FormDataParser:
        """The multipart parser, bounded by this request's limits (Werkzeug's hook)."""
        parser: FormDataParser = self.form_data_parser_class(
            stream_factory=self._open_part,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )
        return parser

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """Where an uploaded file is written: memory, or a temporary file past 500 KiB.

        Werkzeug documents this method as the one to override to store
        uploads elsewhere; a request class that does is used for every file.
        """
        return formparser.default_stream_factory(
            total_content_length, content_type, filename, content_length
        )

    def _open_part(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        # Each opened part is remembered, so that a body cut off by a limit
        # or malformed closes what it had half-written (see _load_form_data).
        stream = self._get_file_stream(total_content_length, content_type, filename, content_length)
        opened = self.__dict__.get("_opened_parts")
        if opened is not None:
            opened.append(stream)
        return stream

    def _parse_urlencoded(self) -> MultiDict[str, str]:
        """Parse a urlencoded body, refusing one larger than ``MAX_FORM_MEMORY_SIZE``.

        The whole body is held in memory to be parsed, so the form memory
        limit bounds it (Werkzeug's parser no longer does); at most one byte
        past the limit is read before answering 413.
        """
        limit = self.max_form_memory_size
        if "_cached_data" in self.__dict__:
            raw: bytes = self.__dict__["_cached_data"]
        elif (whole := self._read_whole(limit)) is not None:
            raw = whole
        else:
            stream = self.stream
            size = None if limit is None else limit + 1
            length = self.content_length
            if length is not None and (size is None or length < size):
                # Asking for exactly the announced length saves a read that
                # only finds the end; a shorter body is still a 400.
                size = length
            raw = _read_up_to(stream, size)
        if limit is not None and len(raw) > limit:
            raise RequestEntityTooLarge(
                f"The form is larger than the {limit} bytes this app accepts."
            )
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise BadRequest("The form body is not valid UTF-8.") from None
        return parse_multidict(text, self.parameter_storage_class)

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower case (``text/html``).

        A value without parameters, what form posts and JSON clients send,
        needs no parsing; anything else is parsed as Werkzeug parses it.
        """
        value = self._content_type_text()
        if ";" not in value:
            return value.strip(" \t").lower()
        return _SansIORequest.mimetype.fget(self)  # type: ignore[attr-defined, no-any-return]

    def _content_type_text(self) -> str:
        """The ``Content-Type`` header, ``""`` when absent.

        Read from the environ or the scope's list while ``request.headers``
        is not made: a form view reads no other header, and making the header
        object for this one cost it more than parsing the form.
        """
        fields = vars(self)
        if "headers" not in fields:
            environ = fields.get("_environ")
            if environ is not None:
                text: str = environ.get("CONTENT_TYPE", "")
                return text
            raw = fields.get("_raw_headers")
            if raw is not None:
                return raw_value(raw, b"content-type") or ""
        value: str = self.headers.get("Content-Type", "")
        return value

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the body looks like a form (has a content type)."""
        return bool(self._content_type_text())

    @lazy_attribute
    def form(self) -> ImmutableMultiDict[str, str]:
        """Fields of a urlencoded or multipart body."""
        self._load_form_data()
        return self.__dict__["form"]  # type: ignore[no-any-return]

    @lazy_attribute
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """Uploaded files of a multipart body, as :class:`FileStorage`.

        In debug mode, a missing file of a body that was not multipart raises
        :class:`~hipflask.debughelpers.DebugFilesKeyError`, which says that the
        form lacks ``enctype="multipart/form-data"``.
        """
        self._load_form_data()
        return self.__dict__["files"]  # type: ignore[no-any-return]

    @lazy_attribute
    def values(self) -> CombinedMultiDict[str, str]:
        """``args`` and, for non-GET requests, ``form`` combined."""
        sources: list[MultiDict[str, str]] = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return CombinedMultiDict(sources)


class _RefusedBody:
    """The opener of a body whose reading whole failed part way: it raises that refusal again.

    What was read is gone, and reading the server's input afresh would take
    the next request's bytes on the connection for this body's. The
    adapter's opener is kept for whoever closes the body through the request.
    """

    __slots__ = ("_error", "_opener")

    def __init__(self, opener: Any, error: HTTPException) -> None:
        self._opener = opener
        self._error = error

    def __call__(self, request: Any) -> IO[bytes]:
        raise self._error

    def close(self) -> None:
        close = getattr(self._opener, "close", None)
        if close is not None:
            close()


def _read_up_to(stream: IO[bytes], size: int | None) -> bytes:
    """Read until the end of the body or ``size`` bytes, whichever comes first.

    One ``read`` may return less than asked (a server hands over what has
    arrived); stopping there would parse a partial body as the whole one,
    and skip the check that the body was complete.
    """
    if size is None:
        return stream.read()
    if size <= 0:
        return _EMPTY
    first = stream.read(size)
    if len(first) >= size or not first:
        # All of it in one read: a body the adapter holds in memory.
        return first
    parts: list[bytes] = [first]
    remaining = size - len(first)
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)
