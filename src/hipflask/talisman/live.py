"""Talisman's policy options as dicts that apply themselves when changed in place.

Flask-Talisman reads its options on every response, so code written for it
changes them on the instance after ``init_app``
(``talisman.content_security_policy["img-src"] = "*"``). hipflask turns the
options into the header policy's settings once; a dict that says when it
changed lets that happen again, rather than checking the options on every
response.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

__all__ = ["POLICY_OPTIONS", "LivePolicy", "live_options"]

#: The options whose value may be a dict that code changes in place.
POLICY_OPTIONS = (
    "content_security_policy",
    "permissions_policy",
    "document_policy",
    "feature_policy",
)


class LivePolicy(dict[str, Any]):
    """A copy of a policy dict that calls ``on_change`` after every change.

    A copy, not the dict given: Flask-Talisman hands out its module's
    ``DEFAULT_CSP_POLICY`` itself, so a change made through one app reached
    every app of the process.
    """

    def __init__(self, value: Mapping[str, Any], on_change: Callable[[], None]) -> None:
        super().__init__(value)
        self._on_change = on_change

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._on_change()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._on_change()

    def __ior__(self, other: Any) -> LivePolicy:  # type: ignore[override,misc]
        self.update(other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._on_change()

    def setdefault(self, key: str, default: Any = None) -> Any:
        found = super().setdefault(key, default)
        self._on_change()
        return found

    def pop(self, key: str, *default: Any) -> Any:
        found = super().pop(key, *default)
        self._on_change()
        return found

    def popitem(self) -> tuple[str, Any]:
        found = super().popitem()
        self._on_change()
        return found

    def clear(self) -> None:
        super().clear()
        self._on_change()


def live_options(options: dict[str, Any], on_change: Callable[[], None]) -> dict[str, Any]:
    """``options`` with each policy given as a dict made a :class:`LivePolicy`."""
    for name in _dict_options(options):
        options[name] = LivePolicy(options[name], on_change)
    return options


def _dict_options(options: Mapping[str, Any]) -> Iterable[str]:
    return [name for name in POLICY_OPTIONS if isinstance(options.get(name), Mapping)]
