"""Flask's override points: a subclass or an instance attribute takes effect on real requests."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import SECRET
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import render_template_string
from hipflask import request


def _make(cls: type[Hipflask] = Hipflask) -> Hipflask:
    app = cls("tests_app")
    app.config.update(SECRET_KEY=SECRET)

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/async")
    async def async_index() -> str:
        return "async index"

    @app.get("/fail")
    def fail() -> str:
        raise ValueError("broken")

    @app.get("/missing")
    def missing() -> str:
        raise NotFound()

    return app


def test_a_subclass_handle_user_exception_answers_instead_of_a_500(protocol: str) -> None:
    class Api(Hipflask):
        def handle_user_exception(self, e: Exception) -> Any:
            if isinstance(e, ValueError):
                return jsonify(message=str(e)), 400
            return super().handle_user_exception(e)

    app = _make(Api)
    client = app.test_client(protocol=protocol)
    response = client.get("/fail")
    assert response.status_code == 400
    assert response.get_json() == {"message": "broken"}
    assert client.get("/missing").status_code == 404
    assert client.get("/").data == b"index"


def test_an_instance_attribute_replacing_handle_user_exception_is_called(protocol: str) -> None:
    app = _make()
    original = app.handle_user_exception
    seen: list[str] = []

    def patched(e: Exception) -> Any:
        seen.append(type(e).__name__)
        if isinstance(e, ValueError):
            return {"message": "handled"}, 418
        return original(e)

    app.handle_user_exception = patched  # type: ignore[method-assign]
    client = app.test_client(protocol=protocol)
    assert client.get("/fail").status_code == 418
    assert client.get("/missing").status_code == 404
    assert seen == ["ValueError", "NotFound"]
    # An async view still works: the app now runs its requests the sync way.
    assert client.get("/async").data == b"async index"


def test_handle_http_exception_override(protocol: str) -> None:
    class App(Hipflask):
        def handle_http_exception(self, e: HTTPException) -> Any:
            return {"error": e.code}, e.code

    client = _make(App).test_client(protocol=protocol)
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.get_json() == {"error": 404}


def test_handle_exception_override(protocol: str) -> None:
    class App(Hipflask):
        def handle_exception(self, e: Exception) -> Any:
            return Response(f"custom 500: {type(e).__name__}", 500)

    client = _make(App).test_client(protocol=protocol)
    response = client.get("/fail")
    assert response.status_code == 500
    assert response.data == b"custom 500: ValueError"


@pytest.mark.parametrize("path", ["/", "/async"])
def test_dispatch_request_override(protocol: str, path: str) -> None:
    class App(Hipflask):
        def dispatch_request(self) -> Any:
            rv = super().dispatch_request()
            return f"wrapped({rv})"

    client = _make(App).test_client(protocol=protocol)
    body = "index" if path == "/" else "async index"
    assert client.get(path).text == f"wrapped({body})"


def test_full_dispatch_request_override(protocol: str) -> None:
    class App(Hipflask):
        def full_dispatch_request(self) -> Response:
            response = super().full_dispatch_request()
            response.headers["X-Full"] = "yes"
            return response

    response = _make(App).test_client(protocol=protocol).get("/")
    assert response.headers["X-Full"] == "yes"
    assert response.data == b"index"


def test_preprocess_request_override_can_short_circuit(protocol: str) -> None:
    class App(Hipflask):
        def preprocess_request(self) -> Any:
            if request.args.get("stop"):
                return "stopped"
            return super().preprocess_request()

    client = _make(App).test_client(protocol=protocol)
    assert client.get("/?stop=1").data == b"stopped"
    assert client.get("/").data == b"index"


def test_process_response_and_finalize_request_overrides(protocol: str) -> None:
    class App(Hipflask):
        def process_response(self, response: Response) -> Response:
            response = super().process_response(response)
            response.headers["X-Processed"] = "1"
            return response

        def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Response:
            response = super().finalize_request(rv, from_error_handler)
            response.headers["X-Finalized"] = "1"
            return response

    response = _make(App).test_client(protocol=protocol).get("/")
    assert response.headers["X-Processed"] == "1"
    assert response.headers["X-Finalized"] == "1"


def test_make_response_log_exception_and_options_overrides(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    logged: list[str] = []

    class App(Hipflask):
        def make_response(self, rv: Any) -> Response:
            response = super().make_response(rv)
            response.headers["X-Made"] = "1"
            return response

        def log_exception(self, exc_info: Any) -> None:
            # Flask's signature: the (type, value, traceback) of sys.exc_info().
            exc_type, exc, tb = exc_info
            logged.append(f"{exc_type.__name__} {exc!r} {tb is not None}")

        def make_default_options_response(self) -> Response:
            return Response("options", 200)

    client = _make(App).test_client(protocol=protocol)
    assert client.get("/").headers["X-Made"] == "1"
    assert client.get("/fail").status_code == 500
    assert logged == ["ValueError ValueError('broken') True"]
    assert client.options("/").data == b"options"


def test_teardown_overrides_are_called(protocol: str) -> None:
    torn: list[str] = []

    class App(Hipflask):
        def do_teardown_request(self, exc: BaseException | None = None) -> None:
            torn.append("request")
            super().do_teardown_request(exc)

        def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
            torn.append("appcontext")
            super().do_teardown_appcontext(exc)

    _make(App).test_client(protocol=protocol).get("/")
    assert torn == ["request", "appcontext"]


def test_template_overrides(protocol: str) -> None:
    class App(Hipflask):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return False

        def update_template_context(self, context: dict[str, Any]) -> None:
            super().update_template_context(context)
            context["extra"] = "from the override"

    app = _make(App)

    @app.get("/page")
    def page() -> str:
        return render_template_string("{{ value }} {{ extra }}", value="<b>")

    assert app.test_client(protocol=protocol).get("/page").text == "<b> from the override"


def test_wsgi_app_override_sees_every_request() -> None:
    seen: list[str] = []

    class App(Hipflask):
        def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
            seen.append(environ["PATH_INFO"])
            return super().wsgi_app(environ, start_response)

    _make(App).test_client().get("/")
    assert seen == ["/"]


def test_create_url_adapter_override_is_used_for_routing(protocol: str) -> None:
    bound: list[str] = []

    class App(Hipflask):
        def create_url_adapter(self, request: Any) -> Any:
            if request is not None:
                bound.append(request.path)
            return super().create_url_adapter(request)

    app = _make(App)
    app.config["SERVER_NAME"] = "example.test"
    response = app.test_client(protocol=protocol).get("/", base_url="http://example.test")
    assert response.status_code == 200
    assert bound


def test_an_app_without_overrides_keeps_the_direct_path() -> None:
    app = _make()
    assert app._pipeline_overrides() == frozenset()


class Refused(Exception):
    """An app's own error, answered by passing it on as another one."""


@pytest.mark.parametrize("async_view", [False, True], ids=["sync-view", "async-view"])
@pytest.mark.parametrize("async_handler", [False, True], ids=["sync-handler", "async-handler"])
@pytest.mark.parametrize("method", ["handle_http_exception", "handle_user_exception"])
def test_an_error_handler_passes_an_error_on_to_the_apps_handler(
    protocol: str, async_view: bool, async_handler: bool, method: str
) -> None:
    # Under ASGI an async view's error handlers run on the server's loop,
    # where the app's async 404 handler cannot be completed synchronously:
    # the method hands back a coroutine that the pipeline awaits.
    app = _make()

    def not_found(e: HTTPException) -> Any:
        return f"app 404 for {request.path}", 404

    async def async_not_found(e: HTTPException) -> Any:
        return not_found(e)

    app.register_error_handler(404, async_not_found if async_handler else not_found)

    @app.errorhandler(Refused)
    def pass_on(e: Refused) -> Any:
        return getattr(app, method)(NotFound())

    def refuse() -> str:
        raise Refused

    async def async_refuse() -> str:
        raise Refused

    app.add_url_rule("/refused", "refused", async_refuse if async_view else refuse)
    response = app.test_client(protocol=protocol).get("/refused")
    assert (response.status_code, response.text) == (404, "app 404 for /refused")


def test_log_exception_override_can_extend_the_default(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    class App(Hipflask):
        def log_exception(self, exc_info: Any) -> None:
            self.logger.warning("about to log %s", exc_info[0].__name__)
            super().log_exception(exc_info)

    client = _make(App).test_client(protocol=protocol)
    assert client.get("/fail").status_code == 500
    messages = [record.getMessage() for record in caplog.records]
    assert "about to log ValueError" in messages
    logged = [record for record in caplog.records if record.exc_info]
    assert logged[-1].exc_info[1].args == ("broken",)  # type: ignore[index]
