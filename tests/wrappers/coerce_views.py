"""What the view-return-value tests share: a view that returns a given value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hipflask import Hipflask


def returns(app: Hipflask, value: Any, path: str = "/") -> None:
    """Register a view at ``path`` that returns ``value`` (called if callable-made)."""

    def view() -> Any:
        return value() if isinstance(value, Factory) else value

    app.add_url_rule(path, endpoint=path, view_func=view)


class Factory:
    """Marks a value that must be created per request (generators run once)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __call__(self) -> Any:
        return self.make()
