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

T = TypeVar("T")

__all__ = ["ASGIRequestHeaders", "WSGIRequestHeaders"]

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


class ASGIRequestHeaders(ImmutableHeadersMixin, Headers):  # type: ignore[misc]
    """The headers of an ASGI request: a read-only :class:`~werkzeug.datastructures.Headers`.

    The first value of each name is indexed when the first lookup comes;
    the index cannot go stale since the headers cannot change.
    """

    _index: dict[str, str] | None = None
    #: Set by whoever built the headers when no name occurs twice: then the
    #: index holds every value.
    _unique_names: bool = False

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
