"""Marks an extension puts on the error handlers it registers for the app.

An extension that answers errors before the app's own handlers (a REST
API) takes their place in the app's error-handler slots; these marks say
which errors such a handler answers, and which of the app's handlers it
displaced, so that other extensions (Principal's refusal) can still find
the app's own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from inspect import ismethod
from typing import Any
from typing import TypeVar

__all__ = ["answers_codeless", "answers_codeless_errors", "app_error_handler", "stands_in_for"]

F = TypeVar("F", bound=Callable[..., Any])

_ANSWERS_CODELESS = "_hipflask_answers_codeless"


def answers_codeless_errors(handler: F) -> F:
    """Mark an error handler to be asked about HTTP errors without a status code.

    Flask hands such an error (an ``HTTPException`` subclass with no
    ``code``) back as the response without asking any handler, and an app's
    handler for its class is never called; so does hipflask, unless the
    handler found for it carries this mark. For an extension that answers
    errors it was configured for by class, whatever their code (a REST API's
    ``errors=`` entries), and returns any other error unchanged.
    """
    setattr(getattr(handler, "__func__", handler), _ANSWERS_CODELESS, True)
    return handler


_STANDS_IN_FOR = "_hipflask_stands_in_for"


def stands_in_for(wrapper: F, handler: Callable[..., Any] | None) -> F:
    """Mark an error handler ``wrapper`` as standing in front of the app's ``handler``.

    For an extension that must see errors before the handlers the app
    registered (a REST API answering its own requests' errors) and so takes
    their place in the app's error-handler slots; ``handler`` is the one it
    displaced, ``None`` where the slot was empty. See :func:`app_error_handler`.

    Register what this returns: a bound method cannot carry the mark, and
    its function is shared by every instance (one per app), so it is
    wrapped in a function of its own.
    """
    if ismethod(wrapper):
        method = wrapper

        @wraps(method)
        def marked(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        wrapper = marked  # type: ignore[assignment]
    setattr(wrapper, _STANDS_IN_FOR, (handler,))
    return wrapper


def app_error_handler(entry: Any) -> Callable[..., Any] | None:
    """The handler the app registered in an error-handler slot, behind any stand-in.

    ``None`` for a slot the app left empty. An extension looking for the
    app's own handler of a class (Principal's refusal, handed to a catch-all
    ``Exception`` page) asks this: a stand-in is no handler of the app's, and
    calling it would hand the error back to the extension that asked.
    """
    while entry is not None:
        displaced = getattr(entry, _STANDS_IN_FOR, None)
        if displaced is None:
            return entry  # type: ignore[no-any-return]
        entry = displaced[0]
    return None


def answers_codeless(handler: Any) -> bool:
    """Whether ``handler`` carries the mark of :func:`answers_codeless_errors`."""
    return bool(getattr(handler, _ANSWERS_CODELESS, False))
