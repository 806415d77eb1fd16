"""JSON bodies: parsing, caching, and the errors bad JSON gets, under both protocols."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.json.provider import DefaultJSONProvider
from hipflask.testing.client import HipflaskClient


def test_json_body_is_parsed(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"json": request.json, "get_json": request.get_json(), "is_json": request.is_json}

    response = client.post("/", json={"a": [1, 2]})

    assert response.get_json() == {
        "json": {"a": [1, 2]},
        "get_json": {"a": [1, 2]},
        "is_json": True,
    }


def test_invalid_json_is_a_400_with_a_short_message(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.get_json()

    response = client.post("/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "The request body is not valid JSON." in response.text
    assert "Traceback" not in response.text


def test_invalid_json_in_debug_mode_says_what_failed(app: Hipflask, client: HipflaskClient) -> None:
    app.config["DEBUG"] = True

    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.get_json()

    response = client.post("/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "Failed to decode JSON object" in response.text


def test_json_with_the_wrong_content_type_is_a_415(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return request.json

    response = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert response.status_code == 415
    assert "application/json" in response.text


def test_force_parses_json_whatever_the_content_type(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json(force=True)}

    response = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert response.get_json() == {"got": {"a": 1}}


def test_silent_returns_none_for_bad_or_missing_json(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json(silent=True)}

    bad = client.post("/", data="{", content_type="application/json")
    wrong_type = client.post("/", data='{"a": 1}', content_type="text/plain")

    assert bad.get_json() == {"got": None}
    assert wrong_type.get_json() == {"got": None}


def test_silent_failure_does_not_hide_the_error_from_a_later_strict_call(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        assert request.get_json(silent=True) is None
        assert request.get_json(silent=True) is None
        return request.get_json()

    response = client.post("/", data="{", content_type="application/json")

    assert response.status_code == 400


def test_parsed_json_is_cached_unless_asked_not_to(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        first = request.get_json()
        cached = request.get_json()
        fresh = request.get_json(cache=False)
        return {
            "same": first is cached,
            "fresh_is_new": fresh is not first,
            "equal": fresh == first,
        }

    response = client.post("/", json={"a": 1})

    assert response.get_json() == {"same": True, "fresh_is_new": True, "equal": True}


def test_json_null_body_is_none_and_cached(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"first": request.get_json(), "second": request.get_json()}

    response = client.post("/", data="null", content_type="application/json")

    assert response.get_json() == {"first": None, "second": None}


def test_json_content_type_with_suffix_counts_as_json(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json()}

    response = client.post("/", data='{"a": 1}', content_type="application/problem+json")

    assert response.get_json() == {"got": {"a": 1}}


@pytest.mark.parametrize("provider", ["default", "stdlib"])
def test_deeply_nested_json_is_a_400(app: Hipflask, client: HipflaskClient, provider: str) -> None:
    if provider == "stdlib":

        class StdlibProvider(DefaultJSONProvider):
            def loads(self, s: str | bytes, **kwargs: Any) -> Any:
                return json.loads(s, **kwargs)

        app.json = StdlibProvider(app)

    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json()}

    response = client.post("/", data="[" * 100_000, content_type="application/json")

    assert response.status_code == 400
