"""Needs and identities: what a user provides, in Flask-Principal's model.

A *need* is a small tuple naming one thing an identity can provide: a role
(``RoleNeed("admin")``), being a user (``UserNeed(42)``), an action, or a
right on one item (``ItemNeed("update", 7, "post")``). An *identity* is the
current user's set of needs, filled by ``identity_loaded`` receivers.
"""

from __future__ import annotations

from collections import namedtuple
from functools import partial
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from .permission import Permission

#: One provided or required thing: ``Need(method, value)``.
Need = namedtuple("Need", ["method", "value"])
Need.__doc__ = "A need: ``method`` says what kind (``'role'``), ``value`` which one."

#: A right on one item: ``ItemNeed(method, value, type)``, e.g. ``("update", 7, "post")``.
ItemNeed = namedtuple("ItemNeed", ["method", "value", "type"])
ItemNeed.__doc__ = "A need for one item: the action, the item's id and its type."

#: ``UserNeed(user_id)``: this is the user with that id.
UserNeed = partial(Need, "id")
#: ``RoleNeed(name)``: the user has this role.
RoleNeed = partial(Need, "role")
#: ``TypeNeed(name)``: the user is of this type.
TypeNeed = partial(Need, "type")
#: ``ActionNeed(name)``: the user may do this.
ActionNeed = partial(Need, "action")


class Identity:
    """Who the request is for, and the needs they provide.

    :param id: the user's id; ``None`` for nobody.
    :param auth_type: how they were identified (``"login"``, ``"session"``, ...).
    """

    def __init__(self, id: Any, auth_type: str | None = None) -> None:
        self.id = id
        self.auth_type = auth_type
        self.provides: set[Any] = set()

    def can(self, permission: Permission) -> bool:
        """Whether this identity is allowed by ``permission``."""
        return permission.allows(self)

    def __repr__(self) -> str:
        # Flask-Principal's form (values quoted as str() gives them), so
        # logs and doctests read as they did.
        return (
            f'<{type(self).__name__} id="{self.id}" auth_type="{self.auth_type}"'
            f" provides={self.provides!r}>"
        )


class AnonymousIdentity(Identity):
    """Nobody: the identity of a request no loader recognised."""

    def __init__(self) -> None:
        super().__init__(None)


__all__ = [
    "ActionNeed",
    "AnonymousIdentity",
    "Identity",
    "ItemNeed",
    "Need",
    "RoleNeed",
    "TypeNeed",
    "UserNeed",
]
