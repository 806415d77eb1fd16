"""What the one-frame paths' comparison tests change on an app after its first request.

``test_wsgi_direct.py`` and ``test_asgi_direct.py`` make the same changes
and expect each to hand the request to the general path (or, for an outer
app context, to keep it): one list, so the two protocols' paths are held to
the same cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hipflask import Hipflask
from hipflask import Request
from hipflask import signals

#: Each change; ``outer-context`` is made by the test itself (a ``with`` block).
CHANGES = ["hook", "teardown", "signal", "request-class", "proxy", "outer-context"]


class OwnRequest(Request):
    """A request class with its own ``__init__``, which the one-frame paths do not make."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


def apply_change(app: Hipflask, change: str, receiver: Callable[..., None]) -> None:
    """Make ``change`` on ``app``; a ``signal`` connects ``receiver`` (the test disconnects it)."""
    if change in ("hook", "teardown"):
        # Registered as if before the first request, which fixes the hooks;
        # the blueprint chains are made again at the next request.
        app._got_first_request = False
        if change == "hook":
            app.before_request(lambda: None)
        else:
            app.teardown_request(lambda error: None)
        app._got_first_request = True
        app._chains.clear()
    elif change == "signal":
        signals.request_started.connect(receiver, app)
    elif change == "request-class":
        app.request_class = OwnRequest
    elif change == "proxy":
        app.config["PROXY_FIX"] = {"x_for": 1}
