"""The request object views see as ``request``.

It is Werkzeug's I/O-free request plus body handling over a stream that the
protocol adapter hands over, so the same object serves WSGI and ASGI. Every
attribute is computed on first access: a view that never reads the form
never pays for parsing it.

The body's half lives in :mod:`~hipflask.wrappers.body` (stream, limits,
form and files) and :mod:`~hipflask.wrappers.jsonbody` (JSON); this module
keeps how a request is made, its headers, URL and routing attributes, and
``close``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from collections.abc import MutableMapping
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import overload

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.sansio.http import parse_cookie
from werkzeug.sansio.utils import get_current_url

from .body import RequestBody
from .headers import ASGIRequestHeaders
from .headers import WSGIRequestHeaders
from .jsonbody import RequestJSON
from .lazy import lazy_attribute
from .multidict import ImmutableMultiDict
from .peek import credential_headers
from .query import parse_multidict

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Rule

#: How far along a routing error's chain of causes ``close`` drops tracebacks.
_CHAIN_LINKS = 8
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


class Request(RequestBody, RequestJSON):
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


#: An absolute-form request target's scheme (RFC 3986, section 3.1).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def normal_path(path: str) -> str:
    """``path`` as routing sees it: one leading slash, no scheme and host.

    ``""``, ``"x"`` and ``"//x"`` become ``"/"``, ``"/x"`` and ``"/x"``. A
    request target in absolute form (``GET http://host/x``, which RFC 9112
    has servers accept, and proxies send) is its path: WSGI servers pass on
    only that, while uvicorn and hypercorn pass the whole URL as the ASGI
    path, which no route would match. The host stays the ``Host`` header's,
    as under those WSGI servers.
    """
    if path[:1] != "/":
        scheme, sep, rest = path.partition("://")
        # Any scheme, as those servers take any (RFC 3986: a letter, then
        # letters, digits, "+", "-" and ".").
        if sep and _SCHEME.fullmatch(scheme):
            slash = rest.find("/")
            path = rest[slash:] if slash >= 0 else "/"
    return "/" + path.lstrip("/")


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
    # "/x" is already normal; see normal_path for the others.
    request.path = path if path[:1] == "/" and path[1:2] != "/" else normal_path(path)
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
