"""A request attribute computed on first access, then read like any other.

Werkzeug's ``cached_property`` is a data descriptor (it defines ``__set__``),
so every read of ``request.form`` or ``request.args`` runs its Python
``__get__`` again, cached or not. This one defines only ``__get__``: once the
value is in the instance's ``__dict__``, Python finds it there first and the
descriptor is not called any more. Assigning and deleting behave as with
Werkzeug's (they write to and remove from the instance's ``__dict__``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import Generic
from typing import TypeVar
from typing import overload

T = TypeVar("T")

__all__ = ["lazy_attribute"]


class lazy_attribute(Generic[T]):
    """Compute the attribute with the decorated method once per instance."""

    def __init__(self, fget: Callable[[Any], T]) -> None:
        self.fget = fget
        self.__name__ = fget.__name__
        self.__doc__ = fget.__doc__
        self.__module__ = fget.__module__

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy_attribute[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.fget(obj)
        obj.__dict__[self.__name__] = value
        return value
