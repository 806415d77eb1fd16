"""``request.args`` and ``request.form``: Werkzeug's immutable multidict, read cheaply.

``request.args.get("page")`` is what views call most, and Werkzeug's ``get``
reaches the value through two more Python calls (``self[key]``, then a
``super()`` lookup). This subclass finds it with one ``dict`` lookup. It
is the same type for every other purpose: ``isinstance`` against
Werkzeug's class, ``getlist``, ``to_dict``, immutability, pickling and the
repr are all Werkzeug's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import overload

from werkzeug.datastructures import ImmutableMultiDict as _WerkzeugImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError

__all__ = ["ImmutableMultiDict"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_dict_get = dict.get


class ImmutableMultiDict(_WerkzeugImmutableMultiDict[K, V]):
    """Werkzeug's :class:`~werkzeug.datastructures.ImmutableMultiDict`, with faster reads.

    A subclass whose ``__getitem__`` is not this one (its own or a mixin's)
    and whose ``get`` is is given Werkzeug's ``get`` back, which goes
    through ``__getitem__``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if (
            cls.__getitem__ is not ImmutableMultiDict.__getitem__
            and cls.get is ImmutableMultiDict.get
        ):
            cls.get = _WerkzeugImmutableMultiDict.get  # type: ignore[assignment]

    def __getitem__(self, key: K) -> V:
        """The first value of ``key``; a missing key is a 400 (``BadRequestKeyError``)."""
        values: list[V] | None = _dict_get(self, key)  # type: ignore[assignment]
        if values:
            return values[0]
        raise BadRequestKeyError(key)

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    @overload
    def get(self, key: K, default: T) -> V | T: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...
    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """The first value of ``key``, converted by ``type`` if given, else ``default``.

        As Werkzeug's: a ``ValueError`` or ``TypeError`` from ``type`` gives
        ``default`` too.
        """
        values: list[V] | None = _dict_get(self, key)  # type: ignore[assignment]
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default
