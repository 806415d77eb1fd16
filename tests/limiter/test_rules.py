"""Declared limits: parsed once when static, normalised from every accepted form."""

from __future__ import annotations

import pytest

from hipflask.errors import ConfigurationError
from hipflask.limiter import ExemptionScope
from hipflask.limiter import HeaderNames
from hipflask.limiter import Limit
from hipflask.limiter.rules import as_limits


def test_a_static_limit_is_parsed_at_declaration() -> None:
    limit = Limit("5 per minute; 100 per day", methods=["POST"])
    assert [str(item) for item in limit._items or []] == ["5 per 1 minute", "100 per 1 day"]
    assert limit.methods == ["post"]
    with pytest.raises(ConfigurationError):
        Limit("often")


def test_a_callable_limit_is_parsed_per_request() -> None:
    assert Limit(lambda: "1/second")._items is None


def test_as_limits_accepts_a_string_a_list_and_limit_objects() -> None:
    prepared = Limit("1/second")
    limits = as_limits(["2/second", prepared], per_method=True)
    assert limits[1] is prepared
    assert limits[0].per_method
    assert len(as_limits("3/second; 4/minute")) == 1
    assert as_limits(None) == []


def test_flask_limiter_s_enums_keep_their_names() -> None:
    assert HeaderNames.LIMIT.value == "X-RateLimit-Limit"
    assert ExemptionScope.DEFAULT in ExemptionScope.DEFAULT | ExemptionScope.APPLICATION


def test_limit_objects_take_flask_limiter_s_field_names(app: object) -> None:
    limit = Limit("2/minute", key_function=lambda: "k", scope="s", cost=2, shared=True)
    assert (limit.scope, limit.cost, limit.shared) == ("s", 2, True)
    assert limit.key_function is not None and limit.key_function() == "k"
