"""How a server-side session's record is encoded: the cookie session's tagged JSON, and more.

Flask-Session's records accept sets and dates, which the cookie session's
format has no tag for; a ported app storing them must not fail its requests.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from .tag import JSONTag
from .tag import TaggedJSONSerializer

__all__ = ["ServerSideSerializer"]


class _SetAsList(JSONTag):
    """A ``set`` or ``frozenset``, written as a JSON array; it loads as a list.

    As with Flask-Session, whose records read sets back as lists: storing a
    set must not fail the request. No tag, so nothing new in the format.
    """

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, (set, frozenset))

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class _DateAsISO(JSONTag):
    """A ``date`` (not a datetime), written as ``"2024-01-02"``; it loads as that string.

    That is what Flask-Session gives back. The app's JSON provider, which
    writes the other unknown types, would give an HTTP date
    (``"Tue, 02 Jan 2024 00:00:00 GMT"``), which ``date.fromisoformat``
    in a ported app cannot read.
    """

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, date) and not isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return value.isoformat()

    tag = to_json


class ServerSideSerializer(TaggedJSONSerializer):
    """The cookie session's tagged JSON, plus what Flask-Session's records accept.

    Sets and frozensets are stored as arrays and load as lists; dates are
    stored as ISO strings and load as strings. Both are written without a
    tag, so a record reads the same whichever version wrote it.
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.register(_SetAsList)
        self.register(_DateAsISO)
        # Neither claims a str, number, bool or None, so plain scalars keep
        # skipping the tag search (registering turned that off).
        self._scalars_pass = True
