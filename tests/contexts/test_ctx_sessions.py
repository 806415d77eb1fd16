"""The session on the request context: opened only when touched, null, replaceable."""

from __future__ import annotations

from tests.contexts.recording_sessions import RecordingSessions

from hipflask import Hipflask
from hipflask import session
from hipflask.testing.client import HipflaskClient


def test_session_is_opened_only_when_touched(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions()
    app.session_interface = interface

    @app.route("/untouched")
    def untouched() -> str:
        return "ok"

    @app.route("/touched")
    def touched() -> str:
        session["seen"] = True
        return str(session["user"])

    client.get("/untouched")
    assert (interface.opened, interface.saved) == (0, [])
    assert client.get("/touched", headers={"X-Session": "ann"}).text == "ann"
    assert interface.opened == 1
    assert interface.saved == [{"user": "ann", "seen": True}]


def test_null_session_is_used_and_never_saved(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions(null_when_missing=True)
    app.session_interface = interface

    @app.route("/")
    def index() -> str:
        return str(session.get("null"))

    assert client.get("/").text == "True"
    assert interface.saved == []


def test_session_can_be_replaced_on_the_context(app: Hipflask) -> None:
    app.session_interface = RecordingSessions()
    with app.test_request_context() as ctx:
        assert not ctx.session_opened
        ctx.session = {"given": 1}
        assert ctx.session_opened
        assert session["given"] == 1
    assert app.session_interface.opened == 0
