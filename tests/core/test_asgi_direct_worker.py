"""A def view on the one-frame ASGI path: served in its worker, or handed to the general path."""

from __future__ import annotations

from typing import Any

import pytest
from tests.core.asgi_direct_apps import SYNC_WHOLE
from tests.core.asgi_direct_apps import both_ways
from tests.core.asgi_direct_apps import build_app
from tests.core.asgi_direct_apps import call
from tests.core.asgi_direct_apps import general_calls as general_calls
from tests.core.direct_changes import CHANGES
from tests.core.direct_changes import apply_change
from tests.core.direct_changes import spy_on

from hipflask import g
from hipflask import signals
from hipflask.core import asgi
from hipflask.core import serve


@pytest.mark.parametrize("options", SYNC_WHOLE, ids=repr)
def test_a_def_view_is_served_in_one_frame_in_its_worker(
    options: dict[str, Any], general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")
    call(asgi.http, app, **options)
    run_sync_calls = spy_on(monkeypatch, serve, ("run_sync",))

    both_ways(app, general_calls, **options)

    # Only the general path's request reached serve.run_sync.
    assert run_sync_calls == ["run_sync"]


@pytest.mark.parametrize("change", CHANGES)
def test_what_the_worker_leaves_to_the_general_path(
    change: str, general_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app()
    call(asgi.http, app, path="/text")
    call(asgi.http, app, path="/sync-g")
    received: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append(sender)

    apply_change(app, change, receiver)
    run_sync_calls = spy_on(monkeypatch, serve, ("run_sync",))
    try:
        if change == "outer-context":
            with app.app_context():
                g.unset = "outer"
                served, whole = both_ways(app, general_calls, path="/sync-g")
            assert b'"g":"outer"' in served[1][0].replace(b" ", b"")
        else:
            served, whole = both_ways(app, general_calls, path="/sync-g")
    finally:
        signals.request_started.disconnect(receiver, app)

    assert served[0][0] == 200
    if change in ("hook", "teardown", "signal"):
        # The worker's one frame hands it to serve.run_sync, which runs them.
        assert whole
        assert run_sync_calls == ["run_sync", "run_sync"]
    elif change == "outer-context":
        # The app context a test pushed is kept, through RequestContext.push.
        assert whole
        assert run_sync_calls == ["run_sync"]
    else:
        assert not whole
        assert run_sync_calls == ["run_sync", "run_sync"]
    if change == "signal":
        assert received == [app, app]
