"""The parameters of a callable, as the signature tests compare them with Flask's."""

from __future__ import annotations

import inspect


def parameters(obj: object) -> list[str] | None:
    target = obj.__init__ if inspect.isclass(obj) else obj  # type: ignore[misc]
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        return None
    return list(inspect.signature(target).parameters)
