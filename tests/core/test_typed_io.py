"""The request-time half of typed views: error bodies and what is passed through."""

from __future__ import annotations

import json

from hipflask import Response
from hipflask.core.typed_io import BodyNotJSON
from hipflask.core.typed_io import ValidationFailed
from hipflask.core.typed_io import is_response_type


def test_validation_failed_is_a_json_422_listing_the_errors() -> None:
    errors = [{"loc": ["query", "page"], "msg": "bad", "type": "int_parsing"}]
    exc = ValidationFailed(errors)
    assert exc.code == 422
    assert json.loads(exc.get_body()) == {"message": "Input validation failed.", "errors": errors}
    assert exc.get_headers() == [("Content-Type", "application/json")]


def test_body_not_json_is_a_json_415() -> None:
    exc = BodyNotJSON()
    assert exc.code == 415
    assert json.loads(exc.get_body())["message"].startswith("The request body must be JSON")


def test_responses_are_recognised_and_passed_through() -> None:
    assert is_response_type(Response)
    assert not is_response_type(dict)
    assert not is_response_type(list[int])
