"""JSON that cannot round-trip: refused on input, valid on output, with or without orjson."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest

import hipflask.json.provider as provider_module
from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.json import strict
from hipflask.testing.client import HipflaskClient

UNROUNDTRIPPABLE = [
    b"[" * 200 + b"]" * 200,
    b'{"a": ' * 150 + b"1" + b"}" * 150,
    b'{"a": "\\ud800"}',
    b'["\\udc00x"]',
    b"NaN",
    b"[Infinity]",
    b'{"a": -Infinity}',
    b"1e400",
    b"-1e400",
    b"1" * 400,
    b"\xff\xfe[]",
    # UTF-8-encoded surrogates, beside a long integer (read by the stdlib).
    b'{"name": "\xed\xa0\x80", "id": 1}',
    b'{"name": "\xed\xa0\x80", "id": 1234567890123456789}',
    # UTF-16 whose bytes hold 19 ASCII digits (U+3131 is b"11").
    '{"name": "\u3131\u3131\u3131\u3131\u3131\u3131\u3131\u3131\u3131\u3131"}'.encode("utf-16-le"),
]


@pytest.fixture(params=["orjson", "stdlib"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "stdlib":
        monkeypatch.setattr(provider_module, "_orjson", None)
    elif provider_module._orjson is None:
        pytest.skip("orjson is not installed")
    yield str(request.param)


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    @app.post("/echo")
    def echo_view() -> object:
        return jsonify(request.get_json())

    @app.get("/produce")
    def produce() -> object:
        return jsonify({"nan": math.nan, "inf": [math.inf, -math.inf], "lone": "\ud800", "ok": 1})

    return app


@pytest.mark.parametrize("body", UNROUNDTRIPPABLE)
def test_input_that_cannot_round_trip_is_a_400(
    echo: Hipflask, client: HipflaskClient, parser: str, body: bytes
) -> None:
    response = client.post("/echo", data=body, content_type="application/json")

    assert response.status_code == 400
    assert len(response.get_data()) < 1000


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 123456789012345678901234567890}',
        b"[18446744073709551616, -9223372036854775809, 9223372036854775807, 1]",
        b'{"id": 12345678901234567890, "code": "1234567890123456789012"}',
        b'\xef\xbb\xbf{"a": 1}',
    ],
)
def test_large_integers_and_a_utf8_bom_are_read_as_flask_reads_them(
    echo: Hipflask, client: HipflaskClient, parser: str, body: bytes
) -> None:
    # orjson reads an integer past 64 bits as a float (a large id silently
    # changes value) and refuses a leading UTF-8 byte-order mark; the stdlib,
    # and so Flask, reads both.
    response = client.post("/echo", data=body, content_type="application/json")

    assert response.status_code == 200
    echoed = json.loads(response.get_data())
    assert echoed == json.loads(body)
    assert all(type(value) is int for value in _numbers(echoed))


def _numbers(value: object) -> list[object]:
    if isinstance(value, dict):
        return [item for child in value.values() for item in _numbers(child)]
    if isinstance(value, list):
        return [item for child in value for item in _numbers(child)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


@pytest.mark.parametrize(
    "body", [b"[" * 128 + b"]" * 128, b'"\\ud83d\\ude00"', b"1e300", b"[1, 2.5, null, true]"]
)
def test_input_within_the_rules_is_echoed_as_valid_json(
    echo: Hipflask, client: HipflaskClient, parser: str, body: bytes
) -> None:
    response = client.post("/echo", data=body, content_type="application/json")

    assert response.status_code == 200
    assert json.loads(response.get_data()) == json.loads(body)


def test_values_json_lacks_are_written_as_valid_json(
    echo: Hipflask, client: HipflaskClient, parser: str
) -> None:
    response = client.get("/produce")

    assert response.status_code == 200
    data = json.loads(response.get_data(), parse_constant=pytest.fail)
    assert data["nan"] is None
    assert data["inf"] == [None, None]
    assert data["ok"] == 1


def test_a_wrong_content_type_is_a_415_with_a_short_message(
    echo: Hipflask, client: HipflaskClient
) -> None:
    response = client.post("/echo", data=b"{}", content_type="text/plain")

    assert response.status_code == 415
    assert len(response.get_data()) < 1000


def test_depth_is_counted_without_recursion() -> None:
    deep: list[object] = []
    node = deep
    for _ in range(5000):
        child: list[object] = []
        node.append(child)
        node = child

    with pytest.raises(ValueError, match="deeper than"):
        strict.check_depth(b"[" * 5001, deep)


def test_few_brackets_skip_the_walk() -> None:
    strict.check_depth(b"[[1]]", [[1]])


def test_non_finite_values_are_replaced_inside_containers() -> None:
    assert strict.without_non_finite({"a": (math.nan, 1.5), "b": [math.inf]}) == {
        "a": [None, 1.5],
        "b": [None],
    }


def test_explicit_allow_nan_is_left_to_the_caller(echo: Hipflask) -> None:
    assert echo.json.dumps(math.nan, allow_nan=True) == "NaN"
