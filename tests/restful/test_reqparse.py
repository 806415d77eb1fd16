"""RequestParser: every add_argument option, over query, form and JSON, under both protocols."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.restful import inputs
from hipflask.restful import reqparse
from hipflask.restful.reqparse import Argument
from hipflask.restful.reqparse import Namespace
from hipflask.restful.reqparse import RequestParser

PARSERS: dict[str, RequestParser] = {}


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/parse/<name>", methods=["GET", "POST"])
    def parse(name: str) -> Any:
        strict = request.args.get("_strict") == "1"
        parser = PARSERS[name]
        if strict:
            return dict(parser.parse_args(strict=True))
        return _jsonable(parser.parse_args())

    return app


def _jsonable(args: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, decimal.Decimal) else value
        for key, value in args.items()
    }


def use(name: str, parser: RequestParser) -> str:
    PARSERS[name] = parser
    return f"/parse/{name}"


def test_tutorial_parser_reads_a_form_post(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("rate", type=int, help="Rate to charge for this resource")
    url = use("form", parser)
    assert client.post(url, data={"rate": "5"}).get_json() == {"rate": 5}
    assert client.post(url, json={"rate": 6}).get_json() == {"rate": 6}
    assert client.get(url + "?rate=7").get_json() == {"rate": 7}


@pytest.mark.parametrize("body", [b'{"rate": ', b"[1, 2]", b'"rate"', b"\xff\xfe", b""], ids=repr)
def test_a_json_body_that_is_not_an_object_is_a_json_400(client: Any, body: bytes) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("rate", type=int)
    response = client.post(
        use("not-object", parser), data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.is_json
    assert "rate" not in response.get_data(as_text=True)


def test_bad_type_is_a_400_naming_the_argument(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("rate", type=int, help="Rate cannot be converted: {error_msg}")
    response = client.post(use("bad", parser), data={"rate": "x"})
    assert response.status_code == 400
    assert response.get_json() == {
        "message": {"rate": "Rate cannot be converted: invalid literal for int() with base 10: 'x'"}
    }


def test_required_argument_missing(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("name", required=True)
    response = client.post(use("required", parser))
    assert response.status_code == 400
    assert response.get_json()["message"]["name"] == (
        "Missing required parameter in the JSON body or the post body or the query string"
    )


def test_bundle_errors_lists_every_bad_argument(client: Any) -> None:
    parser = reqparse.RequestParser(bundle_errors=True)
    parser.add_argument("a", type=int)
    parser.add_argument("b", required=True, location="args")
    parser.add_argument("c", choices=("x", "y"))
    response = client.post(use("bundle", parser), data={"a": "z", "c": "q"})
    assert response.status_code == 400
    assert response.get_json()["message"] == {
        "a": "invalid literal for int() with base 10: 'z'",
        "b": "Missing required parameter in the query string",
        "c": "q is not a valid choice",
    }


@pytest.mark.parametrize("bundled_by", ["parser", "setting"])
def test_bundle_errors_reports_a_type_that_fails_with_another_exception(
    app: Hipflask, client: Any, bundled_by: str
) -> None:
    # int() of a JSON list raises TypeError: the argument is bad all the
    # same, never the exception object handed to the resource as its value.
    app.config["BUNDLE_ERRORS"] = bundled_by == "setting"
    parser = reqparse.RequestParser(bundle_errors=bundled_by == "parser")
    parser.add_argument("a", type=int, location="json")
    parser.add_argument("b", type=int, location="json")
    response = client.post(use(f"bundle-type-error-{bundled_by}", parser), json={"a": [1]})
    assert response.status_code == 400
    assert response.get_json()["message"] == {
        "a": "int() argument must be a string, a bytes-like object or a real number, not 'list'"
    }


def test_bundle_errors_setting(app: Hipflask, client: Any) -> None:
    app.config["BUNDLE_ERRORS"] = True
    parser = reqparse.RequestParser()
    parser.add_argument("a", type=int)
    parser.add_argument("b", type=int)
    response = client.post(use("bundle-setting", parser), data={"a": "x", "b": "y"})
    assert set(response.get_json()["message"]) == {"a", "b"}


def test_append_dest_default_and_store_missing(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("tag", action="append", dest="tags")
    parser.add_argument("page", type=int, default=1)
    parser.add_argument("size", type=int, default=lambda: 20)
    parser.add_argument("skip", store_missing=False)
    response = client.get(use("append", parser) + "?tag=a&tag=b")
    assert response.get_json() == {"tags": ["a", "b"], "page": 1, "size": 20}


def test_append_from_a_json_list(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("ids", type=int, action="append", location="json")
    assert client.post(use("json-list", parser), json={"ids": [1, "2"]}).get_json() == {
        "ids": [1, 2]
    }


def test_a_json_list_under_the_default_locations_is_its_items(client: Any) -> None:
    # The default locations are ("json", "values"): the list is spread, not
    # stored as its repr, and a single-valued argument takes its first item.
    parser = reqparse.RequestParser()
    parser.add_argument("tag", action="append", dest="tags", default=[])
    parser.add_argument("title")
    parser.add_argument("n", type=int, action="append")
    url = use("default-json-list", parser)
    body = {"tag": ["a", "b"], "title": ["x", "y"], "n": ["1", "2"]}
    assert client.post(url, json=body).get_json() == {"tags": ["a", "b"], "title": "x", "n": [1, 2]}
    empty = client.post(url, json={"tag": []}).get_json()
    assert empty["tags"] == []


def test_query_and_json_lists_merge(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("multi", action="append", location=["args", "json"])
    url = use("merge-lists", parser) + "?multi=1&multi=2"
    assert client.post(url, json={"multi": ["3"]}).get_json() == {"multi": ["1", "2", "3"]}


def test_an_upload_keeps_its_name_and_type(app: Hipflask, client: Any) -> None:
    import io

    from werkzeug.datastructures import FileStorage

    parser = reqparse.RequestParser()
    parser.add_argument("picture", type=FileStorage, location="files", required=True)

    @app.post("/upload")
    def upload() -> Any:
        picture = parser.parse_args()["picture"]
        return {"name": picture.filename, "type": picture.mimetype, "data": picture.read().decode()}

    data = {"picture": (io.BytesIO(b"PNGDATA"), "cat.png", "image/png")}
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    assert response.get_json() == {"name": "cat.png", "type": "image/png", "data": "PNGDATA"}


def test_trim_and_case_insensitive_choices(client: Any) -> None:
    parser = reqparse.RequestParser(trim=True)
    parser.add_argument("color", choices=("red", "blue"), case_sensitive=False)
    assert client.get(use("trim", parser) + "?color=%20RED%20").get_json() == {"color": "red"}


@pytest.mark.parametrize("sent", [["red"], {"red": 1}], ids=["list", "object"])
@pytest.mark.parametrize("bundle", [False, True], ids=["first-error", "bundled"])
def test_a_json_structure_against_set_choices_is_a_400(
    client: Any, sent: Any, bundle: bool
) -> None:
    # A type that keeps JSON values as sent hands a list or an object to the
    # choices check; ``in`` a set raised TypeError (unhashable), a 500.
    parser = reqparse.RequestParser(bundle_errors=bundle)
    parser.add_argument("color", type=lambda value: value, choices={"red", "blue"}, location="json")

    response = client.post(use(f"set-choices-{bundle}", parser), json={"color": sent})

    assert response.status_code == 400
    assert response.get_json() == {"message": {"color": f"{sent} is not a valid choice"}}


def test_not_nullable(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("name", nullable=False, location="json")
    response = client.post(use("null", parser), json={"name": None})
    assert response.get_json() == {"message": {"name": "Must not be null!"}}


def test_locations_headers_and_cookies(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("X-Token", location="headers", dest="token")
    parser.add_argument("flavour", location="cookies")
    client.set_cookie("flavour", "ginger")
    response = client.get(use("headers", parser), headers={"X-Token": "abc"})
    assert response.get_json() == {"token": "abc", "flavour": "ginger"}


def test_json_location_on_a_form_post_is_empty_not_415(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("a", location="json")
    parser.add_argument("b", location="form")
    assert client.post(use("json-form", parser), data={"a": "1", "b": "2"}).get_json() == {
        "a": None,
        "b": "2",
    }


def test_strict_refuses_unknown_arguments(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("a")
    response = client.get(use("strict", parser) + "?a=1&evil=2&_strict=1")
    assert response.status_code == 400
    assert b"Unknown arguments: evil" in response.data


def test_strict_refuses_an_argument_sent_where_it_is_not_read(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("page", type=int, location="args")
    url = use("strict-location", parser)
    # "page" comes in the JSON body; the parser reads it from the query string only.
    response = client.post(url + "?_strict=1", json={"page": 2})
    assert response.status_code == 400
    assert b"Unknown arguments: page, _strict" in response.data
    # From the query string it is known (only the test route's own flag is not).
    response = client.post(url + "?page=2&_strict=1", json={})
    assert b"Unknown arguments: _strict<" in response.data


def test_types_from_inputs_and_decimal(client: Any) -> None:
    parser = reqparse.RequestParser(bundle_errors=True)
    parser.add_argument("flag", type=inputs.boolean)
    parser.add_argument("count", type=inputs.int_range(1, 5))
    parser.add_argument("price", type=decimal.Decimal)
    url = use("inputs", parser)
    assert client.get(url + "?flag=yes&count=3&price=1.10").get_json() == {
        "flag": True,
        "count": 3,
        "price": "1.10",
    }
    bad = client.get(url + "?flag=maybe&count=9").get_json()["message"]
    assert bad == {
        "flag": "Invalid literal for boolean(): maybe",
        "count": "Invalid argument: 9. argument must be within the range 1 - 5",
    }


@pytest.mark.parametrize("sent", ["abc", "sNaN", "NaN", "-Infinity"])
def test_a_decimal_that_is_no_finite_number_is_a_400_that_names_it(client: Any, sent: str) -> None:
    # decimal's own error reads "[<class 'decimal.ConversionSyntax'>]", the
    # module's internals; and a signalling NaN passed as valid made the first
    # arithmetic on it raise in the resource, a 500.
    parser = reqparse.RequestParser()
    parser.add_argument("price", type=decimal.Decimal)

    response = client.get(use("decimal", parser), query_string={"price": sent})

    assert response.status_code == 400
    assert response.get_json() == {"message": {"price": f"{sent} is not a valid decimal number"}}


def test_a_decimal_with_more_digits_than_an_int_takes_is_a_400(client: Any) -> None:
    # "1e999999" is within decimal's range, but int() or round() of it builds
    # a million-digit integer: half a minute of CPU per request. Past the
    # digits Python reads into an int (4300), it is refused as int() refuses.
    parser = reqparse.RequestParser()
    parser.add_argument("price", type=decimal.Decimal)
    url = use("decimal", parser)

    refused = client.get(url, query_string={"price": "1e999999"})
    taken = client.get(url, query_string={"price": "1e4000"})

    assert refused.status_code == 400
    assert refused.get_json() == {"message": {"price": _OUT_OF_RANGE.format("1e999999")}}
    assert taken.status_code == 200


_OUT_OF_RANGE = (
    "{} is out of range: a decimal number may have at most 4300 digits"
    " before the point and 4300 after it"
)


@pytest.mark.parametrize(
    "sent",
    [
        "1e-9999999999",
        "-1E-9999999999",
        "0e-9999999999",
        "1e-4301",
        "0e999999",
        "1e999999999999999999",
    ],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["query", "json"])
def test_a_decimal_past_the_digits_either_side_of_the_point_is_a_400(
    client: Any, sent: str, as_json: bool
) -> None:
    # f"{value:f}" of 1e-9999999999 writes ten billion zeros (a MemoryError)
    # and Fraction(value) or value.as_integer_ratio() builds 10**9999999999:
    # a tiny exponent costs what a huge one does.
    parser = reqparse.RequestParser()
    parser.add_argument("price", type=decimal.Decimal, location="json" if as_json else "args")
    url = use("decimal", parser)

    refused = (
        client.post(url, json={"price": sent})
        if as_json
        else client.get(url, query_string={"price": sent})
    )

    assert refused.status_code == 400
    assert refused.get_json() == {"message": {"price": _OUT_OF_RANGE.format(sent)}}


@pytest.mark.parametrize("sent", ["1e-4300", "0." + "0" * 4299 + "1", "-12.5e-4299", "0e-4300"])
def test_a_decimal_within_the_digits_either_side_is_taken(client: Any, sent: str) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("price", type=decimal.Decimal)

    response = client.get(use("decimal", parser), query_string={"price": sent})

    assert response.status_code == 200
    assert decimal.Decimal(response.get_json()["price"]) == decimal.Decimal(sent)


def test_type_receiving_the_argument_name(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("limit", type=inputs.natural)
    response = client.get(use("natural", parser) + "?limit=-1")
    assert response.get_json() == {
        "message": {"limit": "Invalid limit: -1. limit must be a non-negative integer"}
    }


def test_ignore_skips_a_bad_value(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("n", type=int, ignore=True)
    assert client.get(use("ignore", parser) + "?n=x").get_json() == {"n": None}


def test_an_ignored_bad_value_is_not_found(client: Any) -> None:
    # With store_missing=False, a value that failed conversion and was
    # ignored leaves the key out, as a value never sent does.
    parser = reqparse.RequestParser()
    parser.add_argument("limit", type=int, ignore=True, store_missing=False, location="args")
    url = use("ignore-missing", parser)
    assert client.get(url + "?limit=abc").get_json() == {}
    assert client.get(url).get_json() == {}
    assert client.get(url + "?limit=3").get_json() == {"limit": 3}


def test_strict_counts_an_ignored_value_as_known(client: Any) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("n", type=int, ignore=True, location="args")
    parser.add_argument("_strict", location="args")
    assert client.get(use("strict-ignore", parser) + "?n=x&_strict=1").status_code == 200


def test_copy_replace_and_remove() -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("a", type=int)
    parser.add_argument("b")
    copy = parser.copy()
    copy.replace_argument("a", type=str, required=True)
    copy.remove_argument("b")
    assert [arg.name for arg in parser.args] == ["a", "b"]
    assert parser.args[0].type is int
    assert [arg.name for arg in copy.args] == ["a"]
    assert copy.args[0].type is str
    assert copy.args[0].required


def test_add_argument_accepts_an_argument_and_chains() -> None:
    parser = reqparse.RequestParser().add_argument(Argument("x")).add_argument("y")
    assert [arg.name for arg in parser.args] == ["x", "y"]


def test_namespace_has_attribute_access() -> None:
    namespace = Namespace(a=1)
    namespace.b = 2
    assert namespace.a == 1
    assert namespace["b"] == 2
    with pytest.raises(AttributeError):
        _ = namespace.missing


def test_argument_schema_for_the_document() -> None:
    assert Argument("n", type=inputs.int_range(1, 3)).schema() == {
        "type": "integer",
        "minimum": 1,
        "maximum": 3,
    }
    assert Argument("t", action="append", choices=("a",)).schema() == {
        "type": "array",
        "items": {"type": "string", "enum": ["a"]},
    }
