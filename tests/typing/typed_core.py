"""A strictly typed app written the way a Flask app is, through hipflask's names."""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from typing_extensions import assert_type
from werkzeug.exceptions import HTTPException

from hipflask import Blueprint
from hipflask import Flask
from hipflask import Response
from hipflask import abort
from hipflask import current_app
from hipflask import g
from hipflask import jsonify
from hipflask import make_response
from hipflask import redirect
from hipflask import render_template
from hipflask import request
from hipflask import session
from hipflask import url_for
from hipflask.testing import FlaskClient
from hipflask.typing import ResponseReturnValue
from hipflask.views import MethodView
from hipflask.views import View

bp = Blueprint("items", __name__, url_prefix="/items")


@bp.route("/")
def list_items() -> dict[str, Any]:
    return {"items": [1, 2, 3], "page": request.args.get("page", 1, type=int)}


@bp.route("/<int:item_id>")
def show_item(item_id: int) -> Response:
    if item_id < 0:
        abort(404)
    return jsonify(id=item_id, owner=g.get("user_name"))


@bp.errorhandler(404)
def item_missing(error: HTTPException) -> tuple[str, int]:
    return f"no such item: {error.description}", 404


@bp.before_app_request
def count_request() -> None:
    g.requests = g.get("requests", 0) + 1


@bp.app_context_processor
def inject_version() -> dict[str, str]:
    return {"version": "1.0"}


# The blueprint's decorators keep the function's type, as Flask's do.
assert_type(inject_version(), dict[str, str])


class ItemAPI(MethodView):
    init_every_request = False

    def get(self, item_id: int) -> dict[str, int]:
        return {"id": item_id}

    def delete(self, item_id: int) -> tuple[str, int]:
        return "", 204


class Hello(View):
    methods: ClassVar[list[str]] = ["GET"]

    def dispatch_request(self) -> str:
        return "hello"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev", DATABASE="app.sqlite")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    app.config.from_prefixed_env()

    app.register_blueprint(bp)
    app.add_url_rule("/api/<int:item_id>", view_func=ItemAPI.as_view("item_api"))
    app.add_url_rule("/hello", view_func=Hello.as_view("hello"))

    @app.before_request
    def load_user() -> None:
        g.user_name = session.get("user_name")

    @app.after_request
    def add_header(response: Response) -> Response:
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        g.pop("db", None)

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return render_template("500.html"), 500

    @app.route("/")
    def index() -> str:
        current_app.logger.info("index for %s", request.remote_addr)
        return render_template("index.html", name=session.get("user_name"))

    @app.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        if request.method == "POST":
            session["user_name"] = request.form["name"]
            return redirect(url_for("index"))
        return render_template("login.html")

    @app.get("/cookie")
    def cookie() -> Response:
        response = make_response("set")
        response.set_cookie("seen", "1", httponly=True)
        return response

    @app.post("/echo")
    def echo() -> Response:
        data = request.get_json(silent=True) or {}
        return jsonify(data)

    @app.cli.command("init-db")
    def init_db() -> None:
        print("initialised", current_app.config["DATABASE"])

    return app


def exercise(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    response = client.get("/", headers={"Accept": "text/html"})
    body: bytes = response.data
    text: str = response.get_data(as_text=True)
    payload: Any = client.post("/echo", json={"a": 1}).get_json()
    with client.session_transaction() as sess:
        sess["user_name"] = "ada"
    result = app.test_cli_runner().invoke(args=["init-db"])
    output: str = result.output
    with app.app_context():
        url: str = url_for("items.show_item", item_id=1, _external=True)
    with app.test_request_context("/?page=2"):
        page: int | None = request.args.get("page", type=int)
    print(body, text, payload, output, url, page, response.status_code)


def signed_in_user() -> str | None:
    """Typed as Flask types them: the session is a mapping, current_app the app."""
    name = session.get("user_name")
    return name if isinstance(name, str) else None


def is_permanent() -> bool:
    return session.permanent


def the_app() -> Flask:
    return current_app


def status_of(app: Flask, path: str) -> int:
    return app.test_client().get(path).status_code


def cli_output(app: Flask) -> str:
    return app.test_cli_runner().invoke(args=["init-db"]).output
