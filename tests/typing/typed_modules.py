"""Flask's module paths and hipflask's own names, strictly typed."""

from __future__ import annotations

from typing import Any

import click

from hipflask import Hipflask
from hipflask.app import Flask
from hipflask.blueprints import Blueprint
from hipflask.cli import AppGroup
from hipflask.cli import FlaskGroup
from hipflask.cli import with_appcontext
from hipflask.config import Config
from hipflask.ctx import has_request_context
from hipflask.globals import current_app
from hipflask.globals import request
from hipflask.helpers import flash
from hipflask.helpers import get_flashed_messages
from hipflask.helpers import send_from_directory
from hipflask.helpers import url_for
from hipflask.json.provider import DefaultJSONProvider
from hipflask.sessions import SecureCookieSessionInterface
from hipflask.sessions import SessionMixin
from hipflask.signals import request_finished
from hipflask.templating import render_template_string
from hipflask.testing import FlaskCliRunner
from hipflask.testing import HipflaskClient
from hipflask.wrappers import Request
from hipflask.wrappers import Response


class JSONRequest(Request):
    def wants_json(self) -> bool:
        return self.accept_mimetypes.best == "application/json"


class StrictJSONProvider(DefaultJSONProvider):
    sort_keys = True


class App(Flask):
    request_class = JSONRequest
    json_provider_class = StrictJSONProvider


files = Blueprint("files", __name__, static_folder="static")
users_cli = AppGroup("users")


@files.route("/files/<path:name>")
def download(name: str) -> Response:
    return send_from_directory("uploads", name, as_attachment=True)


@files.route("/flash")
async def flash_page() -> str:
    flash("Saved.", "info")
    messages = get_flashed_messages()
    return render_template_string("{{ m }}", m=messages)


@users_cli.command("create")
@click.argument("name")
@with_appcontext
def create_user(name: str) -> None:
    click.echo(f"{name} on {current_app.name}")


def on_finished(sender: Flask, response: Response, **extra: Any) -> None:
    sender.logger.debug("sent %s", response.status)


def make_app() -> Hipflask:
    app = App(__name__)
    config: Config = app.config
    config.from_object("settings")
    app.session_interface = SecureCookieSessionInterface()
    app.register_blueprint(files)
    app.cli.add_command(users_cli)
    request_finished.connect(on_finished, app)

    @app.route("/whoami")
    def whoami() -> dict[str, Any]:
        assert isinstance(request, JSONRequest)
        return {"json": request.wants_json(), "in_request": has_request_context()}

    @app.route("/url")
    def url() -> str:
        return url_for("files.download", name="a.txt")

    return app


def cli() -> FlaskGroup:
    return FlaskGroup(create_app=make_app)


def client_for(app: Hipflask) -> tuple[HipflaskClient, FlaskCliRunner]:
    return app.test_client(), app.test_cli_runner()


def session_is_new(session: SessionMixin) -> bool:
    return session.new
