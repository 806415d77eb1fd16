"""URL converters: Werkzeug's, custom ones, their failures, and which rule wins."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError

from hipflask import Hipflask
from hipflask import abort
from hipflask import got_request_exception
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


def _echo(app: Hipflask, rule: str) -> None:
    def view(**values: Any) -> dict[str, Any]:
        return {name: [type(value).__name__, str(value)] for name, value in values.items()}

    app.add_url_rule(rule, endpoint=f"echo{len(app.view_functions)}", view_func=view)


def test_string_converter_is_the_default(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/s/<name>")
    assert client.get("/s/caf%C3%A9").json == {"name": ["str", "café"]}
    assert client.get("/s/a/b").status_code == 404


def test_string_converter_length_arguments(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/code/<string(length=2):code>")
    _echo(app, "/name/<string(minlength=3, maxlength=5):name>")
    assert client.get("/code/fr").json == {"code": ["str", "fr"]}
    assert client.get("/code/fra").status_code == 404
    assert client.get("/name/abc").status_code == 200
    assert client.get("/name/abcde").status_code == 200
    assert client.get("/name/ab").status_code == 404
    assert client.get("/name/abcdef").status_code == 404


def test_int_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/n/<int:n>")
    assert client.get("/n/42").json == {"n": ["int", "42"]}
    assert client.get("/n/-1").status_code == 404
    assert client.get("/n/4.2").status_code == 404
    assert client.get("/n/abc").status_code == 404


def test_int_converter_arguments(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/range/<int(min=1, max=10):n>")
    _echo(app, "/signed/<int(signed=True):n>")
    _echo(app, "/fixed/<int(fixed_digits=4):year>")
    assert client.get("/range/1").json == {"n": ["int", "1"]}
    assert client.get("/range/10").status_code == 200
    assert client.get("/range/0").status_code == 404
    assert client.get("/range/11").status_code == 404
    assert client.get("/signed/-5").json == {"n": ["int", "-5"]}
    assert client.get("/fixed/2024").json == {"year": ["int", "2024"]}
    assert client.get("/fixed/24").status_code == 404


def test_float_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/f/<float:x>")
    _echo(app, "/sf/<float(signed=True):x>")
    assert client.get("/f/2.5").json == {"x": ["float", "2.5"]}
    assert client.get("/f/2").status_code == 404
    assert client.get("/sf/-0.5").json == {"x": ["float", "-0.5"]}


def test_path_converter_spans_slashes(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/files/<path:p>")
    _echo(app, "/wiki/<path:page>/edit")
    assert client.get("/files/a/b/c.txt").json == {"p": ["str", "a/b/c.txt"]}
    assert client.get("/wiki/Main/Sub/edit").json == {"page": ["str", "Main/Sub"]}


def test_uuid_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/u/<uuid:u>")
    value = uuid.uuid4()
    assert client.get(f"/u/{value}").json == {"u": ["UUID", str(value)]}
    assert client.get("/u/not-a-uuid").status_code == 404


def test_any_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/<any(about, help, 'contact-us'):page>")
    assert client.get("/about").json == {"page": ["str", "about"]}
    assert client.get("/contact-us").status_code == 200
    assert client.get("/other").status_code == 404


class ListConverter(BaseConverter):
    """``a,b,c`` in the URL, a list in the view."""

    def to_python(self, value: str) -> list[str]:
        if not value:
            raise ValidationError()
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


def test_custom_converter_is_used_both_ways(app: Hipflask, client: HipflaskClient) -> None:
    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, Any]:
        return {"tags": tags, "self": url_for("tags", tags=tags)}

    assert client.get("/tags/a,b,c").json == {"tags": ["a", "b", "c"], "self": "/tags/a,b,c"}


class ArticleConverter(BaseConverter):
    """Loads the article named in the URL, refusing unknown ones with a 404 of its own."""

    def to_python(self, value: str) -> str:
        if value == "gone":
            abort(410)
        if value == "bad":
            raise BadRequest("Not an article name.")
        return value.title()


def test_converter_raising_an_http_error_answers_with_it(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.url_map.converters["article"] = ArticleConverter

    @app.route("/articles/<article:article>")
    def article(article: str) -> str:
        return article

    @app.errorhandler(400)
    def bad_request(error: BadRequest) -> tuple[str, int]:
        return f"refused: {error.description}", 400

    assert client.get("/articles/routing").text == "Routing"
    assert client.get("/articles/gone").status_code == 410
    refused = client.get("/articles/bad")
    assert (refused.status_code, refused.text) == (400, "refused: Not an article name.")


class FaultyConverter(BaseConverter):
    """A converter with a bug: ``to_python`` fails on some values."""

    def to_python(self, value: str) -> int:
        return int(value)


def test_converter_failing_is_a_500_through_the_error_handlers(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["TESTING"] = False
    app.url_map.converters["faulty"] = FaultyConverter
    raised: list[BaseException] = []

    @app.route("/n/<faulty:n>/")
    def number(n: int) -> str:
        return str(n)

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"failed: {type(error.original_exception).__name__}", 500

    def record(sender: Hipflask, exception: BaseException, **extra: Any) -> None:
        raised.append(exception)

    got_request_exception.connect(record, app)
    try:
        assert client.get("/n/7/").text == "7"
        failed = client.get("/n/seven/")
        assert (failed.status_code, failed.text) == (500, "failed: ValueError")
        # The slash redirect comes before the conversion, as in Werkzeug.
        assert client.get("/n/seven").status_code == 308
    finally:
        got_request_exception.disconnect(record, app)
    assert [type(error) for error in raised] == [ValueError]


def test_converter_failing_reaches_a_test_while_testing(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.url_map.converters["faulty"] = FaultyConverter
    app.add_url_rule("/n/<faulty:n>", "number", lambda n: str(n))
    with pytest.raises(ValueError, match="seven"):
        client.get("/n/seven")
    with pytest.raises(ValueError, match="seven"), app.test_request_context("/n/seven"):
        pass


class AnyTextConverter(BaseConverter):
    """``.+`` without a slash in it: Werkzeug keeps it to one segment."""

    regex = ".+"


def test_converter_regex_stays_within_its_segment(app: Hipflask, client: HipflaskClient) -> None:
    app.url_map.converters["text"] = AnyTextConverter

    @app.route("/notes/<text:title>")
    def note(title: str) -> str:
        return f"note {title}"

    @app.route("/notes/<text:title>/edit")
    def edit(title: str) -> str:
        return f"edit {title}"

    assert client.get("/notes/a b").text == "note a b"
    assert client.get("/notes/groceries/edit").text == "edit groceries"
    assert client.get("/notes/a/b").status_code == 404
    assert client.get("/notes/../secret").status_code == 404


def test_int_rule_wins_over_string_rule(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/item/<name>")
    def by_name(name: str) -> str:
        return "name"

    @app.route("/item/<int:item_id>")
    def by_id(item_id: int) -> str:
        return "id"

    assert client.get("/item/12").text == "id"
    assert client.get("/item/twelve").text == "name"


def test_static_rule_wins_over_dynamic_rule(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/users/<name>")
    def user(name: str) -> str:
        return f"user {name}"

    @app.route("/users/me")
    def me() -> str:
        return "me"

    assert client.get("/users/me").text == "me"
    assert client.get("/users/ann").text == "user ann"


def test_converters_module_exports_werkzeugs_converters(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask.routing import converters

    class EvenConverter(converters.NumberConverter):
        """Even numbers only: ``to_python`` refuses odd ones with a 404."""

        regex = r"\d+"
        num_convert = int

        def to_python(self, value: str) -> Any:
            number = super().to_python(value)
            if number % 2:
                raise converters.ValidationError()
            return number

    app.url_map.converters["even"] = EvenConverter
    _echo(app, "/even/<even:n>")
    assert client.get("/even/4").json == {"n": ["int", "4"]}
    assert client.get("/even/5").status_code == 404
    assert issubclass(converters.IntegerConverter, converters.BaseConverter)
    assert {"any", "path", "uuid", "float", "int", "string", "default"} <= set(
        app.url_map.converters
    )
