"""Login throttling: login attempts are limited per user name and per address.

Guessing passwords needs many tries; after ``LOGIN_THROTTLE_PER_USER``
attempts at one submitted user name that did not succeed, or
``LOGIN_THROTTLE_PER_ADDRESS`` attempts from one client address, the login
view answers 429 with ``Retry-After`` until the window moves on. An attempt
is a ``POST`` (or another unsafe method) to a login view; one that ends in
``login_user()`` succeeded, so a Flask-Login app is throttled without code
changes. Unknown and known user names are counted alike, so the 429 tells
an attacker nothing about which accounts exist.

A request that sends nothing a view could check a password with is no
attempt: a ``DELETE`` to the login URL that logs out, or a ``POST`` with
no body, is neither counted nor refused. Which field holds the password is
the view's business, as is the user name's, so "nothing" is strict: no
field in the query, the form or a JSON body but the CSRF token and
``next``, no file, no other body, no variable in the URL's path (a
one-time code in ``/magic/<code>``), no ``Authorization`` or
``Proxy-Authorization`` header. Other headers and cookies are not looked
at: a view reading a password from one of those throttles itself.

An attempt is counted before the view runs, not once it has failed: a
brute force sends its guesses all at once, and counted afterwards every one
of them would pass the check while none had failed yet. So parallel guesses
get no more password checks than the limit. An attempt refused counts
against nothing, so an address over its limit cannot keep using up the
limits of the names it sends. A login that succeeds then
takes its count back from its user name, when it sent the name spelled as
it is counted (the password is right; the failures before it no longer
count either), but not from its address: an
attacker with an account of their own could otherwise wipe the count of the
address they guess other accounts' passwords from.

The counting is the rate-limit core's (:mod:`hipflask.security.ratelimit`,
the one :mod:`hipflask.limiter` uses: the ``limits`` library's moving
window, a sync and an async driver); ``LOGIN_THROTTLE_STORAGE`` moves the
counts to Redis for several processes.
"""

from __future__ import annotations

import ipaddress
import math
import time
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from ..security.ratelimit import Hit
from ..security.ratelimit import Outcome
from ..security.ratelimit import RateLimitExceeded
from ..security.ratelimit import RateLimitStore
from ..security.ratelimit import parse_limits
from ..wrappers.jsonform import json_form_data

_LOGIN_SUCCEEDED = "_hipflask_login_succeeded"
_THROTTLED = "_hipflask_login_throttled"

REASON_THROTTLED = "Too many failed logins. Try again later."

#: Whether a refusal answers in JSON, or the function that decides it.
AsJson = bool | Callable[[], bool]


#: What a request may send and still carry no credential: the CSRF token
#: (also under ``WTF_CSRF_FIELD_NAME``) and where to go next.
_NO_CREDENTIAL_FIELDS = frozenset({"csrf_token", "next"})


#: The headers that carry credentials by their definition (RFC 9110).
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization")


_DOTLESS_I = "\u0131"
_SHARP_S = frozenset("\u00df\u1e9e")  # small and capital
_SHARP_S_AS_S = dict.fromkeys(map(ord, _SHARP_S), "s")


def user_key(name: str) -> str:
    """What one user name's attempts are counted under: the name as a database finds it.

    MariaDB's and MySQL's default collations (and case-insensitive ones in
    other databases) find the same account for ``alice``, ``ALICE``,
    ``alicé``, a full-width ``alice`` and ``alice`` with an invisible
    zero-width space in it. Counted apart, each would be a fresh budget of
    guesses at one password; so accents, compatibility forms, invisible
    format characters and case are taken out before counting. Two accounts
    whose names differ only in those then share one count, a small price.

    The Turkish dotless i (U+0131) is no accented ``i`` to Unicode (nothing
    to take out, and it has no case fold to ``i``), but ``utf8mb4_general_ci``,
    MariaDB's default, finds ``alice`` for ``alice`` spelled with it: it
    counts as ``i``. (PostgreSQL's case- and accent-insensitive ICU
    collations tell the two apart; counting them together costs nothing.)
    """
    decomposed = unicodedata.normalize("NFKD", name.strip())
    kept = "".join(
        char for char in decomposed if unicodedata.category(char) not in ("Mn", "Me", "Cf")
    )
    folded = kept.casefold().replace(_DOTLESS_I, "i")
    return unicodedata.normalize("NFKC", folded).strip()


def user_keys(name: str) -> tuple[str, ...]:
    """Every count one user name's attempts go to: its :func:`user_key`, or two.

    A sharp s is ``ss`` to Unicode's case folding and to the Unicode
    collations (MariaDB's and MySQL's ``unicode`` ones, PostgreSQL's ICU
    ones), but ``s`` to ``utf8mb4_general_ci``, MariaDB's default: which
    account ``alißa`` finds, ``alissa`` or ``alisa``, depends on the
    database, so a name with one counts against both.
    """
    if not _SHARP_S.intersection(name):
        return (user_key(name),)
    return (user_key(name), user_key(name.translate(_SHARP_S_AS_S)))


def client_network(address: str | None) -> str:
    """What one client's attempts are counted under: its address, or its IPv6 /64.

    An IPv6 host is given a whole /64 and may send from any address in it,
    so counting per address would hand it 2**64 fresh budgets. An IPv4
    client that a dual-stack socket reports as ``::ffff:a.b.c.d`` is that
    IPv4 address, not a share of one network with every other IPv4 client.
    """
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])  # a link-local zone
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _json_body(request: Any) -> Any:
    """The request's JSON body, whatever its ``Content-Type``, unless it is a form.

    A view may read it with ``get_json(force=True)``, which ignores the
    header, and the client chooses the header: read only when it says JSON,
    a body sent as ``text/plain`` would check a password without counting
    its user name. The body is kept for the view, but not the parsed value,
    so the view's own ``get_json()`` answers as it would have (a 415 for a
    body that is not declared JSON).
    """
    if request.is_json:
        return request.get_json(silent=True)
    if request.form or request.files:
        return None
    request.get_data()  # kept for the view, which reads the body after this
    return request.get_json(force=True, silent=True, cache=False)


class UserNames(tuple[str, ...]):
    """The user names of one attempt, as counted, and which were sent spelled otherwise."""

    folded: frozenset[str]

    def __new__(cls, names: Iterable[str], folded: frozenset[str] = frozenset()) -> UserNames:
        self = super().__new__(cls, names)
        self.folded = folded
        return self


def _clearable(names: tuple[str, ...]) -> bool:
    """Whether a login that sent ``names`` may take back their failures (see ``succeed``)."""
    return len(names) == 1 and names[0] not in getattr(names, "folded", frozenset())


class LoginThrottle:
    """The two limits and their store, built from the settings once."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.store = RateLimitStore(config["LOGIN_THROTTLE_STORAGE"], strategy="moving-window")
        self._per_user = parse_limits(config["LOGIN_THROTTLE_PER_USER"])
        self._per_address = parse_limits(config["LOGIN_THROTTLE_PER_ADDRESS"])
        fields = config["LOGIN_THROTTLE_USER_FIELDS"] or ()
        if isinstance(fields, str):
            # One string names fields ("email", or "email, login"); tuple()
            # would make it its letters, and no user name would ever be found.
            fields = fields.split(",")
        self._fields = tuple(name.strip() for name in fields if name.strip())
        self._prefix = str(config.get("LOGIN_THROTTLE_KEY_PREFIX") or "hipflask-login")
        csrf_field = config.get("WTF_CSRF_FIELD_NAME")
        self._no_credential = _NO_CREDENTIAL_FIELDS | ({csrf_field} if csrf_field else set())

    def carries_credentials(self, request: Any) -> bool:
        """Whether the request sends anything a view could check a password with.

        Only such a request is a login attempt: a logout sent to the login
        URL (``DELETE /session``) must not use up its address's limit, nor
        be refused once it is. The view chooses where it reads the password
        and the user name (a field outside ``LOGIN_THROTTLE_USER_FIELDS``,
        ``request.values``, ``get_json(force=True)`` on a ``text/plain``
        body, a list, a file, HTTP Basic, a variable in its URL), so whatever
        it could read one from counts: a password sent without any user name too, since the
        view may take the name from the session or from a field not listed.
        """
        if request.files or request.view_args:
            return True
        if any(request.headers.get(name) is not None for name in _CREDENTIAL_HEADERS):
            return True
        if self._names_other(request.args) or self._names_other(request.form):
            return True
        if not request.get_data().strip():  # a form's body is in request.form
            return False
        body = request.get_json(force=True, silent=True, cache=False)
        return not isinstance(body, dict) or self._names_other(body)

    def _names_other(self, data: Iterable[Any]) -> bool:
        """Whether ``data`` has a field that may hold a credential."""
        return any(key not in self._no_credential for key in data)

    def user_names(self, request: Any) -> tuple[str, ...]:
        """Every user name the attempt submits, normalised, each once.

        The first value of each user field, in the body (form or JSON) and in
        the query string: the view reads one of them, and this cannot know
        which. Counting only the first field found would let a guess at
        ``email`` carry a fresh decoy ``username`` each time, and the guesses
        at the real account would count against names nobody has. At most one
        name per field and place is taken (counted under at most two keys,
        see :func:`user_keys`), so one request cannot use up the limits of
        a list of accounts.
        """
        places: list[Any] = [request.form]
        body = _json_body(request)
        if isinstance(body, dict):
            # As a form reads it: a number is its text, a list several
            # values, so the name the view checks is the one counted.
            places.append(json_form_data(body))
        places.append(request.args)
        names: dict[str, bool] = {}
        for data in places:
            if not isinstance(data, Mapping):
                continue
            for field in self._fields:
                value = data.get(field)
                if not isinstance(value, str) or not value.strip():
                    continue
                for key in user_keys(value):
                    if key:
                        # Whether every spelling sent was the key itself.
                        names[key] = names.get(key, True) and value.strip() == key
        return UserNames(names, frozenset(key for key, exact in names.items() if not exact))

    def hits(
        self, names: tuple[str, ...], address: str | None, *, deduct: bool = True
    ) -> list[Hit]:
        """The limits one attempt is counted against, its user names' first.

        A name over its limit then refuses the attempt before the address is
        charged for it. ``deduct=False`` tests them without counting.
        """
        key = (self._prefix, "address", client_network(address))
        return self._user_hits(names, deduct=deduct) + [
            Hit(item, key, deduct=deduct) for item in self._per_address
        ]

    def _user_hits(self, names: tuple[str, ...], *, deduct: bool = True) -> list[Hit]:
        return [
            Hit(item, (self._prefix, "user", name), deduct=deduct)
            for name in names
            for item in self._per_user
        ]

    @staticmethod
    def refuse_if_breached(outcome: Outcome, *, as_json: AsJson = False) -> None:
        """Raise 429 with ``Retry-After`` when a limit is used up.

        ``as_json`` answers in the rate limiter's JSON body: a script posting
        to the login view reads its refusal as it reads ``login_required``'s.
        A callable is asked only here, when refusing: asking
        :func:`~hipflask.login.redirects.wants_json` marks the response
        ``Vary: Accept``, which only the refusal's answer depends on.
        """
        if outcome.breached is None:
            return
        if callable(as_json):
            as_json = as_json()
        reset = outcome.stats.reset_time if outcome.stats is not None else time.time() + 1
        retry = max(1, math.ceil(reset - time.time()))
        raise RateLimitExceeded(
            outcome.breached.item, description=REASON_THROTTLED, retry_after=retry, as_json=as_json
        )

    def check(
        self, names: tuple[str, ...], address: str | None, *, as_json: AsJson = False
    ) -> None:
        """Refuse the attempt with 429 once a limit is used up, else count it (blocking).

        Tested first, counted only if no limit refuses it: an address over
        its limit would otherwise go on using up the limit of every name it
        sends, keeping their owners out for as long as it kept sending. The
        count itself refuses what got past the test together (parallel
        guesses), each limit's count being atomic.
        """
        outcome = self.store.check(self.hits(names, address, deduct=False), want_stats=False)
        self.refuse_if_breached(outcome, as_json=as_json)
        outcome = self.store.check(self.hits(names, address), want_stats=False)
        self.refuse_if_breached(outcome, as_json=as_json)

    async def check_async(
        self, names: tuple[str, ...], address: str | None, *, as_json: AsJson = False
    ) -> None:
        """:meth:`check` without blocking the event loop."""
        tested = self.hits(names, address, deduct=False)
        self.refuse_if_breached(
            await self.store.check_async(tested, want_stats=False), as_json=as_json
        )
        outcome = await self.store.check_async(self.hits(names, address), want_stats=False)
        self.refuse_if_breached(outcome, as_json=as_json)

    def succeed(self, names: tuple[str, ...]) -> None:
        """Take back the failures counted for the name of a login that succeeded.

        Only when the attempt sent one name, spelled as it is counted: with
        several, which one logged in is not known, and an attacker logging in
        to their own account while naming another in a second field would
        wipe that account's count. A name that counts under another spelling
        (``ALICE`` or ``alicé`` under ``alice``) may be an account of its own
        where the database tells them apart: its owner's login must not wipe
        the guesses at ``alice``, so its failures stay until the window moves.
        """
        if _clearable(names):
            self.store.clear(self._user_hits(names))

    async def succeed_async(self, names: tuple[str, ...]) -> None:
        """:meth:`succeed` without blocking the event loop."""
        if _clearable(names):
            await self.store.clear_async(self._user_hits(names))

    async def aclose(self) -> None:
        """Close the connections the async driver opened on the running loop."""
        await self.store.aclose()


__all__ = ["REASON_THROTTLED", "LoginThrottle", "user_key", "user_keys"]
