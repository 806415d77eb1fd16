"""Flask's documented customisation points on the app, blueprints and requests.

Each is a name a ported app may set or override: the aborter, ``redirect``,
``should_ignore_error``, the Jinja loader and environment class, a
blueprint's static cache lifetime, and Werkzeug's request hooks for uploads.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO
from typing import Any

import pytest
from jinja2 import DictLoader
from werkzeug.exceptions import Aborter
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Request
from hipflask import Response
from hipflask import abort
from hipflask import redirect
from hipflask import render_template
from hipflask import request
from hipflask.templating.environment import Environment
from hipflask.testing.client import HipflaskClient

SECRET = "test-secret-key-that-is-long-enough-0123456789"


class Teapot(HTTPException):
    code = 599
    description = "Out of tea."


def test_abort_uses_the_apps_aborter(app: Hipflask, client: HipflaskClient) -> None:
    assert isinstance(app.aborter, Aborter)
    app.aborter.mapping[599] = Teapot

    @app.route("/tea")
    def tea() -> str:
        abort(599)

    response = client.get("/tea")

    assert response.status_code == 599
    assert b"Out of tea." in response.data


def test_make_aborter_and_aborter_class_can_be_replaced(protocol: str) -> None:
    class TeaAborter(Aborter):
        def __init__(self) -> None:
            super().__init__(extra={599: Teapot})

    class App(Hipflask):
        aborter_class = TeaAborter

    app = App("aborter_app")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    @app.route("/tea")
    def tea() -> str:
        abort(599)

    assert app.test_client(protocol=protocol).get("/tea").status_code == 599


def test_abort_outside_an_app_raises_werkzeugs_error() -> None:
    with pytest.raises(HTTPException) as caught:
        abort(404)
    assert caught.value.code == 404


def test_redirect_goes_through_the_apps_redirect(protocol: str) -> None:
    class App(Hipflask):
        def redirect(self, location: str, code: int = 302) -> Response:
            response = super().redirect(location, 303)
            response.headers["X-Redirected-By"] = "app"
            return response

    app = App("redirect_app")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    @app.route("/old")
    def old() -> Response:
        return redirect("/new")

    response = app.test_client(protocol=protocol).get("/old")

    assert response.status_code == 303
    assert response.headers["Location"] == "/new"
    assert response.headers["X-Redirected-By"] == "app"


def test_app_redirect_uses_the_response_class_and_encodes(app: Hipflask) -> None:
    class Custom(Response):
        pass

    app.response_class = Custom
    with app.app_context():
        response = app.redirect("/caf\u00e9 x", 301)
    assert type(response) is Custom
    assert response.status_code == 301
    assert response.headers["Location"] == "/caf%C3%A9%20x"


def test_should_ignore_error_hides_it_from_teardown(protocol: str) -> None:
    seen: list[BaseException | None] = []

    class App(Hipflask):
        def should_ignore_error(self, error: BaseException | None) -> bool:
            return isinstance(error, KeyError)

    app = App("ignore_app")
    app.config.update(SECRET_KEY=SECRET)

    @app.teardown_request
    def remember(error: BaseException | None) -> None:
        seen.append(error)

    @app.route("/key")
    def key() -> str:
        raise KeyError("x")

    @app.route("/value")
    def value() -> str:
        raise ValueError("x")

    client = app.test_client(protocol=protocol)
    assert client.get("/key").status_code == 500
    assert client.get("/value").status_code == 500
    assert seen[0] is None
    assert isinstance(seen[1], ValueError)
    assert app.should_ignore_error(None) is False
    assert Hipflask("plain").should_ignore_error(ValueError()) is False


def test_jinja_loader_of_the_app_can_be_replaced(app: Hipflask, client: HipflaskClient) -> None:
    app.jinja_loader = DictLoader({"hello.html": "hello {{ name }}"})

    @app.route("/")
    def index() -> str:
        return render_template("hello.html", name="ann")

    assert client.get("/").text == "hello ann"


def test_jinja_loader_defaults_to_the_template_folder(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.html").write_text("a")
    app = Hipflask("loader_app", root_path=str(tmp_path))
    blueprint = Blueprint("bp", "loader_bp", root_path=str(tmp_path))

    assert app.jinja_loader is not None
    assert app.jinja_loader.list_templates() == ["a.html"]
    assert blueprint.jinja_loader is None


def test_a_blueprints_jinja_loader_can_be_replaced(app: Hipflask, client: HipflaskClient) -> None:
    blueprint = Blueprint("bp", __name__)
    blueprint.jinja_loader = DictLoader({"bp.html": "from the blueprint"})

    @blueprint.route("/bp")
    def page() -> str:
        return render_template("bp.html")

    app.register_blueprint(blueprint)

    assert client.get("/bp").text == "from the blueprint"


def test_jinja_environment_is_the_class_of_jinja_env(app: Hipflask) -> None:
    class Custom(Environment):
        pass

    class App(Hipflask):
        jinja_environment = Custom

    assert Hipflask.jinja_environment is Environment
    assert type(app.jinja_env) is Environment
    assert type(App("env_app").jinja_env) is Custom


def test_a_blueprints_static_cache_lifetime_can_be_overridden(
    tmp_path: Path, protocol: str
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.css").write_text("a {}")

    class LongLived(Blueprint):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 86400

    app = Hipflask("static_app", static_folder=None)
    app.config.update(SECRET_KEY=SECRET, SEND_FILE_MAX_AGE_DEFAULT=60)
    plain = Blueprint("plain", __name__, static_folder=str(tmp_path / "static"))
    cached = LongLived("cached", __name__, static_folder=str(tmp_path / "static"))
    app.register_blueprint(plain, url_prefix="/plain")
    app.register_blueprint(cached, url_prefix="/cached")
    client = app.test_client(protocol=protocol)

    assert client.get("/plain/static/a.css").cache_control.max_age == 60
    assert client.get("/cached/static/a.css").cache_control.max_age == 86400
    with app.app_context():
        assert plain.get_send_file_max_age("a.css") == 60


def test_request_reports_the_servers_environ(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/who")
    def who() -> dict[str, Any]:
        return {
            "user": request.remote_user,
            "thread": request.is_multithread,
            "process": request.is_multiprocess,
            "once": request.is_run_once,
            "mine": request.environ.get("my.key"),
            "json": request.json_module.loads("[1]"),
        }

    client.environ_base.update({"REMOTE_USER": "alice", "my.key": "v"})
    data = client.get("/who").get_json()

    assert data["user"] == "alice"
    assert data["mine"] == "v"
    assert data["once"] is False
    assert data["json"] == [1]
    assert isinstance(data["thread"], bool)
    assert isinstance(data["process"], bool)


def test_remote_user_is_none_without_a_front_server(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/who")
    def who() -> dict[str, Any]:
        return {"user": request.remote_user}

    assert client.get("/who").get_json() == {"user": None}


def test_an_overridden_get_file_stream_receives_every_upload(protocol: str) -> None:
    received: list[str | None] = []

    class Recording(Request):
        def _get_file_stream(
            self,
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None = None,
            content_length: int | None = None,
        ) -> IO[bytes]:
            received.append(filename)
            return io.BytesIO()

    app = Hipflask("upload_app")
    app.config.update(SECRET_KEY=SECRET)
    app.request_class = Recording

    @app.post("/up")
    def up() -> str:
        assert isinstance(request.make_form_data_parser(), FormDataParser)
        return b"".join(f.read() for f in request.files.values()).decode()

    response = app.test_client(protocol=protocol).post(
        "/up",
        data={"a": (io.BytesIO(b"one"), "a.txt"), "b": (io.BytesIO(b"two"), "b.txt")},
        headers={"Origin": "http://localhost"},
    )

    assert response.text == "onetwo"
    assert received == ["a.txt", "b.txt"]
