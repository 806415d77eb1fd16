from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import lifespan
from tests.asgi_driver import request_on_loop
from tests.redis_helper import REDIS_URI
from tests.redis_helper import closed_port
from tests.redis_helper import connections_named
from tests.redis_helper import statuses_with_connections_closed

from hipflask import jsonify
from hipflask.jwt import blocklist
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import set_refresh_cookies
from hipflask.security.revocation import open_store
from hipflask.stores.memory import MemoryStore

from .conftest import bearer
from .conftest import build_app


def store() -> object:
    return open_store("memory://", "test:", "X")


def test_remaining_is_time_to_expiry_with_a_floor_and_a_default() -> None:
    assert 59 <= blocklist.remaining({"exp": time.time() + 60}) <= 60
    assert blocklist.remaining({"exp": time.time() - 60}) == 1.0
    assert blocklist.remaining({}, default=5.0) == 5.0


def test_revoked_token_and_family_are_seen_by_both_drivers() -> None:
    target = store()
    claims = {"jti": "a", "fam": "f", "type": "access", "exp": time.time() + 60}
    assert blocklist.run(target, blocklist.is_revoked_flow(claims, 60)) is False
    blocklist.run(target, blocklist.revoke_flow(claims))
    assert blocklist.run(target, blocklist.is_revoked_flow(claims, 60)) is True
    sibling = {"jti": "b", "fam": "f", "type": "access"}
    assert asyncio.run(blocklist.run_async(target, blocklist.is_revoked_flow(sibling, 60))) is False
    asyncio.run(blocklist.run_async(target, blocklist.revoke_family_flow("f", 60)))
    assert asyncio.run(blocklist.run_async(target, blocklist.is_revoked_flow(sibling, 60))) is True


def test_reused_refresh_token_revokes_its_whole_family() -> None:
    target = store()
    used = {"jti": "r1", "fam": "f", "type": "refresh", "exp": time.time() + 60}
    successor = {"jti": "r2", "fam": "f", "type": "refresh"}
    blocklist.run(target, blocklist.mark_used_flow(used))
    assert blocklist.run(target, blocklist.is_revoked_flow(successor, 60)) is False
    assert blocklist.run(target, blocklist.is_revoked_flow(used, 60)) is True
    assert blocklist.run(target, blocklist.is_revoked_flow(successor, 60)) is True


def test_token_without_family_is_only_checked_by_jti() -> None:
    target = store()
    assert blocklist.run(target, blocklist.is_revoked_flow({"jti": "x"}, None)) is False


# -- the same guarantees on every store backend ---------------------------------


def test_revocation_and_reuse_detection_on_every_backend(
    store_url: tuple[str, str], protocol: str
) -> None:
    url, prefix = store_url
    app = build_app(JWT_BLOCKLIST_STORE=url, JWT_BLOCKLIST_KEY_PREFIX=prefix)

    @app.post("/close-store")
    async def close_store() -> str:
        # Async drivers hold connections per event loop: close them on it.
        await app.extensions["test_jwt"].blocklist_store(app.config).aclose()
        return "closed"

    client: Any = app.test_client(protocol=protocol)
    try:
        tokens = client.post("/login").json
        assert (
            client.get("/async-protected", headers=bearer(tokens["access_token"])).status_code
            == 200
        )
        client.delete("/async-logout", headers=bearer(tokens["access_token"]))
        for path in ("/protected", "/async-protected"):
            assert client.get(path, headers=bearer(tokens["access_token"])).status_code == 401
        fresh = client.post("/login").json
        rotated = client.post("/refresh", headers=bearer(fresh["refresh_token"])).json
        assert (
            client.post("/async-refresh", headers=bearer(fresh["refresh_token"])).status_code == 401
        )
        assert (
            client.get("/async-protected", headers=bearer(rotated["access_token"])).status_code
            == 401
        )
    finally:
        client.post("/close-store")
        app.extensions["test_jwt"].blocklist_store(app.config).close()


def test_one_refresh_token_used_by_two_requests_at_once_revokes_the_family(
    store_url: tuple[str, str], protocol: str
) -> None:
    # The thief replays the refresh token while the user's own refresh is in
    # flight: both pass the check before either marks the token used. Both
    # must not come away with a live login.
    url, prefix = store_url
    app = build_app(JWT_BLOCKLIST_STORE=url, JWT_BLOCKLIST_KEY_PREFIX=prefix)
    both_checked = threading.Barrier(2, timeout=10)

    @app.post("/slow-refresh")
    @jwt_required(refresh=True)
    def slow_refresh() -> Any:
        both_checked.wait()
        identity = get_jwt_identity()
        return jsonify(
            access_token=create_access_token(identity),
            refresh_token=create_refresh_token(identity),
        )

    @app.post("/close-store")
    async def close_store() -> str:
        await app.extensions["test_jwt"].blocklist_store(app.config).aclose()
        return "closed"

    clients: list[Any] = [app.test_client(protocol=protocol) for _ in range(2)]
    try:
        stolen = clients[0].post("/login").json["refresh_token"]
        answers: list[Any] = []

        def refresh(client: Any) -> None:
            answers.append(client.post("/slow-refresh", headers=bearer(stolen)))

        threads = [threading.Thread(target=refresh, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        issued = [answer.json for answer in answers if answer.status_code == 200]
        assert issued
        for tokens in issued:
            access = bearer(tokens["access_token"])
            assert clients[0].get("/protected", headers=access).status_code == 401
            refreshed = clients[0].post("/refresh", headers=bearer(tokens["refresh_token"]))
            assert refreshed.status_code == 401
    finally:
        for client in clients:
            client.post("/close-store")
        app.extensions["test_jwt"].blocklist_store(app.config).close()


def test_a_refresh_view_issuing_two_refresh_tokens_revokes_nothing(protocol: str) -> None:
    app = build_app()

    @app.post("/two-refresh-tokens")
    @jwt_required(refresh=True)
    def two() -> Any:
        identity = get_jwt_identity()
        return jsonify(first=create_refresh_token(identity), second=create_refresh_token(identity))

    client: Any = app.test_client(protocol=protocol)
    tokens = client.post("/login").json
    issued = client.post("/two-refresh-tokens", headers=bearer(tokens["refresh_token"])).json
    assert client.post("/refresh", headers=bearer(issued["second"])).status_code == 200


def test_marking_a_refresh_token_used_twice_revokes_its_family() -> None:
    target = store()
    used = {"jti": "r1", "fam": "f", "type": "refresh", "exp": time.time() + 60}
    sibling = {"jti": "a1", "fam": "f", "type": "access"}
    blocklist.run(target, blocklist.mark_used_flow(used, 60))
    assert blocklist.run(target, blocklist.is_revoked_flow(sibling, 60)) is False
    asyncio.run(blocklist.run_async(target, blocklist.mark_used_flow(used, 60)))
    assert blocklist.run(target, blocklist.is_revoked_flow(sibling, 60)) is True
    # A token without a family has no family to revoke.
    lone = {"jti": "r2", "type": "refresh", "exp": time.time() + 60}
    blocklist.run(target, blocklist.mark_used_flow(lone, 60))
    blocklist.run(target, blocklist.mark_used_flow(lone, 60))
    assert blocklist.run(target, blocklist.is_revoked_flow(lone, 60)) is False


def test_a_blocklist_store_that_is_down_answers_503_and_revokes_nothing_silently(
    protocol: str,
) -> None:
    # Fail closed, and say why: a logout that could not revoke its token
    # must not look like a crash, nor like a success.
    tokens = build_app().test_client(protocol=protocol).post("/login").json
    down = f"redis://127.0.0.1:{closed_port()}/0"
    app = build_app(JWT_BLOCKLIST_STORE=down)
    client: Any = app.test_client(protocol=protocol)
    access = bearer(tokens["access_token"])
    for answer in (
        client.get("/protected", headers=access),
        client.get("/async-protected", headers=access),
        client.delete("/logout", headers=access),
        client.post("/refresh", headers=bearer(tokens["refresh_token"])),
    ):
        assert answer.status_code == 503
        assert "token service is unavailable" in answer.get_data(as_text=True)
        assert "Traceback" not in answer.get_data(as_text=True)


class _WritesFail(MemoryStore):
    """A store that answers reads but fails every write, as one going down mid-request."""

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        raise ConnectionError("the store went away")

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        raise ConnectionError("the store went away")

    async def aset(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.set(key, value, ttl)

    async def aadd(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        return self.add(key, value, ttl)


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("DELETE", "/logout", "access_token"),
        ("DELETE", "/async-logout", "access_token"),
        ("POST", "/refresh", "refresh_token"),
        ("POST", "/refresh-into-cookies", "refresh_token"),
    ],
)
def test_a_blocklist_write_that_fails_answers_503_without_the_new_tokens(
    protocol: str, method: str, path: str, token: str
) -> None:
    # The check read the store, the write that follows the view failed: the
    # logout did not revoke, and the refresh did not mark its token used, so
    # neither may answer as if it had (nor hand out the new tokens).
    tokens = build_app().test_client(protocol=protocol).post("/login").json
    app = build_app(JWT_BLOCKLIST_STORE=_WritesFail(), TESTING=False)

    @app.post("/refresh-into-cookies")
    @jwt_required(refresh=True)
    def refresh_into_cookies() -> Any:
        response = jsonify(msg="refreshed")
        set_refresh_cookies(response, create_refresh_token(get_jwt_identity()))
        return response

    client: Any = app.test_client(protocol=protocol)

    answer = client.open(path, method=method, headers=bearer(tokens[token]))

    assert answer.status_code == 503
    body = answer.get_data(as_text=True)
    assert "token service is unavailable" in body
    assert "refresh_token" not in body
    assert "access_token" not in body
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_blocklist_store_failure_is_logged_with_its_cause(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The 503 tells the client only that the service is unavailable; the log
    # must tell the operator why (a refused connection, a wrong password).
    tokens = build_app().test_client(protocol=protocol).post("/login").json
    app = build_app(JWT_BLOCKLIST_STORE=_WritesFail(), TESTING=False)
    client: Any = app.test_client(protocol=protocol)

    with caplog.at_level(logging.WARNING, logger="hipflask.jwt"):
        answer = client.delete("/logout", headers=bearer(tokens["access_token"]))

    assert answer.status_code == 503
    failures = [record for record in caplog.records if record.name == "hipflask.jwt"]
    assert len(failures) == 1
    assert "the store went away" in failures[0].getMessage()
    assert "ConnectionError" in failures[0].getMessage()


def test_lifespan_shutdown_closes_the_blocklists_async_connections(redis_prefix: str) -> None:
    url = f"{REDIS_URI}/0?client_name={redis_prefix}"
    app = build_app(JWT_BLOCKLIST_STORE=url, JWT_BLOCKLIST_KEY_PREFIX=redis_prefix + ":")
    token = app.test_client().post("/login").json["access_token"]
    access = [(b"authorization", f"Bearer {token}".encode())]

    async def run() -> tuple[list[int], int]:
        async with lifespan(app):
            statuses = [
                (await request_on_loop(app, http_scope("/async-protected", headers=access))).status
                for _ in range(2)
            ]
            opened = connections_named(redis_prefix)
        return statuses, opened

    assert statuses_with_connections_closed(run, redis_prefix) == [200, 200]


def test_remaining_counts_the_decode_leeway() -> None:
    # A token verifies until exp + leeway; its entry must last as long.
    assert 89 <= blocklist.remaining({"exp": time.time() + 60}, leeway=30) <= 90
    assert 19 <= blocklist.remaining({"exp": time.time() - 10}, leeway=30) <= 20


def _wait_out_an_entry_kept_until_exp() -> None:
    # An entry kept only until the token's exp (already past) lasts the
    # one-second floor; the token itself still verifies within the leeway.
    deadline = time.monotonic() + 1.2
    while time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_token_revoked_within_the_leeway_stays_revoked(protocol: str) -> None:
    app = build_app(JWT_DECODE_LEEWAY=30)
    with app.app_context():
        late = create_access_token("alice", expires_delta=timedelta(seconds=-5))
    client: Any = app.test_client(protocol=protocol)
    assert client.get("/protected", headers=bearer(late)).status_code == 200
    assert client.delete("/logout", headers=bearer(late)).status_code == 200
    _wait_out_an_entry_kept_until_exp()
    refused = client.get("/protected", headers=bearer(late))
    assert refused.status_code == 401
    assert refused.json["msg"] == "Token has been revoked"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_rotated_refresh_token_replayed_within_the_leeway_is_reuse(protocol: str) -> None:
    app = build_app(JWT_DECODE_LEEWAY=timedelta(seconds=30))
    with app.test_request_context():  # a login's family, as a view makes one
        late = create_refresh_token("alice", expires_delta=timedelta(seconds=-5))
    client: Any = app.test_client(protocol=protocol)
    rotated = client.post("/refresh", headers=bearer(late))
    assert rotated.status_code == 200
    _wait_out_an_entry_kept_until_exp()
    replay = client.post("/refresh", headers=bearer(late))
    assert replay.status_code == 401
    assert replay.json["msg"] == "Token has been revoked"
    # The family of both holders is revoked, as for any reuse.
    assert client.get("/protected", headers=bearer(rotated.json["access_token"])).status_code == 401
