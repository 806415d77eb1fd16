"""The session object and the interface that loads and stores it.

``session`` is a dict that remembers whether it was read (``accessed``) and
changed (``modified``): the first decides whether a response depends on the
session cookie (``Vary: Cookie``), the second whether a cookie has to be sent
at all. :class:`SessionInterface` is the pluggable part: it opens a session
for a request and saves it into the response. The default stores the whole
session in a signed cookie (:mod:`hipflask.sessions.cookie`); server-side
stores subclass the same interface.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import MutableMapping
from contextlib import suppress
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn

from ..contexts import globals as _globals
from ..errors import ConfigurationError
from ..stores.unavailable import StoreUnavailable
from ..wrappers.peek import credential_headers

if TYPE_CHECKING:
    from _collections_abc import dict_items
    from _collections_abc import dict_keys
    from _collections_abc import dict_values

    from ..wrappers.request import Request
    from ..wrappers.response import Response
    from .server import ServerSideSession as ServerSideSession
    from .server import ServerSideSessionInterface as ServerSideSessionInterface

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

_MISSING: Any = object()


class SessionUnavailableError(ConfigurationError, RuntimeError):
    """The session was written to, but the app cannot sign a session cookie.

    Also a :class:`RuntimeError`, which is what Flask raises here, so code
    ported from Flask that catches that keeps working.
    """


REASON_STORE_UNAVAILABLE = (
    "The session service is unavailable (its store did not answer). Nothing was"
    " changed; try again in a moment."
)


class SessionStoreUnavailable(StoreUnavailable):
    """A server-side session's store failed: answered with 503, its record unchanged.

    Raised where the session is first used (a view reading it, so the app's
    ``errorhandler(503)`` answers as for any 503) or saved (after the view:
    the app's 503 handler answers then too, instead of the 500 any other
    error there gets). The store's own error is logged in one line and kept
    as ``__cause__``; the client is told only that the service is unavailable.
    """

    description = REASON_STORE_UNAVAILABLE


class SessionMixin(MutableMapping[str, Any]):
    """What every session offers on top of a mutable mapping.

    A custom session class used by a custom :class:`SessionInterface` should
    include this mixin and keep the three flags up to date; the defaults here
    (``modified`` and ``accessed`` always true) are the safe choice for a class
    that cannot track them: the session is then always saved and responses
    always carry ``Vary: Cookie``.
    """

    #: Whether the session came into being for this request: no valid
    #: session arrived with it (first visit, expired or tampered cookie).
    new: bool = False

    #: Whether the session changed and must be saved. Changes inside mutable
    #: values (``session["cart"].append(item)``) are not seen; set this to
    #: ``True`` yourself after such a change.
    modified: bool = True

    #: Whether the session was read or written; a response that depends on it
    #: must not be cached for other users, so it gets ``Vary: Cookie``.
    accessed: bool = True

    @property
    def permanent(self) -> bool:
        """Whether the session outlives the browser session.

        A permanent session's cookie carries an expiry
        ``PERMANENT_SESSION_LIFETIME`` from now; otherwise the browser drops
        the cookie when it closes. Stored in the session under ``_permanent``.
        """
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


class SecureCookieSession(dict[str, Any], SessionMixin):
    """The default session: a dict that tracks reads and writes.

    Every way to read marks the session ``accessed`` (including ``in``,
    iteration, ``len`` and :attr:`new`, since a page that shows "logged in"
    or not depends on the cookie just as much as one that reads a value).
    Every way to write marks it ``modified`` and ``accessed``; removing a key
    that is not there changes nothing and marks nothing.
    """

    def __init__(
        self, initial: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        super().__init__(initial or ())
        self._new = False
        self.modified = False
        self.accessed = False

    @property
    def new(self) -> bool:
        """Whether the session came into being for this request.

        Reading it marks the session ``accessed``, as any other read does: a
        page that greets first visitors depends on the cookie.
        """
        self.accessed = True
        return self._new

    @new.setter
    def new(self, value: bool) -> None:
        self._new = value

    def _changed(self) -> None:
        self.modified = True
        self.accessed = True

    # -- reading -------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.accessed = True
        return dict.__len__(self)

    def keys(self) -> dict_keys[str, Any]:
        self.accessed = True
        return dict.keys(self)

    def values(self) -> dict_values[str, Any]:
        self.accessed = True
        return dict.values(self)

    def items(self) -> dict_items[str, Any]:
        self.accessed = True
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        """A plain ``dict`` copy; changing it does not change the session."""
        self.accessed = True
        return dict.copy(self)

    # -- writing -------------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        self._changed()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._changed()
        dict.__delitem__(self, key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        if not dict.__contains__(self, key):
            self.modified = True
        return dict.setdefault(self, key, default)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        self.accessed = True
        if dict.__contains__(self, key):
            self.modified = True
            return dict.pop(self, key)
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, Any]:
        self._changed()
        return dict.popitem(self)

    def clear(self) -> None:
        self._changed()
        dict.clear(self)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        dict.update(self, *args, **kwargs)

    # dict types |= as returning Self, which 3.10 cannot spell here.
    def __ior__(self, other: Any) -> SecureCookieSession:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


_SESSION_UNAVAILABLE = (
    "The session is unavailable because no secret key was set. Set SECRET_KEY"
    " in the app's configuration (app.secret_key) to a long random value, for"
    " example from the environment: HIPFLASK_SECRET_KEY=$(python -c 'import"
    " secrets; print(secrets.token_hex())') with app.config.from_prefixed_env()."
)


class NullSession(SecureCookieSession):
    """The session of an app that cannot sign one (no ``SECRET_KEY``).

    Reading works and finds nothing, so pages that only look at the session
    (``get_flashed_messages()`` in a layout) still render. Writing raises
    :class:`SessionUnavailableError`: silently dropping a login would be far
    harder to debug than an error naming the setting.
    """

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise SessionUnavailableError(_SESSION_UNAVAILABLE)

    # ``|=`` goes through update, so it fails too.
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class SessionInterface:
    """How sessions are opened for a request and saved into its response.

    Subclass it and assign an instance to ``app.session_interface`` to keep
    sessions elsewhere (a database, Redis). Only :meth:`open_session` and
    :meth:`save_session` must be written; the ``get_cookie_*`` helpers read
    the ``SESSION_COOKIE_*`` settings so every store honours them alike.

    The session is opened the first time a request touches ``session`` (not
    for every request) and saved after the ``after_request`` hooks, unless it
    is the null session.
    """

    #: The session class :meth:`make_null_session` returns.
    null_session_class: type[SessionMixin] = NullSession

    #: Whether the store pickles sessions. Pickled data from a store an
    #: attacker can write to is code execution, so stores that set this must
    #: sign or otherwise protect what they load.
    pickle_based = False

    def make_null_session(self, app: Any) -> SessionMixin:
        """The placeholder used when :meth:`open_session` returns ``None``.

        It answers reads with nothing and refuses writes with an error that
        says what is missing.
        """
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is the null session (then it is never saved)."""
        if type(obj) is SecureCookieSession:
            # The usual session: no subclass test through the mapping ABCs
            # (a Python-level check) on every request that touches it.
            return SecureCookieSession is self.null_session_class
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Any) -> str:
        """The cookie's name (``SESSION_COOKIE_NAME``)."""
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Any) -> str | None:
        """The cookie's ``Domain`` (``SESSION_COOKIE_DOMAIN``).

        ``None`` (the default) leaves the attribute out, so browsers send the
        cookie only to the exact host that set it, not to its subdomains.
        """
        domain = app.config["SESSION_COOKIE_DOMAIN"]
        return str(domain) if domain else None

    def get_cookie_path(self, app: Any) -> str:
        """The cookie's ``Path`` (``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``)."""
        return str(app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: Any) -> bool:
        """Whether the cookie is ``HttpOnly`` (``SESSION_COOKIE_HTTPONLY``).

        On by default so that an XSS flaw cannot read the session cookie.
        """
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Any) -> bool:
        """Whether the cookie is ``Secure`` (``SESSION_COOKIE_SECURE``).

        ``None`` (the default) means "when the current request came over
        HTTPS", as reported by ``request.is_secure`` (which honours the
        proxy settings): a site served over HTTPS never leaks its session
        over plain HTTP, and plain-HTTP development still keeps a session.
        """
        secure = app.config["SESSION_COOKIE_SECURE"]
        if secure is None:
            ctx = _cv_request.get(None)
            return ctx is not None and bool(ctx.request.is_secure)
        return bool(secure)

    def get_cookie_samesite(self, app: Any) -> str | None:
        """The cookie's ``SameSite`` (``SESSION_COOKIE_SAMESITE``).

        ``"Lax"`` by default: the cookie is not sent with cross-site POSTs,
        the request forgery that matters most.
        """
        samesite = app.config["SESSION_COOKIE_SAMESITE"]
        return str(samesite) if samesite else None

    def get_cookie_partitioned(self, app: Any) -> bool:
        """Whether the cookie is ``Partitioned`` (``SESSION_COOKIE_PARTITIONED``)."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Any, session: SessionMixin) -> datetime | None:
        """When the cookie expires: ``None`` (browser session) unless permanent."""
        if session.permanent:
            lifetime: timedelta = app.permanent_session_lifetime
            return datetime.now(timezone.utc) + lifetime
        return None

    def should_set_cookie(self, app: Any, session: SessionMixin) -> bool:
        """Whether to send the cookie: when modified, or to refresh a permanent one.

        With ``SESSION_REFRESH_EACH_REQUEST`` (the default) a permanent
        session's expiry moves forward on every request that uses it, so it
        ends after a period of inactivity rather than a fixed time after login.
        """
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def refresh_untouched(self, app: Any, request: Request, response: Response) -> bool:
        """Whether a request that never touched ``session`` must still open and save it.

        Sessions open lazily, on first use, so a request that never reads
        ``session`` costs nothing. Flask opens and saves the session on every
        request, though, and with ``SESSION_REFRESH_EACH_REQUEST`` (the
        default) that moves a permanent session's expiry forward even on pages
        that never use it. To keep that sliding expiry, the session is opened
        and saved at the end of a request that did not touch it when this
        answers yes: by default, when the refresh is on and the request
        carries the session cookie (:meth:`get_cookie_name`). Saving then
        re-sends the cookie only if the session is permanent
        (:meth:`should_set_cookie`).

        Two responses are left alone, where Flask would add the cookie:

        * one that already sets or deletes the session cookie (a logout
          written as ``response.delete_cookie(...)``, which a refreshed
          cookie after it would undo);
        * one meant for caches: with a validator (``ETag`` or
          ``Last-Modified``, as static files have) or a ``Cache-Control``
          that lets it be stored and reused (``public``, ``s-maxage``, a
          ``max-age`` above zero), and no ``no-store``. A session cookie on
          it would make the cache-safety finisher turn it into ``no-store``,
          and a browser would download the file again on every page.

        An interface whose session is not keyed by that cookie overrides
        this; it is asked only about requests that carry cookies, since those
        are the only ones that can carry a session.
        """
        if not app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        name = self.get_cookie_name(app)
        return name in request.cookies and not keeps_its_cookies(response, name)

    def open_session(self, app: Any, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means "use the null session".

        Never raise for bad input: a missing, expired, tampered or corrupt
        session must give a new, empty session, not an error page.
        """
        raise NotImplementedError

    def save_session(self, app: Any, session: SessionMixin, response: Response) -> None:
        """Store the session and set, refresh or delete its cookie on ``response``."""
        raise NotImplementedError


def wants_refresh(app: Any, request: Request, response: Response) -> bool:
    """Whether the app's interface opens and saves a session the request never touched.

    Only a request that carries cookies can carry a session to renew, and
    that test is the cheap one: a request without cookies never asks the
    interface. Then :meth:`SessionInterface.refresh_untouched` decides. An
    interface that is not a subclass (Flask accepts any object with the
    four methods) and lacks that method keeps its sessions lazy: opened
    only by a request that uses them.
    """
    if not credential_headers(request)[1]:
        return False
    refresh = getattr(app.session_interface, "refresh_untouched", None)
    return refresh is not None and bool(refresh(app, request, response))


def keeps_its_cookies(response: Response, name: str) -> bool:
    """Whether ``response`` sets or deletes cookie ``name``, or is meant for caches.

    Either way a cookie renewed on it would do harm: undo what the response
    did with the cookie, or make a cacheable response ``no-store``. The
    session's refresh and the login suite's remember-me refresh ask it.
    Meant for caches: a validator (``ETag``, ``Last-Modified``: a static
    file) or a ``Cache-Control`` that lets it be stored and reused
    (``public``, ``s-maxage``, a ``max-age`` above zero), and no
    ``no-store``. A plain ``no-cache`` page loses nothing to ``no-store``.
    """
    prefix = name + "="
    cacheable = False
    no_store = False
    for key, value in response.headers:
        lowered = key.lower()
        if lowered == "set-cookie":
            if value.startswith(prefix):
                return True
        elif lowered == "etag" or lowered == "last-modified":
            cacheable = True
        elif lowered == "cache-control":
            directives = value.lower()
            if "no-store" in directives:
                no_store = True
            elif "public" in directives or "s-maxage" in directives:
                cacheable = True
            else:
                age = _MAX_AGE.search(directives)
                cacheable = cacheable or (age is not None and int(age.group(1)) > 0)
    return cacheable and not no_store


_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)")


def untouched(session: SessionMixin) -> None:
    """Mark a session that was opened only to be refreshed as not read.

    Saving reads the session (is it empty, is it permanent); those reads are
    the framework's, not the view's, so the response must not be treated as
    depending on the cookie (``Vary: Cookie``, ``Cache-Control: private``).
    """
    if session.accessed:
        # A session class whose flag is read-only keeps its answer.
        with suppress(AttributeError):
            session.accessed = False


# Flask-Session documents its server-side classes under ``flask_session.base``,
# and ports import them from there. They live in .server, which imports this
# module: loaded on first use, and an app on cookie sessions never loads them.
_SERVER_SIDE = ("ServerSideSession", "ServerSideSessionInterface")

__all__ = [
    "REASON_STORE_UNAVAILABLE",
    "NullSession",
    "SecureCookieSession",
    "SessionInterface",
    "SessionMixin",
    "SessionStoreUnavailable",
    "SessionUnavailableError",
    *_SERVER_SIDE,
]


def __getattr__(name: str) -> Any:
    if name not in _SERVER_SIDE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import server

    value = getattr(server, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SERVER_SIDE})
