"""``session_transaction(client)``: read or change a test client's session.

A test often needs a session in a given state (logged in, with a cart)
without going through the pages that produce it, or wants to check what a
request left in it::

    with client.session_transaction() as session:
        session["user_id"] = 1
    response = client.get("/profile")   # sent with the updated cookie

The test client's own method does the work, as Flask's does: it opens the
session with the app's session interface for a request built from the
arguments, carrying the cookies of the client's jar that such a request
would carry, and saves it back into the jar as a response would. No request
reaches the app, which is why it works the same for WSGI and ASGI clients.
This function is the same for code that holds a client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import Protocol

from .base import SessionMixin

SESSION_NOT_OPENED = "Session backend did not open a session."


class _TransactionClient(Protocol):
    """A test client with Flask's ``session_transaction`` method."""

    def session_transaction(self, *args: Any, **kwargs: Any) -> Any: ...


@contextmanager
def session_transaction(
    client: _TransactionClient, *args: Any, **kwargs: Any
) -> Iterator[SessionMixin]:
    """Open the client's session, yield it, and store it back in its cookie jar.

    ``args`` and ``kwargs`` build the request the session is opened for, as
    for ``app.test_request_context`` (``"/app/"`` for a session whose cookie
    path is ``/app``; ``base_url="https://localhost"`` makes the cookie
    ``Secure`` as an HTTPS request would). Changes are saved when the block
    ends without an error.

    :raises TypeError: the client was created with ``use_cookies=False``.
    :raises SessionUnavailableError: the session interface opened no session
        (for the built-in one: the app has no ``SECRET_KEY``).
    """
    with client.session_transaction(*args, **kwargs) as session:
        yield session


__all__ = ["SESSION_NOT_OPENED", "session_transaction"]
