"""Cache safety: personal responses stay out of shared caches.

A CDN or a corporate proxy in front of the app stores responses and serves
them to the next client that asks for the same URL. A page rendered from one
user's session (their name, their CSRF token, their basket) served to
another is a data leak; a response that sets a session or login cookie,
served from a cache, hands one user's credentials to everyone (session
fixation at scale). This finisher runs on every response, after the session
is saved:

* a response that *sets* a credential cookie (the session, remember-me and
  JWT cookies, deletions included) gets ``Cache-Control: no-store``, whatever
  the view set: no cache may keep a copy. The headers a CDN obeys over
  ``Cache-Control`` (``Surrogate-Control``, ``CDN-Cache-Control``) go;
* a response that *read* the session, or answered a request carrying
  ``Authorization`` or a JWT cookie, gets ``Cache-Control: private`` unless
  the view set its own, and ``Vary: Cookie`` or ``Vary: Authorization``.

A page whose enforced ``Content-Security-Policy`` carries a nonce is kept
out of shared caches too (:func:`keep_nonce_private`): a stored copy would
give every visitor the same nonce. The gate runs that rule only on a
response for which a nonce was made, so an app without one never pays for it.

``CACHE_SAFETY = False`` turns it off (the view is then responsible).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import Any
from weakref import WeakKeyDictionary

from werkzeug.datastructures import Headers

from ..contexts import globals as _globals
from ..wrappers import layout
from ..wrappers.headers import add_header
from ..wrappers.headers import add_vary
from ..wrappers.peek import credential_headers

if TYPE_CHECKING:
    from ..wrappers.request import Request
    from ..wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = ["CREDENTIAL_COOKIES", "finish_cache", "finish_cache_in", "keep_nonce_private"]

_log = logging.getLogger("hipflask.security")

#: Settings naming credential cookies, with each one's default name.
CREDENTIAL_COOKIES: dict[str, str] = {
    "SESSION_COOKIE_NAME": "session",
    "REMEMBER_COOKIE_NAME": "remember_token",
    "JWT_ACCESS_COOKIE_NAME": "access_token_cookie",
    "JWT_REFRESH_COOKIE_NAME": "refresh_token_cookie",
}
_TOKEN_COOKIES = ("JWT_ACCESS_COOKIE_NAME", "JWT_REFRESH_COOKIE_NAME")


def _sets_credentials(config: Any, set_cookies: list[str]) -> bool:
    for value in set_cookies:
        cookie = value[: value.find("=")].strip()
        # The session cookie first: it is the one most responses set.
        for setting, default in CREDENTIAL_COOKIES.items():
            if cookie == (config.get(setting) or default):
                return True
    return False


def _carries_token_cookie(config: Any, cookie: str) -> bool:
    return any(
        f"{config.get(setting) or CREDENTIAL_COOKIES[setting]}=" in cookie
        for setting in _TOKEN_COOKIES
    )


def _scan(headers: Any) -> tuple[list[str], bool, list[str]]:
    """The cookies a response sets, whether the view chose its own Cache-Control,
    and the CDN's own caching headers (see :func:`_is_targeted`) it carries.

    One pass over the few response headers; the length tests first keep the
    usual headers (Content-Type, Content-Length) away from ``lower()``.
    """
    set_cookies: list[str] = []
    has_cache_control = False
    targeted: list[str] = []
    # Its list, read as Headers.__iter__ reads it, without that call.
    listed = headers._list if layout.FAST and type(headers) is Headers else headers
    for name, value in listed:
        size = len(name)
        if size == 10 and (name == "Set-Cookie" or name.lower() == "set-cookie"):
            set_cookies.append(value)
        elif size == 13 and (name == "Cache-Control" or name.lower() == "cache-control"):
            has_cache_control = True
        elif size > 14 and _is_targeted(name):
            targeted.append(name)
    return set_cookies, has_cache_control, targeted


def finish_cache(request: Request, response: Response) -> None:
    """The gate finisher; see the module docstring."""
    ctx = _cv_request.get(None)
    if ctx is not None:
        finish_cache_in(ctx, request, response)


def finish_cache_in(
    ctx: Any,
    request: Request,
    response: Response,
    credentials: tuple[str | None, str | None] | None = None,
) -> None:
    """:func:`finish_cache` for a caller that has the request context at hand.

    ``credentials``: the request's :func:`credential_headers`, when the caller
    has just read them (they are read from the environ otherwise).
    """
    if credentials is not None and credentials[0] is None and credentials[1] is None:
        session = ctx._session
        listed = getattr(response.headers, "_list", None) if layout.FAST else None
        if (
            (session is None or not getattr(session, "accessed", False))
            and type(listed) is list
            and len(listed) == 2
            and listed[0][0] == "Content-Type"
            and listed[1][0] == "Content-Length"
        ):
            # Most responses: no credential sent, read or set; nothing to mark.
            return
    config = ctx.app.config
    if not config.get("CACHE_SAFETY", True):
        return
    headers = response.headers
    set_cookies, has_cache_control, targeted = _scan(headers)
    if set_cookies and _sets_credentials(config, set_cookies):
        if has_cache_control:
            headers["Cache-Control"] = "no-store"
        else:
            add_header(headers, "Cache-Control", "no-store")
        # A CDN obeys its own header over Cache-Control: left in place, it
        # would store the Set-Cookie all the same.
        for name in targeted:
            headers.remove(name)
        return
    session = ctx._session
    personal = False
    if session is not None and getattr(session, "accessed", False):
        add_vary(response.headers, "Cookie")
        personal = True
    authorization, cookie = credential_headers(request) if credentials is None else credentials
    if authorization is not None:
        add_vary(response.headers, "Authorization")
        personal = True
    if not personal and cookie and _carries_token_cookie(config, cookie):
        add_vary(response.headers, "Cookie")
        personal = True
    if personal and not has_cache_control:
        add_header(headers, "Cache-Control", "private")


#: The types a browser renders as a document, where a policy's nonce lets
#: inline scripts run.
_DOCUMENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: Per app, the endpoints already warned about, so a busy page logs once.
_warned: WeakKeyDictionary[Any, set[str | None]] = WeakKeyDictionary()


def keep_nonce_private(request: Request, response: Response) -> None:
    """Make a page whose enforced CSP carries a nonce ``private``.

    A nonce protects a page only while nobody but the browser it was sent to
    knows it. A CDN or proxy that stores the page serves the same nonce to
    every visitor: an attacker fetches the page once, reads the nonce, and
    an injection that reaches anyone else's copy (DOM XSS from the URL
    fragment, a ``postMessage`` handler) runs its ``<script nonce="...">``
    there, as if the policy had no nonce. Browsers may still keep the page
    for their own user (``max-age`` stays); shared caches may not.

    Only documents (HTML, XHTML) are concerned: a script, a stylesheet, an
    image or JSON runs no inline script, and such files are what CDNs are
    for. A report-only policy blocks nothing, so its nonce guards nothing.
    ``no-store`` and ``private`` are kept as they are. ``public`` and
    ``s-maxage`` are dropped, with a warning once per endpoint: the view
    asked for a shared cache (``proxy-revalidate``, which only shared caches
    read, goes with them). ``no-cache`` alone still lets a shared cache
    store the page and serve it after a revalidation, so it gains
    ``private`` too. The headers a CDN obeys over ``Cache-Control``
    (``Surrogate-Control``, RFC 9213's ``CDN-Cache-Control`` and its
    vendor-named kin such as ``Cloudflare-CDN-Cache-Control``) are removed,
    so the CDN reads ``private``; one that would have stored the page is
    warned about in the same way.
    ``CACHE_SAFETY = False`` leaves caching to the views here as everywhere.

    The gate calls it last, after every finisher, on a response for which a
    nonce was made (by ``csp_nonce()`` or for the policy's header).
    """
    ctx = _cv_request.get(None)
    if ctx is not None and not ctx.app.config.get("CACHE_SAFETY", True):
        return
    if response.mimetype not in _DOCUMENT_TYPES:
        return
    if not any("'nonce-" in value for value in response.headers.getlist("Content-Security-Policy")):
        return
    _drop_targeted(ctx, request, response)
    cache = response.cache_control
    if cache.no_store or cache.private is True:
        return
    if cache.public or cache.s_maxage is not None:
        _warn_shared(ctx, request, "Cache-Control", response.headers.get("Cache-Control"))
        cache.public = False
        cache.s_maxage = None
        cache.proxy_revalidate = False
    cache.private = True


#: Directives with which a CDN's own header stores nothing: no warning is due.
_NOT_STORED = frozenset({"no-store", "private"})


def _is_targeted(name: str) -> bool:
    """Whether ``name`` is a header a CDN obeys over ``Cache-Control``.

    ``Surrogate-Control`` (Fastly, Akamai, Varnish setups), RFC 9213's
    ``CDN-Cache-Control`` and the vendor-named fields it invites
    (``Cloudflare-CDN-Cache-Control``, ``Akamai-Cache-Control``): any
    ``*-Cache-Control``.
    """
    lowered = name.lower()
    return lowered == "surrogate-control" or lowered.endswith("-cache-control")


def _drop_targeted(ctx: Any, request: Request, response: Response) -> None:
    """Remove the CDN's own caching headers from a nonce page.

    Removed rather than rewritten: every CDN then reads ``Cache-Control``,
    which this rule makes ``private``, whatever its vendor's dialect. One
    that would have stored the page is warned about.
    """
    headers = response.headers
    found = [(n, v) for n, v in headers if n[-8:].lower() == "-control" and _is_targeted(n)]
    for name, value in found:
        headers.remove(name)
        directives = {part.split("=")[0].strip().lower() for part in value.split(",")}
        if not directives & _NOT_STORED:
            _warn_shared(ctx, request, name, value)


def _warn_shared(ctx: Any, request: Request, header: str, value: str | None) -> None:
    # Counted by endpoint, never by path: a page no route matched (an error
    # handler's 404) has none, and the paths are the client's to make up, so
    # each one would be one more warning and one more name kept.
    endpoint = request.endpoint
    warned = _warned.setdefault(ctx.app, set()) if ctx is not None else set()
    if endpoint not in warned:
        warned.add(endpoint)
        _log.warning(
            "%s asked for a shared cache (%s: %s) on a page whose"
            " Content-Security-Policy carries a nonce; a shared cache would"
            " give every visitor that one nonce. Sent as private instead.",
            endpoint or f"The page for {request.path!r} (no route matched)",
            header,
            value,
        )
