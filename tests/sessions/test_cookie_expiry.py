"""Permanent and browser sessions: expiry, refresh, and what a refresh leaves alone."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from tests.sessions.cookie_sessions import set_cookies
from tests.sessions.cookie_sessions import views as views
from werkzeug.http import parse_date

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient


def test_non_permanent_cookie_has_no_expiry(views: Hipflask, client: HipflaskClient) -> None:
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "Expires" not in header
    assert "Max-Age" not in header


def test_permanent_cookie_expires_after_the_lifetime(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.permanent_session_lifetime = timedelta(hours=2)  # type: ignore[assignment]
    header = set_cookies(client.get("/permanent"))[0]
    expires_text = next(p for p in header.split("; ") if p.startswith("Expires="))[8:]
    expires = parse_date(expires_text)
    assert expires is not None
    remaining = expires - datetime.now(timezone.utc)
    assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


def test_permanent_session_is_refreshed_on_each_request(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/permanent")
    response = client.get("/get/user")
    assert response.text == "'ann'"
    assert len(set_cookies(response)) == 1


def test_refresh_can_be_turned_off(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/permanent")
    assert set_cookies(client.get("/get/user")) == []


def signed_at(
    app: Hipflask, data: dict[str, Any], age: int, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A cookie for ``app`` whose signature is ``age`` seconds old."""
    serializer = app.session_interface.get_signing_serializer(app)
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age)
        return str(serializer.dumps(data))


def test_cookie_older_than_the_lifetime_gives_a_new_session(
    views: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    views.config["PERMANENT_SESSION_LIFETIME"] = 60
    client.set_cookie("session", signed_at(views, {"user": "ann"}, 30, monkeypatch))
    assert client.get("/state").text == "{'user': 'ann'} new=False"
    client.set_cookie("session", signed_at(views, {"user": "ann"}, 120, monkeypatch))
    response = client.get("/state")
    assert response.status_code == 200
    assert response.text == "{} new=True"


def test_a_cacheable_response_is_not_made_uncacheable_by_a_refresh(
    views: Hipflask, client: HipflaskClient, tmp_path: Any
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("body {}")
    views.static_folder = str(static)
    views.add_url_rule("/static/<path:filename>", "static", views.send_static_file)

    @views.route("/cached")
    def cached() -> tuple[str, dict[str, str]]:
        return "cached", {"Cache-Control": "public, max-age=60"}

    @views.route("/private")
    def private() -> tuple[str, dict[str, str]]:
        return "private", {"Cache-Control": "no-store"}

    @views.route("/no-cache")
    def no_cache() -> tuple[str, dict[str, str]]:
        # A common after_request idiom; nothing for a cache to reuse.
        return "no-cache", {"Cache-Control": "no-cache, max-age=0"}

    client.get("/permanent")
    # A refreshed cookie would force no-store onto these (cache safety):
    # their own caching wins, and the pages the user visits renew the session.
    response = client.get("/cached")
    assert set_cookies(response) == []
    assert response.headers["Cache-Control"] == "public, max-age=60"
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert set_cookies(response) == []
    assert "no-store" not in response.headers["Cache-Control"]
    # Nothing a cache may reuse: nothing to lose, the session is renewed.
    assert len(set_cookies(client.get("/private"))) == 1
    assert len(set_cookies(client.get("/no-cache"))) == 1


def test_deleting_the_cookie_by_hand_is_not_undone_by_a_refresh(
    views: Hipflask, client: HipflaskClient
) -> None:
    @views.route("/logout")
    def logout() -> Any:
        response = views.make_response("bye")
        response.delete_cookie("session")
        return response

    @views.route("/logout-no-store")
    def logout_no_store() -> Any:
        response = views.make_response("bye")
        response.headers["Cache-Control"] = "no-store"
        response.delete_cookie("session")
        return response

    for path in ("/logout", "/logout-no-store"):
        client.get("/permanent")
        (cookie,) = set_cookies(client.get(path))
        assert "Expires=Thu, 01 Jan 1970" in cookie
        assert client.get_cookie("session") is None
        assert client.get("/get/user").text == "None"
