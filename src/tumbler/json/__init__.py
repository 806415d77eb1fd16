"""JSON helpers that follow the current app's JSON provider (``app.json``)."""

from __future__ import annotations

from typing import Any

from .provider import DefaultJSONProvider as DefaultJSONProvider
from .provider import JSONProvider as JSONProvider


def _provider() -> JSONProvider | None:
    from ..contexts.globals import _current_app_or_none

    app = _current_app_or_none()
    return app.json if app is not None else None


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` with the current app's provider, or the default one."""
    provider = _provider()
    if provider is not None:
        return provider.dumps(obj, **kwargs)
    return DefaultJSONProvider(None).dumps(obj, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Deserialize with the current app's provider, or the default one."""
    provider = _provider()
    if provider is not None:
        return provider.loads(s, **kwargs)
    return DefaultJSONProvider(None).loads(s, **kwargs)
