"""A hook that read a streamed or file answer's body, then failed: the body is still sent.

``response.get_data()`` reads a streamed body into a list, and a file sent
with ``send_file`` once ``direct_passthrough`` is turned off, leaving the
stream spent. Putting the spent stream back would send the gate's answer
with an empty body, or one shorter than its ``Content-Length`` (a client
then waits for the rest until it times out). And the log of failures stays
bounded whatever names a hook's exceptions carry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.core.test_gate_hooks import limited
from tests.core.test_gate_hooks import refusals
from tests.security.gate_answer_hooks import hook_failures

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import send_file
from hipflask.core.gate_hooks import MAX_KINDS
from hipflask.core.gate_hooks import HookFailureLog


def _reads_then_fails(app: Hipflask, passthrough_off: bool = False, rewrite: bool = False) -> None:
    @app.after_request
    def minify(response: Response) -> Response:
        # A ported hook that rewrites every page, then reads its timer.
        if passthrough_off:
            response.direct_passthrough = False
        data = response.get_data()
        if rewrite:
            response.set_data(data.upper() + b" and more")
        response.headers["X-Elapsed"] = str(g.started)
        return response


@pytest.mark.parametrize("rewrite", [False, True], ids=["read", "rewritten"])
@pytest.mark.parametrize("is_sized", [False, True], ids=["unsized", "sized"])
def test_a_streamed_answer_read_by_a_failing_hook_keeps_its_body(
    app: Hipflask,
    protocol: str,
    caplog: pytest.LogCaptureFixture,
    is_sized: bool,
    rewrite: bool,
) -> None:
    limited(app)

    @app.errorhandler(429)
    def slow_down(error: Exception) -> Response:
        def pieces() -> Iterator[bytes]:
            yield b"slow "
            yield b"down"

        headers = {"Content-Length": "9"} if is_sized else {}
        return Response(pieces(), 429, headers=headers)

    _reads_then_fails(app, rewrite=rewrite)

    [refused] = refusals(app, protocol, 1)

    assert refused.status_code == 429
    if rewrite:
        # The stream is spent: what the hook made of it is all there is left.
        assert refused.get_data() == b"SLOW DOWN and more"
    else:
        assert refused.get_data() == b"slow down"
    if is_sized:
        assert int(refused.headers["Content-Length"]) == len(refused.get_data())
    assert "X-Elapsed" not in refused.headers
    assert len(hook_failures(caplog, app)) == 1


def test_a_file_answer_read_by_a_failing_hook_keeps_its_body_and_length(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    page = tmp_path / "429.html"
    page.write_bytes(b"<p>Too many requests, come back later.</p>")
    limited(app)

    @app.errorhandler(429)
    def slow_down(error: Exception) -> Response:
        response = send_file(page, mimetype="text/html")
        response.status_code = 429
        return response

    _reads_then_fails(app, passthrough_off=True)

    [refused] = refusals(app, protocol, 1)

    assert refused.status_code == 429
    assert refused.get_data() == page.read_bytes()
    assert int(refused.headers["Content-Length"]) == len(page.read_bytes())
    assert len(hook_failures(caplog, app)) == 1


def test_a_hook_raising_a_new_exception_class_each_time_cannot_grow_the_log_without_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A class made per request (its name from request data, or a hook whose
    # repr changes) would otherwise add an entry and a traceback each time.
    app = Hipflask("dynamic")
    log = HookFailureLog()
    for number in range(MAX_KINDS + 500):
        kind = type(f"Failure{number}", (Exception,), {})
        log.report(app.logger, f"hooks.dynamic{number % 3}", 429, kind("x"))

    assert log.kinds <= MAX_KINDS + 1
    errors = [line for line in hook_failures(caplog, app) if line.levelname == "ERROR"]
    assert len(errors) == MAX_KINDS + 1
    assert "other" in errors[-1].getMessage()


def test_a_file_answer_a_failing_hook_replaced_unread_is_still_closed(
    app: Hipflask, protocol: str, tmp_path: Path
) -> None:
    page = tmp_path / "429.html"
    page.write_bytes(b"<p>Too many requests.</p>")
    opened: list[Any] = []
    limited(app)

    @app.errorhandler(429)
    def slow_down(error: Exception) -> Response:
        handle = page.open("rb")
        opened.append(handle)
        response = send_file(handle, mimetype="text/html", download_name="429.html")
        response.status_code = 429
        return response

    @app.after_request
    def replace(response: Response) -> Response:
        response.direct_passthrough = False
        response.set_data(b"replaced")
        response.headers["X-Elapsed"] = str(g.started)
        return response

    [refused] = refusals(app, protocol, 1)
    refused.close()

    assert refused.status_code == 429
    assert int(refused.headers["Content-Length"]) == len(refused.get_data())
    assert opened[0].closed
