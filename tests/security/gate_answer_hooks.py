"""The request hooks of a ported Flask app, and what they saw of the gate's answers.

Registered oldest first, so they run, as ``after_request`` hooks do, newest
first: ``add_request_id`` (a hook adding a header every response must carry,
a 429 as much as a page), then ``add_timing`` (the partner of the
``start_timer`` hook: it reads ``g.started`` and fails where that hook never
ran), then ``record`` (marked ``every_response``), then ``late`` (a plain
hook after the failing one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask.core.pipeline import every_response

REQUEST_ID = "req-7f3a"

Hook = Callable[[Response], Any]


class Seen:
    """What the hooks saw: each response's status, and each teardown's error."""

    def __init__(self) -> None:
        #: (status, X-Request-ID) of every response the every_response hook saw.
        self.recorded: list[tuple[int, str | None]] = []
        #: Status of every response the last, unmarked hook saw.
        self.late: list[int] = []
        #: The error each teardown_request call was given.
        self.torn_down: list[BaseException | None] = []


def _as_async(hook: Hook) -> Hook:
    async def async_hook(response: Response) -> Any:
        return hook(response)

    async_hook.__name__ = hook.__name__
    async_hook.__qualname__ = hook.__qualname__
    return async_hook


def add_hooks(app: Hipflask, target: Blueprint | None = None, is_async: bool = False) -> Seen:
    """Register the timer pair and its neighbours on ``target`` (the app by default)."""
    where: Any = target if target is not None else app
    seen = Seen()

    def late(response: Response) -> Response:
        seen.late.append(response.status_code)
        return response

    def record(response: Response) -> Response:
        seen.recorded.append((response.status_code, response.headers.get("X-Request-ID")))
        return response

    def add_timing(response: Response) -> Response:
        response.headers["X-Elapsed"] = str(g.started)
        return response

    def add_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = REQUEST_ID
        return response

    wrap = _as_async if is_async else (lambda hook: hook)
    where.after_request(wrap(late))
    where.after_request(every_response(wrap(record)))

    @where.before_request
    def start_timer() -> None:
        g.started = 1.0

    where.after_request(wrap(add_timing))
    where.after_request(wrap(add_request_id))

    @where.teardown_request
    def tear_down(error: BaseException | None) -> None:
        seen.torn_down.append(error)

    return seen


def hook_failures(caplog: pytest.LogCaptureFixture, app: Hipflask) -> list[logging.LogRecord]:
    """The lines logged on the app's logger about a failing ``after_request`` hook."""
    return [
        record
        for record in caplog.records
        if record.name == app.logger.name and "after_request hook" in record.getMessage()
    ]


def assert_answered_with_hooks(
    answer: Any, code: int, seen: Seen, caplog: pytest.LogCaptureFixture, app: Hipflask
) -> None:
    """The gate's ``code`` answer ran the hooks; the timer's failure left it as it was."""
    assert answer.status_code == code, answer.get_data(as_text=True)
    # The hook before the failing one ran, and its header stayed.
    assert answer.headers["X-Request-ID"] == REQUEST_ID
    assert "X-Elapsed" not in answer.headers
    # The policy headers were applied after the hooks, as on any response.
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert (code, REQUEST_ID) in seen.recorded
    assert code not in seen.late
    failures = hook_failures(caplog, app)
    assert len(failures) == 1
    assert failures[0].levelname == "ERROR"
    assert "add_timing" in failures[0].getMessage()
    assert failures[0].exc_info is not None
    assert failures[0].exc_info[0] is AttributeError


def assert_served_with_hooks(answer: Any, seen: Seen) -> None:
    """A request the gate let through ran every hook, as before."""
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["X-Request-ID"] == REQUEST_ID
    assert answer.headers["X-Elapsed"] == "1.0"
    assert (200, REQUEST_ID) in seen.recorded
    assert 200 in seen.late
