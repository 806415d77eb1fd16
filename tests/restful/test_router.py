"""The error router: an API answers its errors before the app's handlers, as in Flask-RESTful."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import abort as flask_abort
from hipflask import request
from hipflask.principal import Permission
from hipflask.principal import Principal
from hipflask.principal import RoleNeed
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort


class Post(Resource):
    def get(self, post_id: int) -> Any:
        if post_id == 9:
            abort(404, message="Post 9 doesn't exist")
        if post_id == 8:
            flask_abort(404)
        if post_id == 7:
            raise NotFound("No post 7 here.")
        if post_id == 6:
            raise RuntimeError("internal detail")
        return {"id": post_id}


def _html_page(e: Exception) -> tuple[str, int]:
    return "<h1>Page not found</h1>", 404


def _api(app: Hipflask, on_blueprint: bool, **kwargs: Any) -> Api:
    """Posts under ``/api``: an Api on the app with that prefix, or on a blueprint mounted there."""
    if on_blueprint:
        bp = Blueprint("api", __name__)
        api = Api(bp, **kwargs)
        api.add_resource(Post, "/posts/<int:post_id>")
        app.register_blueprint(bp, url_prefix="/api")
    else:
        api = Api(app, prefix="/api", **kwargs)
        api.add_resource(Post, "/posts/<int:post_id>")

    @app.route("/page")
    def page() -> str:
        return "a page"

    return api


on_app_or_blueprint = pytest.mark.parametrize("on_blueprint", [False, True], ids=["app", "bp"])


@on_app_or_blueprint
def test_abort_message_is_answered_despite_an_app_404_page(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    app.register_error_handler(404, _html_page)
    _api(app, on_blueprint)

    response = client.get("/api/posts/9")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"message": "Post 9 doesn't exist"}


@on_app_or_blueprint
def test_http_errors_of_a_resource_are_json_despite_an_app_404_page(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    _api(app, on_blueprint)
    # Registered after the API: the order does not matter.
    app.register_error_handler(404, _html_page)

    flask_aborted = client.get("/api/posts/8")
    raised = client.get("/api/posts/7")

    assert flask_aborted.status_code == 404
    assert flask_aborted.get_json()["message"].startswith("The requested URL was not found")
    assert (raised.status_code, raised.get_json()) == (404, {"message": "No post 7 here."})
    # Pages that are not the API's still get the app's page.
    assert client.get("/nowhere").get_data(as_text=True) == "<h1>Page not found</h1>"


def test_a_blueprint_404_handler_does_not_answer_the_api_s_errors(
    app: Hipflask, client: Any
) -> None:
    bp = Blueprint("api", __name__)
    bp.register_error_handler(404, _html_page)
    Api(bp).add_resource(Post, "/posts/<int:post_id>")
    app.register_blueprint(bp, url_prefix="/api")

    response = client.get("/api/posts/9")

    assert response.get_json() == {"message": "Post 9 doesn't exist"}


@on_app_or_blueprint
def test_a_resource_s_405_is_json_despite_an_app_405_page(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    app.register_error_handler(405, lambda e: ("<h1>Not allowed</h1>", 405))
    _api(app, on_blueprint)

    response = client.delete("/api/posts/1")
    plain = client.post("/page")

    assert response.status_code == 405
    assert response.get_json()["message"].startswith("The method is not allowed")
    assert "GET" in response.headers["Allow"]
    assert plain.get_data(as_text=True) == "<h1>Not allowed</h1>"


@on_app_or_blueprint
def test_unmatched_urls_under_the_api_get_the_app_s_404_handler(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    # As in Flask-RESTful without catch_all_404s: a URL that matches nothing is
    # the app's to answer when it has a handler for it (often JSON of its own).
    app.register_error_handler(404, lambda e: ({"error": "no such thing"}, 404))
    _api(app, on_blueprint)

    for path in ("/api/posts/not-a-number", "/api/nothing", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json() == {"error": "no such thing"}
    # The API's own 404s (a resource's abort) stay the API's.
    assert client.get("/api/posts/9").get_json()["message"].startswith("Post 9")


@on_app_or_blueprint
def test_unmatched_urls_under_the_api_are_json_without_an_app_404_handler(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    _api(app, on_blueprint)

    for path in ("/api/posts/not-a-number", "/api/nothing"):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (404, "application/json")
        assert "message" in response.get_json()
    assert client.get("/nowhere").mimetype == "text/html"


def test_catch_all_404s_is_json_despite_an_app_404_page(app: Hipflask, client: Any) -> None:
    app.register_error_handler(404, _html_page)
    _api(app, on_blueprint=False, catch_all_404s=True)

    response = client.get("/nowhere")

    assert (response.status_code, response.mimetype) == (404, "application/json")


def test_a_hook_s_error_on_an_api_url_is_json_despite_an_app_handler(
    app: Hipflask, client: Any
) -> None:
    app.register_error_handler(401, lambda e: ("<h1>Please log in</h1>", 401))
    bp = Blueprint("api", __name__)

    @bp.before_request
    def require_token() -> None:
        if "Authorization" not in request.headers:
            flask_abort(401)

    Api(bp).add_resource(Post, "/posts/<int:post_id>")
    app.register_blueprint(bp, url_prefix="/api")

    response = client.get("/api/posts/1")

    assert (response.status_code, response.mimetype) == (401, "application/json")
    assert response.get_json()["message"].startswith("The server could not verify")


def test_a_hook_s_error_on_an_unrouted_api_url_is_json(app: Hipflask, client: Any) -> None:
    # No route matched, so the URL decides whose error it is, whatever the error.
    @app.before_request
    def require_token() -> None:
        if "Authorization" not in request.headers:
            flask_abort(401)

    _api(app, on_blueprint=False, catch_all_404s=True)

    for method, path in (("GET", "/nowhere"), ("DELETE", "/api/posts/1")):
        response = client.open(path, method=method)
        assert (response.status_code, response.mimetype) == (401, "application/json")
    # A plain view's URL stays the app's, as its 405 does.
    assert client.post("/page").mimetype == "text/html"


def test_an_app_exception_handler_still_gets_the_http_errors_of_other_urls(
    app: Hipflask, client: Any
) -> None:
    # Flask finds a handler for Exception for an HTTP error too (it is one).
    @app.errorhandler(Exception)
    def everything(e: Exception) -> tuple[str, int]:
        return f"app handled {type(e).__name__}", 500

    _api(app, on_blueprint=False)

    assert client.get("/nowhere").get_data(as_text=True) == "app handled NotFound"
    assert client.get("/api/posts/9").get_json() == {"message": "Post 9 doesn't exist"}


@on_app_or_blueprint
def test_an_unexpected_error_goes_on_to_the_app_handler_while_propagating(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    # In tests (and debug) the API does not answer an unexpected error; the
    # app's own handler for it does, as with Flask-RESTful.
    @app.errorhandler(Exception)
    def everything(e: Exception) -> tuple[str, int]:
        return f"app handled {type(e).__name__}", 500

    _api(app, on_blueprint)

    assert client.get("/api/posts/6").get_data(as_text=True) == "app handled RuntimeError"


@on_app_or_blueprint
def test_an_unexpected_error_is_the_api_s_500_despite_an_app_handler(
    app: Hipflask, client: Any, on_blueprint: bool
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _api(app, on_blueprint)
    app.register_error_handler(Exception, lambda e: ("<h1>Oops</h1>", 500))

    response = client.get("/api/posts/6")

    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}


def test_an_error_after_the_resource_is_the_api_s_500_logged_once(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _api(app, on_blueprint=False)

    @app.after_request
    def fails(response: Any) -> Any:
        if response.status_code == 200:
            raise RuntimeError("after the view")
        return response

    with caplog.at_level(logging.ERROR):
        response = client.get("/api/posts/1")

    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}
    # Logged by the app, not a second time by the API.
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def test_a_plain_view_s_500_keeps_the_app_s_error_page(app: Hipflask, client: Any) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _api(app, on_blueprint=False)

    @app.route("/fails")
    def fails() -> str:
        raise RuntimeError("x")

    response = client.get("/fails")

    assert (response.status_code, response.mimetype) == (500, "text/html")
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)


def test_two_apis_each_answer_their_own_urls(app: Hipflask, client: Any) -> None:
    app.register_error_handler(404, _html_page)
    Api(app, prefix="/v1").add_resource(Post, "/posts/<int:post_id>", endpoint="v1")
    bp = Blueprint("v2", __name__)
    Api(bp).add_resource(Post, "/posts/<int:post_id>", endpoint="v2")
    app.register_blueprint(bp, url_prefix="/v2")

    for prefix in ("/v1", "/v2"):
        assert client.get(f"{prefix}/posts/9").get_json() == {"message": "Post 9 doesn't exist"}
        # A URL that matches nothing is the app's: it has a 404 handler.
        assert client.get(f"{prefix}/posts/x").get_data(as_text=True) == "<h1>Page not found</h1>"
    assert client.get("/nowhere").get_data(as_text=True) == "<h1>Page not found</h1>"


def test_error_router_override_passes_errors_on_to_the_app(app: Hipflask, client: Any) -> None:
    class PageErrors(Api):
        def error_router(self, original_handler: Any, e: Exception) -> Any:
            if isinstance(e, NotFound) and request.args.get("page"):
                return original_handler(e)
            return super().error_router(original_handler, e)

    app.register_error_handler(404, _html_page)
    PageErrors(app).add_resource(Post, "/posts/<int:post_id>")

    assert client.get("/posts/9?page=1").get_data(as_text=True) == "<h1>Page not found</h1>"
    assert client.get("/posts/9").get_json() == {"message": "Post 9 doesn't exist"}


class ConflictError(HTTPException):
    """A custom error as Flask-RESTful documents them: no status code of its own."""


CONFLICT = {"ConflictError": {"message": "Already there.", "status": 409}}


@on_app_or_blueprint
@pytest.mark.parametrize("async_hook", [False, True], ids=["sync-hook", "async-hook"])
def test_a_hook_s_codeless_error_is_answered_by_the_errors_entry(
    app: Hipflask, client: Any, on_blueprint: bool, async_hook: bool
) -> None:
    # The app hands a codeless error back as the response without asking
    # the handlers; the API must see it all the same, as Flask-RESTful does.
    def refuse() -> None:
        if request.args.get("taken"):
            raise ConflictError()

    async def async_refuse() -> None:
        refuse()

    app.before_request(async_refuse if async_hook else refuse)
    _api(app, on_blueprint, errors=CONFLICT)

    response = client.get("/api/posts/1?taken=1")
    assert (response.status_code, response.mimetype) == (409, "application/json")
    assert response.get_json() == {"message": "Already there.", "status": 409}
    assert client.get("/api/posts/1").get_json() == {"id": 1}


def test_a_codeless_error_without_an_errors_entry_stays_the_apps(
    app: Hipflask, client: Any
) -> None:
    # As in Flask: the error itself is the answer, and the app's handler for
    # its class is not called; an API naming other classes changes nothing.
    app.register_error_handler(ConflictError, lambda e: ("app handler", 409))

    @app.before_request
    def refuse() -> None:
        raise ConflictError()

    _api(app, on_blueprint=False, errors={"OtherError": {"status": 400}})
    for path in ("/api/posts/1", "/page"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Unknown Error" in response.text


def test_a_codeless_error_of_a_plain_view_stays_the_apps(app: Hipflask, client: Any) -> None:
    @app.before_request
    def refuse() -> None:
        raise ConflictError()

    _api(app, on_blueprint=False, errors=CONFLICT)
    response = client.get("/page")
    assert response.status_code == 200
    assert "Unknown Error" in response.text


@pytest.mark.parametrize("setting", ["TRAP_HTTP_EXCEPTIONS", "TRAP_BAD_REQUEST_ERRORS"])
def test_a_plain_view_s_trapped_http_error_still_propagates(
    app: Hipflask, client: Any, setting: str
) -> None:
    # As without an API: a trapped HTTP error that no handler takes is
    # raised, for the debugger or the test to see; the API's own errors are
    # still answered as JSON, as Flask-RESTful answers them.
    app.config[setting] = True
    _api(app, on_blueprint=False)

    @app.post("/form")
    def form() -> str:
        return request.form["missing"]

    with pytest.raises(HTTPException):
        client.post("/form")
    response = client.get("/api/posts/9")
    assert (response.status_code, response.mimetype) == (404, "application/json")


ADMIN = Permission(RoleNeed("admin"))


class AdminOnly(Resource):
    @ADMIN.require()
    def get(self) -> Any:
        return {"secret": 1}


def _refusing_app(app: Hipflask, principal_first: bool) -> None:
    """A resource and a plain view refusing everyone; Principal and the Api in either order."""
    if principal_first:
        Principal(app)
    api = Api(app)
    if not principal_first:
        Principal(app)
    api.add_resource(AdminOnly, "/admin")

    @app.route("/admin-page")
    @ADMIN.require()
    def admin_page() -> str:
        return "secret"


principal_first_or_last = pytest.mark.parametrize(
    "principal_first", [True, False], ids=["principal-first", "api-first"]
)


@principal_first_or_last
def test_a_refusal_in_a_resource_is_the_apis_json_403(
    app: Hipflask, client: Any, principal_first: bool
) -> None:
    _refusing_app(app, principal_first)
    response = client.get("/admin")
    assert response.status_code == 403
    assert response.mimetype == "application/json"
    assert "permission" in response.get_json()["message"]


@principal_first_or_last
def test_a_refusal_in_a_plain_view_stays_the_apps_403_page(
    app: Hipflask, client: Any, principal_first: bool
) -> None:
    _refusing_app(app, principal_first)
    response = client.get("/admin-page")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


@principal_first_or_last
def test_a_refusal_goes_to_the_apps_catch_all_handler_behind_the_api(
    app: Hipflask, client: Any, principal_first: bool
) -> None:
    _refusing_app(app, principal_first)
    # Registered after both: Principal hands the refusal to it, once.
    app.register_error_handler(Exception, lambda e: (f"app caught {type(e).__name__}", 418))
    for path in ("/admin", "/admin-page"):
        response = client.get(path)
        assert response.status_code == 418
        assert response.text == "app caught PermissionDenied"


class AdminOnly403(Resource):
    @ADMIN.require(http_exception=403)
    def get(self) -> Any:
        return {"secret": 1}


def test_a_permission_aborting_with_403_in_a_resource_is_json(app: Hipflask, client: Any) -> None:
    # The description is the Permission itself: the reason phrase is sent,
    # not the permission's needs.
    Principal(app)
    Api(app).add_resource(AdminOnly403, "/admin")
    response = client.get("/admin")
    assert response.status_code == 403
    assert response.get_json() == {"message": "Forbidden"}
