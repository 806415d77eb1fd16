"""JSON helpers that follow the current app's JSON provider (``app.json``).

The names of ``flask.json``: :func:`dumps`, :func:`loads`, :func:`dump`,
:func:`load` and :func:`jsonify`. Outside an app context the default provider
is used, so they also work in scripts and at import time.
"""

from __future__ import annotations

from typing import IO
from typing import TYPE_CHECKING
from typing import Any

from .provider import DefaultJSONProvider as DefaultJSONProvider
from .provider import JSONProvider as JSONProvider

if TYPE_CHECKING:
    from ..wrappers.response import Response


def _provider() -> JSONProvider | None:
    from ..contexts.globals import _current_app_or_none

    app = _current_app_or_none()
    return app.json if app is not None else None


def _provider_or_default() -> JSONProvider:
    return _provider() or DefaultJSONProvider(None)


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


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` to a text file with the current app's provider."""
    _provider_or_default().dump(obj, fp, **kwargs)


def load(fp: IO[Any], **kwargs: Any) -> Any:
    """Deserialize JSON read from a file with the current app's provider."""
    return _provider_or_default().load(fp, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response, as :func:`hipflask.jsonify`; needs an app context."""
    from ..contexts.globals import _require_app

    return _require_app().json.response(*args, **kwargs)  # type: ignore[no-any-return]
