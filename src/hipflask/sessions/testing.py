"""``client.session_transaction()``: read or change a test client's session.

A test often needs a session in a given state (logged in, with a cart)
without going through the pages that produce it, or wants to check what a
request left in it::

    with client.session_transaction() as session:
        session["user_id"] = 1
    response = client.get("/profile")   # sent with the updated cookie

The session is opened from the client's cookie jar by the app's own
session interface and saved back into the jar the same way a response would
set it, so the transaction sees exactly what the app sees. No request is
sent, which is why it works the same for WSGI and ASGI clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone
from typing import Any
from typing import Protocol
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers
from werkzeug.http import parse_cookie
from werkzeug.http import parse_date

from .base import _SESSION_UNAVAILABLE
from .base import SessionMixin
from .base import SessionUnavailableError

SESSION_NOT_OPENED = "Session backend did not open a session."


class _CookieJarClient(Protocol):
    """The parts of the test client a transaction uses."""

    app: Any

    def get_cookie(self, key: str, domain: str = ..., path: str = ...) -> Any: ...

    def set_cookie(self, key: str, value: str = ..., **kwargs: Any) -> None: ...

    def delete_cookie(self, key: str, *, domain: str = ..., path: str = ...) -> None: ...


@contextmanager
def session_transaction(
    client: _CookieJarClient, *args: Any, **kwargs: Any
) -> Iterator[SessionMixin]:
    """Open the client's session, yield it, and store it back in its cookie jar.

    ``args`` and ``kwargs`` build the request the session is opened for, as
    for ``app.test_request_context`` (``base_url="https://localhost"`` makes
    the cookie ``Secure`` as an HTTPS request would). Changes are saved when
    the block ends without an error.

    :raises TypeError: the client was created with ``use_cookies=False``.
    :raises SessionUnavailableError: the app has no ``SECRET_KEY``.
    """
    app = client.app
    interface = app.session_interface
    name = interface.get_cookie_name(app)
    headers = Headers(kwargs.pop("headers", None))
    probe = app.test_request_context(*args, headers=headers, **kwargs)
    host = urlsplit(probe.request.url).hostname or "localhost"
    domain = interface.get_cookie_domain(app)
    jar_domain = domain.lstrip(".") if domain else host
    cookie = client.get_cookie(name, domain=jar_domain, path=interface.get_cookie_path(app))
    if cookie is not None:
        sent = f"{cookie.key}={cookie.value}"
        existing = headers.get("Cookie")
        headers["Cookie"] = f"{existing}; {sent}" if existing else sent
    ctx = app.test_request_context(*args, headers=headers, **kwargs)
    with ctx:
        session = interface.open_session(app, ctx.request)
    if session is None:
        # Flask's first sentence, so a ported test matching on it passes;
        # the second says what usually causes it.
        raise SessionUnavailableError(f"{SESSION_NOT_OPENED} {_SESSION_UNAVAILABLE}")
    yield session
    if interface.is_null_session(session):
        return
    response = app.response_class()
    with ctx:
        interface.save_session(app, session, response)
    for header in response.headers.getlist("Set-Cookie"):
        _store_cookie(client, header, host, ctx.request.path)


def _store_cookie(client: _CookieJarClient, header: str, host: str, request_path: str) -> None:
    """Apply one ``Set-Cookie`` header to the client's jar, as a browser would."""
    first, _, rest = header.partition(";")
    key, value = next(iter(parse_cookie(first).items()))
    params: dict[str, str | None] = {}
    for item in rest.split(";"):
        name, sep, param = item.partition("=")
        params[name.strip().lower()] = param.strip() if sep else None
    domain = params.get("domain")
    # RFC 6265 5.1.4: without Path the cookie belongs to the request's "directory".
    path = params.get("path") or request_path.rpartition("/")[0] or "/"
    expires = parse_date(params.get("expires"))
    max_age = params.get("max-age")
    if max_age == "0" or (expires is not None and expires <= datetime.now(timezone.utc)):
        client.delete_cookie(key, domain=domain or host, path=path)
        return
    client.set_cookie(
        key,
        value,
        domain=domain or host,
        origin_only=domain is None,
        path=path,
        expires=expires,
        max_age=int(max_age) if max_age else None,
        secure="secure" in params,
        httponly="httponly" in params,
        samesite=params.get("samesite"),
        partitioned="partitioned" in params,
    )


__all__ = ["SESSION_NOT_OPENED", "session_transaction"]
