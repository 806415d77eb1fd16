"""A blueprint's hooks, context processors and template filters: its own requests or app-wide."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


def test_blueprint_hooks_run_only_for_its_requests(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_request
    def before() -> None:
        calls.append("before")

    @bp.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @bp.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.route("/")
    def inside() -> str:
        return "inside"

    @app.route("/")
    def outside() -> str:
        return "outside"

    app.register_blueprint(bp)
    client.get("/")
    assert calls == []
    client.get("/bp/")
    assert calls == ["before", "after", "teardown"]


def test_before_app_request_hooks_are_app_wide(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_app_request
    def before() -> None:
        calls.append("before")

    @bp.after_app_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.app_url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        calls.append(f"preprocess {endpoint}")

    @bp.app_url_defaults
    def defaults(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("ref", "bp")

    @app.route("/")
    def index() -> str:
        return url_for("index")

    app.register_blueprint(bp)
    assert client.get("/").text == "/?ref=bp"
    assert calls == ["preprocess index", "before", "after", "teardown"]


def test_blueprint_context_processors_are_registered(app: Hipflask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def local() -> dict[str, Any]:
        return {"local": 1}

    @bp.app_context_processor
    def everywhere() -> dict[str, Any]:
        return {"everywhere": 1}

    app.register_blueprint(bp)
    assert app.template_context_processors["bp"] == [local]
    assert everywhere in app.template_context_processors[None]


def test_app_template_filter_is_added_to_the_environment(app: Hipflask) -> None:
    if importlib.util.find_spec("hipflask.templating.environment") is None:
        pytest.skip("hipflask.templating.environment is not available yet")
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter("whisper")
    def quiet(value: str) -> str:
        return value.lower()

    @bp.app_template_test()
    def boring(value: str) -> bool:
        return value == "x"

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.filters["whisper"] is quiet
    assert env.tests["boring"] is boring
    assert env.globals["answer"] is answer


def test_blueprint_context_processor_applies_to_its_requests_only(
    app: Hipflask, client: HipflaskClient
) -> None:
    if importlib.util.find_spec("hipflask.templating.render") is None:
        pytest.skip("hipflask.templating.render is not available yet")
    from hipflask import render_template_string

    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.context_processor
    def shop_name() -> dict[str, Any]:
        return {"shop": "Acme"}

    @bp.app_context_processor
    def site_name() -> dict[str, Any]:
        return {"site": "hipflask"}

    template = "{{ site }}/{{ shop | default('none') }}"

    @bp.route("/")
    def inside() -> str:
        return render_template_string(template)

    @app.route("/")
    def outside() -> str:
        return render_template_string(template)

    app.register_blueprint(bp)
    assert client.get("/shop/").text == "hipflask/Acme"
    assert client.get("/").text == "hipflask/none"
