"""When limits are counted: a view's own when it is called, the others at the gate.

Also that declaring a limit again (an app factory run twice) adds no second
budget, and that ``async with limiter.limit(...)`` never blocks the loop.
Store-backed cases run on the memory store and on the real Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from functools import wraps
from typing import Any

import pytest
from tests.redis_helper import REDIS_URI

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask.errors import ConfigurationError
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.login import LoginManager
from hipflask.login import UserMixin
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.testing.client import HipflaskClient

JWT_KEY = "jwt-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    """A storage address: the memory store, or the real Redis under a prefix of the test's own."""
    if request.param == "redis":
        return f"{REDIS_URI}?prefix={request.getfixturevalue('redis_prefix')}"
    return "memory://"


def configure(app: Hipflask, store: str) -> None:
    uri, _, prefix = store.partition("?prefix=")
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if prefix:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": prefix}


@pytest.fixture
def clients(protocol: str) -> Iterator[Callable[[Hipflask], HipflaskClient]]:
    """Test clients for apps a test builds itself, closed afterwards."""
    made: list[tuple[Any, Limiter | None]] = []

    def make(app: Hipflask) -> HipflaskClient:
        client: Any = app.test_client(protocol=protocol)
        made.append((client, next(iter(app.extensions.get("limiter", ())), None)))
        return client  # type: ignore[no-any-return]

    yield make
    for client, limiter in made:
        close(client, limiter)


def close(client: Any, limiter: Limiter | None) -> None:
    """Release the async driver's connections on the test client's loop."""
    shim = getattr(client, "_shim", None)
    if shim is None:
        return
    if limiter is not None and shim._loop is not None and not shim._loop.is_closed():
        shim._run(limiter._store.aclose())  # type: ignore[union-attr]
    shim.close()


def statuses(client: Any, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


# -- declarations made again -------------------------------------------------------


def test_a_factory_run_twice_counts_a_request_once(
    store: str, clients: Callable[[Hipflask], HipflaskClient]
) -> None:
    limiter = Limiter(get_remote_address)

    def create_app() -> Hipflask:
        app = Hipflask(__name__)
        configure(app, store)
        limiter.init_app(app)

        @app.get("/")
        @limiter.limit("2/minute")
        def index() -> str:
            return "ok"

        return app

    create_app()
    client = clients(create_app())
    assert statuses(client, "/", 3) == [200, 200, 429]


def test_apps_sharing_a_limiter_keep_their_own_limits(
    clients: Callable[[Hipflask], HipflaskClient],
) -> None:
    limiter = Limiter(get_remote_address)

    def create_app(value: str) -> Hipflask:
        app = Hipflask(__name__)
        limiter.init_app(app)

        @app.get("/")
        @limiter.limit(value)
        def index() -> str:
            return "ok"

        return app

    strict = clients(create_app("1/minute"))
    loose = clients(create_app("3/minute"))
    # Each app counts its own limit (different limits count under different keys).
    assert statuses(strict, "/", 2) == [200, 429]
    assert statuses(loose, "/", 4) == [200, 200, 200, 429]


def test_shared_and_blueprint_limits_declared_again_count_once(
    store: str, clients: Callable[[Hipflask], HipflaskClient]
) -> None:
    limiter = Limiter(get_remote_address)
    bp = Blueprint("api", __name__)

    @bp.get("/items")
    def items() -> str:
        return "items"

    def create_app() -> Hipflask:
        app = Hipflask(__name__)
        configure(app, store)
        limiter.init_app(app)
        shared = limiter.shared_limit("2/minute", scope="auth")

        @app.get("/login")
        @shared
        def login() -> str:
            return "login"

        limiter.limit("2/minute")(bp)
        app.register_blueprint(bp, url_prefix="/api")
        return app

    create_app()
    client = clients(create_app())
    assert statuses(client, "/login", 3) == [200, 200, 429]
    assert statuses(client, "/api/items", 3) == [200, 200, 429]


def test_the_same_limit_stacked_twice_is_one_budget(app: Hipflask, client: Any, store: str) -> None:
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("2/minute")
    @limiter.limit("2/minute")
    def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


@pytest.mark.parametrize("order", ["second-first", "minute-first"])
def test_a_refused_request_is_not_charged_to_a_longer_window(
    app: Hipflask, client: Any, store: str, order: str
) -> None:
    # The shortest window is counted first and the first refusal ends the
    # count, whatever the order of the decorators: otherwise each request
    # the per-second limit refuses spends the per-minute budget, and a
    # client retrying too fast locks itself out for the whole minute.
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app)
    limits = ["1/second", "2/minute"] if order == "second-first" else ["2/minute", "1/second"]

    @app.get("/")
    @limiter.limit(limits[0])
    @limiter.limit(limits[1])
    def index() -> str:
        return "ok"

    try:
        first = client.get("/")
        refused = client.get("/")
        assert (first.status_code, refused.status_code) == (200, 429)
        assert "1 per 1 second" in refused.get_data(as_text=True)
        time.sleep(1.05)
        # The minute's budget holds one request: the refused one was not counted.
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429
    finally:
        close(client, limiter)


def test_different_limits_stacked_across_another_decorator_all_apply(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app)
    calls: list[str] = []

    def logged(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append("logged")
            return view(*args, **kwargs)

        return wrapper

    @app.get("/")
    @limiter.limit("5/minute")
    @logged
    @limiter.limit("2/minute")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]
    # Counted once, by the innermost wrapper, after the outer decorators.
    assert calls == ["logged"] * 3


# -- a view's own limits are counted after the decorators above them ------------------


def jwt_app(app: Hipflask, store: str) -> Limiter:
    configure(app, store)
    app.config["JWT_SECRET_KEY"] = JWT_KEY
    JWTManager(app)
    return Limiter(key_func=lambda: get_jwt_identity(), app=app)


def bearer(app: Hipflask, identity: str) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {create_access_token(identity)}"}


def test_a_per_user_limit_keyed_on_the_jwt_identity(app: Hipflask, client: Any, store: str) -> None:
    limiter = jwt_app(app, store)

    @app.get("/me")
    @jwt_required()
    @limiter.limit("2/minute")
    def me() -> str:
        return str(get_jwt_identity())

    alice, bob = bearer(app, "alice"), bearer(app, "bob")
    try:
        first = client.get("/me", headers=alice)
        assert (first.status_code, first.get_data(as_text=True)) == (200, "alice")
        assert first.headers["X-RateLimit-Remaining"] == "1"
        assert statuses(client, "/me", 2, headers=alice) == [200, 429]
        # Another user has a budget of their own.
        assert statuses(client, "/me", 2, headers=bob) == [200, 200]
        # No token: jwt_required refuses before the limiter is asked.
        assert client.get("/me").status_code == 401
    finally:
        close(client, limiter)


def test_async_per_user_limit_keyed_on_the_jwt_identity(
    app: Hipflask, client: Any, store: str
) -> None:
    limiter = jwt_app(app, store)

    @app.get("/me")
    @jwt_required()
    @limiter.limit("1/minute")
    async def me() -> str:
        return str(get_jwt_identity())

    try:
        assert statuses(client, "/me", 2, headers=bearer(app, "alice")) == [200, 429]
        assert statuses(client, "/me", 1, headers=bearer(app, "bob")) == [200]
    finally:
        close(client, limiter)


class Member(UserMixin):
    def __init__(self, id: str) -> None:
        self.id = id


def test_a_per_user_limit_keyed_on_current_user(app: Hipflask, client: Any) -> None:
    manager = LoginManager(app)
    manager.user_loader(Member)
    # Anonymous users have no id: the key function works only after login_required.
    limiter = Limiter(key_func=lambda: current_user.id, app=app)

    @app.get("/signin/<name>")
    def signin(name: str) -> str:
        login_user(Member(name))
        return "in"

    @app.get("/me")
    @login_required
    @limiter.limit("2/minute")
    async def me() -> str:
        return str(current_user.id)

    assert client.get("/me").status_code == 401
    client.get("/signin/carol")
    assert statuses(client, "/me", 3) == [200, 200, 429]
    client.get("/signin/dave")
    assert statuses(client, "/me", 1) == [200]


def test_defaults_kept_beside_a_per_user_limit_may_read_the_jwt(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_DEFAULT"] = "3/minute"
    limiter = jwt_app(app, "memory://")

    @app.get("/me")
    @jwt_required()
    @limiter.limit("5/minute", override_defaults=False)
    def me() -> str:
        return "ok"

    assert statuses(client, "/me", 4, headers=bearer(app, "alice")) == [200, 200, 200, 429]
    assert statuses(client, "/me", 1, headers=bearer(app, "bob")) == [200]


def test_limit_value_exempt_when_and_deduct_when_may_read_the_jwt(
    app: Hipflask, client: Any
) -> None:
    limiter = jwt_app(app, "memory://")

    def per_plan() -> str:
        return "3/minute" if get_jwt_identity() == "pro" else "1/minute"

    @app.get("/plan")
    @jwt_required()
    @limiter.limit(per_plan, exempt_when=lambda: get_jwt_identity() == "admin")
    def plan() -> str:
        return "ok"

    @app.get("/search")
    @jwt_required()
    @limiter.limit("1/minute", deduct_when=lambda response: get_jwt_identity() != "free")
    def search() -> str:
        return "ok"

    assert statuses(client, "/plan", 2, headers=bearer(app, "basic")) == [200, 429]
    assert statuses(client, "/plan", 4, headers=bearer(app, "pro")) == [200, 200, 200, 429]
    assert statuses(client, "/plan", 3, headers=bearer(app, "admin")) == [200, 200, 200]
    assert statuses(client, "/search", 3, headers=bearer(app, "free")) == [200, 200, 200]
    assert statuses(client, "/search", 2, headers=bearer(app, "paid")) == [200, 429]


def test_default_limits_are_still_checked_before_the_view_decorators(
    app: Hipflask, client: Any
) -> None:
    app.config["JWT_SECRET_KEY"] = JWT_KEY
    JWTManager(app)
    limiter = Limiter(get_remote_address, app=app, default_limits=["2/minute"])
    order: list[str] = []

    @app.before_request
    def seen() -> None:
        order.append("before_request")

    @app.get("/me")
    @jwt_required()
    def me() -> str:
        return "ok"

    # The flood is refused by the gate: no token needed, no hook runs.
    assert statuses(client, "/me", 3) == [401, 401, 429]
    assert order == ["before_request"] * 2
    assert limiter.enabled


def test_defaults_kept_beside_a_view_limit_are_counted_with_it(app: Hipflask, client: Any) -> None:
    # Flask-Limiter counts them in the view's wrapper, after outer decorators.
    limiter = Limiter(get_remote_address, app=app, default_limits=["2/minute"])
    calls: list[str] = []

    def outer(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append("outer")
            return view(*args, **kwargs)

        return wrapper

    @app.get("/")
    @outer
    @limiter.limit("5/minute", override_defaults=False)
    def index() -> str:
        calls.append("view")
        return "ok"

    first = client.get("/")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert statuses(client, "/", 2) == [200, 429]
    assert calls == ["outer", "view", "outer", "view", "outer"]
    with app.app_context():
        assert [kind for kind, _, _ in limiter.limits_for("index")] == ["route", "default"]


def test_the_view_limit_sets_the_headers_when_it_is_nearer(app: Hipflask, client: Any) -> None:
    # Application limits are counted at the gate, the view's own in its wrapper.
    Limiter(get_remote_address, app=app, application_limits=["9/minute"])

    @app.get("/")
    @limiter_of(app).limit("3/minute", override_defaults=False)
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"]) == (
        "3",
        "2",
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # The view's own count, the later one, speaks, as in Flask-Limiter,
        # even beside an application limit of a smaller unit.
        ({"application_limits": ["2/second"]}, ("5", "4")),
        ({"application_limits": ["2/minute"]}, ("5", "4")),
        # The gate counted only meta limits: the view's limit speaks.
        ({"meta_limits": ["9/hour"]}, ("5", "4")),
    ],
)
def test_the_headers_describe_the_view_s_count(
    app: Hipflask, client: Any, options: dict[str, Any], expected: tuple[str, str]
) -> None:
    limiter = Limiter(get_remote_address, app=app, **options)

    @app.get("/")
    @limiter.limit("5/minute")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"]) == (
        expected
    )


def test_headers_stay_when_the_view_limit_is_exempt(app: Hipflask, client: Any) -> None:
    limiter = Limiter(
        get_remote_address, app=app, application_limits=["2/minute"], meta_limits=["9/hour"]
    )

    @app.get("/")
    @limiter.limit("1/minute", exempt_when=lambda: True)
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    assert statuses(client, "/", 2) == [200, 429]


def limiter_of(app: Hipflask) -> Limiter:
    return next(iter(app.extensions["limiter"]))  # type: ignore[no-any-return]


def test_a_view_limit_breached_uses_on_breach(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app, on_breach=lambda limit: ("wait", 429))

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    assert client.get("/").status_code == 200
    refused = client.get("/")
    assert (refused.status_code, refused.get_data(as_text=True)) == (429, "wait")
    assert refused.headers["Retry-After"].isdigit()


def test_a_limited_view_called_outside_a_request_just_runs(app: Hipflask) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @limiter.limit("1/minute")
    def compute() -> str:
        return "done"

    assert [compute(), compute()] == ["done", "done"]


def test_a_request_filter_and_a_preflight_skip_view_limits(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @limiter.request_filter
    def trusted() -> bool:
        return request.headers.get("X-Trusted") == "yes"

    @app.route("/api", methods=["GET", "OPTIONS"], provide_automatic_options=False)
    @limiter.limit("1/minute")
    def api() -> str:
        return "ok"

    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    for _ in range(2):
        assert client.options("/api", headers=preflight).status_code == 200
    assert statuses(client, "/api", 2, headers={"X-Trusted": "yes"}) == [200, 200]
    assert statuses(client, "/api", 2) == [200, 429]


def test_without_auto_check_the_view_limit_waits_for_check(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app, auto_check=False)
    checked: list[bool] = []

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        if checked:
            limiter.check()
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 200]
    checked.append(True)
    assert statuses(client, "/", 2) == [200, 429]


def test_a_passing_with_block_does_not_stand_for_check(app: Hipflask, client: Any) -> None:
    # The block records its count; check() must still count the view's limits.
    limiter = Limiter(get_remote_address, app=app, auto_check=False)

    @app.get("/")
    @limiter.limit("2/minute")
    def index() -> str:
        with limiter.limit("100/minute"):
            pass
        limiter.check()
        return "ok"

    assert statuses(client, "/", 4) == [200, 200, 429, 429]


# -- with / async with blocks -----------------------------------------------------------


def test_async_with_counts_a_block_without_blocking_the_loop(
    app: Hipflask, client: Any, store: str
) -> None:
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    async def index() -> str:
        async with limiter.limit("2/minute"):
            return "counted"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_async_with_on_a_disabled_limiter_counts_nothing(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    async def index() -> str:
        async with limiter.limit("1/minute"):
            return "ok"

    assert statuses(client, "/", 2) == [200, 200]


def test_a_plain_with_refuses_to_block_an_event_loop(app: Hipflask, redis_prefix: str) -> None:
    configure(app, f"{REDIS_URI}?prefix={redis_prefix}")
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    async def index() -> str:
        try:
            with limiter.limit("5/minute"):
                return "counted"
        except ConfigurationError as exc:
            return str(exc)

    text = app.test_client(protocol="asgi").get("/").get_data(as_text=True)
    assert "async with limiter.limit(...)" in text


def test_a_plain_with_in_an_async_view_is_fine_on_the_memory_store(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    async def index() -> str:
        with limiter.limit("1/minute"):
            return "ok"

    assert statuses(client, "/", 2) == [200, 429]


# -- port trial: blueprints, with blocks and the reset header -----------------------


def test_a_blueprint_limit_stays_beside_a_view_limit_keeping_the_defaults(
    app: Hipflask, client: Any, store: str
) -> None:
    # Flask-Limiter: with blueprints, override_defaults=False "extends to any
    # parents": the blueprint's limit is counted too, and replaces the defaults.
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app, default_limits=["100/minute"])
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.get("/y")
    @limiter.limit("30/minute", override_defaults=False)
    def y() -> str:
        return "y"

    limiter.limit("1/minute")(bp)
    app.register_blueprint(bp)
    try:
        assert statuses(client, "/bp/y", 3) == [200, 429, 429]
        with app.app_context():
            assert [str(limit.limit_provider) for _, limit, _ in limiter.limits_for("bp.y")] == [
                "1/minute",
                "30/minute",
            ]
    finally:
        close(client, limiter)


def test_a_with_block_is_the_current_limit_and_sets_the_headers(
    app: Hipflask, client: Any, store: str
) -> None:
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app)
    seen: list[Any] = []

    @app.get("/x")
    def x() -> str:
        with limiter.limit("3/minute"):
            seen.append(limiter.current_limit)
            return "x"

    @app.get("/a")
    async def a() -> str:
        async with limiter.limit("3/minute"):
            seen.append(limiter.current_limit)
            return "a"

    try:
        for path in ("/x", "/a"):
            response = client.get(path)
            assert response.headers["X-RateLimit-Limit"] == "3"
            assert response.headers["X-RateLimit-Remaining"] == "2"
        assert [(str(lim.limit), lim.remaining) for lim in seen] == [("3 per 1 minute", 2)] * 2
    finally:
        close(client, limiter)


def test_the_reset_header_is_never_before_the_window_resets(
    app: Hipflask, client: Any, store: str
) -> None:
    configure(app, store)
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("5/minute")
    def index() -> str:
        return "ok"

    try:
        started = time.monotonic()
        response = client.get("/")
        with app.app_context():
            (_, limit, scope), *_ = limiter.limits_for("index")
            ((item, identifiers),) = limiter.counters(limit, scope, "127.0.0.1")
            real_reset = limiter.limiter.get_window_stats(item, *identifiers).reset_time
        # A store that tells the reset from the key's remaining lifetime
        # (Redis) answers a later read with a later time, by up to the time
        # since the response was made.
        drift = time.monotonic() - started
        sent = int(response.headers["X-RateLimit-Reset"])
        # Rounded up, as Flask-Limiter sends it: a client waiting until then
        # finds the window over; never a whole second late.
        assert real_reset - drift <= sent <= real_reset + 1
    finally:
        close(client, limiter)
