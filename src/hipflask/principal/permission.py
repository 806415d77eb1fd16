"""Permissions: sets of needs checked against the current identity.

A permission is granted when the identity provides *any* of its needs (or
it has none) and *none* of its excluded needs. ``require()`` turns it into a
decorator or a ``with`` block that refuses the request.

Without ``http_exception``, Flask-Principal raises :class:`PermissionDenied`,
which in Flask becomes a 500 unless the app handles it; :class:`Principal
<hipflask.principal.Principal>` registers a handler answering 403 instead,
since a refusal is not a server error (unless the app has its own handler).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from ..core.helpers import abort
from .identity import Identity

F = TypeVar("F", bound=Callable[..., Any])


class PermissionDenied(RuntimeError):
    """The identity lacks the permission; its first argument is the permission."""


class IdentityContext:
    """A permission bound to the current identity: a decorator and a ``with`` block."""

    def __init__(self, permission: Permission, http_exception: int | None = None) -> None:
        self.permission = permission
        self.http_exception = http_exception

    @property
    def identity(self) -> Identity:
        """The current request's identity (loaded on first use)."""
        from .principal import get_identity

        return get_identity()

    def can(self) -> bool:
        """Whether the current identity has the permission."""
        return self.identity.can(self.permission)

    def __call__(self, f: F) -> F:
        if inspect.iscoroutinefunction(f):

            @wraps(f)
            async def async_decorated(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await f(*args, **kwargs)

            return async_decorated  # type: ignore[return-value]

        @wraps(f)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self:
                return f(*args, **kwargs)

        return decorated  # type: ignore[return-value]

    def __enter__(self) -> None:
        if not self.can():
            if self.http_exception:
                abort(self.http_exception, self.permission)
            raise PermissionDenied(self.permission)

    def __exit__(self, *args: object) -> None:
        return None


class Permission:
    """Needs of which an identity must provide at least one."""

    def __init__(self, *needs: Any) -> None:
        self.needs: set[Any] = set(needs)
        self.excludes: set[Any] = set()

    def __bool__(self) -> bool:
        """Same as :meth:`can`, so ``if admin_permission:`` reads naturally."""
        return self.can()

    def __and__(self, other: Permission) -> Permission:
        """Flask-Principal's spelling of :meth:`union`."""
        return self.union(other)

    def __or__(self, other: Permission) -> Permission:
        """Flask-Principal's spelling of :meth:`difference`."""
        return self.difference(other)

    def __contains__(self, other: Permission) -> bool:
        return other.issubset(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} needs={self.needs!r} excludes={self.excludes!r}>"

    def require(self, http_exception: int | None = None) -> IdentityContext:
        """A decorator or ``with`` block refusing identities without this permission."""
        return IdentityContext(self, http_exception)

    def test(self, http_exception: int | None = None) -> None:
        """Refuse right now (raise or abort) unless the identity has this permission."""
        with self.require(http_exception):
            pass

    def reverse(self) -> Permission:
        """The permission with needs and excludes swapped."""
        reversed_ = Permission()
        reversed_.needs.update(self.excludes)
        reversed_.excludes.update(self.needs)
        return reversed_

    def union(self, other: Permission) -> Permission:
        """Needs and excludes of both permissions."""
        combined = Permission(*self.needs.union(other.needs))
        combined.excludes.update(self.excludes.union(other.excludes))
        return combined

    def difference(self, other: Permission) -> Permission:
        """Needs and excludes of this permission that the other lacks."""
        remaining = Permission(*self.needs.difference(other.needs))
        remaining.excludes.update(self.excludes.difference(other.excludes))
        return remaining

    def issubset(self, other: Permission) -> bool:
        """Whether this permission's needs and excludes are all in the other's."""
        return self.needs.issubset(other.needs) and self.excludes.issubset(other.excludes)

    def allows(self, identity: Identity) -> bool:
        """Whether ``identity`` provides a need and no excluded need."""
        if self.needs and not self.needs.intersection(identity.provides):
            return False
        return not (self.excludes and self.excludes.intersection(identity.provides))

    def can(self) -> bool:
        """Whether the current identity has this permission."""
        return self.require().can()


class Denial(Permission):
    """A permission granted to everyone *except* identities providing these needs."""

    def __init__(self, *excludes: Any) -> None:
        super().__init__()
        self.excludes.update(excludes)


__all__ = ["Denial", "IdentityContext", "Permission", "PermissionDenied"]
