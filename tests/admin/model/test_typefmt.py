"""Default cell formatters."""

from __future__ import annotations

import enum

from markupsafe import Markup

from hipflask.admin.model import typefmt


class Color(enum.Enum):
    RED = 1


def test_formatters() -> None:
    assert typefmt.null_formatter(None, None, "x") == ""
    assert typefmt.empty_formatter(None, 5, "x") == ""
    assert "Yes" in typefmt.bool_formatter(None, True, "x")
    assert "No" in typefmt.bool_formatter(None, False, "x")
    assert typefmt.list_formatter(None, [1, "b"], "x") == "1, b"
    assert typefmt.enum_formatter(None, Color.RED, "x") == "RED"


def test_dict_formatter_escapes_its_content() -> None:
    shown = typefmt.dict_formatter(None, {"k": "<script>"}, "x")

    assert isinstance(shown, Markup)
    assert "&lt;script&gt;" in shown
    assert "<script>" not in shown


def test_export_formatters_are_plain_text() -> None:
    assert typefmt.EXPORT_FORMATTERS[bool](None, True, "x") == "True"
    assert typefmt.EXPORT_FORMATTERS[dict](None, {"a": 1}, "x") == '{"a": 1}'
