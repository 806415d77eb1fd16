"""Template lookup: the app's folder first, then blueprints in registration order."""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from jinja2 import DictLoader
from jinja2 import TemplateNotFound

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.templating import render_template
from hipflask.templating.loaders import DispatchingJinjaLoader
from hipflask.templating.loaders import folder_loader

HERE = os.path.dirname(os.path.abspath(__file__))


def test_app_folder_wins_over_a_blueprint_folder(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    @shop.route("/")
    def index() -> str:
        return render_template("shared.html")

    app.register_blueprint(shop, url_prefix="/shop")
    assert client.get("/shop/").text == "app:shared"


def test_blueprint_templates_are_found(app: Hipflask, shop: Blueprint, client: Any) -> None:
    @shop.route("/")
    def index() -> str:
        return render_template("shop/index.html", value="<hat>")

    app.register_blueprint(shop, url_prefix="/shop")
    assert client.get("/shop/").text == "shop:&lt;hat&gt;"


def test_blueprint_templates_are_found_from_app_views(
    app: Hipflask, shop: Blueprint, client: Any
) -> None:
    app.register_blueprint(shop)

    @app.route("/")
    def index() -> str:
        return render_template("shop/index.html", value="x")

    assert client.get("/").text == "shop:x"


@pytest.mark.parametrize(("order", "expected"), [((0, 1), "shop:both"), ((1, 0), "extra:both")])
def test_blueprints_are_searched_in_registration_order(
    app: Hipflask, shop: Blueprint, extra: Blueprint, order: tuple[int, int], expected: str
) -> None:
    blueprints = (shop, extra)
    for index in order:
        app.register_blueprint(blueprints[index])
    with app.app_context():
        assert render_template("both.html") == expected
        assert render_template("extra_only.html") == "extra:only"


def test_blueprint_registered_after_first_render_is_searched(
    app: Hipflask, extra: Blueprint
) -> None:
    with app.app_context():
        assert render_template("shared.html") == "app:shared"
        with pytest.raises(TemplateNotFound):
            render_template("extra_only.html")
    app.register_blueprint(extra)
    with app.app_context():
        assert render_template("extra_only.html") == "extra:only"


def test_nested_blueprint_templates_are_found(app: Hipflask, extra: Blueprint) -> None:
    parent = Blueprint("parent", __name__)
    parent.register_blueprint(extra)
    app.register_blueprint(parent)
    with app.app_context():
        assert render_template("extra_only.html") == "extra:only"


def test_missing_template_raises_template_not_found(app: Hipflask, shop: Blueprint) -> None:
    app.register_blueprint(shop)
    with app.app_context(), pytest.raises(TemplateNotFound, match=r"nowhere\.html"):
        render_template("nowhere.html")


def test_first_existing_name_of_a_list_is_used(app: Hipflask) -> None:
    with app.app_context():
        assert render_template(["missing.html", "shared.html"]) == "app:shared"


def test_templates_in_subfolders_are_found(app: Hipflask) -> None:
    with app.app_context():
        assert render_template("nested/page.txt", value="v") == "nested:v"


def test_app_without_template_folder_uses_blueprint_folders(shop: Blueprint) -> None:
    app = Hipflask("bare", root_path=HERE, template_folder=None, static_folder=None)
    app.register_blueprint(shop)
    with app.app_context():
        assert render_template("shared.html") == "shop:shared"


def test_folder_loader_is_relative_to_root_path(shop: Blueprint) -> None:
    loader = folder_loader(shop)
    assert loader is not None
    assert loader.searchpath == [os.path.join(HERE, "shop", "templates")]
    assert folder_loader(Blueprint("plain", __name__)) is None


def test_a_custom_jinja_loader_is_honoured(app: Hipflask) -> None:
    bp = Blueprint("custom", __name__)
    bp.jinja_loader = DictLoader({"custom.txt": "from a dict"})  # type: ignore[attr-defined]
    app.register_blueprint(bp)
    with app.app_context():
        assert render_template("custom.txt") == "from a dict"


def test_list_templates_includes_app_and_blueprint_templates(
    app: Hipflask, shop: Blueprint
) -> None:
    app.register_blueprint(shop)
    names = app.jinja_env.list_templates()
    assert "shared.html" in names
    assert "shop/index.html" in names
    assert "nested/page.txt" in names
    assert names == sorted(set(names))


def test_blueprint_registered_twice_is_searched_once(app: Hipflask, shop: Blueprint) -> None:
    app.register_blueprint(shop)
    app.register_blueprint(shop, name="shop2", url_prefix="/two")
    loader = app.jinja_env.loader
    assert isinstance(loader, DispatchingJinjaLoader)
    assert [scaffold for scaffold, _ in loader._iter_loaders()] == [app, shop]


# -- EXPLAIN_TEMPLATE_LOADING ---------------------------------------------------


def _explained(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Locating template")]


def test_explain_logs_each_folder_tried(
    app: Hipflask, shop: Blueprint, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.register_blueprint(shop)
    with caplog.at_level(logging.INFO, logger=app.name), app.app_context():
        assert render_template("shop/index.html", value="v") == "shop:v"
    (record,) = _explained(caplog)
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert "trying loader of application 'tests_templating'" in message
    assert "trying loader of blueprint 'shop'" in message
    assert "-> no match" in message
    assert os.path.join(HERE, "shop", "templates", "shop", "index.html") in message
    assert os.path.join(HERE, "templates") in message


def test_explain_warns_when_nothing_matched(
    app: Hipflask, shop: Blueprint, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True

    @shop.route("/")
    def index() -> str:
        return render_template("missing.html")

    app.register_blueprint(shop, url_prefix="/shop")
    with (
        caplog.at_level(logging.INFO, logger=app.name),
        app.test_request_context("/shop/"),
        pytest.raises(TemplateNotFound),
    ):
        index()
    (record,) = _explained(caplog)
    assert record.levelno == logging.WARNING
    assert "could not be found" in record.getMessage()
    assert "blueprint 'shop'" in record.getMessage()


def test_explain_warns_when_several_folders_match(
    app: Hipflask, shop: Blueprint, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.register_blueprint(shop)
    with caplog.at_level(logging.INFO, logger=app.name), app.app_context():
        assert render_template("shared.html") == "app:shared"
    (record,) = _explained(caplog)
    assert record.levelno == logging.WARNING
    assert "several loaders matched" in record.getMessage()


def test_explain_warns_when_no_folder_is_configured(caplog: pytest.LogCaptureFixture) -> None:
    app = Hipflask("bare", root_path=HERE, template_folder=None, static_folder=None)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with (
        caplog.at_level(logging.INFO, logger=app.name),
        app.app_context(),
        pytest.raises(TemplateNotFound),
    ):
        render_template("shared.html")
    (record,) = _explained(caplog)
    assert "no template folder is configured" in record.getMessage()


def test_nothing_is_logged_without_explain(app: Hipflask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), app.app_context():
        render_template("shared.html")
    assert _explained(caplog) == []


def test_explain_names_the_blueprint_of_a_real_request(
    app: Hipflask, shop: Blueprint, caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.config["TESTING"] = False

    @shop.route("/")
    def index() -> str:
        return render_template("missing.html")

    app.register_blueprint(shop, url_prefix="/shop")
    with caplog.at_level(logging.INFO, logger=app.name):
        response = app.test_client(protocol=protocol).get("/shop/")

    assert response.status_code == 500
    (record,) = _explained(caplog)
    assert "The request is handled by blueprint 'shop'" in record.getMessage()


def test_explain_function_takes_flask_s_attempts(
    app: Hipflask, shop: Blueprint, caplog: pytest.LogCaptureFixture
) -> None:
    # Each attempt is (loader, app or blueprint, what get_source returned),
    # as Flask's debughelpers documents it, for a loader of the app's own
    # that explains its lookups the Flask way.
    from hipflask.debughelpers import explain_template_loading_attempts

    found = DictLoader({"page.html": "x"})
    source = found.get_source(app.jinja_env, "page.html")
    with caplog.at_level(logging.INFO, logger=app.name):
        explain_template_loading_attempts(
            app, "page.html", [(DictLoader({}), app, None), (found, shop, source)]
        )
    (record,) = _explained(caplog)
    message = record.getMessage()
    assert "1: trying loader of application 'tests_templating'" in message
    assert "2: trying loader of blueprint 'shop'" in message
    assert "class: jinja2.loaders.DictLoader" in message
    assert record.levelno == logging.INFO
