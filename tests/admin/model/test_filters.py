"""Filter values: what each base filter accepts, and what it refuses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from hipflask.admin.model import filters


@pytest.mark.parametrize(
    ("flt", "value", "expected"),
    [
        (filters.BaseIntFilter("n"), "42", 42),
        (filters.BaseFloatFilter("n"), "1.5", 1.5),
        (filters.BaseIntListFilter("n"), "1, 2,,3", [1, 2, 3]),
        (filters.BaseFloatListFilter("n"), "1.5,2", [1.5, 2.0]),
        (filters.BaseDateFilter("d"), "2024-02-29", datetime.date(2024, 2, 29)),
        (
            filters.BaseDateBetweenFilter("d"),
            "2024-01-01 to 2024-12-31",
            [datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)],
        ),
        (
            filters.BaseDateTimeFilter("d"),
            "2024-01-02 03:04:05",
            datetime.datetime(2024, 1, 2, 3, 4, 5),
        ),
        (
            filters.BaseDateTimeFilter("d"),
            "2024-01-02T03:04",
            datetime.datetime(2024, 1, 2, 3, 4),
        ),
        (
            filters.BaseDateTimeBetweenFilter("d"),
            "2024-01-01 00:00:00 to 2024-01-02 00:00:00",
            [datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 2)],
        ),
        (filters.BaseTimeFilter("t"), "09:30", datetime.time(9, 30)),
        (
            filters.BaseTimeBetweenFilter("t"),
            "09:00:00 to 17:00:00",
            [datetime.time(9), datetime.time(17)],
        ),
        (
            filters.BaseUuidFilter("u"),
            "12345678-1234-5678-1234-567812345678",
            "12345678-1234-5678-1234-567812345678",
        ),
        (
            filters.BaseUuidListFilter("u"),
            "12345678123456781234567812345678",
            ["12345678-1234-5678-1234-567812345678"],
        ),
    ],
)
def test_valid_values_are_cleaned(flt: filters.BaseFilter, value: str, expected: Any) -> None:
    assert flt.validate(value)
    assert flt.clean(value) == expected


@pytest.mark.parametrize(
    ("flt", "value"),
    [
        (filters.BaseIntFilter("n"), "4x"),
        (filters.BaseFloatFilter("n"), "one"),
        (filters.BaseIntListFilter("n"), "1,b"),
        (filters.BaseDateFilter("d"), "2023-02-29"),
        (filters.BaseDateBetweenFilter("d"), "2024-01-01"),
        (filters.BaseDateBetweenFilter("d"), "2024-12-31 to 2024-01-01"),
        (filters.BaseDateTimeFilter("d"), "yesterday"),
        (filters.BaseTimeFilter("t"), "25:00"),
        (filters.BaseTimeBetweenFilter("t"), "10:00 to"),
        (filters.BaseUuidFilter("u"), "not-a-uuid"),
        (filters.BaseBooleanFilter("b"), "yes"),
    ],
)
def test_invalid_values_are_refused(flt: filters.BaseFilter, value: str) -> None:
    assert not flt.validate(value)


def test_boolean_filter_offers_yes_and_no() -> None:
    flt = filters.BaseBooleanFilter("Active")

    assert flt.validate("1")
    assert flt.validate("0")
    assert flt.get_options(None) == (("1", "Yes"), ("0", "No"))


def test_options_may_be_a_callable_read_each_time() -> None:
    choices = [("a", "A")]
    flt = filters.BaseFilter("Letter", options=lambda: list(choices))

    choices.append(("b", "B"))

    assert flt.get_options(None) == [("a", "A"), ("b", "B")]
    assert filters.BaseFilter("Free").get_options(None) is None


def test_the_backend_implements_apply_and_operation() -> None:
    flt = filters.BaseFilter("Name", key_name="name")

    assert str(flt) == "Name"
    assert flt.key_name == "name"
    with pytest.raises(NotImplementedError):
        flt.apply([], "x")
    with pytest.raises(NotImplementedError):
        flt.operation()
    assert filters.BaseDateBetweenFilter("d").operation() == "between"


def test_converter_collects_marked_methods() -> None:
    class Converter(filters.BaseFilterConverter):
        @filters.convert("String", "Text")
        def conv_string(self, column: str, name: str) -> list[str]:
            return [f"{name} contains"]

    converter = Converter()

    assert set(converter.converters) == {"string", "text"}
    assert converter.converters["text"]("c", "Name") == ["Name contains"]
