"""The request's JSON body: ``request.json`` and ``get_json``.

A base of :class:`~hipflask.wrappers.request.Request` only, kept apart so
the request module stays within its size. The body is parsed with the
app's JSON provider (orjson when installed), and what a client can get
wrong is a 4xx: a body that is not JSON is a 400 (as JSON to a JSON
client), a request that is not JSON a 415.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.sansio.request import Request as _SansIORequest

from .jsonerrors import JSONBadRequest

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RequestJSON"]

_MISSING: Any = object()


class RequestJSON(_SansIORequest):
    """The JSON half of :class:`~hipflask.wrappers.request.Request`.

    ``self`` is always that request, which sets ``app``; ``get_data`` is
    its body's (:class:`~hipflask.wrappers.body.RequestBody`).
    """

    app: Any
    get_data: Callable[..., Any]

    #: Werkzeug's JSON module attribute; :meth:`get_json` uses the app's
    #: provider, and code that calls ``request.json_module.loads`` gets the
    #: standard library's, as under Werkzeug.
    json_module: Any = json

    @property
    def json(self) -> Any:
        """The parsed JSON body; a 415 if the body is not JSON, 400 if malformed."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        Without ``force`` the content type must be JSON (415 otherwise); bad
        JSON is a 400 with a short message. ``silent`` returns ``None`` instead.
        The result is kept for later calls unless ``cache`` is false.
        """
        cached = self.__dict__.get("_cached_json")
        if cache and cached is not None and cached[silent] is not _MISSING:
            return cached[silent]
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        data = self.get_data(cache=cache)
        loads = self.app.json.loads if self.app is not None else _stdlib_loads
        try:
            value = loads(data)
        # RecursionError: deeply nested arrays ("[[[[…") exhaust the stack of a
        # recursive decoder; that is the client's malformed input, not a 500.
        except (ValueError, RecursionError) as exc:
            if not silent:
                return self.on_json_loading_failed(exc)
            if cache:
                self.__dict__["_cached_json"] = (_MISSING, None)
            return None
        if cache:
            self.__dict__["_cached_json"] = (value, value)
        return value

    def on_json_loading_failed(self, e: ValueError | RecursionError | None) -> Any:
        """Refuse a body that is not JSON: 400 if malformed, 415 if the type is wrong."""
        if e is not None:
            # A client that sent JSON reads the error as JSON (see jsonerrors).
            error = JSONBadRequest if self.is_json else BadRequest
            if self.app is not None and self.app.debug:
                raise error(f"Failed to decode JSON object: {e}")
            raise error("The request body is not valid JSON.")
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )


def _stdlib_loads(data: bytes) -> Any:
    import json

    return json.loads(data)
