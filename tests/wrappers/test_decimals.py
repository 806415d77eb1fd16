"""The digits a client's Decimal may have either side of its point."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest

from hipflask.wrappers.decimals import decimal_digits_limit
from hipflask.wrappers.decimals import is_out_of_range
from hipflask.wrappers.decimals import range_rule


@pytest.mark.parametrize(
    "text", ["1e4299", "-1e-4300", "0e-4300", "0e4299", "1." + "9" * 4300, "123.456"]
)
def test_numbers_within_the_digits_either_side_are_taken(text: str) -> None:
    assert not is_out_of_range(Decimal(text))


@pytest.mark.parametrize(
    "text",
    ["1e4300", "-1e-4301", "0e-4301", "0e4300", "1e-9999999999", "1." + "9" * 4301],
)
def test_numbers_past_them_are_refused(text: str) -> None:
    assert is_out_of_range(Decimal(text))


def test_the_limit_is_python_s_own_for_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "get_int_max_str_digits", lambda: 10)
    assert decimal_digits_limit() == 10
    assert is_out_of_range(Decimal("1e-11"))
    assert range_rule() == (
        "a decimal number may have at most 10 digits before the point and 10 after it"
    )
    # 0 lifts Python's limit: decimal's own range is left.
    monkeypatch.setattr(sys, "get_int_max_str_digits", lambda: 0)
    assert not is_out_of_range(Decimal("1e-999999"))
    assert is_out_of_range(Decimal("1e-9999999999"))
