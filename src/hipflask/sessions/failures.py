"""The errors of server-side sessions, and the session a failed store leaves a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import NoReturn

from ..errors import ConfigurationError
from ..stores.base import MAX_VALUE_SIZE
from ..stores.base import ValueTooLargeError
from .base import NullSession
from .base import SessionStoreUnavailable

__all__ = [
    "MissingSecretKeyError",
    "PendingStoreFailure",
    "SessionTooLargeError",
    "UnavailableSession",
]


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


#: How a failure is logged: the store's error, then what the request did about it.
Report = Callable[[BaseException, str], None]

#: The end of the log line of a renewal that was skipped.
NOT_RENEWED = "the untouched session was not renewed"


class PendingStoreFailure(UnavailableSession):
    """The session of a request whose store failed when the session was opened.

    A session is opened before anything reads it when the request runs on
    the event loop (the ``session`` proxy cannot await), and at the end of a
    request that never used it, to renew its expiry. Neither is the view's
    use, so the failure is held rather than raised: the first read or write
    raises :class:`SessionStoreUnavailable` (a page that depends on the
    session fails closed, a write is never lost without a word), logged
    then; a request that never uses the session answers normally, and
    saving it only logs that it was not renewed. Either way the failure is
    logged once. After that it is an :class:`UnavailableSession`: reads find
    nothing (the error page renders), writes raise.
    """

    def __init__(self, cause: BaseException, report: Report) -> None:
        self._cause: BaseException | None = cause
        self._report = report
        self._accessed = False
        super().__init__()

    @property
    def pending(self) -> bool:
        """Whether the failure is still held: nothing used the session yet."""
        return self._cause is not None

    @property
    def accessed(self) -> bool:
        """Whether the session was used; the first use raises the held failure."""
        return self._accessed

    @accessed.setter
    def accessed(self, value: bool) -> None:
        self._accessed = value
        if value:
            self._raise_pending()

    def _raise_pending(self) -> None:
        cause = self._cause
        if cause is not None:
            self._cause = None
            self._report(cause, "answering 503")
            raise SessionStoreUnavailable() from cause

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._raise_pending()
        raise SessionStoreUnavailable()

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail

    def skip_renewal(self) -> None:
        """Log, once, that the session was not renewed: the request never used it."""
        cause = self._cause
        if cause is not None:
            self._cause = None
            self._report(cause, NOT_RENEWED)


class MissingSecretKeyError(ConfigurationError, KeyError):
    """``SESSION_USE_SIGNER`` is on and ``SECRET_KEY`` is empty.

    Also a :class:`KeyError`, as Flask-Session raises there, so code that
    catches it keeps working.
    """

    def __str__(self) -> str:
        # KeyError's str() would show the message quoted, as a key.
        return str(self.args[0]) if self.args else ""


#: Operations of the flows that are store methods of another name.
METHODS = {"renew": "touch"}


class StoreFailed(Exception):
    """A store call failed; the opening or saving that made it decides what follows."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(cause)
        self.cause = cause


def give_up(session: Any) -> None:
    """Forget a failed save's changes, so the error response does not retry it.

    That response is saved too; now it only renews the record, and a
    regenerated session keeps its old id (nothing was deleted).
    """
    session.modified = False
    session.lent = False
    session.dropped_sids = []


def abandon(session: Any) -> None:
    """Stop a session whose save met a failed store from being saved again.

    The 503's own response is saved too; with nothing changed and no
    record loaded it asks the store nothing.
    """
    unwrap = getattr(session, "_get_current_object", None)
    if unwrap is not None:
        session = unwrap()
    give_up(session)
    session.loaded = None
