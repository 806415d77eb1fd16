"""Sending files: :func:`send_file` and :func:`send_from_directory`.

Both build an ordinary response from the current request, never from a WSGI
environ or an ASGI scope, so one implementation serves both protocols. The
body is streamed in 64 KiB chunks (a download never sits in memory whole), and
the conditional-request machinery a browser and a CDN rely on is built in:
validators (``ETag``, ``Last-Modified``), ``304 Not Modified``, single byte
ranges (``206``/``416``) guarded by ``If-Range``.

:func:`send_from_directory` is the one to use with a path that came from a
URL or a form: it answers 404 for anything that would leave the folder.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import time
import unicodedata
from collections.abc import Callable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import dump_options_header
from werkzeug.http import generate_etag
from werkzeug.http import parse_date
from werkzeug.http import parse_etags
from werkzeug.http import parse_range_header
from werkzeug.http import quote_etag
from werkzeug.sansio.http import is_resource_modified
from werkzeug.security import safe_join

from ..contexts.globals import _current_request_or_none
from ..contexts.globals import current_app

if TYPE_CHECKING:
    from ..wrappers.request import Request
    from ..wrappers.response import Response

#: Bytes read per chunk: large enough that per-chunk overhead vanishes next
#: to the I/O, small enough that many concurrent downloads stay cheap.
CHUNK_SIZE = 64 * 1024

# CR and LF would end the header early (response splitting); other control
# characters have no business in a file name a browser shows.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

# RFC 5987 attr-char: what may stay unescaped in ``filename*``.
_ATTR_CHARS = "!#$&+-.^_`|~"

# A compressed file is served as its bytes, without Content-Encoding (the
# browser must not unpack it), so its type is the compression format, not
# the type of what is inside (``.tar.gz`` is not ``application/x-tar``).
_ENCODING_TYPES = {"gzip": "application/gzip", "bzip2": "application/x-bzip2"}

# Except what browsers show rather than save: a ``.svgz`` is an image only
# as ``image/svg+xml`` with ``Content-Encoding: gzip``, as Flask sends it.
_SHOWN_COMPRESSED = frozenset({("image/svg+xml", "gzip")})

_CONDITIONAL_METHODS = frozenset({"GET", "HEAD"})

MaxAge = int | Callable[[str | None], int | None] | None


class _Source:
    """An open file and what is known about it before any byte is sent."""

    __slots__ = ("file", "mtime", "mtime_ns", "path", "size", "start")

    def __init__(
        self,
        file: IO[bytes],
        path: str | None,
        size: int | None,
        start: int,
        mtime: float | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        self.file = file
        self.path = path
        self.size = size
        self.start = start
        self.mtime = mtime
        self.mtime_ns = mtime_ns


class _FileChunks:
    """A streamed response body: part of a file, read in chunks, then closed.

    ``close`` is what the adapters call when the response ends, including
    for HEAD requests and clients that disconnect before the end, so the file
    never outlives its response. It may be called more than once.
    """

    __slots__ = ("_file", "_length")

    def __init__(self, file: IO[bytes], length: int | None) -> None:
        self._file = file
        self._length = length

    def narrow(self, offset: int, length: int) -> None:
        """Send ``length`` bytes from ``offset`` instead (a range); before iterating only."""
        self._file.seek(offset)
        self._length = length

    def __iter__(self) -> Iterator[bytes]:
        file = self._file
        remaining = self._length
        try:
            while remaining is None or remaining > 0:
                size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = file.read(size)
                if not chunk:
                    # The file shrank while being sent; stopping short makes
                    # the client see a truncated body rather than wrong bytes.
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            file.close()

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._file.close()


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: MaxAge = None,
) -> Response:
    """Send a file's contents, streamed, with caching and range support.

    A path is relative to the app's root folder and must be trusted: never
    build it from request data (use :func:`send_from_directory` for that). A
    binary file object is sent from its current position; it has no name, so
    give ``download_name`` or ``mimetype``. The MIME type is guessed from
    ``download_name`` (or the path).

    ``as_attachment`` makes browsers save the file instead of showing it;
    non-ASCII names are sent as RFC 5987 ``filename*`` with an ASCII fallback.
    ``etag`` may be ``False`` or a precomputed tag; by default one is derived
    from the file's path, size and modification time. ``max_age`` (seconds,
    or a function of the path) makes the response publicly cacheable, with
    ``Expires`` to match; without it the app's ``get_send_file_max_age``
    decides (``SEND_FILE_MAX_AGE_DEFAULT``), and when that is ``None``
    browsers revalidate every time (``no-cache``), which with the validators
    costs a 304, not a download.

    With ``conditional``, a GET or HEAD carrying ``If-Match`` that names
    another version gets ``412`` (``*`` matches any, as RFC 9110 says), one
    carrying ``If-None-Match`` or ``If-Modified-Since`` that still matches
    gets ``304``, and a GET with one
    byte ``Range`` gets ``206`` (``416`` when it lies past the end). Several
    ranges in one request get the whole file: a permitted answer, and it
    spares the server multipart bodies that a tiny request could make costly.

    With ``USE_X_SENDFILE`` the body is left to the front web server (the
    ``X-Sendfile`` header); only use it behind a server that honours it.
    """
    app = current_app
    source = _open_source(path_or_file, app.root_path)
    try:
        x_sendfile = _x_sendfile(app.config, source.path)
        response = _file_response(
            app,
            source,
            mimetype,
            as_attachment,
            download_name,
            etag,
            last_modified,
            x_sendfile is not None,
        )
        if max_age is None:
            # The app's default lifetime (SEND_FILE_MAX_AGE_DEFAULT), as in Flask.
            max_age = app.get_send_file_max_age
        _set_cache_control(response, max_age, source.path)
        request = _current_request_or_none()
        if conditional and request is not None:
            # As a conditional response always says when it was made.
            response.date = int(time.time())  # type: ignore[assignment]
        if conditional and request is not None and request.method in _CONDITIONAL_METHODS:
            if source.size is not None:
                response.accept_ranges = "bytes"
            if _if_match_fails(request, response):
                # The client's copy is not this one (a stale download to
                # resume, a lost update): nothing is sent.
                response.status_code = 412
                return _without_body(response, source)
            if not _is_modified(request, response):
                response.status_code = 304
                return _without_body(response, source)
        if x_sendfile is not None:
            response.headers["X-Sendfile"] = x_sendfile
            if source.size is not None:
                response.content_length = source.size
            source.file.close()
            return response
        span = None
        if conditional and request is not None and source.size is not None:
            span = _requested_span(request, response, source.size)
        if span is _UNSATISFIABLE:
            # An HTTP error, as in Flask: the app's 416 handler and error page apply.
            raise RequestedRangeNotSatisfiable(length=source.size)
        _attach_body(response, source, span)
    except BaseException:
        source.file.close()
        raise
    return response


def _x_sendfile(config: Any, path: str | None) -> str | None:
    """The ``X-Sendfile`` value for ``path``, or ``None`` to send the file here."""
    if path is None or not config.get("USE_X_SENDFILE"):
        return None
    if _CONTROL_CHARS.search(path):
        # A line break would end the header: such a file is sent here.
        return None
    # The path's bytes, as the file system has them: a header value is
    # bytes, and a name outside Latin-1 has no other way through.
    return os.fsencode(path).decode("latin-1")


def _without_body(response: Response, source: _Source) -> Response:
    """``response`` with its file closed and an empty body (a 304 or a 412)."""
    source.file.close()
    response.response = []
    # An empty list, no longer the file: its length (0) is for the adapter to state.
    response.direct_passthrough = False
    return response


def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: Any
) -> Response:
    """Send a file from inside ``directory``; 404 for anything outside it.

    ``path`` may come straight from the URL: a request for ``../``,
    ``..%2f`` (decoded before routing), an absolute path, a backslash, a NUL
    byte, a directory, a missing file (one removed while being looked up
    included), or a symbolic link that leads out of the folder is answered
    with 404, the same as a missing file, so an
    attacker learns nothing about what exists outside. ``directory`` is
    relative to the app's root folder and is trusted. Other arguments go to
    :func:`send_file`.
    """
    root = os.path.join(current_app.root_path, os.fspath(directory))
    requested = os.fspath(path)
    real = _resolve_inside(root, requested)
    # The name the client asked for decides the type and the download name:
    # a link "latest.js" inside the folder stays "latest.js".
    # Normalised first, as the path that was resolved: "app.js/" and
    # "app.js/." name app.js, not "" or ".".
    kwargs.setdefault("download_name", os.path.basename(os.path.normpath(requested)))
    try:
        return send_file(real, **kwargs)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        # Removed or replaced between the check and the open (a deploy, a
        # cleanup job): as missing as any other file, not a server error.
        raise NotFound() from None


def _resolve_inside(root: str, requested: str) -> str:
    """The real path of ``requested`` under ``root``, or :class:`NotFound`."""
    # NUL truncates the path in C calls (and makes Python raise); a backslash
    # is a separator on Windows, so "..\\" would climb out there. Neither has
    # a place in a static file's name on any system.
    if "\x00" in requested or "\\" in requested:
        raise NotFound()
    # safe_join refuses "..", absolute paths and drive letters.
    joined = safe_join(root, requested)
    if joined is None:
        raise NotFound()
    # A symbolic link inside the folder may point anywhere (planted by an
    # upload feature or a careless deploy); resolve it and check where it
    # really lands. The resolved path is what gets opened, so a link swapped
    # after this check cannot redirect the read.
    real_root = os.path.realpath(root)
    real = os.path.realpath(joined)
    try:
        inside = os.path.commonpath((real_root, real)) == real_root
    except ValueError:  # different drives on Windows
        inside = False
    if not inside or not os.path.isfile(real):
        raise NotFound()
    return real


def _open_source(path_or_file: str | os.PathLike[str] | IO[bytes], root_path: str) -> _Source:
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.path.join(root_path, os.fspath(path_or_file))
        file = open(path, "rb")  # noqa: SIM115 - closed by the response body
        try:
            stat = os.fstat(file.fileno())
        except BaseException:
            file.close()
            raise
        return _Source(file, path, stat.st_size, 0, stat.st_mtime, stat.st_mtime_ns)
    if isinstance(path_or_file, io.TextIOBase):
        raise ValueError(
            "send_file() needs a binary file, but a text file was given. Open the"
            " file with mode 'rb', or wrap text in io.BytesIO(text.encode())."
        )
    start, size = _remaining(path_or_file)
    return _Source(path_or_file, None, size, start)


def _remaining(file: IO[bytes]) -> tuple[int, int | None]:
    """Current position and bytes left, or an unknown size for unseekable files."""
    try:
        if not file.seekable():
            return 0, None
        start = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
    except (AttributeError, OSError):
        return 0, None
    return start, max(end - start, 0)


def _file_response(
    app: Any,
    source: _Source,
    mimetype: str | None,
    as_attachment: bool,
    download_name: str | None,
    etag: bool | str,
    last_modified: datetime | int | float | None,
    sendfile: bool,
) -> Response:
    if download_name is None and source.path is not None:
        download_name = os.path.basename(source.path)
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "send_file() cannot guess the MIME type of a file object: it has no"
                " name. Pass download_name='report.pdf' or mimetype='application/pdf'."
            )
        mimetype, shown_encoding = _shown_compressed(download_name)
        if mimetype is None:
            mimetype = guess_mimetype(download_name)
    else:
        shown_encoding = None
    headers = Headers()
    # A download is saved as its bytes: with Content-Encoding the browser
    # would unpack it and save plain SVG under the .svgz name.
    if shown_encoding is not None and not as_attachment:
        headers["Content-Encoding"] = shown_encoding
    if download_name is not None:
        headers["Content-Disposition"] = content_disposition(download_name, as_attachment)
    elif as_attachment:
        raise TypeError(
            "send_file(as_attachment=True) needs a file name for the browser's save"
            " dialog, and a file object has none. Pass download_name='report.pdf'."
        )
    # Called as Flask calls it, so that a response class with an __init__ of
    # its own gets the same arguments: the body (the file, not yet read; a
    # range narrows it later), the type, the headers and direct_passthrough.
    body = None if sendfile else _FileChunks(source.file, source.size)
    response: Response = app.response_class(
        body, mimetype=mimetype, headers=headers, direct_passthrough=True
    )
    tag = _entity_tag(etag, source)
    if tag is not None:
        response.set_etag(tag)
    if last_modified is None:
        last_modified = source.mtime
    if last_modified is not None:
        response.last_modified = last_modified  # type: ignore[assignment]  # the setter takes timestamps too
    return response


def _shown_compressed(name: str) -> tuple[str | None, str | None]:
    """The inner type and the encoding of a compressed file a browser shows (``.svgz``)."""
    mimetype, encoding = mimetypes.guess_type(name)
    if (mimetype, encoding) in _SHOWN_COMPRESSED:
        return mimetype, encoding
    return None, None


def guess_mimetype(name: str) -> str:
    """The MIME type for a file name, ``application/octet-stream`` if unknown."""
    mimetype, encoding = mimetypes.guess_type(name)
    if encoding is not None:
        return _ENCODING_TYPES.get(encoding, "application/octet-stream")
    return mimetype or "application/octet-stream"


def content_disposition(name: str, as_attachment: bool) -> str:
    """A ``Content-Disposition`` value: ``inline`` or ``attachment`` with the name.

    A non-ASCII name is sent twice: percent-encoded UTF-8 in ``filename*``
    (RFC 5987/6266, what browsers use) and folded to ASCII in ``filename``
    for old clients.
    """
    name = _CONTROL_CHARS.sub("", name)
    options: dict[str, str]
    if name.isascii():
        options = {"filename": name}
    else:
        stem, extension = os.path.splitext(name)
        # Folded as Werkzeug folds it ("Résumé €.txt" -> "Resume .txt"); a
        # name with nothing foldable ("报告.txt") still gets a usable one.
        folded = _fold_to_ascii(stem)
        if not folded.strip():
            folded = "download"
        options = {
            "filename": folded + _fold_to_ascii(extension),
            "filename*": "UTF-8''" + quote(name, safe=_ATTR_CHARS),
        }
    return dump_options_header("attachment" if as_attachment else "inline", options)


def _fold_to_ascii(text: str) -> str:
    """Accented letters to their base letter ("é" to "e"); the rest dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _entity_tag(etag: bool | str, source: _Source) -> str | None:
    if isinstance(etag, str):
        return etag
    if etag and source.path is not None and source.mtime_ns is not None:
        # Changes whenever the file is replaced or edited; hashed so that the
        # server's file system layout does not leak into a header.
        stamp = f"{source.mtime_ns}-{source.size}-{source.path}"
        return generate_etag(stamp.encode())
    return None


def configured_max_age(config: Any) -> int | None:
    """``SEND_FILE_MAX_AGE_DEFAULT`` in seconds (it may be a ``timedelta``), or ``None``."""
    value = config["SEND_FILE_MAX_AGE_DEFAULT"]
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def _set_cache_control(response: Response, max_age: MaxAge, path: str | None) -> None:
    """``Cache-Control`` and ``Expires`` for ``max_age`` (seconds, or a function of the path).

    ``None``: cache but revalidate (``no-cache``); with the validators that
    is a cheap 304. A positive lifetime is public; zero or less keeps
    ``no-cache`` with the stated ``max-age``. ``Expires`` repeats the
    lifetime for HTTP/1.0 caches, as Flask's ``send_file`` does.
    """
    if callable(max_age):
        max_age = max_age(path)
    if max_age is None:
        response.cache_control.no_cache = True
        return
    if max_age > 0:
        response.cache_control.public = True
    else:
        response.cache_control.no_cache = True
    response.cache_control.max_age = max_age
    response.expires = int(time.time() + max_age)  # type: ignore[assignment]  # the setter takes timestamps


def _if_match_fails(request: Request, response: Response) -> bool:
    """``If-Match`` (RFC 9110 13.1.1): ``*`` or this file's tag, compared strongly."""
    header = request.headers.get("If-Match")
    if header is None:
        return False
    tags = parse_etags(header)
    if tags.star_tag:
        return False
    etag, weak = response.get_etag()
    return etag is None or weak or not tags.is_strong(etag)


def _is_modified(request: Request, response: Response) -> bool:
    return is_resource_modified(
        http_if_modified_since=request.headers.get("If-Modified-Since"),
        http_if_none_match=request.headers.get("If-None-Match"),
        etag=response.get_etag()[0],
        last_modified=response.last_modified,
    )


_UNSATISFIABLE = (-1, -1)

# "bytes=-0": the last zero bytes.
_EMPTY_SUFFIX = re.compile(r"\s*bytes\s*=\s*-0+\s*", re.IGNORECASE)


def _requested_span(request: Request, response: Response, size: int) -> tuple[int, int] | None:
    """The byte span ``[start, stop)`` asked for, ``None`` for the whole file.

    ``_UNSATISFIABLE`` when the one range asked for lies entirely past the end.
    Range is defined for GET only; anything malformed or unusual (other units,
    several ranges, a stale ``If-Range``) is ignored and the whole file sent,
    which is always a correct answer.
    """
    header = request.headers.get("Range")
    if request.method != "GET" or not header or not _if_range_holds(request, response):
        return None
    ranges = parse_range_header(header)
    if ranges is None and _EMPTY_SUFFIX.fullmatch(header):
        # Well formed, but a suffix of zero bytes can never be satisfied
        # (RFC 9110 14.1.1); Werkzeug's parser refuses it as malformed.
        return _UNSATISFIABLE
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1:
        return None
    start, stop = ranges.ranges[0]
    if start < 0:  # a suffix: the last -start bytes
        start = max(size + start, 0)
        stop = size
    elif stop is None or stop > size:
        stop = size
    if start >= stop:
        return _UNSATISFIABLE
    return start, stop


def _if_range_holds(request: Request, response: Response) -> bool:
    """Whether the validator in ``If-Range`` still names this representation.

    If it does not, the client's earlier part belongs to an older file, and
    mixing bytes of two versions would corrupt its copy: it gets the whole.
    """
    value = request.headers.get("If-Range", "").strip()
    if not value:
        return True
    if value.startswith(('"', "W/")):
        # Ranges need the strong comparison: a weak tag never matches.
        tag, weak = response.get_etag()
        return tag is not None and not weak and value == quote_etag(tag)
    date = parse_date(value)
    return date is not None and date == response.last_modified


def _attach_body(response: Response, source: _Source, span: tuple[int, int] | None) -> None:
    length = size = source.size
    body = response.response
    if span is not None:
        start, stop = span
        length = stop - start
        if isinstance(body, _FileChunks):
            body.narrow(source.start + start, length)
        else:  # the response class replaced the body given to it
            source.file.seek(source.start + start)
            body = response.response = _FileChunks(source.file, length)
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    if length is not None:
        response.content_length = length
