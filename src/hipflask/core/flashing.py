"""Flashed messages: one-time notices carried across a redirect.

The classic pattern is POST, redirect, GET: the POST handler calls
:func:`flash` ("Profile saved.") and redirects; the page after the redirect
calls :func:`get_flashed_messages` (usually in the base template) and shows
them. Messages travel in the session under ``_flashes``, so they survive
exactly one redirect: reading them removes them from the session, and the
request that read them keeps its own copy so every call within it (a
template may ask several times, with different filters) sees the same list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from ..contexts import globals as _globals
from ..signals import message_flashed
from ..signals import send as send_signal

if TYPE_CHECKING:
    from ..contexts.ctx import RequestContext

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

_SESSION_KEY = "_flashes"


def _request_context(name: str) -> RequestContext:
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            f"'{name}' can only be used when a request context is active, such as"
            " in a view function or a template rendered by one."
        )
    return ctx


def flash(message: str, category: str = "message") -> None:
    """Queue ``message`` for the next page the user sees.

    ``category`` is free text; ``"message"``, ``"error"``, ``"info"`` and
    ``"warning"`` are the usual ones, and templates typically turn it into a
    CSS class. A :class:`~markupsafe.Markup` message stays markup after the
    redirect.

    Sends :data:`~hipflask.signals.message_flashed` when it has receivers.

    :raises SessionUnavailableError: the app has no ``SECRET_KEY``, so there
        is no session to carry the message.
    """
    ctx = _request_context("flash")
    session = ctx.session
    flashes = session.get(_SESSION_KEY)
    flashes = [] if flashes is None else list(flashes)
    flashes.append((category, message))
    # Assigning (not appending in place) is what marks the session modified.
    session[_SESSION_KEY] = flashes
    if message_flashed.receivers:
        app = ctx.app
        send_signal(message_flashed, app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return the messages flashed for this page, removing them from the session.

    The first call in a request takes the messages out of the session; later
    calls in the same request return the same messages, so a layout and a
    page can both ask.

    :param with_categories: return ``(category, message)`` pairs instead of
        messages.
    :param category_filter: only return messages in these categories. The
        others are still taken out of the session: they were meant for this
        page, whether or not it shows them.
    """
    ctx = _request_context("get_flashed_messages")
    flashes: list[tuple[str, str]] | None = ctx.flashes
    if flashes is None:
        session = ctx.session
        stored: Any = session.pop(_SESSION_KEY) if _SESSION_KEY in session else ()
        flashes = ctx.flashes = [(category, message) for category, message in stored]
    if category_filter:
        # A lone string is one category, not a set of letters.
        wanted = {category_filter} if isinstance(category_filter, str) else set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return list(flashes)
    return [message for _category, message in flashes]


__all__ = ["flash", "get_flashed_messages"]
