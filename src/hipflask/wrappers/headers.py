"""Request header objects with cheap lookups, for both protocols.

Werkzeug's header classes answer ``headers.get(name)`` through
``__getitem__``, which raises (and ``get`` catches) a
:class:`~werkzeug.exceptions.BadRequestKeyError` for every header that is
not there; building that exception is several Python calls. A request looks
up absent headers all the time (``Sec-Fetch-Site`` and ``Origin`` for the
cross-origin check, ``Content-Length`` on a GET …), so these classes answer
``get`` and ``in`` directly. Everything else is Werkzeug's API, and both are
read-only, as Werkzeug's WSGI request headers always were.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import TypeVar

from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableHeadersMixin
from werkzeug.exceptions import BadRequestKeyError

from . import layout
from .repeated import join_repeated

T = TypeVar("T")

__all__ = ["ASGIRequestHeaders", "WSGIRequestHeaders", "add_header", "add_vary", "raw_value"]

_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})

#: Header name -> environ key, for the names looked up so far. Names come
#: from code, not from requests, but the cache is bounded all the same.
_ENVIRON_KEYS: dict[str, str] = {}
_ENVIRON_KEYS_MAX = 512


def _environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    key = key if key in _UNPREFIXED else f"HTTP_{key}"
    if len(_ENVIRON_KEYS) < _ENVIRON_KEYS_MAX:
        _ENVIRON_KEYS[name] = key
    return key


def add_header(headers: Headers, name: str, value: str) -> None:
    """``headers.add(name, value)`` for a ``str`` value, with a cheaper line-break check.

    Werkzeug's ``add`` looks for a line break with a regular expression,
    which for a session cookie costs more than the rest of adding it; the
    session, the cache-safety finisher and the cross-origin policy add a
    header or three to many responses. ``in`` tests the same two characters
    in C. A value with a line break still goes through ``add``, which refuses
    it as before (header injection), and so does a header class of its own.
    """
    if layout.FAST and type(headers) is Headers and "\n" not in value and "\r" not in value:
        headers._list.append((name, value))
    else:
        headers.add(name, value)


def add_vary(headers: Headers, name: str) -> None:
    """Add ``name`` to the response's ``Vary``, once, keeping what is listed.

    The session, the cache-safety finisher and the server-side sessions mark
    responses that depend on ``Cookie`` or ``Authorization``: without it a
    shared cache could serve one user's page (their name, their flashed
    messages) to the next. Nothing is added to ``Vary: *``, which already
    says the response may differ for every request.
    """
    if layout.FAST and type(headers) is Headers:
        # getlist, read from its list: Werkzeug's walks it through two more
        # calls, and a session's response (which has no Vary yet) comes here.
        current = []
        for key, value in headers._list:
            if key.lower() == "vary":
                current.append(value)
    else:
        # getlist, not get: a missing header is an exception inside get.
        current = headers.getlist("Vary")
    if not current:
        add_header(headers, "Vary", name)
        return
    lowered = name.lower()
    listed = {item.strip().lower() for value in current for item in value.split(",")}
    if lowered not in listed and "*" not in listed:
        headers["Vary"] = ", ".join([*current, name])


def _converted(value: str, default: Any, type: Callable[[str], T] | None) -> Any:
    if type is None:
        return value
    try:
        return type(value)
    except ValueError:
        return default


class WSGIRequestHeaders(EnvironHeaders):
    """The headers of a WSGI request, read from its environ."""

    def get(  # type: ignore[override]
        self, key: str, default: Any = None, type: Callable[[str], Any] | None = None
    ) -> Any:
        """The first value of header ``key`` (any case), or ``default``."""
        if not isinstance(key, str):
            return default
        name = _ENVIRON_KEYS.get(key)
        if name is None:
            name = _environ_key(key)
        value = self.environ.get(name)
        if value is None:
            return default
        if type is None:
            return value
        return _converted(value, default, type)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: Any) -> Any:
        """The header's value; a missing one is a 400, as under ASGI.

        Werkzeug's environ headers raise a plain ``KeyError`` (a 500) where
        its list headers, and ``request.form`` and ``request.args``, raise
        :class:`~werkzeug.exceptions.BadRequestKeyError`: a header the
        client did not send is the client's error, under both protocols.
        It is still a ``KeyError``, so ``except KeyError`` keeps working.
        """
        if isinstance(key, str):
            value = self.get(key)
            if value is None:
                raise BadRequestKeyError(key)
            return value
        return super().__getitem__(key)


class ASGIRequestHeaders(ImmutableHeadersMixin, Headers):  # type: ignore[misc]
    """The headers of an ASGI request: a read-only :class:`~werkzeug.datastructures.Headers`.

    The first value of each name is indexed when the first lookup comes;
    the index cannot go stale since the headers cannot change.
    """

    _index: dict[str, str] | None = None
    #: Set by whoever built the headers when no name occurs twice: then the
    #: index holds every value.
    _unique_names: bool = False

    @classmethod
    def from_raw(cls, raw: list[tuple[bytes, bytes]]) -> ASGIRequestHeaders:
        """The headers of an ASGI scope (its ``headers`` list of byte pairs).

        The server parsed them already: decoding them straight into the
        list skips re-validating. They read as a WSGI request's do: names
        in the same capitalisation (``X-Api-Key``, whatever case the client
        or server used) and each repeated header joined into one, with a
        comma (``Cookie`` with ``"; "``; :mod:`hipflask.wrappers.repeated`).
        The first value of each name is indexed in the same pass.
        """
        # Its list is filled below: the constructor would only make an empty one.
        headers = cls.__new__(cls)
        pairs: list[tuple[str, str]] = []
        index: dict[str, str] = {}
        repeated = False
        names = _NAMES
        for raw_name, raw_value in raw:
            known = names.get(raw_name)
            name, key = known if known is not None else _name(raw_name)
            value = raw_value.decode("latin-1")
            pairs.append((name, value))
            if key in index:
                repeated = True
            else:
                index[key] = value
        if repeated:
            pairs = join_repeated(pairs)
            index = {name.lower(): value for name, value in pairs}
        if layout.FAST:
            headers._list = pairs
        else:
            # Werkzeug's own methods, called past the read-only mixin's.
            Headers.__init__(headers)
            for name, value in pairs:
                Headers.add(headers, name, value)
        headers._index = index
        headers._unique_names = True
        return headers

    def _first_values(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for name, value in self:
            index.setdefault(name.lower(), value)
        self._index = index
        return index

    def first_values(self) -> Mapping[str, str]:
        """The first value of each header, by lower-case name; do not change it.

        For code that looks up several headers at once: one call, then
        plain mapping lookups (the index itself, typed read-only, rather than
        a proxy made on every call).
        """
        index = self._index
        if index is None:
            index = self._first_values()
        return index

    def get(  # type: ignore[override]
        self, key: str, default: Any = None, type: Callable[[str], Any] | None = None
    ) -> Any:
        """The first value of header ``key`` (any case), or ``default``."""
        if not isinstance(key, str):
            return default
        index = self._index
        if index is None:
            index = self._first_values()
        value = index.get(key.lower())
        if value is None:
            return default
        if type is None:
            return value
        return _converted(value, default, type)

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Every value of header ``key`` (any case), in order.

        Checks look for headers that are usually absent (``Origin``,
        ``Sec-Fetch-Site``) by all their values; the index answers those
        without a walk through the whole list.
        """
        if type is None and isinstance(key, str):
            index = self._index
            if index is None:
                index = self._first_values()
            value = index.get(key.lower())
            if value is None:
                return []
            if self._unique_names:
                return [value]
        if type is None:
            return super().getlist(key)
        return super().getlist(key, type)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        index = self._index
        if index is None:
            index = self._first_values()
        return key.lower() in index

    def copy(self) -> Headers:  # type: ignore[override]
        """A mutable copy, as a plain :class:`~werkzeug.datastructures.Headers`."""
        return Headers(list(self))

    def __copy__(self) -> Headers:  # type: ignore[override]
        return self.copy()


#: Raw header name -> (capitalised name, lower-case name). The same few names come on
#: every request; decoding and lowering each costs more than the lookup.
#: Names come from clients, so the cache is bounded: past it, a name is
#: decoded every time, as without it.
_NAMES: dict[bytes, tuple[str, str]] = {}
_NAMES_MAX = 512


def _name(raw_name: bytes) -> tuple[str, str]:
    key = raw_name.decode("latin-1").lower()
    # Capitalised as WSGI's environ headers are: "x-api-key" -> "X-Api-Key".
    known = (key.title(), key)
    # Clients choose the names: only short ones are kept, and only so many.
    if len(raw_name) <= 64 and len(_NAMES) < _NAMES_MAX:
        _NAMES[raw_name] = known
    return known


def raw_value(raw: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """Header ``name`` (lower-case) from an ASGI scope's list, read as ``request.headers`` reads it.

    Repeats are joined with a comma, as :meth:`ASGIRequestHeaders.from_raw`
    joins them (so not for ``Cookie``, which it joins with ``"; "``). For
    code that needs one header of a request whose header object was not
    made: one pass in a comprehension costs less than making it.
    """
    values = [value for key, value in raw if key == name or key.lower() == name]
    if not values:
        return None
    return (values[0] if len(values) == 1 else b",".join(values)).decode("latin-1")
