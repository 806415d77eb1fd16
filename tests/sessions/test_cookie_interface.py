"""SecureCookieSessionInterface called directly, and subclassed."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from datetime import timezone
from typing import Any

from tests.sessions.cookie_sessions import set_cookies
from tests.sessions.cookie_sessions import views as views

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask import session
from hipflask.sessions.base import SecureCookieSession
from hipflask.sessions.base import SessionMixin
from hipflask.sessions.cookie import SecureCookieSessionInterface


def test_unread_unchanged_session_sends_nothing(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    response = Response()
    with app.test_request_context():
        interface.save_session(app, SecureCookieSession({"a": 1}), response)
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_key_removed_during_the_request_sends_no_cookie(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    session_obj = SecureCookieSession()
    session_obj["a"] = 1
    app.config["SECRET_KEY"] = None
    response = Response()
    with app.test_request_context():
        interface.save_session(app, session_obj, response)
    assert "Set-Cookie" not in response.headers


def test_serializer_still_supports_the_general_loads(app: Hipflask) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    data, signed_at = serializer.loads(serializer.dumps({"a": 1}), return_timestamp=True)
    assert data == {"a": 1}
    assert abs((datetime.now(timezone.utc) - signed_at).total_seconds()) < 60
    other = serializer.dumps({"b": 2}, salt="elsewhere")
    assert serializer.loads(other, salt="elsewhere") == {"b": 2}


def test_incompressible_payload_is_not_compressed(app: Hipflask) -> None:
    class Raw:
        @staticmethod
        def dumps(obj: Any) -> bytes:
            return bytes(obj)

        @staticmethod
        def loads(data: bytes) -> Any:
            return data

    class RawInterface(SecureCookieSessionInterface):
        serializer = Raw()

    serializer = RawInterface().get_signing_serializer(app)
    assert serializer is not None
    noise = os.urandom(2048)
    token = serializer.dumps(noise)
    assert not token.startswith(b".")
    assert serializer.loads(token) == noise


def test_session_classes_are_saved_through_their_own_reads(app: Hipflask) -> None:
    class Shouting(SecureCookieSession):
        def __getitem__(self, key: str) -> Any:
            return str(super().__getitem__(key)).upper()

    class Plain(SessionMixin):
        def __init__(self) -> None:
            self.data: dict[str, Any] = {"user": "ann"}

        def __getitem__(self, key: str) -> Any:
            return self.data[key]

        def __setitem__(self, key: str, value: Any) -> None:
            self.data[key] = value

        def __delitem__(self, key: str) -> None:
            del self.data[key]

        def __iter__(self) -> Any:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    interface = SecureCookieSessionInterface()
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    shouting = Shouting({"user": "ann"})
    shouting.modified = True
    for session_obj, expected in ((shouting, {"user": "ANN"}), (Plain(), {"user": "ann"})):
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        value = response.headers["Set-Cookie"].partition("=")[2].partition(";")[0]
        assert serializer.loads(value) == expected


def test_a_changed_environ_is_read_for_the_credentials(views: Hipflask) -> None:
    @views.before_request
    def token_from_query() -> None:
        session.get("user")
        token = request.args.get("access_token")
        if token:
            request.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    response = views.test_client(protocol="wsgi").get("/untouched?access_token=t")
    assert response.headers["Vary"] == "Cookie, Authorization"


def test_a_store_backed_interface_renews_off_the_event_loop(views: Hipflask) -> None:
    where: list[str] = []

    class StoreBacked(SecureCookieSessionInterface):
        def open_session(self, app: Any, req: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                where.append("thread")
            else:
                where.append("loop")
            return super().open_session(app, req)

    views.session_interface = StoreBacked()

    @views.route("/async-untouched")
    async def async_untouched() -> str:
        return "untouched"

    client = views.test_client(protocol="asgi")
    client.get("/permanent")
    where.clear()
    response = client.get("/async-untouched")
    assert where == ["thread"]
    assert len(set_cookies(response)) == 1


def test_save_session_takes_the_session_proxy() -> None:
    # Flask's own docs call it with the proxy: save_session(app, session, response).
    from hipflask import Hipflask
    from hipflask import session

    app = Hipflask("proxy_save")
    app.config["SECRET_KEY"] = "k" * 32
    with app.test_request_context():
        session["a"] = 1
        response = app.make_response("x")
        app.session_interface.save_session(app, session, response)
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    with app.test_request_context(headers={"Cookie": cookie.split(";")[0]}):
        assert session["a"] == 1
