"""The types of token lifetimes and freshness (``flask_jwt_extended.typing``).

For annotating code that passes them on to ``create_access_token`` and
``create_refresh_token``. Besides Flask-JWT-Extended's types, a number of
seconds is accepted, as the ``JWT_*_EXPIRES`` settings accept one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from typing import Union

__all__ = ["ExpiresDelta", "Fresh"]

#: A token's lifetime: a ``timedelta``, seconds, or ``False`` for a token that
#: never expires (``None``, where a function takes it, means the setting's).
ExpiresDelta = Union[Literal[False], timedelta, float]  # noqa: UP007 (a runtime alias)

#: ``True`` right after a password check; a ``timedelta`` keeps the token
#: fresh for that long, a number until that time (seconds since the epoch).
Fresh = Union[bool, float, timedelta]  # noqa: UP007 (a runtime alias)
