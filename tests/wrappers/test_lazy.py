from __future__ import annotations

from typing import Any

from hipflask.wrappers.lazy import lazy_attribute


class Counted:
    def __init__(self) -> None:
        self.calls = 0

    @lazy_attribute
    def value(self) -> int:
        """The docstring stays readable."""
        self.calls += 1
        return 42


def test_the_value_is_computed_once_and_then_read_from_the_instance() -> None:
    item = Counted()

    assert (item.value, item.value, item.calls) == (42, 42, 1)
    assert item.__dict__["value"] == 42


def test_each_instance_computes_its_own_value() -> None:
    first, second = Counted(), Counted()
    first.value  # noqa: B018 - the read is the point

    assert (first.calls, second.calls) == (1, 0)


def test_assignment_replaces_and_deletion_recomputes() -> None:
    item = Counted()
    item.value = 7

    assert (item.value, item.calls) == (7, 0)
    del item.value
    assert (item.value, item.calls) == (42, 1)


def test_the_class_attribute_is_the_descriptor_with_the_docstring() -> None:
    descriptor: Any = Counted.__dict__["value"]

    assert Counted.value is descriptor
    assert descriptor.__doc__ == "The docstring stays readable."
    assert descriptor.__name__ == "value"
