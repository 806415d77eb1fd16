"""Finding the token in a request: headers, cookies, query string, JSON body.

Locations are tried in the configured order and the first token found wins;
when none has one, the refusal lists what was missing in each. A token from
a cookie is sent by the browser on its own, so for unsafe methods it must
come with its double-submit CSRF value (a header, or a form field when
``JWT_CSRF_CHECK_FORM``), which a cross-site page cannot read or send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt as pyjwt

from ..contexts.globals import request
from .config import JWTSetupError
from .config import csrf_methods
from .config import setting
from .config import token_locations
from .exceptions import CSRFError
from .exceptions import InvalidHeaderError
from .exceptions import InvalidQueryParamError
from .exceptions import NoAuthorizationError
from .exceptions import refusal_class


def _from_headers(config: Mapping[str, Any], refresh: bool) -> tuple[str, None]:
    name = setting(config, "JWT_HEADER_NAME")
    if not name:
        raise JWTSetupError(
            "JWT_HEADER_NAME is empty; set the name of the header that carries the"
            " token ('Authorization' unless the clients use another)."
        )
    kind = setting(config, "JWT_HEADER_TYPE")
    raw = request.headers.get(name, "").strip().strip(",")
    if not raw:
        raise NoAuthorizationError(f"Missing {name} Header")
    expected = f"{kind} <JWT>" if kind else "<JWT>"
    if not kind:
        parts = raw.split()
        if len(parts) != 1:
            raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: {expected}'")
        return parts[0], None
    # Several schemes may share one header ("Basic x, Bearer y"). A header
    # holding none of ours (Basic credentials from a staging proxy, a
    # browser's cached login) is no token here: the next location is tried,
    # and an optional route stays anonymous.
    ours = [parts for parts in (field.split() for field in raw.split(",")) if parts[:1] == [kind]]
    if len(ours) != 1:
        raise NoAuthorizationError(
            f"Missing '{kind}' type in '{name}' header. Expected '{name}: {expected}'"
        )
    if len(ours[0]) != 2:
        raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: {expected}'")
    return ours[0][1], None


def _csrf_value(config: Mapping[str, Any], refresh: bool) -> str:
    kind = "REFRESH" if refresh else "ACCESS"
    value = request.headers.get(setting(config, f"JWT_{kind}_CSRF_HEADER_NAME"))
    if not value and setting(config, "JWT_CSRF_CHECK_FORM"):
        value = request.form.get(setting(config, f"JWT_{kind}_CSRF_FIELD_NAME"))
    if not value:
        raise CSRFError("Missing CSRF token")
    return str(value)


def _from_cookies(config: Mapping[str, Any], refresh: bool) -> tuple[str, str | None]:
    name = setting(config, "JWT_REFRESH_COOKIE_NAME" if refresh else "JWT_ACCESS_COOKIE_NAME")
    token = request.cookies.get(name)
    if not token:
        raise NoAuthorizationError(f'Missing cookie "{name}"')
    csrf = None
    if setting(config, "JWT_COOKIE_CSRF_PROTECT") and request.method in csrf_methods(
        setting(config, "JWT_CSRF_METHODS")
    ):
        csrf = _csrf_value(config, refresh)
    return token, csrf


def _from_query_string(config: Mapping[str, Any], refresh: bool) -> tuple[str, None]:
    name = setting(config, "JWT_QUERY_STRING_NAME")
    prefix = setting(config, "JWT_QUERY_STRING_VALUE_PREFIX")
    value = request.args.get(name)
    # Flask-JWT-Extended's wording and single quotes (clients and tests
    # compare these strings), but "parameter" spelt right (docs/porting).
    if not value:
        raise NoAuthorizationError(f"Missing '{name}' query parameter")
    if not value.startswith(prefix):
        raise InvalidQueryParamError(
            f"Invalid value for query parameter '{name}'. Expected the value to start"
            f" with '{prefix}'"
        )
    return value[len(prefix) :], None


def _from_json(config: Mapping[str, Any], refresh: bool) -> tuple[str, None]:
    if not request.is_json:
        raise NoAuthorizationError("Invalid content-type. Must be application/json.")
    key = setting(config, "JWT_REFRESH_JSON_KEY" if refresh else "JWT_JSON_KEY")
    data = request.get_json(silent=True)
    token = data.get(key) if isinstance(data, dict) else None
    if not token:
        raise NoAuthorizationError(f'Missing "{key}" key in json data.')
    if not isinstance(token, str):
        # Sent, but not something a token can be (a number, an object): PyJWT's
        # DecodeError, which Flask-JWT-Extended lets through from jwt.decode.
        not_a_token = refusal_class(pyjwt.DecodeError)
        raise not_a_token("Invalid token type. Token must be a string", status=422)
    return token, None


_FINDERS = {
    "headers": _from_headers,
    "cookies": _from_cookies,
    "query_string": _from_query_string,
    "json": _from_json,
}


def find_token(
    config: Mapping[str, Any], refresh: bool, locations: Any = None
) -> tuple[str, str, str | None]:
    """The encoded token, where it was found, and the CSRF value sent with it.

    :raises NoAuthorizationError: no location had a token; with several
        locations, Flask-JWT-Extended's ``Missing JWT in headers or cookies
        (...)`` around each location's own message.
    :raises InvalidHeaderError: a location had something that is not a token.
    """
    if locations:
        names = token_locations(locations, "jwt_required(locations=...)")
    else:
        names = token_locations(setting(config, "JWT_TOKEN_LOCATION"))
    missing: list[str] = []
    for name in names:
        try:
            token, csrf = _FINDERS[name](config, refresh)
        except NoAuthorizationError as error:
            missing.append(error.msg)
            continue
        return token, name, csrf
    if len(names) == 1:
        raise NoAuthorizationError(missing[0])
    where = f"{', '.join(names[:-1])} or {names[-1]}"
    raise NoAuthorizationError(f"Missing JWT in {where} ({'; '.join(missing)})")


__all__ = ["find_token"]
