"""A test module written the way Flask's documentation writes them, ``flask`` renamed.

Everything below the protocol fixture is what a Flask project's ``tests/``
would hold (the "Testing Flask Applications" chapter, the tutorial's
tests, the API reference's examples), with ``flask`` replaced by
``hipflask`` in the imports and nothing else changed. The fixture makes
``app.test_client()`` drive the WSGI adapter in one run and the ASGI adapter
in the other, so the module proves a ported suite passes under both.
"""

from __future__ import annotations

import io
import json
import os
import weakref
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from hipflask import Blueprint
from hipflask import Flask
from hipflask import abort
from hipflask import current_app
from hipflask import flash
from hipflask import g
from hipflask import get_flashed_messages
from hipflask import jsonify
from hipflask import redirect
from hipflask import render_template_string
from hipflask import request
from hipflask import session
from hipflask import url_for
from hipflask.app import Flask as AppModuleFlask
from hipflask.blueprints import BlueprintSetupState
from hipflask.cli import FlaskGroup
from hipflask.cli import ScriptInfo
from hipflask.cli import find_best_app
from hipflask.cli import with_appcontext
from hipflask.config import Config
from hipflask.ctx import AppContext
from hipflask.ctx import RequestContext
from hipflask.debughelpers import DebugFilesKeyError
from hipflask.globals import app_ctx
from hipflask.globals import request_ctx
from hipflask.helpers import get_debug_flag
from hipflask.logging import default_handler
from hipflask.signals import template_rendered
from hipflask.testing import EnvironBuilder
from hipflask.testing import FlaskClient
from hipflask.testing.client import HipflaskClient
from hipflask.views import MethodView
from hipflask.wrappers import Request
from hipflask.wrappers import Response

# -- the only hipflask-specific part: every test runs under both protocols -------------


@pytest.fixture(params=["wsgi", "asgi"], autouse=True)
def _protocol(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    class ProtocolClient(HipflaskClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("protocol", request.param)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(Flask, "test_client_class", ProtocolClient)


# -- Flask-style fixtures ---------------------------------------------------------------


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(SECRET_KEY="dev-key-for-the-tests-0123456789abcdef")
    if test_config is not None:
        app.config.from_mapping(test_config)

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/json", methods=["GET", "POST"])
    def echo_json() -> Any:
        if request.method == "POST":
            return jsonify(received=request.get_json())
        return {"b": 1, "a": 2}

    @app.route("/login", methods=["POST"])
    def login() -> Any:
        session["user_id"] = request.form["user_id"]
        flash("Logged in")
        return redirect(url_for("profile"))

    @app.route("/profile")
    def profile() -> str:
        messages = get_flashed_messages()
        return f"user {session.get('user_id')} {messages}"

    @app.route("/missing")
    def missing() -> str:
        abort(404)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "nothing here", 404

    @app.cli.command("hello")
    @click.option("--name", default="World")
    def hello_command(name: str) -> None:
        click.echo(f"Hello, {name}!")

    return app


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app({"TESTING": True})
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# -- the testing chapter ----------------------------------------------------------------


def test_config() -> None:
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_hello(client: FlaskClient) -> None:
    response = client.get("/hello")
    assert response.data == b"Hello, World!"


def test_json_data(client: FlaskClient) -> None:
    response = client.post("/json", json={"a": 1})
    assert response.json == {"received": {"a": 1}}
    assert client.get("/json").data == b'{"a":2,"b":1}\n'


def test_login_redirects_and_flashes(client: FlaskClient) -> None:
    response = client.post("/login", data={"user_id": "7"}, follow_redirects=True)
    assert len(response.history) == 1
    assert response.request.path == "/profile"
    assert response.data == b"user 7 ['Logged in']"


def test_access_session(client: FlaskClient) -> None:
    with client:
        client.post("/login", data={"user_id": "flask"})
        assert session["user_id"] == "flask"
        assert request_ctx.request.path == "/login"


def test_modify_session(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["user_id"] = "set-in-test"

    response = client.get("/profile")
    assert response.data == b"user set-in-test []"


def test_session_read_adds_vary_cookie(client: FlaskClient) -> None:
    assert client.get("/profile").headers["Vary"] == "Cookie"
    assert "Vary" not in client.get("/hello").headers


def test_error_handler(client: FlaskClient) -> None:
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.data == b"nothing here"


def test_hello_command(runner: Any) -> None:
    result = runner.invoke(args=["hello"])
    assert "World" in result.output

    result = runner.invoke(args=["hello", "--name", "Flask"])
    assert "Flask" in result.output


def test_request_context(app: Flask) -> None:
    with app.test_request_context("/?name=Peter"):
        assert request.path == "/"
        assert request.args["name"] == "Peter"
        assert isinstance(request_ctx._get_current_object(), RequestContext)  # type: ignore[attr-defined]


def test_app_context(app: Flask) -> None:
    with app.app_context():
        g.db = "connection"
        assert current_app.name == app.name
        assert app_ctx.g.db == "connection"
        assert isinstance(app_ctx._get_current_object(), AppContext)  # type: ignore[attr-defined]


def test_recording_templates(app: Flask, client: FlaskClient) -> None:
    recorded: list[tuple[Any, dict[str, Any]]] = []

    @app.route("/page")
    def page() -> str:
        return render_template_string("{{ title }}", title="Home")

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        recorded.append((template, context))

    template_rendered.connect(record, app)
    try:
        assert client.get("/page").data == b"Home"
    finally:
        template_rendered.disconnect(record, app)
    assert len(recorded) == 1
    assert recorded[0][1]["title"] == "Home"


def test_environ_builder(app: Flask, client: FlaskClient) -> None:
    builder = EnvironBuilder(app, "/json", method="POST", json={"x": 1})
    assert client.open(builder).json == {"received": {"x": 1}}
    assert client.open(EnvironBuilder(app, "/hello").get_environ()).data == b"Hello, World!"


def test_default_user_agent(app: Flask, client: FlaskClient) -> None:
    @app.route("/agent")
    def agent() -> str:
        return request.headers["User-Agent"]

    assert client.get("/agent").data.decode() == f"Werkzeug/{version('werkzeug')}"


# -- routing and blueprints -------------------------------------------------------------


def test_nested_blueprints(app: Flask, client: FlaskClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/")
    def index() -> str:
        return "child"

    states: list[BlueprintSetupState] = []
    child.record(states.append)
    parent.register_blueprint(child)
    app.register_blueprint(parent, url_prefix="/outer")

    assert client.get("/outer/child/").data == b"child"
    with app.test_request_context():
        assert url_for("parent.child.index") == "/outer/child/"
    assert states[0].url_prefix == "/outer/child"


def test_subdomains(client: FlaskClient) -> None:
    app = Flask(__name__, subdomain_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "example.test:5000"
    api = Blueprint("api", __name__, subdomain="api")

    @api.route("/")
    def api_index() -> str:
        return "api"

    app.register_blueprint(api)
    client = app.test_client()

    assert client.get("/", base_url="http://api.example.test:5000/").data == b"api"
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert client.get("/", base_url="http://other.test/").status_code == 404


def test_method_view(app: Flask, client: FlaskClient) -> None:
    class ItemAPI(MethodView):
        def get(self, id: int) -> str:
            return f"item {id}"

        def delete(self, id: int) -> tuple[str, int]:
            return "", 204

    app.add_url_rule("/items/<int:id>", view_func=ItemAPI.as_view("item"))

    assert client.get("/items/3").data == b"item 3"
    assert client.delete("/items/3").status_code == 204


# -- configuration, instance folder, environment ----------------------------------------


def test_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_MAIL_ENABLED", "false")
    monkeypatch.setenv("FLASK_DB__PORT", "5432")
    config = Config(".")

    config.from_prefixed_env()

    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["MAIL_ENABLED"] is False
    assert config["DB"] == {"PORT": 5432}


def test_instance_relative_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.py").write_text("SECRET_KEY = 'instance-secret'\n")
    app = Flask(__name__, instance_path=str(tmp_path), instance_relative_config=True)

    app.config.from_pyfile("config.py", silent=True)

    assert app.config["SECRET_KEY"] == "instance-secret"


def test_debug_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLASK_DEBUG", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert get_debug_flag() is True


# -- responses ---------------------------------------------------------------------------


def test_jsonify_pretty_in_debug(app: Flask, client: FlaskClient) -> None:
    app.debug = True
    assert client.get("/json").data == b'{\n  "a": 2,\n  "b": 1\n}\n'


def test_jsonify_args_and_kwargs(app: Flask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="either args or kwargs"):
        jsonify(1, a=2)


def test_view_returning_none(app: Flask, client: FlaskClient) -> None:
    @app.route("/none")
    def returns_nothing() -> None:
        pass

    with pytest.raises(TypeError, match="'returns_nothing' did not return a valid response"):
        client.get("/none")


def test_max_content_length_per_request(app: Flask, client: FlaskClient) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        request.max_content_length = 10
        return str(len(request.get_data()))

    assert client.post("/upload", data=b"x" * 5).data == b"5"
    assert client.post("/upload", data=b"x" * 50).status_code == 413


def test_files_without_enctype_in_debug(app: Flask, client: FlaskClient) -> None:
    app.debug = True

    @app.route("/upload-file", methods=["POST"])
    def upload_file() -> str:
        return request.files["file"].filename or ""

    with pytest.raises(DebugFilesKeyError, match="multipart/form-data"):
        client.post("/upload-file", data={"file": "photo.jpg"})
    response = client.post("/upload-file", data={"file": (io.BytesIO(b"jpg"), "photo.jpg")})
    assert response.data == b"photo.jpg"


def test_custom_request_and_response_classes(app: Flask, client: FlaskClient) -> None:
    class JSONResponse(Response):
        default_mimetype = "application/json"

    class TracingRequest(Request):
        trace_id = "abc"

    app.response_class = JSONResponse
    app.request_class = TracingRequest

    @app.route("/trace")
    def trace() -> str:
        return json.dumps(request.trace_id)  # type: ignore[attr-defined]

    response = client.get("/trace")
    assert response.mimetype == "application/json"
    assert response.data == b'"abc"'


# -- logging, command line, lifecycle ----------------------------------------------------


def test_logging(app: Flask) -> None:
    assert app.logger.name == __name__
    app.logger.removeHandler(default_handler)
    assert default_handler not in app.logger.handlers


def test_flask_group_and_script_info() -> None:
    cli = FlaskGroup(create_app=lambda: create_app({"TESTING": True}))
    seen: list[str] = []

    @cli.command("where")
    @with_appcontext
    def where() -> None:
        seen.append(current_app.name)

    result = CliRunner().invoke(cli, ["where"])
    assert result.exit_code == 0, result.output
    assert seen == [__name__]

    info = ScriptInfo(create_app=lambda: create_app())
    assert isinstance(info.load_app(), AppModuleFlask)


def test_find_best_app() -> None:
    module = type(os)("single_app_module")
    module.application = create_app()  # type: ignore[attr-defined]
    app = find_best_app(module)
    assert app is module.application  # type: ignore[attr-defined]


def test_app_is_freed_when_dropped() -> None:
    import gc

    app = create_app({"TESTING": True})
    app.test_client().get("/hello")
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
