"""The errors of server-side sessions, and the session a failed store leaves a request."""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from ..errors import ConfigurationError
from ..stores.base import MAX_VALUE_SIZE
from ..stores.base import ValueTooLargeError
from .base import NullSession
from .base import SessionStoreUnavailable

__all__ = ["MissingSecretKeyError", "SessionTooLargeError", "UnavailableSession"]


class SessionTooLargeError(ValueTooLargeError):
    """The session's record would be over the store's limit; it was not saved.

    Raised before anything is written: the request fails (a 500, logged) with
    the stored record as it was, rather than leave a half-saved session.
    """

    def __init__(self, size: int) -> None:
        super().__init__(
            size,
            MAX_VALUE_SIZE,
            f"The session is {size:,} bytes once encoded, over the {MAX_VALUE_SIZE:,} bytes"
            " a store takes; it was not saved (its stored record is unchanged). Keep large"
            " data in a database table or a file, and only its id in the session.",
        )


class UnavailableSession(NullSession):
    """The session for the rest of a request whose store failed.

    Empty, and never saved. Writing raises :class:`SessionStoreUnavailable`
    again: a login or a cart change dropped without a word would be worse
    than the 503.
    """

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise SessionStoreUnavailable()

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class MissingSecretKeyError(ConfigurationError, KeyError):
    """``SESSION_USE_SIGNER`` is on and ``SECRET_KEY`` is empty.

    Also a :class:`KeyError`, as Flask-Session raises there, so code that
    catches it keeps working.
    """

    def __str__(self) -> str:
        # KeyError's str() would show the message quoted, as a key.
        return str(self.args[0]) if self.args else ""
