"""The production check on ``SECRET_KEY``: refuse a key that anyone could know or guess.

``SECRET_KEY`` signs session cookies, CSRF tokens, remember-me cookies and
HS-signed JWTs. Whoever holds it can sign a session cookie that says they are
any user (session forgery), so a key copied from a tutorial, or one short
enough to be found by trying keys offline against a single signed cookie, is
no better than none. ``hipflask serve`` therefore stops before anything
listens, with a message saying how to generate a key and how to provide it.
``hipflask run`` and the test client never check: development and tests use
throwaway keys on purpose.

The rules, in the order they are checked:

* ``SECRET_KEY`` is a ``str`` or ``bytes``. Anything else is refused, most
  often a number that ``from_prefixed_env()`` parsed as JSON.
* It is set and not blank (only whitespace counts as blank).
* It is not a well-known placeholder (:data:`WELL_KNOWN_KEYS`). The comparison
  ignores surrounding whitespace, case, and the separators space, hyphen,
  underscore and dot, so ``Change_Me`` is caught as ``change-me``; ``bytes``
  are read as Latin-1, so ``b"dev"`` is caught as ``"dev"``.
* It does not begin like a placeholder padded to length
  (:data:`PLACEHOLDER_PREFIXES`: ``change-me-to-a-long-random-value...``,
  ``replace_me_...``, ``your-secret-key-...``, ``dev-only-...``), compared the
  same way: such a key was copied from an example, not generated, and a
  generated key (hex or base64) never begins with these words.
* It is at least :data:`MIN_SECRET_KEY_LENGTH` long: characters for a
  ``str``, bytes for ``bytes``. ``secrets.token_hex(16)`` (128 random bits
  in 32 characters) is the shortest generated key that passes;
  ``secrets.token_hex(32)`` is what the message suggests. Length is the part
  of strength a program can check; a long key typed by hand is still weak.
* Every entry of ``SECRET_KEY_FALLBACKS`` still verifies cookies, so each is
  a non-empty ``str`` or ``bytes`` and not a placeholder, and the setting is
  a list rather than a single string. The length of a fallback is *not*
  checked: moving an old short key into the fallbacks, behind a new long
  ``SECRET_KEY``, is how a site retires it without logging everyone out.
  Remove it once ``PERMANENT_SESSION_LIFETIME`` has passed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from collections.abc import MutableMapping
from typing import Any

from ..errors import ConfigurationError

__all__ = [
    "APP_KEY_NOT_FROM_ENVIRONMENT",
    "FALLBACKS_NOT_A_LIST",
    "FALLBACK_NOT_A_KEY",
    "FALLBACK_REFUSED",
    "MIN_SECRET_KEY_LENGTH",
    "PLACEHOLDER_PREFIXES",
    "SECRET_KEY_MISSING",
    "SECRET_KEY_NOT_A_KEY",
    "SECRET_KEY_SHORT",
    "SECRET_KEY_VARIABLES",
    "SECRET_KEY_WELL_KNOWN",
    "WELL_KNOWN_KEYS",
    "apply_secret_key_from_env",
    "check_fallback_list",
    "check_secret_key",
    "check_served_secret_key",
    "is_from_environment",
    "is_well_known_key",
]

#: The shortest ``SECRET_KEY`` served: characters for a str, bytes for bytes.
MIN_SECRET_KEY_LENGTH = 32

#: Example keys from tutorials, quick starts and framework docs. Matching
#: ignores case, surrounding whitespace and the separators `` -_.``.
WELL_KNOWN_KEYS: tuple[str | bytes, ...] = (
    "dev",
    "development",
    "development key",
    "dev key",
    "test",
    "testing",
    "secret",
    "secret key",
    "my secret",
    "my secret key",
    "changeme",
    "change this",
    "replace me",
    "your secret key",
    "your secret key here",
    "super secret",
    "super secret key",
    "keyboard cat",
    "you will never guess",
    "hard to guess string",
    "password",
    "default",
    # Placeholders in this project's own docs, pasted as they are.
    "a long random value from the environment",
    "a long random string",
    "new key",
    "old key",
    # Flask's quickstart example key, as bytes (and so as the str with the same
    # code points), as the escaped text pasted into an env file, and as its repr.
    b'_5#y2L"F4Q8z\n\xec]/',
    r'_5#y2L"F4Q8z\n\xec]/',
    r"""b'_5#y2L"F4Q8z\n\xec]/'""",
)

_FIX = (
    " Generate a key with python -c 'import secrets; print(secrets.token_hex(32))'"
    " and keep it out of the code: export HIPFLASK_SECRET_KEY=<the key> where the"
    " server starts (hipflask serve uses it when the app sets no key; under another"
    " server call app.config.from_prefixed_env() in the app), or set SECRET_KEY in"
    " a config file kept out of version control and loaded with"
    " app.config.from_pyfile() or app.config.from_file()."
)

#: Added to the refusal of a key the app set itself, not taken from the environment.
APP_KEY_NOT_FROM_ENVIRONMENT = (
    " The app sets this SECRET_KEY itself (in its code or config, often as the"
    " default of os.environ.get('SECRET_KEY', '...')), so HIPFLASK_SECRET_KEY is not"
    " read: remove that default, or give the key where the app's config reads it."
)

#: Read by ``hipflask serve`` when the app sets no key, in this order.
SECRET_KEY_VARIABLES = ("HIPFLASK_SECRET_KEY", "FLASK_SECRET_KEY")

#: No key, or a blank one: nothing can be signed.
SECRET_KEY_MISSING = (
    "Refusing to serve without a SECRET_KEY: sessions, CSRF tokens and"
    " remember-me cookies are signed with it." + _FIX
)

#: A key from a tutorial: anyone can forge a session with it.
SECRET_KEY_WELL_KNOWN = (
    "Refusing to serve with a well-known SECRET_KEY (an example value from"
    " tutorials and docs): anyone can sign a session cookie with it and be"
    " taken for any user." + _FIX
)

#: A key short enough to find by trying keys offline against one signed cookie.
SECRET_KEY_SHORT = (
    "Refusing to serve with a {length}-{unit} SECRET_KEY: a short key can be found"
    " by trying keys offline against a single signed cookie, after which every"
    " session can be forged. Use at least {minimum} {unit}s." + _FIX
)

#: Not a str or bytes, usually a value from_prefixed_env() parsed as JSON.
SECRET_KEY_NOT_A_KEY = (
    "Refusing to serve with a SECRET_KEY of type {type}: it must be a str or"
    " bytes. A HIPFLASK_SECRET_KEY that looks like JSON (a number, say) is parsed"
    " by from_prefixed_env(): quote the value as JSON (HIPFLASK_SECRET_KEY='\"...\"')"
    " or, better, replace it." + _FIX
)

#: A single string would be read as a list of one-character keys.
FALLBACKS_NOT_A_LIST = (
    "Refusing to serve with SECRET_KEY_FALLBACKS of type {type}: it must be a list"
    " of old keys that still verify cookies, as in SECRET_KEY_FALLBACKS = [old_key],"
    " or left unset."
)

#: A fallback entry that is not a key at all.
FALLBACK_NOT_A_KEY = (
    "Refusing to serve with SECRET_KEY_FALLBACKS[{index}] of type {type}: each"
    " entry is an old SECRET_KEY, a str or bytes."
)

#: Beginnings of placeholder keys that examples pad past the length check
#: (``"change-me-to-a-long-random-value"``), compared like
#: :data:`WELL_KNOWN_KEYS`.
PLACEHOLDER_PREFIXES: tuple[str, ...] = (
    "changeme",
    # A key its author labelled for development (this project's examples
    # print "dev-only-secret-key-replace-in-production") is published with it.
    "devonly",
    "changethis",
    "replaceme",
    "replacethis",
    "yoursecret",
    "putyoursecret",
    "insertyoursecret",
)

#: A fallback anyone can sign with: it still verifies cookies.
FALLBACK_REFUSED = (
    "Refusing to serve: SECRET_KEY_FALLBACKS[{index}] is {problem}. Fallbacks"
    " still verify session cookies, CSRF tokens and remember-me cookies, so"
    " anyone could sign one the app accepts. Remove it from the list; what was"
    " signed with it stops verifying, as it must once a key is known."
)

_SEPARATORS = str.maketrans("", "", " -_.")


def _normalized(key: str | bytes) -> str:
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    return text.strip().lower().translate(_SEPARATORS)


_WELL_KNOWN = frozenset(_normalized(key) for key in WELL_KNOWN_KEYS)


def is_well_known_key(key: str | bytes) -> bool:
    """Whether ``key`` is one of :data:`WELL_KNOWN_KEYS`, or begins like a placeholder
    (:data:`PLACEHOLDER_PREFIXES`), spelled in any case or spacing.

    A blank key counts as well known: an empty HMAC key is one every
    attacker already has.
    """
    normalized = _normalized(key)
    return (
        not normalized or normalized in _WELL_KNOWN or normalized.startswith(PLACEHOLDER_PREFIXES)
    )


def _is_blank(key: str | bytes) -> bool:
    return not key.strip()


def _check_current(secret_key: object) -> None:
    if secret_key is None:
        raise ConfigurationError(SECRET_KEY_MISSING)
    if not isinstance(secret_key, (str, bytes)):
        raise ConfigurationError(SECRET_KEY_NOT_A_KEY.format(type=type(secret_key).__name__))
    if _is_blank(secret_key):
        raise ConfigurationError(SECRET_KEY_MISSING)
    if is_well_known_key(secret_key):
        raise ConfigurationError(SECRET_KEY_WELL_KNOWN)
    # Measured as given, not stripped: random bytes may well end in a byte
    # that reads as whitespace.
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        unit = "byte" if isinstance(secret_key, bytes) else "character"
        raise ConfigurationError(
            SECRET_KEY_SHORT.format(
                length=len(secret_key), unit=unit, minimum=MIN_SECRET_KEY_LENGTH
            )
        )


def check_fallback_list(
    fallbacks: object,
    not_a_list: str = FALLBACKS_NOT_A_LIST,
    not_a_key: str = FALLBACK_NOT_A_KEY,
    refused: str = FALLBACK_REFUSED,
) -> None:
    """Refuse a fallback list that is a single string, or holds a key anyone could sign with.

    The rules of ``SECRET_KEY_FALLBACKS`` (see the module); the messages
    name the setting, so :mod:`hipflask.serving.jwt_key` applies the same
    rules to ``JWT_SECRET_KEY_FALLBACKS`` with its own.
    """
    if not fallbacks:
        return
    if isinstance(fallbacks, (str, bytes)) or not isinstance(fallbacks, Iterable):
        raise ConfigurationError(not_a_list.format(type=type(fallbacks).__name__))
    for index, key in enumerate(fallbacks):
        if not isinstance(key, (str, bytes)):
            raise ConfigurationError(not_a_key.format(index=index, type=type(key).__name__))
        if _is_blank(key):
            raise ConfigurationError(refused.format(index=index, problem="empty"))
        if is_well_known_key(key):
            raise ConfigurationError(
                refused.format(index=index, problem="a well-known example value")
            )


def apply_secret_key_from_env(config: MutableMapping[str, Any]) -> None:
    """Take ``SECRET_KEY`` from ``HIPFLASK_SECRET_KEY`` when the app sets none.

    The key belongs in the deployment's environment, not in the code; an app
    written as the quickstart shows (no key, no ``from_prefixed_env()``) is
    served by ``hipflask serve`` with the key its environment provides.
    ``FLASK_SECRET_KEY`` is read when ``HIPFLASK_SECRET_KEY`` is absent, so a
    ported app keeps its environment. A key the app set itself always wins.
    """
    if config.get("SECRET_KEY"):
        return
    for variable in SECRET_KEY_VARIABLES:
        value = os.environ.get(variable)
        if value:
            config["SECRET_KEY"] = value
            return


def is_from_environment(secret_key: object) -> bool:
    """Whether ``secret_key`` is the value of ``HIPFLASK_SECRET_KEY`` or ``FLASK_SECRET_KEY``.

    Either as the text of the variable, as :func:`apply_secret_key_from_env`
    sets it, or as ``from_prefixed_env()`` parses it (a number, say). A key
    that is neither was set by the app, and then the variables are not read.
    """
    for variable in SECRET_KEY_VARIABLES:
        value = os.environ.get(variable)
        if value is None:
            continue
        if secret_key == value:
            return True
        try:
            if json.loads(value) == secret_key:
                return True
        except ValueError:
            continue
    return False


def check_secret_key(
    secret_key: object, fallbacks: object = None, *, set_by_app: bool = False
) -> None:
    """Refuse a missing, short or well-known ``SECRET_KEY`` or fallback; see the module.

    :func:`~hipflask.serving.production.serve_app` and ``hipflask serve`` call
    it with ``app.config["SECRET_KEY"]`` and ``app.config["SECRET_KEY_FALLBACKS"]``
    before anything listens. Under another server, call it from the app
    factory to get the same refusal.

    :param set_by_app: the app set the key itself, so the advice to export
        ``HIPFLASK_SECRET_KEY`` would change nothing; the refusal says so.
        A ported app often carries a default key in its config, and exporting
        the variable the message names, only to be refused again, is how a
        user learns it otherwise.
    :raises ConfigurationError: the message names the setting and the fix.
    """
    try:
        _check_current(secret_key)
    except ConfigurationError as exc:
        if set_by_app and secret_key is not None:
            raise ConfigurationError(f"{exc}{APP_KEY_NOT_FROM_ENVIRONMENT}") from None
        raise
    check_fallback_list(fallbacks)


def check_served_secret_key(config: MutableMapping[str, Any]) -> None:
    """The check ``hipflask serve`` makes: the environment's key, else the app's, refused as above.

    :raises ConfigurationError: see :func:`check_secret_key`; a refused key
        the app set itself is named as such.
    """
    apply_secret_key_from_env(config)
    secret_key = config.get("SECRET_KEY")
    check_secret_key(
        secret_key,
        config.get("SECRET_KEY_FALLBACKS"),
        set_by_app=not is_from_environment(secret_key),
    )
