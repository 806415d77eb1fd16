"""Errors raised only in debug mode, to explain mistakes that look like a server fault.

Two classic ones: a form posted to a URL that routing redirects (the browser
follows a 301/302 with a GET and silently drops the form), and
``request.files["f"]`` on a form sent without
``enctype="multipart/form-data"`` (the browser sent only the file's name).
In production both stay what they are, a redirect and a 400; in debug mode
the developer gets a message saying what went wrong and how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..templating.loaders import explain_template_loading_attempts
from ..wrappers.debugfiles import DebugFilesKeyError
from ..wrappers.debugfiles import attach_enctype_error_multidict

if TYPE_CHECKING:
    from ..wrappers.request import Request

#: Methods a browser repeats unchanged on any redirect: no form data to lose.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text was expected as bytes, or the other way round, in debug mode."""


class FormDataRoutingRedirect(AssertionError):
    """Routing redirected a request that carried a body the browser will drop."""

    def __init__(self, request: Request) -> None:
        new_url: str = getattr(request.routing_exception, "new_url", "")
        message = (
            f"A request was sent to '{request.url}', but routing issued a redirect"
            f" to the canonical URL '{new_url}'."
        )
        if new_url.partition("?")[0] == f"{request.base_url}/":
            message += (
                " The URL was defined with a trailing slash. Hipflask will redirect"
                " to the URL with a trailing slash if it was accessed without one."
            )
        message += (
            " Send requests to the canonical URL, or use 307 or 308 for routing"
            " redirects. Otherwise, browsers will drop form data."
            "\n\nThis exception is only raised in debug mode."
        )
        super().__init__(message)


def loses_form_data(request: Request) -> bool:
    """Whether following this routing redirect would drop the request's body."""
    code = getattr(request.routing_exception, "code", None)
    return (
        getattr(request.routing_exception, "new_url", None) is not None
        and code not in (307, 308)
        and request.method not in _SAFE_METHODS
    )


__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "loses_form_data",
]
