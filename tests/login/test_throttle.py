"""Brute force against the login view is cut off with 429, per user name and per address."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import lifespan
from tests.asgi_driver import request_body
from tests.asgi_driver import request_on_loop
from tests.redis_helper import REDIS_URI
from tests.redis_helper import connections_named
from tests.redis_helper import delete_keys_holding
from tests.redis_helper import require_redis
from tests.redis_helper import statuses_with_connections_closed
from werkzeug.datastructures import MultiDict

from hipflask import Hipflask
from hipflask import request
from hipflask.login import login_throttled
from hipflask.login import login_user
from hipflask.login.throttle import LoginThrottle

from .conftest import build_app
from .conftest import log_in


def test_failures_for_one_user_name_end_in_429_with_retry_after(client: Any) -> None:
    for _ in range(5):
        assert log_in(client, password="guess").status_code == 401
    refused = log_in(client, password="guess")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert log_in(client).status_code == 429  # even the right password, until the window moves
    assert log_in(client, "bob").status_code == 302


def test_unknown_and_known_user_names_are_throttled_alike(client: Any) -> None:
    for name in ("alice", "nobody"):
        codes = [log_in(client, name, password="guess").status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_one_address_trying_many_user_names_is_throttled(protocol: str) -> None:
    client = build_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    codes = [log_in(client, f"user{i}", password="x").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert client.post("/login", data={"password": "x"}).status_code == 429  # no name, still


def test_successful_logins_are_not_counted(client: Any) -> None:
    for _ in range(8):
        assert log_in(client).status_code == 302


def test_throttling_can_be_turned_off(protocol: str) -> None:
    client = build_app(LOGIN_THROTTLE=False).test_client(protocol=protocol)
    assert {log_in(client, password="x").status_code for _ in range(7)} == {401}


def test_other_views_and_methods_are_not_throttled(client: Any) -> None:
    for _ in range(10):
        assert client.get("/login").status_code == 200
        assert client.post("/logout").status_code == 302


def test_json_logins_and_marked_views_are_throttled(protocol: str) -> None:
    app = build_app()

    @app.post("/api/login")
    @login_throttled
    def api_login() -> Any:
        data = request.get_json()
        user = app.extensions["test_users"].get(data.get("email"))
        if user is None:
            return {"msg": "bad credentials"}, 401
        login_user(user)
        return {"msg": "ok"}

    client = app.test_client(protocol=protocol)
    codes = [client.post("/api/login", json={"email": "eve"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert client.post("/api/login", json={"email": "alice"}).status_code == 200


def test_a_json_client_is_refused_with_a_json_429(client: Any) -> None:
    headers = {"Accept": "application/json"}
    for _ in range(5):
        client.post("/login", data={"username": "alice", "password": "x"}, headers=headers)
    refused = client.post("/login", data={"username": "alice", "password": "x"}, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/json"
    body = refused.get_json()
    assert body["error"] == "too_many_requests"
    assert body["message"] == "Too many failed logins. Try again later."
    assert body["retry_after"] == int(refused.headers["Retry-After"])


def test_a_browser_is_refused_with_an_html_429(client: Any) -> None:
    for _ in range(5):
        log_in(client, password="guess")
    refused = log_in(client, password="guess")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "Too many failed logins." in refused.get_data(as_text=True)


def test_an_async_json_login_is_refused_with_a_json_429(protocol: str) -> None:
    app = build_app()

    @app.post("/async-login")
    @login_throttled
    async def async_login() -> Any:
        return {"msg": "bad credentials"}, 401

    client = app.test_client(protocol=protocol)
    answers = [client.post("/async-login", json={"username": "eve"}) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [401] * 5 + [429]
    assert answers[-1].get_json()["message"] == "Too many failed logins. Try again later."


def test_user_name_extraction() -> None:
    app = Hipflask("names")
    throttle = LoginThrottle(build_app().config)
    with app.test_request_context(method="POST", data={"login": "  Bob "}):
        assert throttle.user_names(request) == ("bob",)
    with app.test_request_context(method="POST", json=["x"]):
        assert throttle.user_names(request) == ()
    with app.test_request_context(method="POST", json={"user": ""}):
        assert throttle.user_names(request) == ()
    with app.test_request_context(method="POST", data="x"):
        assert throttle.user_names(request) == ()
    with app.test_request_context(
        "/?user=Carol", method="POST", data={"username": "Bob", "email": "BOB "}
    ):
        assert throttle.user_names(request) == ("bob", "carol")


def _email_login_app() -> Hipflask:
    """A login view reading ``email``, so ``username`` is a field it never reads."""
    app = build_app()
    users = app.extensions["test_users"]

    @app.post("/email-login")
    @login_throttled
    def email_login() -> Any:
        data = request.get_json() if request.is_json else request.values
        user = users.get(data.get("email", ""))
        if user is None or data.get("password") != "right":
            return "Invalid user name or password.", 401
        login_user(user)
        return "welcome"

    return app


@pytest.mark.parametrize(
    "send",
    [
        lambda client, decoy: client.post(
            "/email-login", data={"username": decoy, "email": "alice", "password": "x"}
        ),
        lambda client, decoy: client.post(
            "/email-login", json={"username": decoy, "email": "alice", "password": "x"}
        ),
        lambda client, decoy: client.post(
            "/email-login?email=alice", data={"email": decoy, "password": "x"}
        ),
    ],
    ids=["form", "json", "query string"],
)
def test_a_decoy_user_field_does_not_escape_the_limit_of_the_name_the_view_reads(
    protocol: str, send: Any
) -> None:
    # The view checks alice's password; a fresh decoy in another user field
    # must not make each guess count against a name nobody has.
    client = _email_login_app().test_client(protocol=protocol)
    codes = [send(client, uuid.uuid4().hex).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_login_sending_two_names_takes_back_neither(protocol: str) -> None:
    # Mallory logs in to her own account while naming alice in another field:
    # the success must not wipe the count of alice's guessed passwords.
    client = _email_login_app().test_client(protocol=protocol)
    for _ in range(4):
        client.post("/email-login", data={"email": "alice", "password": "x"})
    wipe = {"email": "bob", "username": "alice", "password": "right"}
    assert client.post("/email-login", data=wipe).status_code == 200
    guess = {"email": "alice", "password": "x"}
    assert client.post("/email-login", data=guess).status_code == 429


def test_one_attempt_counts_against_at_most_one_name_per_field(protocol: str) -> None:
    # Names beyond the configured fields (or repeated values of one field)
    # are not counted: one request cannot lock a list of accounts out.
    client = _email_login_app().test_client(protocol=protocol)
    many = MultiDict([("username", f"victim{i}") for i in range(10)] + [("password", "x")])
    for _ in range(5):
        client.post("/email-login", data=many)
    assert client.post("/email-login", data={"email": "victim9"}).status_code == 401
    assert client.post("/email-login", data={"email": "victim0"}).status_code == 429


def test_async_login_views_are_throttled_through_the_async_driver(protocol: str) -> None:
    app = build_app()

    @app.post("/async-login")
    @login_throttled
    async def async_login() -> Any:
        return {"msg": "bad credentials"}, 401

    client = app.test_client(protocol=protocol)
    codes = [client.post("/async-login", data={"username": "eve"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_manager_shared_by_apps_throttles_each_with_its_settings(protocol: str) -> None:
    # Flask-Login's factory pattern: one module-level manager, init_app per app.
    from hipflask.login import LoginManager

    manager = LoginManager()

    def create(**config: Any) -> Hipflask:
        app = Hipflask("shared_manager")
        app.config.update({"TESTING": True, "SECRET_KEY": "k" * 32, **config})
        manager.init_app(app)
        manager.login_view = "login"
        manager.user_loader(lambda user_id: None)

        @app.post("/login")
        def login() -> Any:
            return "Invalid user name or password.", 401

        return app

    strict = create(LOGIN_THROTTLE_PER_USER="2/minute").test_client(protocol=protocol)
    loose = create(LOGIN_THROTTLE_PER_USER="100/minute").test_client(protocol=protocol)
    fresh = create().test_client(protocol=protocol)
    assert [log_in(strict, "u1", password="x").status_code for _ in range(3)] == [401, 401, 429]
    # Neither the strict app's setting nor its counts reach the other apps.
    assert [log_in(loose, "u2", password="x").status_code for _ in range(4)] == [401] * 4
    assert log_in(fresh, "u1", password="x").status_code == 401


@pytest.fixture(params=["memory", "redis"])
def throttle_storage(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A storage URL and a key prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"hipflask-test-throttle-{uuid.uuid4().hex[:12]}"
    if request.param == "memory":
        yield "memory://", prefix
        return
    require_redis()
    try:
        yield REDIS_URI, prefix
    finally:
        delete_keys_holding(prefix)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_apps_sharing_a_storage_server_count_apart_under_their_own_prefixes(
    protocol: str, throttle_storage: tuple[str, str]
) -> None:
    # Two sites on one Redis: an attacker locking "u1" out of one must not
    # lock the other site's "u1" out too.
    url, prefix = throttle_storage

    def client(key_prefix: str) -> Any:
        app = build_app(
            LOGIN_THROTTLE_STORAGE=url,
            LOGIN_THROTTLE_KEY_PREFIX=key_prefix,
            LOGIN_THROTTLE_PER_USER="2/minute",
        )
        return app.test_client(protocol=protocol)

    shop, blog, shop_again = (
        client(f"{prefix}:shop"),
        client(f"{prefix}:blog"),
        client(f"{prefix}:shop"),
    )

    assert [log_in(shop, "u1", password="x").status_code for _ in range(3)] == [401, 401, 429]
    assert log_in(blog, "u1", password="x").status_code == 401
    # Another process of the same app, with the same prefix, shares the count
    # when the storage is shared; a process's memory is its own.
    shared = url.startswith("redis")
    assert log_in(shop_again, "u1", password="x").status_code == (429 if shared else 401)


def close_throttle_route(app: Hipflask) -> None:
    """``POST /close-throttle``: close the throttle's async Redis clients on the client's loop."""

    @app.post("/close-throttle")
    async def close_throttle() -> str:
        throttle = app.extensions["hipflask.login.state"].throttle
        if throttle is not None:
            await throttle.store.aclose()
        return "closed"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_parallel_guesses_get_no_more_password_checks_than_the_limit(
    protocol: str, throttle_storage: tuple[str, str]
) -> None:
    # A brute force sends its guesses all at once: every one of them must
    # not pass the check while none has failed yet.
    url, prefix = throttle_storage
    app = build_app(LOGIN_THROTTLE_STORAGE=url, LOGIN_THROTTLE_KEY_PREFIX=prefix)
    checked: list[str] = []

    @app.post("/slow-login")
    @login_throttled
    def slow_login() -> Any:
        checked.append(request.form["password"])
        time.sleep(0.3)  # a password hash
        return "Invalid user name or password.", 401

    close_throttle_route(app)
    guesses = 12
    start = threading.Barrier(guesses)
    codes: list[int] = []

    def guess(number: int) -> None:
        client = app.test_client(protocol=protocol)
        start.wait()
        form = {"username": "alice", "password": f"guess{number}"}
        codes.append(client.post("/slow-login", data=form).status_code)
        client.post("/close-throttle")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5
    assert sorted(codes) == [401] * 5 + [429] * 7


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("view", ["sync", "async"])
def test_a_login_that_succeeds_takes_back_its_user_name_s_count_but_not_its_address_s(
    protocol: str, view: str, throttle_storage: tuple[str, str]
) -> None:
    url, prefix = throttle_storage
    app = build_app(
        LOGIN_THROTTLE_STORAGE=url,
        LOGIN_THROTTLE_KEY_PREFIX=prefix,
        LOGIN_THROTTLE_PER_ADDRESS="11/minute",
    )
    users = app.extensions["test_users"]

    @app.post("/async-login")
    @login_throttled
    async def async_login() -> Any:
        user = users.get(request.form["username"])
        if user is None or request.form["password"] != "right":
            return "Invalid user name or password.", 401
        login_user(user)
        return "welcome"

    close_throttle_route(app)
    path = "/login" if view == "sync" else "/async-login"
    password = "wonderland" if view == "sync" else "right"
    client = app.test_client(protocol=protocol)

    def attempt(name: str, guess: str) -> int:
        form = {"username": name, "password": guess}
        return int(client.post(path, data=form).status_code)

    assert [attempt("alice", "guess") for _ in range(4)] == [401] * 4
    assert attempt("alice", password) in (200, 302)
    # Alice's failures are forgiven; her address still counts every attempt
    # (ten, with the one refused by her name's limit not charged to it).
    assert [attempt("alice", "guess") for _ in range(5)] == [401] * 5
    assert attempt("alice", "guess") == 429
    assert [attempt("bob", "guess") for _ in range(3)] == [401, 429, 429]
    client.post("/close-throttle")


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    "per_address", ["3/minute", "20/minute;3/hour"], ids=["lower", "longer window"]
)
def test_attempts_an_address_is_refused_do_not_count_against_the_user_name(
    protocol: str, per_address: str, throttle_storage: tuple[str, str]
) -> None:
    # An address over its own limit must not go on using up the limit of the
    # names it sends: its refusals would keep their owners locked out for as
    # long as it kept sending, whatever the limit per address said.
    url, prefix = throttle_storage
    app = build_app(
        LOGIN_THROTTLE_STORAGE=url,
        LOGIN_THROTTLE_KEY_PREFIX=prefix,
        LOGIN_THROTTLE_PER_USER="5/minute",
        LOGIN_THROTTLE_PER_ADDRESS=per_address,
    )
    close_throttle_route(app)
    attacker = app.test_client(protocol=protocol)
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    victim = app.test_client(protocol=protocol)
    victim.environ_base["REMOTE_ADDR"] = "203.0.113.9"

    codes = [log_in(attacker, "alice", password="guess").status_code for _ in range(10)]

    assert codes == [401] * 3 + [429] * 7
    # Three failures for her name: her own password still lets her in.
    assert log_in(victim, "alice").status_code == 302
    attacker.post("/close-throttle")
    victim.post("/close-throttle")


def test_lifespan_shutdown_closes_the_throttles_async_connections(redis_prefix: str) -> None:
    # Each ASGI server loop gets connections of its own; the server's
    # shutdown is the last moment they can be closed on it.
    url = f"{REDIS_URI}/0?client_name={redis_prefix}"
    app = build_app(LOGIN_THROTTLE_STORAGE=url, LOGIN_THROTTLE_KEY_PREFIX=redis_prefix)

    @app.post("/async-login")
    @login_throttled
    async def async_login() -> Any:
        return {"msg": "bad credentials"}, 401

    form = [(b"content-type", b"application/x-www-form-urlencoded")]

    async def run() -> tuple[list[int], int]:
        async with lifespan(app):
            statuses = [
                (
                    await request_on_loop(
                        app,
                        http_scope("/async-login", "POST", form),
                        *request_body(b"username=eve&password=x"),
                    )
                ).status
                for _ in range(2)
            ]
            opened = connections_named(redis_prefix)
        return statuses, opened

    assert statuses_with_connections_closed(run, redis_prefix) == [401, 401]


def _guess(client: Any, name: str, address: str) -> int:
    form = {"username": name, "password": "x"}
    return int(client.post("/login", data=form, environ_base={"REMOTE_ADDR": address}).status_code)


def test_an_ipv6_client_cannot_get_a_fresh_address_budget_from_its_own_network(
    protocol: str,
) -> None:
    # Every IPv6 host is given a /64: 2**64 addresses an attacker may send
    # from. Its addresses share one budget, as one IPv4 address does.
    client = build_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    codes = [_guess(client, f"user{i}", f"2001:db8::{i:x}") for i in range(1, 5)]
    assert codes == [401, 401, 401, 429]
    assert _guess(client, "user9", "2001:db8:0:1::1") == 401


def test_ipv4_clients_of_a_dual_stack_socket_keep_their_own_budgets(protocol: str) -> None:
    # A dual-stack server reports IPv4 clients as ::ffff:a.b.c.d; they are
    # distinct clients, not one IPv6 network.
    client = build_app(LOGIN_THROTTLE_PER_ADDRESS="3/minute").test_client(protocol=protocol)
    for i in range(3):
        _guess(client, f"user{i}", "::ffff:192.0.2.1")
    assert _guess(client, "user3", "192.0.2.1") == 429
    assert _guess(client, "user9", "::ffff:192.0.2.2") == 401
    assert _guess(client, "user9", "192.0.2.3") == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_login_view_taking_another_unsafe_method_is_throttled(protocol: str, method: str) -> None:
    # A JSON API may log in with PUT /session; every method that may carry
    # a password check counts, not POST alone.
    app = build_app()

    @app.route("/session", methods=[method])
    @login_throttled
    def api_session() -> Any:
        return {"msg": "bad credentials"}, 401

    client = app.test_client(protocol=protocol)
    guess = {"username": "alice", "password": "x"}
    codes = [client.open("/session", method=method, json=guess).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


@pytest.mark.parametrize("fields", ["email", "email, username"])
def test_user_fields_given_as_one_string_name_fields_not_letters(
    protocol: str, fields: str
) -> None:
    # tuple("email") would be its letters: no user name would ever be found
    # and the limit per user name would be silently off.
    app = build_app(LOGIN_THROTTLE_USER_FIELDS=fields)

    @app.post("/email-login")
    @login_throttled
    def email_login() -> Any:
        return "Invalid e-mail address or password.", 401

    client = app.test_client(protocol=protocol)
    guess = {"email": "alice@example.com", "password": "x"}
    codes = [client.post("/email-login", data=guess).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def _form_login_app() -> Hipflask:
    """A login view reading a FlaskForm, which takes a JSON body's values as form text."""
    from wtforms import StringField

    from hipflask.forms import FlaskForm

    class LoginForm(FlaskForm):
        username = StringField()
        password = StringField()

    app = build_app(WTF_CSRF_ENABLED=False)
    users = {"alice": object(), "12345": object()}

    @app.post("/form-login")
    @login_throttled
    def form_login() -> Any:
        form = LoginForm()
        if form.validate_on_submit() and form.username.data in users:
            assert form.password.data != "right"  # every guess here is wrong
        return "Invalid user name or password.", 401

    return app


@pytest.mark.parametrize(
    "guess",
    [
        {"username": ["alice"], "password": "x"},
        {"username": ["alice", "decoy"], "password": "x"},
        {"username": 12345, "password": "x"},
        {"username": 12345.0, "password": "x"},
    ],
    ids=["one-item list", "list", "number", "integral float"],
)
def test_a_json_user_name_the_form_reads_as_text_is_counted(
    protocol: str, guess: dict[str, Any]
) -> None:
    # The form takes a JSON list as several values and a number as its text:
    # the name the view checks must be counted however the JSON spells it.
    client = _form_login_app().test_client(protocol=protocol)
    codes = [client.post("/form-login", json=guess).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_json_login_sent_under_another_content_type_is_counted(protocol: str) -> None:
    # A view reading get_json(force=True) checks the password whatever the
    # Content-Type says; the attacker chooses it, so the name must count anyway.
    app = build_app()

    @app.post("/api/force-login")
    @login_throttled
    def force_login() -> Any:
        data = request.get_json(force=True)
        assert data["username"] == "alice"
        return "Invalid user name or password.", 401

    @app.post("/api/strict-login")
    @login_throttled
    def strict_login() -> Any:
        request.get_json()  # a body not declared JSON is still this view's 415
        return "Invalid user name or password.", 401

    client = app.test_client(protocol=protocol)
    body = '{"username": "alice", "password": "x"}'
    codes = [
        client.post("/api/force-login", data=body, content_type="text/plain").status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    strict = client.post(
        "/api/strict-login", data=body.replace("alice", "bob"), content_type="text/plain"
    )
    assert strict.status_code == 415
