"""What templates see: Flask's globals, the standard context and app or blueprint registrations."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask.templating import render_template_string


def test_url_for_request_g_and_config_are_available(app: Hipflask, client: Any) -> None:
    app.config["SITE_NAME"] = "Hipflask shop"

    @app.route("/item/<int:number>")
    def item(number: int) -> str:
        g.user = "ada"
        return render_template_string(
            "{{ url_for('item', number=7) }}|{{ request.path }}|{{ g.user }}"
            "|{{ config.SITE_NAME }}|{{ request.args.q }}"
        )

    assert client.get("/item/3?q=hat").text == "/item/7|/item/3|ada|Hipflask shop|hat"


def test_session_is_available(app: Hipflask, client: Any, sessions: Any) -> None:
    @app.route("/")
    def index() -> str:
        session["user"] = "grace"
        return render_template_string("{{ session['user'] }}")

    assert client.get("/").text == "grace"


def test_rendering_without_touching_the_session_does_not_open_it(
    app: Hipflask, sessions: Any
) -> None:
    with app.test_request_context("/") as ctx:
        assert render_template_string("{{ request.path }} {{ g }}").startswith("/ ")
        assert not ctx.session_opened
    assert sessions.opened == 0


def test_context_objects_are_the_real_objects_during_a_request(app: Hipflask) -> None:
    with app.test_request_context("/"):
        seen: dict[str, Any] = {}

        def grab(name: str, value: Any) -> str:
            seen[name] = value
            return ""

        render_template_string("{{ grab('request', request) }}{{ grab('g', g) }}", grab=grab)
        assert seen["request"] is request._get_current_object()  # type: ignore[attr-defined]
        assert seen["g"] is g._get_current_object()


def test_request_is_falsy_outside_a_request(app: Hipflask) -> None:
    with app.app_context():
        g.name = "cli"
        rv = render_template_string("{% if request %}request{% else %}none{% endif %}|{{ g.name }}")
    assert rv == "none|cli"


def test_using_request_outside_a_request_says_which_context_is_missing(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        render_template_string("{{ request.path }}")


def test_filters_tests_and_globals_registered_on_the_app(app: Hipflask, client: Any) -> None:
    @app.template_filter()
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_test("even_number")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @app.template_global()
    def shop_name() -> str:
        return "Hats"

    app.add_template_filter(str.upper, name="shout")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 'abc'|reverse }} {{ 'x'|shout }} {{ 4 is even_number }}"
            " {{ 3 is even_number }} {{ shop_name() }}"
        )

    assert client.get("/").text == "cba X True False Hats"


def test_filters_tests_and_globals_registered_by_a_blueprint(app: Hipflask, client: Any) -> None:
    bp = Blueprint("tools", __name__)

    @bp.app_template_filter("double")
    def double(value: int) -> int:
        return value * 2

    @bp.app_template_test()
    def positive(value: int) -> bool:
        return value > 0

    @bp.app_template_global()
    def version() -> str:
        return "1.0"

    app.register_blueprint(bp)

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 21|double }} {{ 1 is positive }} {{ -1 is positive }} {{ version() }}"
        )

    assert client.get("/").text == "42 True False 1.0"


def test_standard_context_holds_config_request_session_and_g(app: Hipflask, protocol: str) -> None:
    app.config["SITE"] = "shop"

    @app.route("/page")
    def page() -> str:
        g.user = "ada"
        session["cart"] = 2
        return render_template_string(
            "{{ config.SITE }} {{ request.path }} {{ session.cart }} {{ g.user }}"
            " {{ url_for('page') }} {{ get_flashed_messages() }}"
        )

    assert app.test_client(protocol=protocol).get("/page").text == "shop /page 2 ada /page []"
    for name in ("config", "request", "session", "g", "url_for", "get_flashed_messages"):
        assert name in app.jinja_env.globals
