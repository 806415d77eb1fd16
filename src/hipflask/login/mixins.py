"""``UserMixin`` and ``AnonymousUserMixin``: what Flask-Login expects of a user."""

from __future__ import annotations

from typing import Any


class UserMixin:
    """Defaults for a user model with an ``id`` attribute.

    Users compare equal when ``get_id()`` does, so a user loaded twice (from
    the session and from the database) is still the same user.
    """

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        """Whether the account may log in; override to block suspended accounts."""
        return True

    @property
    def is_authenticated(self) -> bool:
        return self.is_active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id kept in the session, as text.

        :raises NotImplementedError: the model has no ``id`` attribute.
        """
        try:
            return str(self.id)  # type: ignore[attr-defined]
        except AttributeError:
            raise NotImplementedError("No `id` attribute - override `get_id`") from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UserMixin):
            return self.get_id() == other.get_id()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        if equal is NotImplemented:
            return NotImplemented
        return not equal


class AnonymousUserMixin:
    """The user of a request nobody is logged in to."""

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return False

    @property
    def is_anonymous(self) -> bool:
        return True

    def get_id(self) -> Any:
        return None


__all__ = ["AnonymousUserMixin", "UserMixin"]
