"""Splitting ``name=value&…`` text (query strings, urlencoded forms) cheaply.

:func:`urllib.parse.parse_qsl` unquotes every name and value through two
Python calls each, even when there is nothing to unquote. Most query strings
and small forms contain no ``%`` escape and no ``+``; for those, splitting is
all there is to do, and gives exactly what ``parse_qsl`` would (with
``keep_blank_values=True``, as Werkzeug calls it). Anything else goes
through ``parse_qsl`` with Werkzeug's error handling.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

__all__ = ["parse_pairs"]


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of ``text``, in order, blank values kept."""
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    pairs: list[tuple[str, str]] = []
    for item in text.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs
