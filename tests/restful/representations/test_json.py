"""The JSON representation, content negotiation and custom representations on the Api."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.datastructures import Headers

import hipflask.json.provider as provider_module
from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import output_json


class Thing(Resource):
    def get(self) -> Any:
        return {"name": "thing"}


@pytest.fixture
def api(app: Hipflask) -> Api:
    api = Api(app)

    @api.representation("application/xml")
    def output_xml(data: Any, code: int, headers: Any = None) -> Response:
        return Response(f"<name>{data['name']}</name>", code, headers)

    api.add_resource(Thing, "/thing")
    return api


def test_json_by_default(api: Api, client: Any) -> None:
    response = client.get("/thing")
    assert response.headers["Content-Type"] == "application/json"
    assert response.data.endswith(b"\n")


def test_custom_representation_by_accept(api: Api, client: Any) -> None:
    response = client.get("/thing", headers={"Accept": "application/xml"})
    assert response.headers["Content-Type"] == "application/xml"
    assert response.data == b"<name>thing</name>"


def test_unknown_accept_falls_back_to_the_default(api: Api, client: Any) -> None:
    response = client.get("/thing", headers={"Accept": "text/html"})
    assert response.headers["Content-Type"] == "application/json"


def test_no_default_mediatype_answers_406(app: Hipflask, client: Any) -> None:
    api = Api(app, default_mediatype=None)
    api.add_resource(Thing, "/strict")
    assert client.get("/strict", headers={"Accept": "text/csv"}).status_code == 406


def test_a_plain_text_default_beside_json_varies_on_accept(app: Hipflask, client: Any) -> None:
    # One representation, but a default that is not it: the client's Accept
    # still picks JSON or plain text for the same URL.
    api = Api(app, default_mediatype="text/plain")
    api.add_resource(Thing, "/either")
    as_text = client.get("/either", headers={"Accept": "text/html"})
    as_json = client.get("/either", headers={"Accept": "application/json"})
    assert (as_text.mimetype, as_json.mimetype) == ("text/plain", "application/json")
    assert "Accept" in as_text.headers.get("Vary", "")
    assert "Accept" in as_json.headers.get("Vary", "")


def test_a_406_varies_on_accept(app: Hipflask, client: Any) -> None:
    # The same URL answers 200 to a client accepting JSON: a shared cache
    # keeping the 406 under the URL alone would refuse that client too.
    api = Api(app, default_mediatype=None)
    api.add_resource(Thing, "/strict")
    refused = client.get("/strict", headers={"Accept": "text/csv"})
    assert refused.status_code == 406
    assert "Accept" in refused.headers.get("Vary", "")
    served = client.get("/strict", headers={"Accept": "application/json"})
    assert served.status_code == 200
    assert "Accept" in served.headers.get("Vary", "")


def test_restful_json_settings_apply(api: Api, app: Hipflask, client: Any) -> None:
    app.config["RESTFUL_JSON"] = {"indent": 2}
    assert client.get("/thing").data == b'{\n  "name": "thing"\n}\n'


def test_output_json_keeps_status_and_headers(app: Hipflask) -> None:
    with app.test_request_context():
        response = output_json({"a": 1}, 201, {"X-A": "b"})
    assert response.status_code == 201
    assert response.headers["X-A"] == "b"


@pytest.fixture(params=["orjson", "stdlib"])
def encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "orjson":
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(provider_module, "_orjson", None)
    return str(request.param)


def test_resource_and_abort_bodies_are_the_same_bytes_on_both_encoders(
    app: Hipflask, client: Any, encoder: str
) -> None:
    class Listing(Resource):
        def get(self) -> Any:
            return {"b": [1, 2], "a": {"q": "lamp"}}

    class Refused(Resource):
        def get(self) -> Any:
            abort(409, message="taken", field="name")

    api = Api(app)
    api.add_resource(Listing, "/listing")
    api.add_resource(Refused, "/refused")

    @app.get("/plain-abort")
    def plain_abort() -> str:
        abort(400, message="bad", field="q")
        return "unreachable"

    assert client.get("/listing").data == b'{"a":{"q":"lamp"},"b":[1,2]}\n'
    assert client.get("/refused").data == b'{"field":"name","message":"taken"}\n'
    assert client.get("/plain-abort").data == b'{"field":"q","message":"bad"}\n'


def test_pretty_provider_output_ends_with_one_newline(
    app: Hipflask, client: Any, encoder: str
) -> None:
    app.json.compact = False  # type: ignore[attr-defined]
    api = Api(app)
    api.add_resource(Thing, "/pretty")

    assert client.get("/pretty").data == b'{\n  "name": "thing"\n}\n'


class _CabbageEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, _Vegetable):
            return "cabbage"
        return super().default(o)


class _Vegetable:
    pass


def test_restful_json_encoder_class_encodes_what_json_cannot(app: Hipflask, client: Any) -> None:
    app.config["RESTFUL_JSON"] = {"cls": _CabbageEncoder}

    class Garden(Resource):
        def get(self) -> Any:
            return {"crop": _Vegetable()}

    Api(app).add_resource(Garden, "/garden")
    response = client.get("/garden")
    assert response.status_code == 200
    assert response.get_json() == {"crop": "cabbage"}


def test_406_of_an_api_without_json_is_in_its_own_representation(
    app: Hipflask, client: Any
) -> None:
    api = Api(app, default_mediatype=None)
    api.representations = {}

    @api.representation("text/csv")
    def output_csv(data: Any, code: int, headers: Any = None) -> Response:
        return Response(f"csv:{data}", code, headers)

    api.add_resource(Thing, "/strict")
    response = client.get("/strict", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "text/csv"
    assert response.data.startswith(b"csv:")


def test_406_of_an_api_without_representations_is_plain_text(app: Hipflask, client: Any) -> None:
    api = Api(app, default_mediatype=None)
    api.representations = {}
    api.add_resource(Thing, "/strict")
    response = client.get("/strict", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "text/plain"


class Tagged(Resource):
    def get(self, kind: str) -> Any:
        headers: Any = {
            "dict": {"X-Tag": "a"},
            "list": [("X-Tag", "a")],
            "headers": Headers({"X-Tag": "a"}),
        }[kind]
        if request.args.get("more"):
            return {"kind": kind}, headers, {"X-More": "b"}
        return {"kind": kind}, headers


@pytest.mark.parametrize("more", ["", "1"], ids=["pair", "triple"])
@pytest.mark.parametrize("kind", ["dict", "list", "headers"])
def test_headers_in_the_place_of_the_status_are_headers(
    app: Hipflask, client: Any, kind: str, more: str
) -> None:
    # ``return data, {"X-Tag": "a"}``: as Flask's make_response takes it, a
    # 200 with those headers.
    Api(app).add_resource(Tagged, "/tagged/<kind>")
    response = client.get(f"/tagged/{kind}?more={more}")
    assert response.status_code == 200
    assert response.get_json() == {"kind": kind}
    assert response.headers["X-Tag"] == "a"
    assert response.headers.get("X-More") == ("b" if more else None)
    assert response.headers["Content-Type"] == "application/json"


def test_output_json_takes_headers_in_the_place_of_the_status(app: Hipflask) -> None:
    with app.test_request_context():
        response = output_json({"a": 1}, {"X-Tag": "a"})  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.headers["X-Tag"] == "a"
