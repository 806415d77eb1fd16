"""Server-side sessions: the cookie carries a random id, the data stays in a store.

What a request needs from the store is written once, as a generator of store
operations (:meth:`ServerSideSessionInterface._open_flow`,
:meth:`~ServerSideSessionInterface._save_flow`); a sync driver runs it for
WSGI and an async driver awaits it on the ASGI event loop, so a Redis or SQL
round trip never blocks the loop.

Security properties, each with the attack it stops:

* ids are 256 random bits (``secrets.token_urlsafe``), not guessable;
* an id that is not in the store is never adopted: a new session always gets
  a fresh id, so an attacker cannot plant a known id (session fixation);
* ``session.regenerate()`` (call it at login) moves the data to a new id and
  deletes the old record, so an id seen before login is worthless after it;
* ``session.clear()`` deletes the record: a stolen cookie is dead after logout;
* the record expires in the store after ``PERMANENT_SESSION_LIFETIME``, even
  if the browser keeps the cookie.

Concurrent requests of one user (two tabs) each load the session, change it
and save it. Saving never overwrites blindly: the record is replaced only if
it is still the one this request loaded (an atomic compare-and-set in the
store, one call). If another request saved in between, the current record is
read and only the keys this request changed (set, replaced, mutated in place
or deleted) are applied to it, so two requests writing different keys both
keep their writes. Two requests writing the same key: the later save wins. A
record deleted meanwhile (logout in another tab) is not brought back, and no
cookie is sent for it: the request that ended it answered with the deletion,
and a second one arriving late would undo a login made since. Retries back
off; a save that keeps colliding gives up loudly rather than overwrite
(:mod:`hipflask.sessions.merge`). Neither that nor a record over the
store's limit writes or deletes anything: the request fails with a 500.

A store that fails (Redis or the database down or refusing connections, the
session directory unwritable) is not a bug in the app: a request that reads
or writes the session is answered with :class:`SessionStoreUnavailable`, a
503 the app's ``errorhandler(503)`` renders, and the failure is logged in one
line. The rest of that request sees an empty session that refuses writes, so
an error page reading the session (flashed messages in a layout) still
renders, and nothing asks the failed store again. A request that never used
the session loses nothing but its renewal: that is logged and skipped, and
the page answers as usual (:class:`~.failures.PendingStoreFailure`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time as clock
from collections.abc import Generator
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Any
from uuid import UUID

from itsdangerous import BadSignature
from itsdangerous import Signer

from ..security.keys import fallback_keys
from ..stores.base import MAX_VALUE_SIZE
from ..stores.base import ValueTooLargeError
from ..stores.unavailable import log_failure
from ..wrappers.headers import add_vary
from .base import REASON_STORE_UNAVAILABLE as REASON_STORE_UNAVAILABLE
from .base import SecureCookieSession
from .base import SessionInterface
from .base import SessionStoreUnavailable as SessionStoreUnavailable
from .failures import METHODS
from .failures import NOT_RENEWED
from .failures import MissingSecretKeyError as MissingSecretKeyError
from .failures import PendingStoreFailure
from .failures import SessionTooLargeError as SessionTooLargeError
from .failures import StoreFailed
from .failures import UnavailableSession
from .failures import abandon
from .failures import give_up
from .merge import SessionConflictError
from .merge import merge_flow
from .records import ServerSideSerializer as ServerSideSerializer
from .tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from ..stores import Store
    from ..wrappers.request import Request
    from ..wrappers.response import Response

_Op = tuple[str, tuple[Any, ...]]
_Flow = Generator[_Op, Any, Any]

logger = logging.getLogger("hipflask.sessions")

# A session id as this module makes them; anything else in a cookie is not
# looked up (an attacker's junk never reaches the store). Its length is
# checked against SESSION_ID_LENGTH separately (see _longest_sid).
_SID = re.compile(r"[A-Za-z0-9_-]{16,}")
# Ids up to this long are accepted whatever SESSION_ID_LENGTH says, so that
# lowering the setting does not end the sessions already given out.
_LONG_SID = 256


def _longest_sid(sid_length: int) -> int:
    """The longest id a cookie may carry: ``token_urlsafe(sid_length)``'s length.

    That is 4 characters for every 3 bytes, rounded up; a
    ``SESSION_ID_LENGTH`` over 192 bytes makes ids longer than the 256
    characters always accepted, and they must still be read back.
    """
    return max(_LONG_SID, -(-4 * sid_length // 3))


#: Values that cannot change in place: handing them out cannot change the session.
_UNCHANGING = (str, bytes, int, float, type(None), date, time, UUID, Decimal)


class ServerSideSession(SecureCookieSession):
    """A session whose data lives in a store under :attr:`sid`.

    The permanence flag (``_permanent``) is bookkeeping, not data: a session
    holding nothing else is empty (it is not stored, and saving it deletes
    its record and cookie), and :meth:`clear` keeps it, as Flask-Session does.
    """

    def __init__(
        self,
        initial: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        sid: str | None = None,
        permanent: bool | None = None,
        *,
        sid_length: int = 32,
    ) -> None:
        super().__init__(initial)
        self.sid_length = sid_length
        self._sid: str = sid or secrets.token_urlsafe(sid_length)
        #: The record as loaded (``None`` for a new session), for merging.
        self.loaded: bytes | None = None
        #: Ids whose records are deleted when the session is saved.
        self.dropped_sids: list[str] = []
        if permanent is not None:
            dict.__setitem__(self, "_permanent", bool(permanent))

    #: Whether a value that can change in place (a list, a dict ...) was
    #: handed out: only then can the session differ from its record without
    #: ``modified`` set, so only then is it encoded again to compare.
    lent = False

    def _lend(self, value: Any) -> Any:
        if not isinstance(value, _UNCHANGING):
            self.lent = True
        return value

    def __getitem__(self, key: str) -> Any:
        return self._lend(super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self._lend(super().get(key, default))

    def setdefault(self, key: str, default: Any = None) -> Any:
        return self._lend(super().setdefault(key, default))

    def values(self) -> Any:
        self.lent = True
        return super().values()

    def items(self) -> Any:
        self.lent = True
        return super().items()

    def copy(self) -> dict[str, Any]:
        # Shallow: the copy's lists and dicts are the session's own.
        self.lent = True
        return super().copy()

    @property
    def sid(self) -> str:
        """The id the record is stored under, and the cookie's value.

        Reading it marks the session accessed, as reading a value does: a page
        built from the id (a cache key, a log line shown to the user) depends
        on the cookie, so the response must get ``Vary: Cookie``.
        """
        self.accessed = True
        return self._sid

    @sid.setter
    def sid(self, value: str) -> None:
        self._sid = value

    def _is_empty(self) -> bool:
        """Whether the session holds nothing but its permanence flag.

        Does not mark the session accessed: saving asks, not the view.
        """
        size = dict.__len__(self)
        return size == 0 or (size == 1 and dict.__contains__(self, "_permanent"))

    def __bool__(self) -> bool:
        """False when the session holds no data, the permanence flag aside.

        A new session of a ``SESSION_PERMANENT`` app carries the flag from the
        start; ``if not session:`` must still see a visitor with no session,
        as with Flask-Session.
        """
        self.accessed = True
        return not self._is_empty()

    def clear(self) -> None:
        """Remove every key but the permanence flag.

        The tutorial login (``session.clear()`` then ``session["user_id"] =
        ...``) must keep a permanent session permanent, as Flask-Session does;
        a ``clear()`` with nothing set after it still ends the session (its
        record and cookie are deleted), since the flag alone is no data.
        """
        permanent = dict.get(self, "_permanent")
        super().clear()
        if permanent is not None:
            dict.__setitem__(self, "_permanent", permanent)

    def regenerate(self) -> None:
        """Give the session a new id; the old record is deleted when it is saved.

        Call it when the user logs in (and when privileges change): an id an
        attacker saw or planted before then stops working. On a session with
        no record and no data (an anonymous first visit) there is nothing to
        move, and nothing is written or sent, so anonymous traffic calling it
        does not fill the store. A stored session always moves, even emptied
        by :meth:`clear` in this request, so ``clear()``, ``regenerate()`` and
        a login never reuse the old id.
        """
        if self.loaded is None and self._is_empty():
            return
        if self.loaded is not None:
            self.dropped_sids.append(self._sid)
        self._sid = secrets.token_urlsafe(self.sid_length)
        self.loaded = None
        self.modified = True
        self.accessed = True


class ServerSideSessionInterface(SessionInterface):
    """Sessions in a :class:`~hipflask.stores.Store`, under a random id.

    Configured by :class:`hipflask.sessions.Session` from Flask-Session's
    settings; the subclasses for each store type
    (:mod:`hipflask.sessions.interfaces`) also take Flask-Session's arguments.
    """

    session_class = ServerSideSession
    serializer: TaggedJSONSerializer = ServerSideSerializer()

    def __init__(
        self,
        store: Store,
        *,
        key_prefix: str = "session:",
        use_signer: bool | None = None,
        permanent: bool = True,
        sid_length: int = 32,
    ) -> None:
        self.store = store
        self.key_prefix = key_prefix
        self.use_signer = use_signer
        self.permanent = permanent
        self.sid_length = sid_length
        self._signer_cache: tuple[tuple[Any, ...], Signer] | None = None
        # The store's own prefix already separates the records; ours is kept
        # for Flask-Session code that reads it.
        if not store.prefix:
            store.prefix = key_prefix

    # -- cookie --------------------------------------------------------------

    def _signer(self, app: Any) -> Signer | None:
        secret = app.config.get("SECRET_KEY")
        if self.use_signer is False or (self.use_signer is None and not secret):
            return None
        if not secret:
            raise MissingSecretKeyError(
                "SESSION_USE_SIGNER is on but SECRET_KEY is empty. Set SECRET_KEY (the"
                " session id is signed with it) or turn SESSION_USE_SIGNER off."
            )
        keys = (*fallback_keys(app.config), secret)
        cached = self._signer_cache
        if cached is None or cached[0] != keys:
            signer = Signer(list(keys), salt="hipflask.session-id", key_derivation="hmac")
            cached = self._signer_cache = (keys, signer)
        return cached[1]

    def _sid_from_request(self, app: Any, request: Request) -> str | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return None
        signer = self._signer(app)
        if signer is not None:
            try:
                value = signer.unsign(value).decode("ascii")
            except (BadSignature, UnicodeDecodeError):
                return None
        if len(value) > _longest_sid(self.sid_length) or not _SID.fullmatch(value):
            return None
        return value

    def _cookie_value(self, app: Any, sid: str) -> str:
        signer = self._signer(app)
        return sid if signer is None else signer.sign(sid).decode("ascii")

    def _attributes(self, app: Any) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }

    def _set_cookie(self, app: Any, session: ServerSideSession, response: Response) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            self._cookie_value(app, session._sid),
            expires=self.get_expiration_time(app, session),
            **self._attributes(app),
        )
        add_vary(response.headers, "Cookie")

    # -- records -------------------------------------------------------------

    def _encode(self, data: dict[str, Any]) -> bytes:
        """The record for ``data``; :class:`SessionTooLargeError` over the store's limit.

        Checked where every record (a merged one too) is made, not left to
        the store: a save refuses before its first store call.
        """
        encoded = self.serializer.dumps(data).encode("utf-8")
        if len(encoded) > MAX_VALUE_SIZE:
            raise SessionTooLargeError(len(encoded))
        return encoded

    def _decode(self, raw: bytes) -> dict[str, Any] | None:
        try:
            data = self.serializer.loads(raw.decode("utf-8"))
        except (ValueError, TypeError, KeyError):
            return None  # a corrupt record starts a new session, never a 500
        return data if isinstance(data, dict) else None

    def _new_session(self) -> ServerSideSession:
        session = self.session_class(
            sid_length=self.sid_length, permanent=True if self.permanent else None
        )
        session.new = True
        return session

    @staticmethod
    def _ttl(app: Any) -> float:
        return float(app.permanent_session_lifetime.total_seconds())

    # -- the logic, once -----------------------------------------------------

    def _open_flow(self, app: Any, request: Request) -> _Flow:
        sid = self._sid_from_request(app, request)
        if sid is not None:
            raw = yield ("get", (sid,))
            data = None if raw is None else self._decode(raw)
            if data is not None:
                session = self.session_class(data, sid=sid, sid_length=self.sid_length)
                session.loaded = raw
                return session
        return self._new_session()

    def _save_flow(self, app: Any, session: ServerSideSession, response: Response) -> _Flow:
        # ``save_session(app, session, response)`` may get the ``session``
        # proxy, which the dict methods below cannot take.
        unwrap = getattr(session, "_get_current_object", None)
        if unwrap is not None:
            session = unwrap()
        # What the view did, before saving's own reads (is it permanent?).
        accessed = session.accessed
        if accessed:
            add_vary(response.headers, "Cookie")
        empty = session._is_empty()
        try:
            # Made (and checked against the store's limit) before the first
            # store call, so a refused save has deleted nothing.
            encoded = None if empty else self._record(session, accessed)
        except SessionTooLargeError:
            give_up(session)
            raise
        for old_sid in session.dropped_sids:
            yield ("delete", (old_sid,))
        session.dropped_sids = []
        if empty:
            if session.modified:
                yield from self._end_flow(app, session, response)
            return None
        ttl = self._ttl(app)
        if encoded is None:
            # A stored session is renewed by every request that carries its
            # cookie, used or not, permanent or not (Flask-Session's sliding
            # expiry): a touch of the record's expiry, not a write. Only a
            # permanent one's cookie is sent again, as its expiry moves too.
            # Asking whether it is permanent is the framework's read, not the
            # view's: the flag stays as it was. The renewal of a session the
            # view never read ("renew") is skipped if the store fails: the
            # page did not depend on it, and nothing is lost but the renewal.
            loaded = session.loaded is not None
            renew = loaded and bool(app.config.get("SESSION_REFRESH_EACH_REQUEST", True))
            resend = loaded and self.should_set_cookie(app, session)
            session.accessed = accessed
            touch = "touch" if accessed else "renew"
            if (renew or resend) and (yield (touch, (session._sid, ttl))) and resend:
                self._set_cookie(app, session, response)
            return None
        if session.loaded is None:
            yield ("set", (session._sid, encoded, ttl))
        else:
            codec = (self._encode, self._decode)
            try:
                written = yield from merge_flow(
                    session._sid, session.loaded, dict.copy(session), encoded, ttl, codec
                )
            except (SessionTooLargeError, SessionConflictError):
                give_up(session)
                raise
            if written is None:
                # Ended meanwhile by another request, which sent the deletion;
                # repeating it late could drop the cookie of a newer login.
                return None
            session.loaded = written
        self._set_cookie(app, session, response)
        return None

    def _record(self, session: ServerSideSession, accessed: bool) -> bytes | None:
        """The record this request has to write, or ``None`` if it changed nothing."""
        if session.modified:
            return self._encode(dict.copy(session))
        return self._changed_in_place(session) if accessed else None

    def _end_flow(self, app: Any, session: ServerSideSession, response: Response) -> _Flow:
        """Delete an emptied session's record (if it has one) and its cookie."""
        if session.loaded is not None:
            yield ("delete", (session._sid,))
        response.delete_cookie(self.get_cookie_name(app), **self._attributes(app))
        add_vary(response.headers, "Cookie")

    def _changed_in_place(self, session: ServerSideSession) -> bytes | None:
        """The record to write if a value the view read was changed in place, else ``None``.

        ``session.setdefault("cart", []).append(item)`` changes the session
        without any flag seeing it. Flask-Session rewrites the record of
        every request that opened the session; encoding the session and
        comparing that with the record loaded costs no store call, so only a
        request that did change something writes. Only a request that read
        the session can have changed it: one that never did skips this.
        """
        if session.loaded is None or not session.lent:
            # New (nothing could be read out of it to change), or nothing
            # that can change in place was handed out: no encoding needed.
            return None
        encoded = self._encode(dict.copy(session))
        return None if encoded == session.loaded else encoded

    # -- sync driver ---------------------------------------------------------

    def _run(self, flow: _Flow) -> Any:
        result: Any = None
        try:
            while True:
                operation, args = flow.send(result)
                if operation == "sleep":  # a merge backing off
                    clock.sleep(*args)
                    result = None
                    continue
                try:
                    result = getattr(self.store, METHODS.get(operation, operation))(*args)
                except ValueTooLargeError:
                    raise
                except Exception as exc:
                    result = self._failed(operation, exc)
        except StopIteration as stop:
            return stop.value

    def open_session(self, app: Any, request: Request) -> SecureCookieSession:
        try:
            session: ServerSideSession = self._run(self._open_flow(app, request))
        except StoreFailed as failed:
            return PendingStoreFailure(failed.cause, self._report)
        return session

    def save_session(self, app: Any, session: Any, response: Response) -> None:
        if isinstance(session, PendingStoreFailure):
            session.skip_renewal()
            return
        try:
            self._run(self._save_flow(app, session, response))
        except StoreFailed as failed:
            abandon(session)
            raise self._unavailable(failed.cause) from failed.cause

    # -- async driver --------------------------------------------------------

    async def _arun(self, flow: _Flow) -> Any:
        result: Any = None
        try:
            while True:
                operation, args = flow.send(result)
                if operation == "sleep":  # a merge backing off, without blocking the loop
                    await asyncio.sleep(*args)
                    result = None
                    continue
                try:
                    method = "a" + METHODS.get(operation, operation)
                    result = await getattr(self.store, method)(*args)
                except ValueTooLargeError:
                    raise
                except Exception as exc:
                    result = self._failed(operation, exc)
        except StopIteration as stop:
            return stop.value

    async def open_session_async(self, app: Any, request: Request) -> SecureCookieSession:
        try:
            session: ServerSideSession = await self._arun(self._open_flow(app, request))
        except StoreFailed as failed:
            return PendingStoreFailure(failed.cause, self._report)
        return session

    async def save_session_async(self, app: Any, session: Any, response: Response) -> None:
        if isinstance(session, PendingStoreFailure):
            session.skip_renewal()
            return
        try:
            await self._arun(self._save_flow(app, session, response))
        except StoreFailed as failed:
            abandon(session)
            raise self._unavailable(failed.cause) from failed.cause

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is never saved; a held store failure is, to log its skip."""
        if isinstance(obj, PendingStoreFailure):
            return not obj.pending
        return super().is_null_session(obj)

    def _failed(self, operation: str, exc: Exception) -> bool:
        """A failed store call: a renewal is logged and answers False (not renewed).

        Any other call raises, and the opening or saving that made it decides.
        """
        if operation != "renew":
            raise StoreFailed(exc) from exc
        self._report(exc, NOT_RENEWED)
        return False

    def _report(self, exc: BaseException, outcome: str) -> None:
        """Log a store failure in one line, with what the request did about it.

        Only the error's class and the driver's own message are logged (a
        SQL error's text would carry the statement's parameters: the
        session's record). The traceback stays out of the log line and out
        of the response; it is the 503's ``__cause__``.
        """
        log_failure(logger, f"Session store {type(self.store).__name__}", exc, outcome)

    def _unavailable(self, exc: BaseException) -> SessionStoreUnavailable:
        """Log a store failure that the request answers with a 503, and make the 503."""
        self._report(exc, "answering 503")
        return SessionStoreUnavailable()

    def regenerate(self, session: ServerSideSession) -> None:
        """Flask-Session's spelling of :meth:`ServerSideSession.regenerate`."""
        session.regenerate()


__all__ = [
    "REASON_STORE_UNAVAILABLE",
    "MissingSecretKeyError",
    "ServerSideSession",
    "ServerSideSessionInterface",
    "SessionStoreUnavailable",
    "SessionTooLargeError",
    "UnavailableSession",
]
