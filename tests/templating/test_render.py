"""Rendering: context, context processors, signals, streaming, macros, flashes."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader
from jinja2 import Environment
from jinja2 import StrictUndefined
from jinja2 import Template
from jinja2 import UndefinedError
from jinja2 import pass_context

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import before_render_template
from hipflask import g
from hipflask import redirect
from hipflask import request
from hipflask import template_rendered
from hipflask.core.flashing import flash
from hipflask.templating import get_template_attribute
from hipflask.templating import render_template
from hipflask.templating import render_template_string
from hipflask.templating import stream_template
from hipflask.templating import stream_template_string
from hipflask.templating import update_template_context


def test_template_loops_over_a_list_and_a_dict(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template(
            "loop.html", items=["hat", "<scarf>"], prices={"hat": 10, "coat": 90}
        )

    assert client.get("/").text == (
        "<ul><li>1:hat</li><li>2:&lt;scarf&gt;</li></ul>\n"
        "<dl><dt>coat</dt><dd>90</dd><dt>hat</dt><dd>10</dd></dl>"
    )


def test_templates_extend_layouts(app: Hipflask) -> None:
    with app.app_context():
        assert render_template("child.html") == "<main>child</main>"


def test_rendering_needs_an_app_context(app: Hipflask) -> None:
    with pytest.raises(RuntimeError, match=r"render_template\(\) needs an application context"):
        render_template("shared.html")
    with pytest.raises(RuntimeError, match="render_template_string"):
        render_template_string("x")


def test_template_string_may_extend_a_file_template(app: Hipflask) -> None:
    with app.app_context():
        rv = render_template_string(
            '{% extends "layout.html" %}{% block body %}{{ v }}{% endblock %}', v="<i>"
        )
    assert rv == "<main>&lt;i&gt;</main>"


def test_a_compiled_template_can_be_rendered(app: Hipflask) -> None:
    with app.app_context():
        template = app.jinja_env.from_string("{{ n + 1 }}")
        assert render_template(template, n=1) == "2"


# -- context processors -------------------------------------------------------------


def test_app_context_processor_adds_variables(app: Hipflask, client: Any) -> None:
    @app.context_processor
    def shop() -> dict[str, Any]:
        return {"shop_name": "Hats", "currency": "EUR"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ shop_name }} {{ currency }}", currency="GBP")

    assert client.get("/").text == "Hats GBP"


def test_blueprint_context_processor_applies_to_its_own_views_only(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    @app.context_processor
    def site() -> dict[str, Any]:
        return {"section": "site", "title": "Home"}

    @shop.context_processor
    def section() -> dict[str, Any]:
        return {"section": "shop"}

    @shop.route("/")
    def shop_index() -> str:
        return render_template_string("{{ section }}/{{ title }}")

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ section }}/{{ title }}")

    app.register_blueprint(shop, url_prefix="/shop")
    assert client.get("/shop/").text == "shop/Home"
    assert client.get("/").text == "site/Home"


def test_blueprint_processors_keep_applying_once_the_app_serves(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    app.context_processor(lambda: {"section": "site"})
    shop.context_processor(lambda: {"section": "shop"})

    @shop.route("/")
    def shop_index() -> str:
        return render_template_string("{{ section }}")

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ section }}")

    app.register_blueprint(shop, url_prefix="/shop")
    paths = ["/", "/shop/", "/", "/shop/", "/shop/", "/"]
    assert [client.get(path).text for path in paths] == [
        "site",
        "shop",
        "site",
        "shop",
        "shop",
        "site",
    ]
    assert app.jinja_env.processor_chains.shared is None


def test_without_blueprint_processors_every_request_shares_the_app_chain(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    @app.context_processor
    def site() -> dict[str, Any]:
        return {"section": "site"}

    @shop.route("/")
    def shop_index() -> str:
        return render_template_string("{{ section }}")

    app.register_blueprint(shop, url_prefix="/shop")
    chains = app.jinja_env.processor_chains
    with app.test_request_context("/shop/"):
        assert render_template_string("{{ section }}") == "site"
    # Not before the app serves: processors may still be added.
    assert chains.shared is None
    assert [client.get("/shop/").text for _ in range(2)] == ["site", "site"]
    assert chains.shared == (site,)


def test_nested_blueprint_processors_run_outermost_first(app: Hipflask, client: Any) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    calls: list[str] = []

    @app.context_processor
    def app_level() -> dict[str, Any]:
        calls.append("app")
        return {"a": "app", "b": "app", "c": "app"}

    @parent.context_processor
    def parent_level() -> dict[str, Any]:
        calls.append("parent")
        return {"b": "parent", "c": "parent"}

    @child.context_processor
    def child_level() -> dict[str, Any]:
        calls.append("child")
        return {"c": "child"}

    @child.route("/")
    def index() -> str:
        return render_template_string("{{ a }} {{ b }} {{ c }}")

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    assert client.get("/parent/child/").text == "app parent child"
    assert calls == ["app", "parent", "child"]


def test_blueprint_app_context_processor_applies_everywhere(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    @shop.app_context_processor
    def basket() -> dict[str, Any]:
        return {"basket": 3}

    app.register_blueprint(shop)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ basket }}")

    assert client.get("/").text == "3"


def test_processors_run_for_every_render(app: Hipflask, client: Any) -> None:
    counter = {"n": 0}

    @app.context_processor
    def count() -> dict[str, Any]:
        counter["n"] += 1
        return {"n": counter["n"]}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ n }}")

    assert [client.get("/").text for _ in range(3)] == ["1", "2", "3"]


def test_async_context_processor(app: Hipflask, client: Any) -> None:
    @app.context_processor
    async def remote() -> dict[str, Any]:
        return {"remote": "fetched"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ remote }}")

    assert client.get("/").text == "fetched"


def test_processor_added_before_first_request_is_used(app: Hipflask) -> None:
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "none"
    app.context_processor(lambda: {"late": "here"})
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "here"


def test_processors_cannot_replace_values_in_the_request_context(app: Hipflask) -> None:
    @app.context_processor
    def override() -> dict[str, Any]:
        return {"request": "fake"}

    with app.test_request_context("/page"):
        assert render_template_string("{{ request }}") == "fake"
        assert render_template_string("{{ request }}", request="mine") == "mine"


def test_update_template_context_keeps_explicit_values(app: Hipflask) -> None:
    app.context_processor(lambda: {"a": "processor", "b": "processor"})
    context: dict[str, Any] = {"a": "explicit"}
    with app.test_request_context("/x"):
        g.flag = True
        update_template_context(app, context)
        assert context["a"] == "explicit"
        assert context["b"] == "processor"
        assert context["request"] is request._get_current_object()  # type: ignore[attr-defined]
        assert context["g"].flag is True


# -- signals ------------------------------------------------------------------


def test_render_signals_are_sent_with_template_and_context(app: Hipflask, client: Any) -> None:
    events: list[tuple[str, Any, str | None, dict[str, Any]]] = []

    def before(sender: Any, template: Template, context: dict[str, Any]) -> None:
        events.append(("before", sender, template.name, dict(context)))

    def after(sender: Any, template: Template, context: dict[str, Any]) -> None:
        events.append(("after", sender, template.name, dict(context)))

    @app.route("/")
    def index() -> str:
        return render_template("shared.html", who="ada")

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        assert client.get("/").text == "app:shared"
    assert [(kind, sender, name) for kind, sender, name, _ in events] == [
        ("before", app, "shared.html"),
        ("after", app, "shared.html"),
    ]
    assert events[0][3]["who"] == "ada"
    assert "request" in events[1][3]


def test_before_render_receivers_can_change_the_context(app: Hipflask) -> None:
    def inject(sender: Any, template: Template, context: dict[str, Any]) -> None:
        context["extra"] = "added"

    with before_render_template.connected_to(inject, app), app.app_context():
        assert render_template_string("{{ extra }}") == "added"


def test_signals_of_another_app_are_not_received(app: Hipflask) -> None:
    other = Hipflask("other_app")
    events: list[Any] = []
    with template_rendered.connected_to(lambda sender, **kw: events.append(sender), other):
        with app.app_context():
            render_template_string("x")
        assert events == []
        with other.app_context():
            render_template_string("x")
        assert events == [other]


# -- streaming ------------------------------------------------------------------


def test_stream_template_in_a_streamed_response(app: Hipflask, client: Any) -> None:
    @app.route("/stream")
    def stream() -> Response:
        return Response(stream_template("stream.txt", lines=["a", "<b>"]), mimetype="text/plain")

    assert client.get("/stream").text == "a\n<b>\n"


def test_streamed_template_keeps_the_request_context_until_it_ends(
    app: Hipflask, client: Any
) -> None:
    events: list[str] = []

    def current_path() -> str:
        # Reads the proxy while the body is being produced, after the view
        # has returned.
        events.append("render")
        return request.path

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/path")
    def path() -> Response:
        return Response(
            stream_template_string(
                "{{ current_path() }}:{{ v }}", v="<i>", current_path=current_path
            )
        )

    assert client.get("/path").text == "/path:&lt;i&gt;"
    assert events == ["render", "teardown"]


def test_stream_template_yields_pieces_and_signals_at_the_end(app: Hipflask) -> None:
    events: list[str] = []
    with (
        before_render_template.connected_to(lambda s, **kw: events.append("before"), app),
        template_rendered.connected_to(lambda s, **kw: events.append("after"), app),
        app.app_context(),
    ):
        stream = stream_template("stream.txt", lines=["one", "two"])
        assert events == ["before"]
        pieces = list(stream)
    assert len(pieces) > 1
    assert "".join(pieces) == "one\ntwo\n"
    assert events == ["before", "after"]


# -- macros ------------------------------------------------------------------------


def test_get_template_attribute_calls_a_macro(app: Hipflask) -> None:
    with app.app_context():
        greet = get_template_attribute("_macros.html", "greet")
        assert greet("<World>") == "Hello, &lt;World&gt;!"
        assert get_template_attribute("_macros.html", "answer") == 42


def test_macro_can_use_url_for(app: Hipflask) -> None:
    @app.route("/home")
    def index() -> str:
        return ""

    with app.test_request_context("/"):
        assert get_template_attribute("_macros.html", "here")() == "/home"


# -- flashed messages -------------------------------------------------------------


def test_flashed_messages_are_shown_in_a_template(
    app: Hipflask, client: Any, sessions: Any
) -> None:
    @app.route("/")
    def index() -> str:
        flash("Saved <ok>")
        flash("Careful", "warning")
        return render_template_string(
            "{% for category, message in get_flashed_messages(with_categories=true) %}"
            "[{{ category }}:{{ message }}]{% endfor %}"
            "{{ get_flashed_messages(category_filter=['warning']) }}"
        )

    assert client.get("/").text == (
        "[message:Saved &lt;ok&gt;][warning:Careful][&#39;Careful&#39;]"
    )


def test_flashed_message_is_shown_once_after_a_redirect(app: Hipflask, client: Any) -> None:
    page = "{% for message in get_flashed_messages() %}<p>{{ message }}</p>{% endfor %}"

    @app.post("/save")
    def save() -> Any:
        flash("Profile saved.")
        return redirect("/")

    @app.route("/")
    def index() -> str:
        return render_template_string(page)

    assert client.post("/save", follow_redirects=True).text == "<p>Profile saved.</p>"
    assert client.get("/").text == ""


def test_view_variables_win_over_globals_and_late_globals_are_seen(app: Hipflask) -> None:
    app.jinja_env.globals["shade"] = "global"
    with app.test_request_context("/"):
        assert render_template_string("{{ shade }}") == "global"
        assert render_template_string("{{ shade }}", shade="view") == "view"
        app.jinja_env.globals["late"] = "added later"
        assert render_template_string("{{ late }}") == "added later"


def test_an_error_inside_a_template_surfaces_as_the_original_exception(app: Hipflask) -> None:
    with app.test_request_context("/"), pytest.raises(ZeroDivisionError):
        render_template_string("{{ 1 // 0 }}")


def test_an_import_sees_the_importing_template_s_own_globals(app: Hipflask, client: Any) -> None:
    # Jinja gives an imported template the importer's own globals (those it
    # was loaded with) in a module of its own; the environment's globals it
    # has anyway.
    app.jinja_env.loader = DictLoader(
        {"macros.html": "{% macro hi() %}hi {{ site }} {{ range(2)|list }}{% endmacro %}"}
    )
    page = app.jinja_env.from_string(
        "{% import 'macros.html' as m %}{{ m.hi() }}|{{ site }}", globals={"site": "shop"}
    )
    plain = app.jinja_env.from_string("{% import 'macros.html' as m %}{{ m.hi() }}")

    @app.route("/page")
    def show_page() -> str:
        return render_template(page)

    @app.route("/plain")
    def show_plain() -> str:
        return render_template(plain)

    assert client.get("/page").text == "hi shop [0, 1]|shop"
    assert client.get("/plain").text == "hi  [0, 1]"
    assert page.render() == "hi shop [0, 1]|shop"


# -- the usual render and the observed one ------------------------------------------


_CONTEXT_PAGE = (
    "{{ request.path }}|{{ g.flag }}|{{ shade }}|{{ own }}|{{ app_value }}|{{ bp_value }}"
    "|{{ inner }}|{{ view }}|{{ url_for('shop.page_view') }}"
    "|{% for key in context_keys() %}{{ key }},{% endfor %}"
)


@pytest.mark.parametrize("observed", [False, True], ids=["unobserved", "with_receivers"])
def test_a_render_sees_the_same_context_whether_observed_or_not(
    app: Hipflask, client: Any, observed: bool
) -> None:
    # Nobody listening, a render takes a shorter way than with signal
    # receivers connected; both must give a template the same variables,
    # in the same order of precedence.
    @pass_context
    def context_keys(context: Any) -> list[str]:
        wanted = {"request", "g", "shade", "own", "app_value", "bp_value", "inner", "view"}
        return sorted(key for key in context.get_all() if key in wanted)

    app.jinja_env.globals.update(shade="global", own="global", context_keys=context_keys)
    app.context_processor(lambda: {"app_value": "app", "shade": "processor", "inner": "app"})
    shop = Blueprint("shop", __name__)
    shop.context_processor(lambda: {"bp_value": "shop", "inner": "shop"})
    page = app.jinja_env.from_string(_CONTEXT_PAGE, globals={"own": "template"})

    @shop.route("/page")
    def page_view() -> str:
        g.flag = "set"
        return render_template(page, view="view", inner="view")

    app.register_blueprint(shop, url_prefix="/shop")
    received: list[str] = []
    expected = (
        "/shop/page|set|processor|template|app|shop|view|view|/shop/page"
        "|app_value,bp_value,g,inner,own,request,shade,view,"
    )
    if observed:
        with template_rendered.connected_to(lambda sender, **kw: received.append("x"), app):
            assert client.get("/shop/page").text == expected
        assert received == ["x"]
    else:
        assert client.get("/shop/page").text == expected
        assert client.get("/shop/page").text == expected


def test_a_replaced_update_template_context_is_honoured_after_serving_began(
    app: Hipflask, client: Any
) -> None:
    app.context_processor(lambda: {"processed": "yes"})

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ extra|default('none') }}|{{ processed|default('no') }}")

    assert client.get("/").text == "none|yes"

    def update(context: dict[str, Any]) -> None:
        context["extra"] = "from the instance"

    app.update_template_context = update  # type: ignore[method-assign]
    # The replacement decides what is added: the processors are not run.
    assert client.get("/").text == "from the instance|no"


def test_a_template_with_globals_of_another_shape_renders(app: Hipflask) -> None:
    layered = app.jinja_env.from_string("{{ a }}{{ b }}{{ c }}", globals={"a": "own"})
    layered.globals.maps.append({"c": "third", "b": "hidden"})
    layered.globals.maps.insert(1, {"b": "second"})
    flat = app.jinja_env.from_string("{{ a }}{{ url_for is defined }}")
    flat.globals = {"a": "plain"}  # type: ignore[assignment]
    with app.test_request_context("/"):
        assert render_template(layered) == "ownsecondthird"
        assert render_template(flat) == "plainFalse"
        assert render_template(layered, b="view") == "ownviewthird"


def test_an_async_environment_renders_through_jinja(client: Any) -> None:
    class AsyncApp(Hipflask):
        jinja_options = {"enable_async": True}  # noqa: RUF012 - the documented class attribute

    app = AsyncApp("async_templates", static_folder=None)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ request.path }}|{{ n }}", n=1)

    assert app.test_client().get("/").text == "/|1"


def test_a_template_of_another_environment_renders_through_its_own(app: Hipflask) -> None:
    # A Template object passed in is rendered by the environment that made
    # it (async, its own undefined and finalize), the app's processors added.
    async_template = Environment(autoescape=True, enable_async=True).from_string(
        "{{ g.x }}|{{ n }}"
    )
    strict = Environment(
        autoescape=True, undefined=StrictUndefined, finalize=lambda value: f"[{value}]"
    )
    with app.test_request_context("/"):
        g.x = "g"
        assert render_template(async_template, n=1) == "g|1"
        assert render_template(strict.from_string("{{ n }}"), n=2) == "[2]"
        with pytest.raises(UndefinedError):
            render_template(strict.from_string("{{ missing }}"))
