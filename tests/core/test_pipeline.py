"""The per-request steps: hook order, short-circuits, error handlers, teardown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import after_this_request
from hipflask import g
from hipflask import request
from hipflask.core.pipeline import answers_codeless_errors
from hipflask.core.pipeline import app_error_handler
from hipflask.core.pipeline import stands_in_for
from hipflask.testing.client import HipflaskClient


def _production(app: Hipflask) -> None:
    """Make the app answer unhandled errors with a 500, as it would in production."""
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=None, DEBUG=False)


# -- hook order ------------------------------------------------------------------


def test_hooks_run_in_flask_order(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []

    @app.url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, Any] | None) -> None:
        calls.append(f"preprocess {endpoint} {values}")

    @app.before_request
    def before_one() -> None:
        calls.append("before 1")

    @app.before_request
    def before_two() -> None:
        calls.append("before 2")

    @app.after_request
    def after_one(response: Response) -> Response:
        calls.append("after 1")
        return response

    @app.after_request
    def after_two(response: Response) -> Response:
        calls.append("after 2")
        return response

    @app.teardown_request
    def teardown_one(exc: BaseException | None) -> None:
        calls.append("teardown 1")

    @app.teardown_request
    def teardown_two(exc: BaseException | None) -> None:
        calls.append("teardown 2")

    @app.teardown_appcontext
    def app_teardown(exc: BaseException | None) -> None:
        calls.append("appcontext teardown")

    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        calls.append("view")

        @after_this_request
        def tweak(response: Response) -> Response:
            calls.append("after this request")
            return response

        return "ok"

    assert client.get("/item/3").status_code == 200
    assert calls == [
        "preprocess item {'item_id': 3}",
        "before 1",
        "before 2",
        "view",
        "after this request",
        "after 2",
        "after 1",
        "teardown 2",
        "teardown 1",
        "appcontext teardown",
    ]


def test_blueprint_hooks_nest_inside_the_apps(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    def register_hooks(scaffold: Any, label: str) -> None:
        @scaffold.before_request
        def before() -> None:
            calls.append(f"before {label}")

        @scaffold.after_request
        def after(response: Response) -> Response:
            calls.append(f"after {label}")
            return response

        @scaffold.teardown_request
        def teardown(exc: BaseException | None) -> None:
            calls.append(f"teardown {label}")

    register_hooks(app, "app")
    register_hooks(parent, "parent")
    register_hooks(child, "child")

    @child.route("/view")
    def view() -> str:
        calls.append("view")
        return "ok"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/p/c/view").status_code == 200
    assert calls == [
        "before app",
        "before parent",
        "before child",
        "view",
        "after child",
        "after parent",
        "after app",
        "teardown child",
        "teardown parent",
        "teardown app",
    ]


def test_before_request_returning_a_value_skips_the_view(
    app: Hipflask, client: HipflaskClient
) -> None:
    calls: list[str] = []

    @app.before_request
    def gate() -> Any:
        if request.args.get("blocked"):
            return "blocked", 403
        return None

    @app.before_request
    def never_after_block() -> None:
        calls.append("second hook")

    @app.after_request
    def still_runs(response: Response) -> Response:
        response.headers["X-After"] = "yes"
        return response

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    response = client.get("/?blocked=1")
    assert (response.status_code, response.text) == (403, "blocked")
    assert response.headers["X-After"] == "yes"
    assert calls == []
    assert client.get("/").text == "view"
    assert calls == ["second hook", "view"]


def test_after_request_can_replace_the_response(app: Hipflask, client: HipflaskClient) -> None:
    @app.after_request
    def replace(response: Response) -> Response:
        return Response("replaced", status=202, headers={"X-Original": str(response.status_code)})

    @app.route("/")
    def index() -> str:
        return "original"

    response = client.get("/")
    assert (response.status_code, response.text) == (202, "replaced")
    assert response.headers["X-Original"] == "200"


def test_after_request_runs_for_error_responses(app: Hipflask, client: HipflaskClient) -> None:
    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-Seen"] = str(response.status_code)
        return response

    response = client.get("/missing")
    assert response.status_code == 404
    assert response.headers["X-Seen"] == "404"


def test_after_this_request_only_affects_its_own_request(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        if request.args.get("cookie"):

            @after_this_request
            def add_header(response: Response) -> Response:
                response.headers["X-Once"] = "1"
                return response

        return "ok"

    assert client.get("/?cookie=1").headers["X-Once"] == "1"
    assert "X-Once" not in client.get("/").headers


def test_url_value_preprocessor_can_pop_values_into_g(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang = values.pop("lang", None)

    @app.route("/<lang>/about")
    def about() -> str:
        return f"about in {g.lang}"

    assert client.get("/fr/about").text == "about in fr"


@pytest.mark.parametrize("view", ["sync", "async"])
def test_an_async_url_value_preprocessor_is_awaited(
    app: Hipflask, client: HipflaskClient, view: str
) -> None:
    @app.url_value_preprocessor
    async def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        await asyncio.sleep(0)
        assert values is not None
        g.lang = values.pop("lang", None)

    if view == "sync":

        @app.route("/<lang>/about")
        def about() -> str:
            return f"about in {g.lang}"

    else:

        @app.route("/<lang>/about")
        async def about() -> str:  # type: ignore[misc]
            return f"about in {g.lang}"

    assert client.get("/fr/about").text == "about in fr"


def test_teardown_request_receives_the_unhandled_exception(
    app: Hipflask, client: HipflaskClient
) -> None:
    _production(app)
    seen: list[BaseException | None] = []
    app_seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(app_seen.append)

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("lost")

    @app.route("/fine")
    def fine() -> str:
        return "fine"

    assert client.get("/boom").status_code == 500
    assert client.get("/fine").status_code == 200
    assert client.get("/missing").status_code == 404
    assert len(seen) == 3
    assert isinstance(seen[0], KeyError)
    assert seen[1:] == [None, None]
    assert isinstance(app_seen[0], KeyError)
    assert app_seen[1:] == [None, None]


def test_teardown_request_receives_a_propagated_exception(
    app: Hipflask, client: HipflaskClient
) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("propagates in tests")

    with pytest.raises(ValueError, match="propagates in tests"):
        client.get("/boom")
    assert len(seen) == 1
    assert isinstance(seen[0], ValueError)


def test_teardown_runs_even_when_a_before_request_hook_fails(
    app: Hipflask, client: HipflaskClient
) -> None:
    _production(app)
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)

    @app.before_request
    def broken() -> None:
        raise RuntimeError("hook failed")

    @app.route("/")
    def index() -> str:
        return "unreachable"

    assert client.get("/").status_code == 500
    assert isinstance(seen[0], RuntimeError)


# -- error handlers --------------------------------------------------------------


def test_error_handler_by_code(app: Hipflask, client: HipflaskClient) -> None:
    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return f"custom {error.code}", 404

    response = client.get("/nowhere")
    assert (response.status_code, response.text) == (404, "custom 404")


def test_error_handler_by_class_gets_the_exception(app: Hipflask, client: HipflaskClient) -> None:
    class PaymentRequired(Exception):
        def __init__(self, amount: int) -> None:
            super().__init__(amount)
            self.amount = amount

    @app.errorhandler(PaymentRequired)
    def pay(error: PaymentRequired) -> tuple[str, int]:
        return f"pay {error.amount}", 402

    @app.route("/")
    def index() -> str:
        raise PaymentRequired(5)

    response = client.get("/")
    assert (response.status_code, response.text) == (402, "pay 5")


def test_most_specific_handler_wins_by_mro(app: Hipflask, client: HipflaskClient) -> None:
    class AppError(Exception):
        pass

    class NotAllowed(AppError):
        pass

    class Unlisted(NotAllowed):
        pass

    @app.errorhandler(Exception)
    def generic(error: Exception) -> tuple[str, int]:
        return "generic", 500

    @app.errorhandler(AppError)
    def app_error(error: AppError) -> tuple[str, int]:
        return "app error", 400

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed) -> tuple[str, int]:
        return "not allowed", 403

    @app.route("/<kind>")
    def raise_kind(kind: str) -> str:
        errors: dict[str, Exception] = {
            "app": AppError(),
            "not-allowed": NotAllowed(),
            "unlisted": Unlisted(),
            "other": LookupError(),
        }
        raise errors[kind]

    assert client.get("/app").text == "app error"
    assert client.get("/not-allowed").text == "not allowed"
    assert client.get("/unlisted").text == "not allowed"
    assert client.get("/other").text == "generic"


def test_code_handler_catches_subclasses_of_that_http_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    class TeapotForbidden(Forbidden):
        description = "No tea."

    @app.errorhandler(403)
    def forbidden(error: Forbidden) -> tuple[str, int]:
        return f"handled: {error.description}", 403

    @app.route("/")
    def index() -> str:
        raise TeapotForbidden()

    assert client.get("/").text == "handled: No tea."


def test_http_exception_handler_catches_every_http_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> tuple[str, int]:
        return f"http {error.code}", error.code or 500

    @app.route("/bad")
    def bad() -> str:
        abort(400)

    assert client.get("/bad").text == "http 400"
    assert client.get("/missing").text == "http 404"


class Codeless(HTTPException):
    """An HTTP error without a status code of its own."""


def test_a_codeless_http_error_is_the_answer_unless_its_handler_is_marked(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask asks no handler about an HTTP error without a code: the error is
    # the response. A handler marked with answers_codeless_errors is asked.
    @app.errorhandler(Codeless)
    def unmarked(error: Codeless) -> tuple[str, int]:
        return "unmarked handler", 409

    @answers_codeless_errors
    async def marked(error: Codeless) -> tuple[str, int]:
        return "marked handler", 409

    area = Blueprint("area", __name__, url_prefix="/area")
    area.register_error_handler(Codeless, marked)

    def raise_codeless() -> str:
        raise Codeless()

    app.add_url_rule("/raise", "raise", raise_codeless)
    area.add_url_rule("/raise", "raise", raise_codeless)
    app.register_blueprint(area)

    plain = client.get("/raise")
    assert (plain.status_code, "Unknown Error" in plain.text) == (200, True)
    assert (client.get("/area/raise").status_code, client.get("/area/raise").text) == (
        409,
        "marked handler",
    )


def test_app_error_handler_sees_through_stand_ins() -> None:
    def page(error: Exception) -> str:
        return "page"

    def in_front(error: Exception) -> str:
        return "in front"

    def over_empty_slot(error: Exception) -> str:
        return "over an empty slot"

    stands_in_for(in_front, page)
    stands_in_for(over_empty_slot, None)
    assert app_error_handler(page) is page
    assert app_error_handler(in_front) is page
    assert app_error_handler(over_empty_slot) is None
    assert app_error_handler(None) is None


def test_stand_ins_made_of_one_method_keep_their_own_handlers() -> None:
    # Two routers (one per app), each standing in front of its app's page:
    # marking one must not mark the method every instance shares.
    class Router:
        def route(self, error: Exception) -> str:
            return "routed"

    def first_page(error: Exception) -> str:
        return "first"

    def second_page(error: Exception) -> str:
        return "second"

    first = stands_in_for(Router().route, first_page)
    second = stands_in_for(Router().route, second_page)

    assert app_error_handler(first) is first_page
    assert app_error_handler(second) is second_page
    plain = Router().route
    assert app_error_handler(plain) == plain
    assert first(ValueError()) == "routed"


def test_a_code_handler_takes_precedence_over_a_class_handler(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> tuple[str, int]:
        return "generic", error.code or 500

    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return "specific", 404

    assert client.get("/missing").text == "specific"


def test_blueprint_error_handler_applies_only_to_its_requests(
    app: Hipflask, client: HipflaskClient
) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.errorhandler(ValueError)
    def shop_value_error(error: ValueError) -> tuple[str, int]:
        return "shop handled", 400

    @app.errorhandler(ValueError)
    def app_value_error(error: ValueError) -> tuple[str, int]:
        return "app handled", 400

    @bp.route("/")
    def shop() -> str:
        raise ValueError

    @app.route("/")
    def index() -> str:
        raise ValueError

    app.register_blueprint(bp)
    assert client.get("/shop/").text == "shop handled"
    assert client.get("/").text == "app handled"


def test_blueprint_falls_back_to_the_app_handler(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("shop", __name__)

    @app.errorhandler(LookupError)
    def app_handler(error: LookupError) -> tuple[str, int]:
        return "app fallback", 404

    @bp.route("/shop")
    def shop() -> str:
        raise KeyError

    app.register_blueprint(bp)
    assert client.get("/shop").text == "app fallback"


def test_blueprint_404_handler_does_not_see_unrouted_urls(
    app: Hipflask, client: HipflaskClient
) -> None:
    # A URL that matched nothing belongs to no blueprint, as in Flask.
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.errorhandler(404)
    def shop_404(error: NotFound) -> tuple[str, int]:
        return "shop 404", 404

    @bp.route("/item")
    def item() -> str:
        abort(404)

    app.register_blueprint(bp)
    assert client.get("/shop/item").text == "shop 404"
    assert client.get("/shop/unknown").text != "shop 404"


def test_blueprint_app_errorhandler_is_app_wide(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("errors", __name__)

    @bp.app_errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return "app-wide 404", 404

    app.register_blueprint(bp)
    assert client.get("/nothing-here").text == "app-wide 404"


def test_500_handler_receives_internal_server_error_with_the_original(
    app: Hipflask, client: HipflaskClient
) -> None:
    _production(app)
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        received.append(error)
        return "sorry", 500

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError("bad maths")

    response = client.get("/")
    assert (response.status_code, response.text) == (500, "sorry")
    assert isinstance(received[0], InternalServerError)
    assert isinstance(received[0].original_exception, ZeroDivisionError)


def test_500_handler_also_handles_an_explicit_abort_500(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"original={error.original_exception}", 500

    @app.route("/")
    def index() -> str:
        abort(500)

    assert client.get("/").text == "original=None"


def test_unhandled_exception_is_a_500_without_a_traceback(
    app: Hipflask, client: HipflaskClient
) -> None:
    _production(app)

    @app.route("/")
    def index() -> str:
        raise RuntimeError("database password is hunter2")

    response = client.get("/")
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


def test_unhandled_exception_is_logged(
    app: Hipflask, client: HipflaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    _production(app)

    @app.route("/")
    def index() -> str:
        raise RuntimeError("logged, not shown")

    client.get("/")
    records = [r for r in caplog.records if r.name == app.name]
    assert records
    assert "Exception on / [GET]" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is RuntimeError


def test_exceptions_propagate_when_testing(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        raise LookupError("visible to the test")

    with pytest.raises(LookupError, match="visible to the test"):
        client.get("/")


@pytest.mark.parametrize("setting", [True, False])
def test_propagate_exceptions_setting_overrides_testing(
    app: Hipflask, protocol: str, setting: bool
) -> None:
    app.config.update(TESTING=not setting, PROPAGATE_EXCEPTIONS=setting)

    @app.route("/")
    def index() -> str:
        raise LookupError("boom")

    client = app.test_client(protocol=protocol)
    if setting:
        with pytest.raises(LookupError):
            client.get("/")
    else:
        assert client.get("/").status_code == 500


def test_a_failing_error_handler_becomes_a_500(app: Hipflask, client: HipflaskClient) -> None:
    _production(app)

    @app.errorhandler(404)
    def broken(error: NotFound) -> str:
        raise RuntimeError("handler bug")

    assert client.get("/missing").status_code == 500


def test_error_handler_may_return_an_http_exception(app: Hipflask, client: HipflaskClient) -> None:
    @app.errorhandler(KeyError)
    def key_error(error: KeyError) -> BadRequest:
        return BadRequest("a key was missing")

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    response = client.get("/")
    assert response.status_code == 400
    assert "a key was missing" in response.text


def test_routing_errors_are_not_passed_to_handlers_as_redirects(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> tuple[str, int]:
        return "handled", error.code or 500

    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    response = client.get("/folder")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/folder/")


def test_trap_http_exceptions_propagates_http_errors(app: Hipflask, client: HipflaskClient) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        abort(403)

    with pytest.raises(Forbidden):
        client.get("/")


def test_trap_bad_request_errors_propagates_400s_only(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True

    @app.route("/bad")
    def bad() -> str:
        return request.args["missing"]

    @app.route("/gone")
    def gone() -> str:
        abort(410)

    with pytest.raises(BadRequest):
        client.get("/bad")
    assert client.get("/gone").status_code == 410


def test_missing_form_key_is_a_400_not_a_500(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.form["name"]

    assert client.post("/", data={"other": "x"}).status_code == 400


# -- async hooks and handlers ---------------------------------------------------


def test_async_hooks_and_handlers_run_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    calls: list[str] = []

    @app.before_request
    async def before() -> None:
        calls.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-Async"] = "1"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.errorhandler(ValueError)
    async def handle_value_error(error: ValueError) -> tuple[str, int]:
        calls.append("handler")
        return "async handled", 400

    @app.route("/")
    async def index() -> str:
        calls.append("view")
        raise ValueError

    response = client.get("/")
    assert (response.status_code, response.text) == (400, "async handled")
    assert response.headers["X-Async"] == "1"
    assert calls == ["before", "view", "handler", "after", "teardown"]


def test_async_before_request_can_short_circuit(app: Hipflask, client: HipflaskClient) -> None:
    @app.before_request
    async def gate() -> str:
        return "from the hook"

    @app.route("/")
    def index() -> str:
        return "from the view"

    assert client.get("/").text == "from the hook"


# -- the pipeline as Flask's public methods ---------------------------------------


def test_public_pipeline_methods_work_in_a_test_request_context(app: Hipflask) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        return f"hi {name}"

    with app.test_request_context("/hello/ann"):
        assert app.preprocess_request() is None
        assert app.dispatch_request() == "hi ann"
        response = app.make_response("body")
        assert app.process_response(response).headers["X-After"] == "1"
        finished = app.finalize_request("done")
        assert finished.get_data() == b"done"
        assert app.full_dispatch_request().get_data() == b"hi ann"
    assert calls == ["before", "before"]


def test_public_error_methods_in_a_request_context(app: Hipflask) -> None:
    _production(app)

    @app.errorhandler(KeyError)
    def key_error(error: KeyError) -> str:
        return "handled key"

    with app.test_request_context("/"):
        assert app.handle_user_exception(KeyError()) == "handled key"
        with pytest.raises(ZeroDivisionError):
            app.handle_user_exception(ZeroDivisionError())
        not_found = NotFound()
        assert app.handle_http_exception(not_found) is not_found
        response = app.handle_exception(ZeroDivisionError())
        assert response.status_code == 500


def test_do_teardown_request_runs_teardown_functions(app: Hipflask) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    error = ValueError()
    with app.test_request_context("/"):
        app.do_teardown_request(error)
    assert seen[0] is error


def test_hooks_registered_after_a_test_request_context_still_run(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return "view"

    with app.test_request_context("/"):
        app.preprocess_request()

    @app.before_request
    def gate() -> str:
        return "hook"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        g.pop("unused", None)

    assert client.get("/").text == "hook"


def test_async_http_and_500_handlers(app: Hipflask, client: HipflaskClient) -> None:
    _production(app)

    @app.errorhandler(404)
    async def not_found(error: NotFound) -> tuple[str, int]:
        return "async 404", 404

    @app.errorhandler(500)
    async def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"async 500 for {type(error.original_exception).__name__}", 500

    @app.route("/boom")
    def boom() -> str:
        raise OSError

    assert client.get("/missing").text == "async 404"
    assert client.get("/boom").text == "async 500 for OSError"


def test_failing_after_request_still_sends_the_error_response(
    app: Hipflask, client: HipflaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    _production(app)

    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("after_request bug")

    @app.route("/")
    def index() -> str:
        return "never sent"

    response = client.get("/")
    assert response.status_code == 500
    assert "never sent" not in response.text
    assert any("while handling an error" in r.getMessage() for r in caplog.records)
