"""What the one-frame paths' comparison tests share.

``test_wsgi_direct.py`` and ``test_asgi_direct.py`` make the same changes
to an app after its first request and expect each to hand the request to
the general path (or, for an outer app context, to keep it): one list, so
the two protocols' paths are held to the same cases. Both tell whether a
request reached the general adapter by spying on its functions.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

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
        app._endpoint_chains.clear()
    elif change == "signal":
        signals.request_started.connect(receiver, app)
    elif change == "request-class":
        app.request_class = OwnRequest
    elif change == "proxy":
        app.config["PROXY_FIX"] = {"x_for": 1}


def spy_on(
    monkeypatch: pytest.MonkeyPatch, adapter: ModuleType, names: tuple[str, ...]
) -> list[str]:
    """The names of ``adapter``'s functions each request reaches, in order of calls."""
    calls: list[str] = []
    for name in names:
        original = getattr(adapter, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(adapter, name, spy)
    return calls
