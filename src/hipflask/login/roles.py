"""Roles and permissions on views: ``roles_required``, ``roles_accepted``, ``permission_required``.

The logged-in user's identity provides a ``UserNeed`` for its id, a
``RoleNeed`` per entry of ``user.roles`` (strings, or objects with a
``name``) and an ``ActionNeed`` per entry of ``user.permissions``; receivers
of ``identity_loaded`` may add more. An anonymous visitor gets the login
answer (redirect to ``login_view``, or 401); a logged-in user without the
role gets 403. Each decorator also takes a whole :class:`Blueprint`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

from werkzeug.exceptions import Forbidden

from ..contexts.ctx import has_request_context
from ..principal.identity import ActionNeed
from ..principal.identity import Identity
from ..principal.identity import RoleNeed
from ..principal.identity import UserNeed
from ..principal.permission import Permission
from ..principal.principal import get_identity

F = TypeVar("F", bound=Callable[..., Any])


def _names(values: Any) -> list[str]:
    names = []
    for value in values or ():
        name = value if isinstance(value, str) else getattr(value, "name", None)
        if isinstance(name, str):
            names.append(name)
    return names


def _native_id(user: Any, user_id: Any) -> Any:
    """The user's own ``id`` when ``get_id()`` is its string form, else ``get_id()``.

    Flask-Principal apps send ``Identity(user.id)`` at login and compare
    ``identity.id`` with their columns (an int, a UUID): the string
    ``get_id()`` returns would make ``identity.id == post.author_id`` false
    for the post's own author.
    """
    native = getattr(user, "id", None)
    if native is not None and str(native) == user_id:
        return native
    return user_id


def identity_for_current_user() -> Identity | None:
    """The identity of the logged-in user, ``None`` for an anonymous visitor."""
    from .utils import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return None
    user_id = current_user.get_id()
    identity = Identity(_native_id(current_user, user_id), "login")
    identity.provides.add(UserNeed(identity.id))
    # The string form too: needs built from get_id() or a session value.
    identity.provides.add(UserNeed(user_id))
    for role in _names(getattr(current_user, "roles", None)):
        identity.provides.add(RoleNeed(role))
    for permission in _names(getattr(current_user, "permissions", None)):
        identity.provides.add(ActionNeed(permission))
    return identity


def _refusal(permissions: list[Permission]) -> Any:
    from .utils import _manager
    from .utils import current_user

    if not current_user.is_authenticated:
        return _manager().unauthorized()
    identity = get_identity()
    if not all(identity.can(permission) for permission in permissions):
        raise Forbidden()
    return None


def _protect(permissions: list[Permission]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        from .utils import guarded_by

        return guarded_by(view, lambda: _refusal(permissions))

    return decorator


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let in users having *every* one of ``roles``."""
    return _protect([Permission(RoleNeed(role)) for role in roles])


def roles_accepted(*roles: str) -> Callable[[F], F]:
    """Let in users having *at least one* of ``roles``."""
    return _protect([Permission(*(RoleNeed(role) for role in roles))])


def permission_required(*permissions: str | Permission) -> Callable[[F], F]:
    """Let in users having every one of ``permissions`` (names or :class:`Permission`)."""
    required = [
        item if isinstance(item, Permission) else Permission(ActionNeed(item))
        for item in permissions
    ]
    return _protect(required)


__all__ = [
    "identity_for_current_user",
    "permission_required",
    "roles_accepted",
    "roles_required",
]
