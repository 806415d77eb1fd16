"""The request object views see as ``request``.

It is Werkzeug's I/O-free request plus body handling over a stream that the
protocol adapter hands over, so the same object serves WSGI and ASGI. Every
attribute is computed on first access: a view that never reads the form
never pays for parsing it.
"""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Callable
from collections.abc import MutableMapping
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import overload

from werkzeug import formparser
from werkzeug.datastructures import Authorization
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.formparser import FormDataParser
from werkzeug.sansio.http import parse_cookie
from werkzeug.sansio.request import Request as _SansIORequest
from werkzeug.sansio.utils import get_current_url

from .debugfiles import attach_enctype_error_multidict
from .framing import declared_length
from .headers import ASGIRequestHeaders
from .headers import WSGIRequestHeaders
from .headers import raw_value
from .jsonerrors import JSONBadRequest
from .lazy import lazy_attribute
from .multidict import ImmutableMultiDict
from .query import parse_multidict

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Rule

_EMPTY = b""
#: How far along a routing error's chain of causes ``close`` drops tracebacks.
_CHAIN_LINKS = 8
_MISSING: Any = object()
#: Default of ``Request.__init__``'s neutral parts: absent in Flask's form,
#: ``Request(environ, populate_request=True, shallow=False)``.
_FLASK_FORM: Any = object()

#: Request subclass -> whether its ``__init__`` takes Flask's ``environ`` first.
_ENVIRON_FIRST: dict[type[Any], bool] = {}


def _takes_environ(cls: type[Any]) -> bool:
    """Whether ``cls.__init__`` is written for Flask: ``(self, environ, ...)``."""
    known = _ENVIRON_FIRST.get(cls)
    if known is None:
        try:
            parameters = list(inspect.signature(cls.__init__).parameters)
        except (TypeError, ValueError):
            parameters = []
        known = len(parameters) > 1 and parameters[1] == "environ"
        if len(_ENVIRON_FIRST) < 256:  # classes made at run time must not fill it
            _ENVIRON_FIRST[cls] = known
    return known


#: The ``files`` of every urlencoded request: immutable, so one can serve all.
_NO_FILES: ImmutableMultiDict[str, FileStorage] = ImmutableMultiDict()


class Request(_SansIORequest):
    """An HTTP request, independent of the protocol it arrived by.

    The adapter gives it the parsed start line, the headers, and a zero-argument
    callable that opens the body stream (already bounded by the body size
    limit). ``environ`` is the real WSGI environ under WSGI and a faithful
    synthetic one under ASGI, for code and middleware that still read it.
    """

    #: Routing results, set before the view runs.
    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None
    routing_exception: HTTPException | None = None

    #: The app serving the request (``None`` for a request built by hand).
    app: Any
    _open_stream: Callable[[Request], IO[bytes]] | None
    _environ: dict[str, Any] | None
    # None until set (a request built by the WSGI adapter leaves them so).
    _make_environ: Callable[[Request], dict[str, Any]] | None = None
    _limits: dict[str, int | None] | None = None
    # Set by the ASGI adapter: the scope's header list, from which
    # ``headers`` is made when first read.
    _raw_headers: list[tuple[bytes, bytes]]
    # Set by the ASGI adapter: what credential_headers answers.
    _credentials: tuple[str | None, str | None]
    # Set by the ASGI adapter: the scope, from which an environ is made on demand.
    _scope: MutableMapping[str, Any]

    #: The body stream get_data() read, kept open until close() when loading
    #: the form put a stream over the cached body in its place.
    _spent_stream: IO[bytes] | None = None

    #: Parsed form data uses these classes; Flask-compatible defaults.
    parameter_storage_class: type[MultiDict[str, Any]] = ImmutableMultiDict
    #: ``request.cookies`` too: ``request.cookies.get(name)`` for a cookie the
    #: client did not send (a remember-me cookie, on most requests) would
    #: otherwise raise and catch a ``BadRequestKeyError`` inside Werkzeug.
    dict_storage_class: type[MultiDict[str, Any]] = ImmutableMultiDict
    form_data_parser_class = FormDataParser

    #: Whether this class keeps the base ``__new__``, ``__init__`` and
    #: ``content_length``, so that the WSGI adapter may make it with
    #: ``object.__new__`` and assign its attributes directly, the length it
    #: has checked included (see ``__init_subclass__``).
    _plain_init = True

    #: Whether this class replaces ``headers`` (a subclass's own property):
    #: then :func:`credential_headers` asks them rather than the environ or
    #: the scope.
    _own_headers = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_init = (
            cls.__init__ is Request.__init__
            and cls.__new__ is Request.__new__
            and cls.content_length is Request.content_length
        )
        cls._own_headers = cls.headers is not Request.headers

    @overload
    def __init__(
        self,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers | EnvironHeaders,
        remote_addr: str | None,
        *,
        app: Any = None,
        open_stream: Callable[[Request], IO[bytes]] | None = None,
        environ: dict[str, Any] | None = None,
        make_environ: Callable[[Request], dict[str, Any]] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self, method: dict[str, Any], *, populate_request: bool = True, shallow: bool = False
    ) -> None: ...

    def __init__(
        self,
        method: Any,
        scheme: Any = _FLASK_FORM,
        server: Any = _FLASK_FORM,
        root_path: Any = _FLASK_FORM,
        path: Any = _FLASK_FORM,
        query_string: Any = _FLASK_FORM,
        headers: Any = _FLASK_FORM,
        remote_addr: Any = _FLASK_FORM,
        *,
        app: Any = None,
        open_stream: Callable[[Request], IO[bytes]] | None = None,
        environ: dict[str, Any] | None = None,
        make_environ: Callable[[Request], dict[str, Any]] | None = None,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        """Set the request's parts; a subclass written for Flask passes ``environ``.

        The protocol adapters make the request from its neutral parts. A
        subclass whose ``__init__`` takes Flask's ``(environ, ...)`` and
        calls ``super().__init__(environ, ...)`` is made with its parts
        already set (see :meth:`_build`), so that call has nothing left to
        do. Made directly from an environ, a request would lack the body and
        the app: ``app.request_context(environ)`` makes one.
        """
        if isinstance(method, dict):
            if "method" not in vars(self):
                raise TypeError(
                    "A hipflask Request is not made from a WSGI environ directly;"
                    " use app.request_context(environ) or app.test_request_context()."
                )
            return
        assign_fields(
            self,
            method,
            scheme,
            server,
            root_path,
            path,
            query_string,
            headers,
            remote_addr,
            app,
            open_stream,
            environ,
            make_environ,
        )

    @classmethod
    def _build(
        cls,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers | EnvironHeaders,
        remote_addr: str | None,
        app: Any = None,
        open_stream: Callable[[Request], IO[bytes]] | None = None,
        environ: dict[str, Any] | None = None,
        make_environ: Callable[[Request], dict[str, Any]] | None = None,
    ) -> Request:
        """What calling the class makes, for the protocol adapters.

        They make one request per request served, and calling a class with
        a Python ``__init__`` (keyword arguments included) costs more than
        the assignments it does. A subclass with its own ``__init__`` taking
        hipflask's arguments is called as usual; one written for Flask is
        handed the environ (see ``__init__``).
        """
        own_init = cls.__init__ is not Request.__init__
        if own_init and not _takes_environ(cls):
            return cls(
                method,
                scheme,
                server,
                root_path,
                path,
                query_string,
                headers,
                remote_addr,
                app=app,
                open_stream=open_stream,
                environ=environ,
                make_environ=make_environ,
            )
        self = cls.__new__(cls)
        assign_fields(
            self, method, scheme, server, root_path, path, query_string, headers, remote_addr,
            app, open_stream, environ, make_environ,
        )  # fmt: skip
        if own_init:
            # Written for Flask, ``__init__(self, environ, ...)``: called once
            # the parts are set, with the environ (made from the scope under ASGI).
            self.__init__(self.environ)  # type: ignore[misc]
        return self

    @lazy_attribute
    def headers(self) -> Headers | EnvironHeaders:
        """The request headers, made when first read.

        Under ASGI from the scope's list (the adapter keeps it as
        ``_raw_headers``), under WSGI from the environ.
        """
        raw = vars(self).get("_raw_headers")
        if raw is not None:
            return ASGIRequestHeaders.from_raw(raw)
        return WSGIRequestHeaders(self.environ)

    @lazy_attribute
    def args(self) -> MultiDict[str, str]:
        """The URL parameters, as Werkzeug parses them (split without unquoting when plain).

        Bytes that are not UTF-8, raw or percent-encoded, are kept as
        ``%XX`` text instead of raising: any client can send them, and a
        view reading ``request.args`` must not become a 500.
        """
        text = self.query_string.decode("utf-8", "werkzeug.url_quote")
        return parse_multidict(text, self.parameter_storage_class)

    # -- compatibility ---------------------------------------------------

    @property
    def environ(self) -> dict[str, Any]:
        """The WSGI environ (real under WSGI, synthesised once under ASGI)."""
        if self._environ is None:
            if self._make_environ is None:
                self._environ = {}
            else:
                self._environ = self._make_environ(self)
        return self._environ

    #: Werkzeug's JSON module attribute; :meth:`get_json` uses the app's
    #: provider, and code that calls ``request.json_module.loads`` gets the
    #: standard library's, as under Werkzeug.
    json_module: Any = json

    @property
    def remote_user(self) -> str | None:
        """The user a front server authenticated (``REMOTE_USER``), if any."""
        value = self.environ.get("REMOTE_USER")
        return value if isinstance(value, str) else None

    @property
    def is_multithread(self) -> bool:
        """Whether the server may run the app in several threads at once."""
        return bool(self.environ.get("wsgi.multithread", False))

    @property
    def is_multiprocess(self) -> bool:
        """Whether the server may run the app in several processes."""
        return bool(self.environ.get("wsgi.multiprocess", False))

    @property
    def is_run_once(self) -> bool:
        """Whether the process serves this one request only (CGI)."""
        return bool(self.environ.get("wsgi.run_once", False))

    # -- routing ----------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint that matched, or ``None`` when routing failed."""
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint that handles this request."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The handling blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:index]) for index in range(len(parts), 0, -1)]

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

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """Read the whole body (bytes, or text with ``as_text``)."""
        if parse_form_data:
            self._load_form_data()
        data = self.__dict__.get("_cached_data", _MISSING)
        if data is _MISSING:
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
            attach_enctype_error_multidict(self)

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

    # -- URLs -------------------------------------------------------------
    # Werkzeug turns an IDNA host back into text for these; a Host header that
    # is not valid IDNA ("xn--.test") makes that a UnicodeError, which any
    # client could send to turn every view that builds a URL into a 500.

    def _current_url(self, root_path: str | None, path: str | None, query: bytes | None) -> str:
        try:
            return get_current_url(self.scheme, self.host, root_path, path, query)
        except UnicodeError:
            raise BadRequest("The Host header is not a valid host name.") from None

    @lazy_attribute
    def url(self) -> str:
        """The full URL of the request, as text; a 400 for an invalid host."""
        return self._current_url(self.root_path, self.path, self.query_string)

    @lazy_attribute
    def base_url(self) -> str:
        """The URL without the query string."""
        return self._current_url(self.root_path, self.path, None)

    @lazy_attribute
    def root_url(self) -> str:
        """Scheme, host and root path: where the app is mounted."""
        return self._current_url(self.root_path, None, None)

    @lazy_attribute
    def host_url(self) -> str:
        """Scheme and host only."""
        return self._current_url(None, None, None)

    @property
    def script_root(self) -> str:
        """Alias of ``root_path``."""
        return self.root_path

    @lazy_attribute
    def url_root(self) -> str:
        """Alias of ``root_url``."""
        return self.root_url

    # -- headers ----------------------------------------------------------

    @lazy_attribute
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The request's cookies, as Werkzeug parses them.

        Read through :func:`credential_headers`, which finds the ``Cookie``
        header without making the header object (under ASGI, building it
        from the scope costs more than parsing the cookies); the text is
        what ``request.headers`` holds, parsed as Werkzeug's request parses it.
        """
        cookie = credential_headers(self)[1]
        return parse_cookie(cookie=cookie, cls=self.dict_storage_class)  # type: ignore[return-value]

    @lazy_attribute
    def authorization(self) -> Authorization | None:
        """The ``Authorization`` header parsed, or ``None`` if absent or malformed.

        Werkzeug lets a ``ValueError`` escape for Basic credentials holding
        non-ASCII bytes (``Authorization: Basic \xff``); any client could
        turn every view that reads credentials into a 500 that way.
        """
        try:
            return Authorization.from_header(self.headers.get("Authorization"))
        except ValueError:
            return None

    # -- JSON -------------------------------------------------------------

    @property
    def json(self) -> Any:
        """The parsed JSON body; a 415 if the body is not JSON, 400 if malformed."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        Without ``force`` the content type must be JSON (415 otherwise); bad
        JSON is a 400 with a short message. ``silent`` returns ``None`` instead.
        The result is kept for later calls unless ``cache`` is false.
        """
        cached = self.__dict__.get("_cached_json")
        if cache and cached is not None and cached[silent] is not _MISSING:
            return cached[silent]
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        data = self.get_data(cache=cache)
        loads = self.app.json.loads if self.app is not None else _stdlib_loads
        try:
            value = loads(data)
        # RecursionError: deeply nested arrays ("[[[[…") exhaust the stack of a
        # recursive decoder; that is the client's malformed input, not a 500.
        except (ValueError, RecursionError) as exc:
            if not silent:
                return self.on_json_loading_failed(exc)
            if cache:
                self.__dict__["_cached_json"] = (_MISSING, None)
            return None
        if cache:
            self.__dict__["_cached_json"] = (value, value)
        return value

    def on_json_loading_failed(self, e: ValueError | RecursionError | None) -> Any:
        """Refuse a body that is not JSON: 400 if malformed, 415 if the type is wrong."""
        if e is not None:
            # A client that sent JSON reads the error as JSON (see jsonerrors).
            error = JSONBadRequest if self.is_json else BadRequest
            if self.app is not None and self.app.debug:
                raise error(f"Failed to decode JSON object: {e}")
            raise error("The request body is not valid JSON.")
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )

    def close(self) -> None:
        """Close uploaded files and the body stream, and let go of the routing error.

        A routing error (the 404 of an unknown URL) is raised from frames
        that hold this request, and the request holds the error: its
        traceback makes a reference cycle that only the cyclic garbage
        collector frees. A server answering many 404s (scanners probe for
        them all day) would pay for full collections that walk every object
        of the process; dropping the traceback once the request is over
        frees it all at once.
        """
        if self.routing_exception is not None:
            _drop_tracebacks(self.routing_exception)
        files = self.__dict__.get("files")
        if files:
            for _key, value in files.items(multi=True):
                value.close()
        stream = self.__dict__.get("stream")
        if stream is not None:
            stream.close()
            # Set only beside a stream (see _load_form_data).
            if self._spent_stream is not None:
                self._spent_stream.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


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


def assign_fields(
    request: Request,
    method: str,
    scheme: str,
    server: tuple[str, int | None] | None,
    root_path: str,
    path: str,
    query_string: bytes,
    headers: Headers | EnvironHeaders | None,
    remote_addr: str | None,
    app: Any,
    open_stream: Callable[[Request], IO[bytes]] | None,
    environ: dict[str, Any] | None,
    make_environ: Callable[[Request], dict[str, Any]] | None,
) -> None:
    """Set what ``Request.__init__`` sets on a request made with ``__new__``.

    The one place every construction path shares: ``__init__``,
    :meth:`Request._build`, and the protocol adapters, which make one
    request per request served and skip the call to the class. What
    Werkzeug's constructor assigns, without its extra work, plus the
    adapter's hooks. ``headers=None`` (WSGI) leaves the header object to be
    made from the environ when something first reads it.
    """
    request.method = method if method.isupper() else method.upper()
    request.scheme = scheme
    request.server = server
    request.root_path = root_path.rstrip("/") if root_path else root_path
    # "/x" is already normal; "", "x" and "//x" become "/", "/x" and "/x".
    request.path = path if path[:1] == "/" and path[1:2] != "/" else "/" + path.lstrip("/")
    request.query_string = query_string
    if headers is not None:
        request.headers = headers
    request.remote_addr = remote_addr
    request.app = app
    request._open_stream = open_stream
    request._environ = environ
    request._make_environ = make_environ
    request._limits = None


def _drop_tracebacks(error: BaseException) -> None:
    """Drop the tracebacks of ``error`` and of the errors it was raised from.

    Werkzeug's 405 is raised while handling its own ``NoMatch``: the
    chained error's traceback holds the request's frames too.
    """
    chained: BaseException | None = error
    for _link in range(_CHAIN_LINKS):
        if chained is None:
            return
        chained.__traceback__ = None
        chained = chained.__cause__ or chained.__context__


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


def _stdlib_loads(data: bytes) -> Any:
    import json

    return json.loads(data)
