"""Signals sent during a request, and application-defined signals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from blinker import NamedSignal

from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import signals
from hipflask.testing.client import HipflaskClient


@contextmanager
def recording(signal: NamedSignal, sender: Any) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def receiver(sent_by: Any, **kwargs: Any) -> None:
        received.append({"sender": sent_by, **kwargs})

    signal.connect(receiver, sender)
    try:
        yield received
    finally:
        signal.disconnect(receiver, sender)


def _production(app: Hipflask) -> None:
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=None, DEBUG=False)


def test_request_started_and_finished(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "hello"

    with (
        recording(signals.request_started, app) as started,
        recording(signals.request_finished, app) as finished,
    ):
        client.get("/")
    assert started == [{"sender": app}]
    assert len(finished) == 1
    response = finished[0]["response"]
    assert isinstance(response, Response)
    assert response.get_data() == b"hello"


def test_request_finished_is_sent_for_error_pages(app: Hipflask, client: HipflaskClient) -> None:
    with recording(signals.request_finished, app) as finished:
        client.get("/missing")
    assert finished[0]["response"].status_code == 404


def test_got_request_exception_carries_the_exception(app: Hipflask, client: HipflaskClient) -> None:
    _production(app)

    @app.route("/")
    def index() -> str:
        raise ValueError("for the signal")

    with recording(signals.got_request_exception, app) as got:
        assert client.get("/").status_code == 500
    assert len(got) == 1
    assert isinstance(got[0]["exception"], ValueError)


def test_got_request_exception_is_sent_before_propagating(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        raise ValueError("propagated")

    with recording(signals.got_request_exception, app) as got, pytest.raises(ValueError):
        client.get("/")
    assert len(got) == 1


def test_handled_http_errors_do_not_send_got_request_exception(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        abort(403)

    with recording(signals.got_request_exception, app) as got:
        assert client.get("/").status_code == 403
    assert got == []


def test_tearing_down_signals(app: Hipflask, client: HipflaskClient) -> None:
    _production(app)

    @app.route("/")
    def index() -> str:
        raise KeyError("gone")

    with (
        recording(signals.request_tearing_down, app) as request_down,
        recording(signals.appcontext_tearing_down, app) as app_down,
    ):
        client.get("/")
    assert isinstance(request_down[0]["exc"], KeyError)
    assert isinstance(app_down[0]["exc"], KeyError)


def test_appcontext_pushed_and_popped(app: Hipflask) -> None:
    with (
        recording(signals.appcontext_pushed, app) as pushed,
        recording(signals.appcontext_popped, app) as popped,
    ):
        with app.app_context():
            assert len(pushed) == 1
            assert popped == []
        assert len(popped) == 1


def test_receivers_for_another_app_are_not_called(app: Hipflask, client: HipflaskClient) -> None:
    other = Hipflask("other_app")

    @app.route("/")
    def index() -> str:
        return "ok"

    with recording(signals.request_started, other) as started:
        client.get("/")
    assert started == []


def test_receiver_connected_to_any_sender_hears_every_app(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    with recording(signals.request_started, signals.ANY) as started:
        client.get("/")
    assert started == [{"sender": app}]


def test_async_receivers_are_awaited_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    events: list[str] = []

    async def on_started(sender: Any, **kwargs: Any) -> None:
        events.append("started")

    async def on_finished(sender: Any, response: Response, **kwargs: Any) -> None:
        events.append(f"finished {response.status_code}")

    async def on_teardown(sender: Any, **kwargs: Any) -> None:
        events.append("teardown")

    @app.route("/async")
    async def async_view() -> str:
        return "async"

    @app.route("/sync")
    def sync_view() -> str:
        return "sync"

    signals.request_started.connect(on_started, app)
    signals.request_finished.connect(on_finished, app)
    signals.request_tearing_down.connect(on_teardown, app)
    try:
        assert client.get("/async").text == "async"
        assert client.get("/sync").text == "sync"
    finally:
        signals.request_started.disconnect(on_started, app)
        signals.request_finished.disconnect(on_finished, app)
        signals.request_tearing_down.disconnect(on_teardown, app)
    assert events == ["started", "finished 200", "teardown"] * 2


def test_application_defined_signal() -> None:
    user_registered = signals.signal("user-registered", doc="A user signed up.")
    assert signals.signal("user-registered") is user_registered
    assert user_registered.name == "user-registered"
    received: list[str] = []

    def welcome(sender: Any, name: str) -> None:
        received.append(name)

    user_registered.connect(welcome)
    try:
        user_registered.send("tests", name="ann")
    finally:
        user_registered.disconnect(welcome)
    assert received == ["ann"]
    assert signals.signals_available is True


def test_unused_signals_have_no_receivers() -> None:
    # Sending is skipped when nothing listens; the pipeline relies on this.
    for name in (
        "request_started",
        "request_finished",
        "got_request_exception",
        "request_tearing_down",
        "appcontext_tearing_down",
    ):
        assert not getattr(signals, name).receivers


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_async_receivers_work_wherever_a_signal_is_sent(
    app: Hipflask, client: HipflaskClient, view_kind: str
) -> None:
    from hipflask import flash
    from hipflask import has_request_context
    from hipflask import render_template_string
    from hipflask import request

    received: list[str] = []

    async def on_signal(sender: Any, **kwargs: Any) -> None:
        # The request context reaches async receivers, wherever they run.
        path = request.path if has_request_context() else "-"
        received.append(f"{kwargs.get('name', '?')}:{path}")

    def connect(signal: NamedSignal, name: str) -> Any:
        async def receiver(sender: Any, **kwargs: Any) -> None:
            await on_signal(sender, name=name)

        signal.connect(receiver, app)
        return receiver

    names = {
        "template_rendered": signals.template_rendered,
        "before_render_template": signals.before_render_template,
        "message_flashed": signals.message_flashed,
        "request_started": signals.request_started,
        "request_finished": signals.request_finished,
        "appcontext_pushed": signals.appcontext_pushed,
    }
    receivers = {name: connect(signal, name) for name, signal in names.items()}

    if view_kind == "async":

        @app.get("/page")
        async def page() -> str:
            flash("hi")
            return render_template_string("ok")

    else:

        @app.get("/page")
        def page() -> str:
            flash("hi")
            return render_template_string("ok")

    try:
        response = client.get("/page")
    finally:
        for name, receiver in receivers.items():
            names[name].disconnect(receiver, app)
    assert response.status_code == 200
    assert sorted(received) == [
        "appcontext_pushed:-",
        "before_render_template:/page",
        "message_flashed:/page",
        "request_finished:/page",
        "request_started:/page",
        "template_rendered:/page",
    ]


def test_an_async_receiver_error_reaches_the_sender(app: Hipflask, client: HipflaskClient) -> None:
    from hipflask import render_template_string

    _production(app)

    async def broken(sender: Any, **kwargs: Any) -> None:
        raise LookupError("receiver failed")

    @app.get("/")
    async def index() -> str:
        return render_template_string("ok")

    signals.template_rendered.connect(broken, app)
    try:
        assert client.get("/").status_code == 500
    finally:
        signals.template_rendered.disconnect(broken, app)
