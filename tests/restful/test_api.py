"""Api: registration, URL building, content negotiation and JSON errors, under both protocols."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from pydantic import BaseModel
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import Unauthorized

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful.api import EndpointInUseError


class Conflict(Exception):
    pass


class Todo(Resource):
    def get(self, todo_id: int) -> Any:
        if todo_id > 10:
            abort(404, message=f"Todo {todo_id} doesn't exist")
        return {"id": todo_id}

    def delete(self, todo_id: int) -> Any:
        return "", 204

    def put(self, todo_id: int) -> Any:
        raise Conflict()

    def patch(self, todo_id: int) -> Any:
        raise RuntimeError("boom")


class Greeting(Resource):
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def get(self) -> Any:
        return {"greeting": self.greeting}, 200, {"X-Greeting": "yes"}


class NewItem(BaseModel):
    name: str


class Items(Resource):
    def post(self, item: NewItem) -> NewItem:
        return item, 201  # type: ignore[return-value]


@pytest.fixture
def api(app: Hipflask) -> Api:
    api = Api(app, prefix="/v1", errors={"Conflict": {"message": "Already changed", "status": 409}})
    api.add_resource(Todo, "/todos/<int:todo_id>")
    api.add_resource(Greeting, "/hello", resource_class_kwargs={"greeting": "hi"})
    api.add_resource(Items, "/items")

    @app.route("/html")
    def html() -> str:
        abort(404)

    return api


def test_resource_returns_json(api: Api, client: Any) -> None:
    response = client.get("/v1/todos/3")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"id": 3}


def test_status_and_headers_from_a_tuple(api: Api, client: Any) -> None:
    response = client.get("/v1/hello")
    assert response.get_json() == {"greeting": "hi"}
    assert response.headers["X-Greeting"] == "yes"
    assert client.delete("/v1/todos/1").status_code == 204


def test_abort_message_is_the_json_body(api: Api, client: Any) -> None:
    response = client.get("/v1/todos/11")
    assert response.status_code == 404
    assert response.get_json() == {"message": "Todo 11 doesn't exist"}


def test_errors_mapping_sets_body_and_status(api: Api, client: Any) -> None:
    response = client.put("/v1/todos/1")
    assert response.status_code == 409
    assert response.get_json() == {"message": "Already changed", "status": 409}


def test_unexpected_error_is_a_json_500_when_not_propagating(
    api: Api, app: Hipflask, client: Any
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.patch("/v1/todos/1")
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}


def test_unexpected_error_propagates_in_tests(api: Api, client: Any) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        client.patch("/v1/todos/1")


def test_method_not_allowed_on_an_api_url_is_json(api: Api, client: Any) -> None:
    response = client.post("/v1/todos/1")
    assert response.status_code == 405
    assert "message" in response.get_json()


def test_other_views_keep_html_errors(api: Api, client: Any) -> None:
    response = client.get("/html")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert client.get("/nowhere").mimetype == "text/html"


def test_catch_all_404s_answers_json_everywhere(app: Hipflask, client: Any) -> None:
    Api(app, catch_all_404s=True)
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("The requested URL was not found")


def test_user_handler_for_other_errors_still_runs(app: Hipflask, client: Any) -> None:
    @app.errorhandler(Exception)
    def handle(e: Exception) -> tuple[str, int]:
        return "handled by the app", 418

    @app.route("/fails")
    def fails() -> str:
        raise ValueError("x")

    Api(app)
    assert client.get("/fails").status_code == 418


def test_typed_resource_method_goes_through_representations(api: Api, client: Any) -> None:
    response = client.post("/v1/items", json={"name": "pen"})
    assert response.status_code == 201
    assert response.get_json() == {"name": "pen"}
    bad = client.post("/v1/items", json={})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["loc"] == ["body", "name"]


def test_mediatypes_method_gives_the_accept_header_then_the_default(
    app: Hipflask, client: Any
) -> None:
    api = Api(app)

    class Types(Resource):
        def get(self) -> Any:
            return {"resource": self.mediatypes(), "api": api.mediatypes_method()(self)}

    api.add_resource(Types, "/types")
    accept = "text/html;q=0.5, application/xml, */*;q=0.1"
    expected = ["application/xml", "text/html", "*/*", "application/json"]
    assert client.get("/types", headers={"Accept": accept}).get_json() == {
        "resource": expected,
        "api": expected,
    }
    assert client.get("/types").get_json()["resource"] == ["application/json"]


def test_url_for_a_resource(api: Api, app: Hipflask) -> None:
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=5) == "/v1/todos/5"


def test_resource_decorator_registers(app: Hipflask, client: Any) -> None:
    api = Api(app)

    @api.resource("/ping", endpoint="ping")
    class Ping(Resource):
        def get(self) -> Any:
            return {"pong": True}

    assert client.get("/ping").get_json() == {"pong": True}


def test_same_endpoint_for_two_resources_is_refused(app: Hipflask) -> None:
    api = Api(app)
    api.add_resource(Todo, "/a/<int:todo_id>", endpoint="thing")
    with pytest.raises(EndpointInUseError, match="thing"):
        api.add_resource(Greeting, "/b", endpoint="thing")


def test_init_app_registers_resources_added_before(app: Hipflask, client: Any) -> None:
    api = Api()
    api.add_resource(Todo, "/late/<int:todo_id>")
    api.init_app(app)
    assert client.get("/late/2").get_json() == {"id": 2}


def test_api_on_a_blueprint(app: Hipflask, client: Any) -> None:
    bp = Blueprint("v2", __name__, url_prefix="/v2")
    api = Api(bp)
    api.add_resource(Todo, "/todos/<int:todo_id>")
    app.register_blueprint(bp)
    assert client.get("/v2/todos/1").get_json() == {"id": 1}
    assert client.get("/v2/todos/99").get_json() == {"message": "Todo 99 doesn't exist"}
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=4) == "/v2/todos/4"


def test_api_decorators_wrap_every_resource(app: Hipflask, client: Any) -> None:
    def tag(view: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            response = view(*args, **kwargs)
            response.headers["X-Decorated"] = "1"
            return response

        return wrapper

    api = Api(app, decorators=[tag])
    api.add_resource(Greeting, "/g", resource_class_args=("hey",))
    assert client.get("/g").headers["X-Decorated"] == "1"


def test_serve_challenge_on_401(app: Hipflask, client: Any) -> None:
    class Secret(Resource):
        def get(self) -> Any:
            abort(401)

    api = Api(app, serve_challenge_on_401=True)
    api.add_resource(Secret, "/secret")
    response = client.get("/secret")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_404_help_suggests_routes_only_when_asked(app: Hipflask, client: Any) -> None:
    class Thing(Resource):
        def get(self, thing_id: str) -> Any:
            abort(404, message=f"Thing {thing_id} doesn't exist")

    Api(app).add_resource(Thing, "/things/<thing_id>")
    assert client.get("/things/thing2").get_json() == {"message": "Thing thing2 doesn't exist"}
    app.config["ERROR_404_HELP"] = True
    assert client.get("/things/thing2").get_json()["message"] == (
        "Thing thing2 doesn't exist. You have requested this URI [/things/thing2]"
        " but did you mean /things/<thing_id> ?"
    )


def test_404_help_is_off_in_debug_too(app: Hipflask, client: Any) -> None:
    # As in Flask-RESTful 0.3.10, which no longer suggests routes at all:
    # the message a resource aborts with is the message, in debug as well.
    class Thing(Resource):
        def get(self, thing_id: str) -> Any:
            abort(404, message=f"Thing {thing_id} doesn't exist")

    app.debug = True
    Api(app).add_resource(Thing, "/things/<thing_id>")
    assert client.get("/things/thing2").get_json() == {"message": "Thing thing2 doesn't exist"}


def test_unmatched_url_under_the_prefix_is_json(api: Api, client: Any) -> None:
    response = client.get("/v1/todos/not-a-number")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_errors_mapping_without_status_is_a_500(app: Hipflask, client: Any) -> None:
    class Broken(Resource):
        def get(self) -> Any:
            raise Conflict()

    Api(app, errors={"Conflict": {"message": "no status given"}}).add_resource(Broken, "/broken")
    response = client.get("/broken")
    assert response.status_code == 500
    assert response.get_json() == {"message": "no status given"}


def test_bad_value_under_a_resource_url_is_json_without_a_prefix(
    app: Hipflask, client: Any
) -> None:
    Api(app).add_resource(Todo, "/items/<int:todo_id>")
    response = client.get("/items/not-a-number")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert client.get("/elsewhere").mimetype == "text/html"


class _TokenMissing(Exception):
    """An extension's own error, answered by the handler the extension registers."""


@pytest.mark.parametrize("on_blueprint", [False, True])
def test_a_handler_for_the_errors_own_class_answers_before_the_apis(
    app: Hipflask, protocol: str, on_blueprint: bool
) -> None:
    @app.errorhandler(_TokenMissing)
    def missing(e: Exception) -> Any:
        return {"msg": "Missing Authorization Header"}, 401

    target: Any = Blueprint("v1", __name__, url_prefix="/v1") if on_blueprint else app
    api = Api(target)

    class Secret(Resource):
        def get(self) -> Any:
            raise _TokenMissing

    api.add_resource(Secret, "/secret")
    if on_blueprint:
        app.register_blueprint(target)
    client = app.test_client(protocol=protocol)
    response = client.get("/v1/secret" if on_blueprint else "/secret")
    assert response.status_code == 401
    assert response.get_json() == {"msg": "Missing Authorization Header"}


# -- an Api on a blueprint: routing errors ------------------------------------------


class Item(Resource):
    def get(self, id: int) -> Any:
        return {"id": id}


def _blueprint_api(
    app: Hipflask, api_class: type[Api] = Api, url_prefix: str | None = "/api", **kwargs: Any
) -> Api:
    bp = Blueprint("api", __name__, url_prefix=url_prefix)
    api = api_class(bp, **kwargs)
    api.add_resource(Item, "/items/<int:id>")
    app.register_blueprint(bp)

    @app.route("/page")
    def page() -> str:
        return "a page"

    return api


def test_blueprint_api_answers_a_missing_method_with_json(app: Hipflask, client: Any) -> None:
    _blueprint_api(app)

    response = client.post("/api/items/1")

    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["message"].startswith("The method is not allowed")
    assert "GET" in response.headers["Allow"]


def test_blueprint_api_answers_unmatched_urls_under_its_prefix_with_json(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app)

    for path in ("/api/items/not-a-number", "/api/nothing"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/json"


def test_blueprint_api_leaves_routing_errors_outside_its_prefix_alone(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app)

    missing = client.get("/nothing")
    wrong_method = client.post("/page")

    assert (missing.status_code, missing.mimetype) == (404, "text/html")
    assert (wrong_method.status_code, wrong_method.mimetype) == (405, "text/html")


def test_blueprint_api_subclass_handle_error_answers_routing_errors(
    app: Hipflask, client: Any
) -> None:
    class MyApi(Api):
        def handle_error(self, e: Exception) -> Any:
            code = getattr(e, "code", 500)
            return {"custom": code}, code

    _blueprint_api(app, MyApi)

    assert client.post("/api/items/1").get_json() == {"custom": 405}
    assert client.get("/api/items/x").get_json() == {"custom": 404}
    assert client.get("/nothing").mimetype == "text/html"


def test_blueprint_catch_all_404s_stays_under_the_blueprint_prefix(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app, catch_all_404s=True)

    assert client.get("/api/nothing").mimetype == "application/json"
    assert client.get("/nothing").mimetype == "text/html"
    assert client.post("/page").mimetype == "text/html"


def test_blueprint_catch_all_404s_without_a_prefix_catches_every_url(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app, url_prefix=None, catch_all_404s=True)

    response = client.get("/nothing")

    assert (response.status_code, response.mimetype) == (404, "application/json")
    # catch_all_404s is for URLs that match nothing: a plain view's 405 is its own.
    assert client.post("/page").mimetype == "text/html"


def test_blueprint_without_prefix_and_catch_all_off_keeps_html_404s(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app, url_prefix=None)

    assert client.post("/items/1").mimetype == "application/json"
    assert client.get("/items/x").mimetype == "application/json"
    assert client.get("/nothing").mimetype == "text/html"


def test_api_prefix_inside_a_blueprint_prefix(app: Hipflask, client: Any) -> None:
    _blueprint_api(app, prefix="/v1")

    assert client.get("/api/v1/items/3").get_json() == {"id": 3}
    assert client.get("/api/v1/nothing").mimetype == "application/json"
    assert client.get("/api/other").mimetype == "text/html"


def test_blueprint_registered_twice_answers_json_under_both_prefixes(
    app: Hipflask, client: Any
) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")
    Api(bp).add_resource(Item, "/items/<int:id>")
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="legacy", url_prefix="/old")

    for path in ("/api/items/1", "/old/items/1"):
        assert client.post(path).mimetype == "application/json"
    assert client.get("/old/items/x").mimetype == "application/json"


def test_nested_blueprint_api_answers_json_under_the_joined_prefix(
    app: Hipflask, client: Any
) -> None:
    outer = Blueprint("outer", __name__, url_prefix="/outer")
    inner = Blueprint("inner", __name__, url_prefix="/api")
    Api(inner).add_resource(Item, "/items/<int:id>")
    outer.register_blueprint(inner)
    app.register_blueprint(outer)

    assert client.get("/outer/api/items/2").get_json() == {"id": 2}
    assert client.post("/outer/api/items/2").mimetype == "application/json"
    assert client.get("/outer/nothing").mimetype == "text/html"


def test_one_blueprint_api_on_two_apps(protocol: str) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")
    Api(bp).add_resource(Item, "/items/<int:id>")
    first = Hipflask("first")
    first.register_blueprint(bp)
    second = Hipflask("second")
    second.register_blueprint(bp, url_prefix="/v2")

    first_client: Any = first.test_client(protocol=protocol)
    second_client: Any = second.test_client(protocol=protocol)

    assert first_client.post("/api/items/1").mimetype == "application/json"
    assert first_client.get("/v2/items/x").mimetype == "text/html"
    assert second_client.get("/v2/items/x").mimetype == "application/json"
    assert second_client.get("/api/items/x").mimetype == "text/html"


def test_app_handler_registered_before_the_blueprint_still_answers_other_errors(
    app: Hipflask, client: Any
) -> None:
    @app.errorhandler(HTTPException)
    def plain(e: HTTPException) -> tuple[str, int]:
        return f"app says {e.code}", e.code or 500

    _blueprint_api(app)

    assert client.get("/nothing").data == b"app says 404"
    assert client.post("/api/items/1").mimetype == "application/json"


def test_blueprint_api_errors_outside_routing_keep_their_handlers(
    app: Hipflask, client: Any
) -> None:
    _blueprint_api(app)

    @app.route("/teapot")
    def teapot() -> str:
        abort(418)
        return "unreachable"

    assert client.get("/api/items/1").get_json() == {"id": 1}
    response = client.get("/teapot")
    assert (response.status_code, response.mimetype) == (418, "text/html")


class FieldInvalid(Exception):
    """An app's own error carrying its body as ``data``, as Flask-RESTful apps raise them."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.data = {"message": "Invalid field", "field": field}


class ListOfErrors(BadRequest):
    data = ["name is required", "age must be > 0"]  # noqa: RUF012 - Flask-RESTful's style


class Validates(Resource):
    def get(self) -> Any:
        raise FieldInvalid("email")

    def post(self) -> Any:
        raise ListOfErrors()

    def put(self) -> Any:
        raise Unauthorized(
            response=Response("login first", 401, {"WWW-Authenticate": 'Bearer realm="x"'})
        )

    def patch(self) -> Any:
        raise BadRequest(response=Response('{"custom": true}', 400, mimetype="application/json"))


def test_error_data_of_any_exception_is_the_body(app: Hipflask, client: Any) -> None:
    api = Api(app, errors={"FieldInvalid": {"status": 422}, "ListOfErrors": {"status": 409}})
    api.add_resource(Validates, "/validates")
    # The exception's own data, merged with its errors= entry.
    response = client.get("/validates")
    assert response.status_code == 422
    assert response.get_json() == {"message": "Invalid field", "field": "email", "status": 422}
    # Data that is not an object is the body as it is, with the entry's status.
    response = client.post("/validates")
    assert response.status_code == 409
    assert response.get_json() == ["name is required", "age must be > 0"]
    assert ListOfErrors.data == ["name is required", "age must be > 0"]


def test_an_unexpected_errors_own_data_is_not_sent(app: Hipflask, client: Any) -> None:
    # Not listed in errors=: whatever its data holds stays on the server.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    class Internal(Exception):
        data = {"dsn": "postgresql://admin:secret@db/prod"}  # noqa: RUF012

    class Raises(Resource):
        def get(self) -> Any:
            raise Internal()

    Api(app).add_resource(Raises, "/internal")
    response = client.get("/internal")
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}


def test_list_data_of_an_http_error_is_the_body(app: Hipflask, client: Any) -> None:
    Api(app).add_resource(Validates, "/validates")
    response = client.post("/validates")
    assert response.status_code == 400
    assert response.get_json() == ["name is required", "age must be > 0"]


def test_merging_the_errors_entry_leaves_shared_data_unchanged(app: Hipflask, client: Any) -> None:
    class SharedData(Exception):
        data = {"message": "shared"}  # noqa: RUF012

    class Raises(Resource):
        def get(self) -> Any:
            raise SharedData()

    Api(app, errors={"SharedData": {"status": 418, "extra": 1}}).add_resource(Raises, "/shared")
    assert client.get("/shared").get_json() == {"message": "shared", "status": 418, "extra": 1}
    assert SharedData.data == {"message": "shared"}


def test_http_error_with_its_own_response_is_answered_unchanged(app: Hipflask, client: Any) -> None:
    Api(app, serve_challenge_on_401=True).add_resource(Validates, "/validates")
    response = client.put("/validates")
    assert response.status_code == 401
    assert response.get_data(as_text=True) == "login first"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="x"'
    response = client.patch("/validates")
    assert response.status_code == 400
    assert response.get_json() == {"custom": True}


def test_abort_payload_still_goes_through_the_api_representations(api: Api, client: Any) -> None:
    # abort() attaches a JSON response for plain views; in an Api the payload
    # is still answered by the API (its representations, its errors entry).
    @api.representation("text/csv")
    def csv(data: Any, code: int, headers: Any = None) -> Any:
        return Response(f"csv:{data['message']}", code, headers)

    response = client.get("/v1/todos/11", headers={"Accept": "text/csv"})
    assert response.status_code == 404
    assert response.get_data(as_text=True) == "csv:Todo 11 doesn't exist"


def test_catch_all_404s_leaves_a_plain_view_s_405_to_the_app(app: Hipflask, client: Any) -> None:
    @app.route("/page")
    def page() -> str:
        return "page"

    Api(app, catch_all_404s=True)
    response = client.post("/page")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert client.get("/nowhere").mimetype == "application/json"


class UserAlreadyExistsError(HTTPException):
    """A custom error as Flask-RESTful documents them: no status code of its own."""


class Registration(Resource):
    def post(self) -> Any:
        raise UserAlreadyExistsError()

    async def put(self) -> Any:
        raise UserAlreadyExistsError()


def test_errors_entry_gives_a_codeless_http_error_its_status_and_body(
    app: Hipflask, client: Any
) -> None:
    errors = {"UserAlreadyExistsError": {"message": "That name is taken.", "status": 409}}
    Api(app, errors=errors).add_resource(Registration, "/users")
    for method in (client.post, client.put):
        response = method("/users")
        assert response.status_code == 409
        assert response.mimetype == "application/json"
        assert response.get_json() == {"message": "That name is taken.", "status": 409}


def test_errors_entry_answers_a_codeless_error_raised_by_an_api_decorator(
    app: Hipflask, client: Any
) -> None:
    def members_only(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            raise UserAlreadyExistsError()

        return wrapper

    errors = {"UserAlreadyExistsError": {"message": "That name is taken.", "status": 409}}
    Api(app, errors=errors, decorators=[members_only]).add_resource(Registration, "/users")
    response = client.post("/users")
    assert response.status_code == 409
    assert response.get_json() == {"message": "That name is taken.", "status": 409}


def test_a_codeless_error_without_an_errors_entry_is_answered_as_before(
    app: Hipflask, client: Any
) -> None:
    Api(app).add_resource(Registration, "/users")
    assert client.post("/users").status_code == 200


def test_resource_added_after_the_blueprint_is_registered_is_served(
    app: Hipflask, client: Any
) -> None:
    bp = Blueprint("v3", __name__, url_prefix="/v3")
    api = Api(bp)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="legacy", url_prefix="/old")
    api.add_resource(Todo, "/todos/<int:todo_id>")
    assert client.get("/v3/todos/1").get_json() == {"id": 1}
    assert client.get("/old/todos/2").get_json() == {"id": 2}
    assert client.get("/v3/todos/99").get_json() == {"message": "Todo 99 doesn't exist"}
    with app.test_request_context():
        assert api.url_for(Todo, todo_id=4) == "/v3/todos/4"


def test_api_on_a_registered_blueprint_with_init_app_later(app: Hipflask, client: Any) -> None:
    bp = Blueprint("v4", __name__)
    api = Api()
    api.init_app(bp)
    app.register_blueprint(bp)
    api.add_resource(Greeting, "/greet", resource_class_kwargs={"greeting": "hey"})
    assert client.get("/greet").status_code == 200


def test_owns_endpoint_answers_outside_an_app_context_too(app: Hipflask) -> None:
    class Item(Resource):
        def get(self) -> dict[str, str]:
            return {}

    bp = Blueprint("bp", __name__)
    api = Api(app)
    bp_api = Api(bp)
    api.add_resource(Item, "/r")
    bp_api.add_resource(Item, "/s", endpoint="s")
    app.register_blueprint(bp)
    expected = [True, False, True, False]
    asked = ["item", "other", "bp.s", "s"]
    owners = [api, api, bp_api, bp_api]
    # A script or a test's set-up asks with no app context: no RuntimeError.
    assert [
        owner.owns_endpoint(name) for owner, name in zip(owners, asked, strict=True)
    ] == expected
    with app.app_context():
        assert [
            owner.owns_endpoint(name) for owner, name in zip(owners, asked, strict=True)
        ] == expected


def varies_on(response: Any) -> set[str]:
    return {name.strip().lower() for name in response.headers.get("Vary", "").split(",") if name}


def test_an_answer_chosen_among_representations_varies_on_accept(api: Api, client: Any) -> None:
    # The body's format follows Accept: a shared cache must keep the CSV a
    # script asked for from the JSON another client asked for, and the errors too.
    @api.representation("text/csv")
    def csv(data: Any, code: int, headers: Any = None) -> Any:
        return Response(f"csv:{data}", code, headers)

    for accept in ("text/csv", "application/json"):
        assert "accept" in varies_on(client.get("/v1/todos/1", headers={"Accept": accept}))
        missing = client.get("/v1/todos/11", headers={"Accept": accept})
        assert missing.status_code == 404
        assert "accept" in varies_on(missing)


def test_an_api_with_one_representation_does_not_vary(api: Api, client: Any) -> None:
    # JSON whatever the client accepts (the default representation is the
    # fallback): nothing for a cache to tell apart.
    assert "accept" not in varies_on(client.get("/v1/todos/1", headers={"Accept": "text/html"}))


def test_a_resource_with_its_own_representations_varies_on_accept(
    app: Hipflask, client: Any
) -> None:
    class Word(Resource):
        representations = {"text/plain": lambda data, code, headers: Response(str(data), code)}  # noqa: RUF012

        def get(self) -> Any:
            return {"word": "plain"}

    Api(app).add_resource(Word, "/word")
    as_text = client.get("/word", headers={"Accept": "text/plain"})
    as_json = client.get("/word", headers={"Accept": "application/json"})
    assert as_text.mimetype == "text/plain"
    assert as_json.mimetype == "application/json"
    assert "accept" in varies_on(as_text)
    assert "accept" in varies_on(as_json)


def test_a_response_a_resource_builds_itself_does_not_vary_on_accept(
    app: Hipflask, client: Any
) -> None:
    # A redirect or a file the method returns as a response is the same
    # whatever the client accepts: no Vary to split a cache's entries.
    class Moved(Resource):
        representations = {"text/plain": lambda data, code, headers: Response(str(data), code)}  # noqa: RUF012

        def get(self) -> Any:
            return Response("moved", 301, {"Location": "/elsewhere"})

    Api(app).add_resource(Moved, "/moved")
    response = client.get("/moved", headers={"Accept": "application/json"})
    assert response.status_code == 301
    assert "accept" not in varies_on(response)


def test_representations_given_to_a_resource_after_it_was_added_still_vary(
    app: Hipflask, client: Any
) -> None:
    class Late(Resource):
        def get(self) -> Any:
            return {"word": "late"}

    Api(app).add_resource(Late, "/late")
    Late.representations = {"text/csv": lambda data, code, headers: Response("x", code)}
    answer = client.get("/late", headers={"Accept": "application/json"})
    assert answer.mimetype == "application/json"
    assert "accept" in varies_on(answer)
