"""The ASGI adapter's request side: an http scope made into the neutral request.

Kept apart from :mod:`hipflask.core.asgi`, which serves the connection
(lifespan, the pipeline's hand-off, sending the response): what is here
reads the scope and the body before the app sees the request. The raw
headers are walked once for what decides how the body is read (its framing)
and for the credentials most requests need (:mod:`hipflask.core.asgi_headers`);
the body is read in full, bounded by ``MAX_CONTENT_LENGTH``, so views keep
Flask's synchronous ``request.get_data()``; and a WSGI environ is synthesised
only for code that reads ``request.environ``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from collections.abc import Sequence
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout

from ..security.proxies import apply_asgi
from ..wrappers.framing import conflicting_headers
from ..wrappers.framing import declared_length
from ..wrappers.framing import refusal_for
from ..wrappers.headers import ASGIRequestHeaders
from ..wrappers.repeated import content_type_refusal
from ..wrappers.request import assign_fields
from . import serve
from .asgi_headers import Framing
from .asgi_headers import hosts_to_compare
from .body import BODY_INCOMPLETE
from .body import SPOOL_LIMIT
from .body import BodyTimeouts
from .body import ClientGone
from .body import RefusingStream
from .body import exact_input
from .body import receive_body
from .body import start_receive
from .wsgi_middleware import wsgi_middleware_trust

if TYPE_CHECKING:
    from ..typing import Receive
    from ..typing import Scope
    from ..wrappers.request import Request
    from .app import Hipflask

__all__ = [
    "ENVIRON_EXTRAS_KEY",
    "SAFE_READS",
    "BufferedBody",
    "empty_body",
    "is_bodiless",
    "make_request",
    "prepare_body",
    "scope_environ",
    "too_large_body",
    "trusted_scope",
]

#: Scope key a test client sets to the environ entries a scope cannot carry
#: (``environ_base={"REMOTE_USER": ...}``): the synthesised environ has them.
ENVIRON_EXTRAS_KEY = "hipflask.environ_extras"


def make_request(
    app: Hipflask,
    scope: Scope,
    credentials: tuple[str | None, str | None],
    body: Callable[[Request], IO[bytes]],
) -> Request:
    """Build the neutral request from an http scope.

    ``credentials`` are the ``Authorization`` and joined ``Cookie`` values
    :func:`~hipflask.core.asgi_headers.scan_headers` found; the header
    object is made when first read.
    """
    root_path = scope.get("root_path", "")
    path = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server")
    client = scope.get("client")
    method = scope["method"]
    scheme = scope.get("scheme", "http")
    address = (server[0], server[1]) if server else None
    query = scope.get("query_string", b"")
    remote = client[0] if client else None
    cls = app.request_class
    raw = scope["headers"]
    if cls._plain_init:
        # The base __new__ (see Request._plain_init), without looking it up.
        request = object.__new__(cls)
        assign_fields(
            request, method, scheme, address, root_path, path, query, None, remote, app,
            body, None, scope_environ,
        )  # fmt: skip
        request._raw_headers = raw
        request._credentials = credentials
        request._scope = scope
        if type(body) is BufferedBody:
            # The framing checks parsed the length already; the request
            # would find the same (a chunked body has none). A request class
            # with its own __init__ keeps its own content_length.
            request.content_length = body.length
        return request
    # A request class with its own __init__ is given the headers it expects.
    return cls._build(
        method, scheme, address, root_path, path, query, ASGIRequestHeaders.from_raw(raw),
        remote, app, body, None, lambda request: _environ(request, scope),
    )  # fmt: skip


class BufferedBody:
    """A body read in full before the view runs, handed over as the request's stream.

    ``length`` is the length its ``Content-Length`` announced (``None`` for
    a chunked body); the body was read to exactly that length.
    """

    __slots__ = ("_file", "_size", "length")

    def __init__(self, file: IO[bytes], size: int, length: int | None) -> None:
        self._file = file
        self._size = size
        self.length = length

    @property
    def file(self) -> IO[bytes]:
        """The body as read from the client: the environ's ``wsgi.input``.

        Reading it moves the request's own reading on, as reading a WSGI
        server's input does; the request then finds its body short of the
        declared length, which is the same 400 as under WSGI.
        """
        return self._file

    def __call__(self, request: Request) -> IO[bytes]:
        # The app-wide limit bounded the reading; a lower per-request limit
        # (set in a before_request hook) must hold for a body of undeclared
        # length too, as it does under WSGI. A declared length was already
        # held against it by the request, and the body is exactly that long.
        if self.length is None or request.content_length != self.length:
            limit = request.max_content_length
            if limit is not None and self._size > limit:
                raise RequestEntityTooLarge()
        if self.length is not None and self._file.tell():
            # Code read part of it through ``wsgi.input`` first: what is left
            # is short of the declared length, and reading it says so.
            return exact_input(self._file, self.length)
        return self._file

    def read_whole(self, request: Request, length: int) -> bytes:
        """The body, read whole (the request checked the limits, as ``__call__`` does)."""
        data = self._file.read(length)
        if len(data) != length:
            # Read through ``wsgi.input`` first (see ``file``).
            raise BadRequest(BODY_INCOMPLETE)
        return data

    def close(self) -> None:
        self._file.close()


class _Refused:
    """The body of a request refused before routing: reading it raises the refusal too.

    ``before_request`` hooks still run for a refused request (as for any
    routing error), and one that reads the form must not see a broken body.
    """

    __slots__ = ("error",)

    def __init__(self, error: HTTPException) -> None:
        self.error = error

    def __call__(self, request: Request) -> IO[bytes]:
        raise self.error


def refused_body(error: HTTPException) -> Callable[[Request], IO[bytes]]:
    """The body of a request refused before routing: reading it raises ``error``."""
    return _Refused(error)


def too_large_body(request: Request) -> IO[bytes]:
    raise RequestEntityTooLarge()


def empty_body(request: Request) -> IO[bytes]:
    return io.BytesIO()


def _framing_verdict(framing: Framing, hosts: Sequence[str]) -> tuple[str | None, int | None]:
    """Why the framing headers are refused (or ``None``), and the declared body length."""
    encodings = framing.transfer_encodings
    if not hosts and not encodings:
        # Only the length can be wrong, and conflicting_headers would say
        # what declared_length says: parse it once.
        try:
            return None, declared_length(framing.lengths)
        except BadRequest as exc:
            return str(exc.description), None
    reason = conflicting_headers(framing.lengths, hosts, encodings)
    if reason is not None or (encodings and "chunked" in encodings[0].lower()):
        return reason, None
    return None, declared_length(framing.lengths)


#: Methods whose body, absent any framing header, is not read at all.
SAFE_READS = ("GET", "HEAD")


def is_bodiless(scope: Scope, framing: Framing | None) -> bool:
    """A GET or HEAD with no body framing and one plain Host: nothing to read or refuse."""
    if scope["method"] not in SAFE_READS:
        return False
    return framing is None or (
        not framing.lengths
        and not framing.transfer_encodings
        and not hosts_to_compare(framing.hosts)
    )


async def prepare_body(
    app: Hipflask, scope: Scope, framing: Framing | None, receive: Receive
) -> tuple[Callable[[Request], IO[bytes]], HTTPException | None, bool]:
    """Read the body before routing: the body, the refusal if any, whether the client left."""
    if framing is None:
        # No framing header at all on a POST: an HTTP/2 body may still come.
        framing = Framing()
    # hosts_to_compare, in line: every request with a body comes here.
    found = framing.hosts
    hosts: Sequence[str] = found if len(found) > 1 or (found and "," in found[0]) else ()
    if (
        not framing.lengths
        and not framing.transfer_encodings
        and scope["method"] in ("GET", "HEAD")
    ):
        reason = conflicting_headers((), hosts) if hosts else None
        if reason is not None:
            return _Refused(BadRequest(reason)), BadRequest(reason), False
        return empty_body, None, False
    reason, length = _framing_verdict(framing, hosts)
    if reason is None and (framing.lengths or framing.transfer_encodings):
        reason = content_type_refusal(framing.content_type)
    if reason is not None:
        refusal = refusal_for(reason)
        return _Refused(refusal), refusal, False
    limit: int | None = app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and length is not None and length > limit:
        return too_large_body, None, False
    first = None
    if length:
        # The usual small body: the server holds it whole in one message.
        first = start_receive(receive)
        whole = _whole_body(first, length)
        if whole is not None:
            return whole, None, False
    read = await _read_body(app, receive, length, limit, first)
    if framing.lengths or framing.transfer_encodings or read[0] is empty_body or read[1]:
        return read
    # HTTP/2 and HTTP/3 frame a body themselves, with neither header: what
    # came is a body all the same, and its type is judged as a framed one's.
    reason = content_type_refusal(_content_types(scope))
    if reason is None:
        return read
    refusal = refusal_for(reason)
    return _Refused(refusal), refusal, False


def _content_types(scope: Scope) -> str | None:
    """The request's ``Content-Type`` values, joined as a repeated header is."""
    found = [
        value.decode("latin-1")
        for name, value in scope["headers"]
        if name.lower() == b"content-type"
    ]
    return ",".join(found) if found else None


async def _read_body(
    app: Hipflask, receive: Receive, length: int | None, limit: int | None, first: Any
) -> tuple[Callable[[Request], IO[bytes]], HTTPException | None, bool]:
    """:func:`prepare_body`'s reading, from ``first`` (started already) or the next message."""
    try:
        buffer, size = await receive_body(
            receive,
            length=length,
            limit=limit,
            timeouts=BodyTimeouts.from_config(app.config),
            first=first,
        )
    except RequestEntityTooLarge:
        # The view gets a 413 if (and only if) it asks for the body, as under WSGI.
        return too_large_body, None, False
    except ClientGone:
        # Gone, or a broken body the server reported as a disconnect: the
        # answer is a 400 (a half-closed client still reads it), never a
        # response-less return, which servers log or send as a 500.
        refusal = BadRequest(BODY_INCOMPLETE)
        return _Refused(refusal), refusal, True
    except RequestTimeout as exc:
        return _Refused(exc), exc, False
    except BadRequest as exc:
        # A body shorter than its Content-Length: refused when read, as under
        # WSGI, so a view that never reads the body answers the same way.
        error = exc
        return (lambda request: RefusingStream(error)), None, False  # type: ignore[return-value]
    if buffer is None:
        return empty_body, None, False
    return BufferedBody(buffer, size, length), None, False


def _whole_body(message: Any, length: int) -> BufferedBody | None:
    """The body, when ``message`` is the last one and holds exactly ``length`` bytes.

    What :func:`receive_body` would make of that message, without its
    coroutine, clock and loop; anything else is left to it.
    """
    if type(message) is not dict or message.get("type") != "http.request":
        return None
    chunk = message.get("body", b"")
    if (
        message.get("more_body", False)
        or type(chunk) is not bytes
        or len(chunk) != length
        or length > SPOOL_LIMIT
    ):
        return None
    return BufferedBody(io.BytesIO(chunk), length, length)


def trusted_scope(app: Hipflask, scope: Scope) -> Scope:
    """The scope as the request sees it: trusted proxy headers applied, headers a list."""
    proxy_fix = app.config.get("PROXY_FIX")
    if proxy_fix is not None and proxy_fix is not False:
        trust = serve.proxy_trust(app)
        if trust is not None:
            scope = apply_asgi(scope, trust)
    elif "wsgi_app" in app.__dict__:
        # ``app.wsgi_app = ProxyFix(app.wsgi_app)``, the Flask way: ProxyFix
        # alone keeps the native path, so its trust is applied here (other
        # middleware serves the request itself, see wsgi_middleware).
        trust = wsgi_middleware_trust(app)
        if trust is not None:
            scope = apply_asgi(scope, trust)
    if type(scope["headers"]) is not list:
        # Any iterable will do (a middleware may pass a generator), and the
        # list is read twice: in scan_headers, and when request.headers is made.
        scope = {**scope, "headers": list(scope["headers"])}
    return scope


def scope_environ(request: Request) -> dict[str, Any]:
    """The WSGI environ of a request made from a scope, made when first read.

    A module function rather than a closure over the scope made per request.
    """
    return _environ(request, request._scope)


def _environ(request: Request, scope: Scope) -> dict[str, Any]:
    """A WSGI environ equivalent to the scope, for code that reads ``request.environ``."""
    server = scope.get("server") or ("localhost", None)
    # A server on a Unix socket reports (path, None); WSGI code reads
    # SERVER_PORT as a number, so give the scheme's default port instead.
    port = server[1] if server[1] is not None else (443 if request.scheme == "https" else 80)
    client = scope.get("client")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": request.root_path.encode().decode("latin-1"),
        "PATH_INFO": request.path.encode().decode("latin-1"),
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": _input(request),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    # The request target as the client sent it, as gunicorn and Werkzeug's
    # servers and test client give it (logging and signing code read these).
    target = scope.get("raw_path") or quote(request.root_path + request.path, _PATH_SAFE).encode()
    if request.query_string:
        target += b"?" + request.query_string
    environ["RAW_URI"] = environ["REQUEST_URI"] = target.decode("latin-1")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for name, value in request.headers.items():
        if "_" in name:
            # It would share its key with the dashed name (see the WSGI
            # servers, which drop it too): ``request.headers`` still has it.
            continue
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    extras = scope.get(ENVIRON_EXTRAS_KEY)
    if extras:
        # Only what the scope did not give: a test's extras add, never override.
        for key, value in extras.items():
            environ.setdefault(key, value)
    return environ


#: What a path keeps unescaped in ``RAW_URI`` (RFC 3986 path characters, and
#: ``%`` so an escape already there stays one).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def _input(request: Request) -> IO[bytes]:
    # Reading the environ must not raise the body's 413 or 400; reading the
    # body through the request still does. A buffered body is handed over
    # as the server's input is under WSGI: beside the request's stream, not
    # as it, so code reading both sees what WSGI code sees.
    opener = request._open_stream
    if type(opener) is BufferedBody:
        return opener.file
    try:
        return request.stream
    except HTTPException:
        return io.BytesIO()
