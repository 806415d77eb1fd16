"""The default session store: the whole session in a signed cookie.

The session is serialized as tagged JSON (:mod:`hipflask.sessions.tag`),
compressed when that helps, and signed in itsdangerous' format
(:mod:`hipflask.sessions.signing`): the browser can
read the cookie but cannot change it, because any change breaks the
signature and the session then starts empty. Keep secrets out of it all the
same, since anyone holding the cookie can decode it.

The signing key is derived from ``SECRET_KEY`` with HMAC and the salt
``"cookie-session"``, so the session key differs from the keys CSRF tokens
or remember-me cookies derive from the same secret. Keys listed in
``SECRET_KEY_FALLBACKS`` still verify old cookies; new cookies are always
signed with ``SECRET_KEY``.

Signatures use HMAC-SHA256 (Flask uses HMAC-SHA1). SHA-1 HMACs are not
broken, but SHA-256 is the digest every current guideline names, for the
cost of 16 more bytes per cookie. The consequence for a port from Flask is
that existing session cookies do not verify and users sign in once more; to
keep them valid through a migration, set ``digest_method`` to
:func:`hashlib.sha1` on a subclass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import http_date

from ..security.keys import fallback_keys
from ..wrappers.headers import add_header
from ..wrappers.headers import add_vary
from ..wrappers.peek import credential_headers
from ..wrappers.response import Response
from .base import SecureCookieSession
from .base import SessionInterface
from .base import SessionMixin
from .signing import SessionSerializer
from .signing import SessionSigner
from .tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from ..wrappers.request import Request

#: The serializer cookie sessions use unless an interface is given another;
#: register extra tags on it (``app.session_interface.serializer.register``).
session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in a signed, timestamped cookie (the default).

    A cookie older than ``PERMANENT_SESSION_LIFETIME`` (by the time it was
    signed) is refused whatever its own ``Expires`` says, so a stolen cookie
    cannot be replayed forever. A missing, expired, tampered or malformed
    cookie gives a new, empty session, never an error.
    """

    #: Salt mixed into the key derivation, separating session signatures
    #: from every other signature made with the same secret.
    salt = "cookie-session"

    #: Hash used for key derivation and the signature (see the module notes).
    digest_method: Callable[..., Any] = staticmethod(hashlib.sha256)

    #: itsdangerous' key derivation scheme.
    key_derivation = "hmac"

    #: Turns the session into text and back.
    serializer: Any = session_json_serializer

    #: Class of the sessions this interface opens.
    session_class: type[SecureCookieSession] = SecureCookieSession

    # (cache key, serializer) for the last keys seen, per instance once set;
    # a class default so subclasses that skip __init__ still work.
    _signing: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Any) -> URLSafeTimedSerializer | None:
        """The serializer for the app's current keys, or ``None`` without a key.

        Built once and reused while ``SECRET_KEY``, ``SECRET_KEY_FALLBACKS``
        and this interface's settings stay the same; changing a key at run
        time (tests do) builds a new one.

        :raises ConfigurationError: ``SECRET_KEY_FALLBACKS`` is not a list.
        """
        config = app.config
        secret = config["SECRET_KEY"]
        if not secret:
            return None
        fallbacks = config["SECRET_KEY_FALLBACKS"]
        if fallbacks:
            # Read as every signer reads it: one string is refused there.
            fallbacks = fallback_keys(config)
        # itsdangerous signs with the last key and verifies with all of them.
        keys = (*fallbacks, secret) if fallbacks else (secret,)
        cache_key = (
            keys,
            self.salt,
            self.digest_method,
            self.key_derivation,
            self.serializer,
        )
        cached = self._signing
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        serializer = SessionSerializer(
            list(keys),
            salt=self.salt,
            serializer=self.serializer,
            signer=SessionSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._signing = (cache_key, serializer)
        return serializer

    def open_session(self, app: Any, request: Request) -> SecureCookieSession | None:
        """Verify and load the session cookie; a new session when there is none."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = _read_cookie(request, self.get_cookie_name(app))
        if value:
            max_age = int(app.permanent_session_lifetime.total_seconds())
            try:
                data = serializer.loads(value, max_age=max_age)
            except BadData:
                # Tampered, signed with a retired key, expired, or not ours:
                # all start over, and none may become a 500.
                data = None
            if isinstance(data, dict):
                return self.session_class(data)
        session = self.session_class()
        session.new = True
        return session

    def _attributes(self, app: Any) -> dict[str, Any]:
        """The cookie attributes shared by setting and deleting: they must match."""
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }

    def save_session(self, app: Any, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the cookie, and mark the response ``Vary: Cookie``.

        An emptied session deletes the cookie; an unchanged, non-permanent
        session sends nothing at all.
        """
        # Vary goes in before the cookie when the view read the session, and
        # after it otherwise; either way once.
        accessed = session.accessed
        if accessed:
            add_vary(response.headers, "Cookie")
        # Emptiness read without the tracking __len__: saving is not the view
        # reading the session (an untouched one, shared with a copied context,
        # would otherwise make the response "personal" and uncacheable).
        empty = (
            dict.__len__(session) == 0  # type: ignore[arg-type]  # a dict, checked here
            if issubclass(type(session), dict)
            else not session
        )
        if empty:
            if session.modified:
                response.delete_cookie(self.get_cookie_name(app), **self._attributes(app))
                if not accessed:
                    add_vary(response.headers, "Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:  # the key was removed while the request ran
            return
        if type(session) is SecureCookieSession:
            # The items view reads the storage directly; dict.copy would go
            # through the tracking keys() and __getitem__ of the subclass.
            data = dict(dict.items(session))
        elif issubclass(type(session), dict):
            # Not isinstance: the ``session`` proxy passes that check and is
            # no dict to copy (``save_session(app, session, response)``).
            data = dict.copy(session)  # type: ignore[arg-type]  # a dict, checked above
        else:
            data = dict(session)
        value = serializer.dumps(data)
        _set_cookie(
            response,
            self.get_cookie_name(app),
            value,
            self.get_expiration_time(app, session),
            self._attributes(app),
            # Its values are URL-safe base64 and dots whichever path signed.
            is_plain=isinstance(serializer, SessionSerializer),
        )
        if not accessed:
            add_vary(response.headers, "Cookie")


class _TemplateResponse(Response):
    # A plain class attribute, as Response allows: the template never warns.
    max_cookie_size = 0


# (cookie name, attributes) -> the Set-Cookie value around the cookie value,
# without and with an expiry; see _set_cookie.
_TEMPLATES: dict[tuple[Any, ...], tuple[str, str, str, str]] = {}
_TEMPLATES_MAX = 64
_EXPIRES_MARK = "\0"

# The session value's alphabet (URL-safe base64 and dots): a value made only
# of these is written unquoted, so it can be put into the template as it is.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.\-]*")


def _cookie_template(name: str, attributes: dict[str, Any]) -> tuple[str, str, str, str]:
    """Split what ``Response.set_cookie`` writes for these attributes around the value.

    Built by ``set_cookie`` itself, once per name and attribute set, so the
    header is byte for byte what it writes; only the value and the expiry
    differ from one request to the next.
    """
    values = attributes.values()
    # With the types: 1 == True, but set_cookie writes "Secure=1" for it.
    key = (name, *values, *map(type, values))
    template = _TEMPLATES.get(key)
    if template is None:
        scratch = _TemplateResponse()
        scratch.set_cookie(name, "", **attributes)
        scratch.set_cookie(name, "", expires=_EXPIRES_MARK, **attributes)
        plain, dated = scratch.headers.getlist("Set-Cookie")
        # What precedes the value: the name as set_cookie spells it, and "=".
        # set_cookie writes the name's UTF-8 bytes as Latin-1 characters.
        head = len(name.encode()) + 1
        before, _mark, after = dated[head:].partition(_EXPIRES_MARK)
        template = (plain[:head], plain[head:], before, after)
        if len(_TEMPLATES) >= _TEMPLATES_MAX:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    return template


def _set_cookie(
    response: Response,
    name: str,
    value: str,
    expires: Any,
    attributes: dict[str, Any],
    is_plain: bool,
) -> None:
    """``response.set_cookie`` for the session cookie, from a cached template.

    Werkzeug's ``dump_cookie`` quotes the path and checks every attribute on
    each call; for the session they change only with the settings. The
    general call is kept for a response class with its own ``set_cookie``,
    a value that would need quoting, and a cookie over the size limit (so
    that it warns as before).
    """
    if type(response).set_cookie is not Response.set_cookie or not (
        is_plain or _PLAIN_VALUE.fullmatch(value)
    ):
        response.set_cookie(name, value, expires=expires, **attributes)
        return
    head, plain, before, after = _cookie_template(name, attributes)
    if expires is None:
        header = f"{head}{value}{plain}"
    else:
        date = expires if isinstance(expires, str) else http_date(expires)
        header = f"{head}{value}{before}{date}{after}"
    limit = response.max_cookie_size
    if limit and len(header) > limit:
        response.set_cookie(name, value, expires=expires, **attributes)
        return
    add_header(response.headers, "Set-Cookie", header)


def _read_cookie(request: Request, name: str) -> str | None:
    """The value of cookie ``name``, as ``request.cookies.get(name)`` gives it.

    Parsing every cookie into a dict costs about as much as verifying the
    session once a request carries the usual handful of other cookies; the
    session value (URL-safe base64 and dots) needs no unquoting, so it is
    found by a scan. Quoted values, and requests whose cookies are already
    parsed, go through ``request.cookies``. The first cookie of that name
    wins, as there.
    """
    fields = vars(request)
    parsed = fields.get("cookies")
    if parsed is not None:
        found: str | None = parsed.get(name)
        return found
    raw = credential_headers(request)[1]
    if not raw:
        return None
    if '"' in raw:
        return request.cookies.get(name)
    for item in raw.split(";"):
        key, sep, value = item.partition("=")
        if sep and key.strip() == name:
            return value.strip()
    return None


__all__ = ["SecureCookieSessionInterface", "session_json_serializer"]
