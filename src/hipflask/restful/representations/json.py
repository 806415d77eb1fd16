"""The JSON representation (``flask_restful.representations.json``).

A representation turns a resource's data into a response for one media type:
``func(data, code, headers) -> Response``. JSON is built in; add others with
``@api.representation("application/xml")``. The response's media type is the
best match of the request's ``Accept`` among them, else the API's
``default_mediatype`` (406 when that is ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import Headers

from ...contexts.globals import current_app
from ...wrappers.response import Response

__all__ = ["DEFAULT_REPRESENTATIONS", "Representation", "output_json"]

Representation = Callable[[Any, int, Any], Response]


def output_json(data: Any, code: Any, headers: Any = None) -> Response:
    """Serialise ``data`` as JSON (``RESTFUL_JSON`` settings are passed to ``json.dumps``).

    ``code`` may be headers instead of a status (a dict, a list of pairs or
    ``Headers``), as a resource answers with ``return data, {"X-Tag": "a"}``:
    the status is then 200, as Flask's ``make_response`` takes such a pair.
    """
    settings: dict[str, Any] = dict(current_app.config.get("RESTFUL_JSON") or {})
    if current_app.debug:
        settings.setdefault("indent", 4)
    if "cls" in settings:
        # The encoder class's own ``default`` method is what the setting is
        # for (Flask-RESTful's documented ``{"cls": MyCustomEncoder}``): the
        # provider's hook, passed as ``default=``, would replace it.
        settings.setdefault("default", None)
    if settings:
        body = (current_app.json.dumps(data, **settings) + "\n").encode()
    else:
        # The provider's response bytes: the same with and without orjson
        # (``dumps`` text is compact with it and spaced without).
        body = current_app.json.dump_bytes(data)
        if not body.endswith(b"\n"):
            body += b"\n"
    status_headers: Any = None
    if isinstance(code, (Mapping, Headers, list, tuple)):
        status_headers, code = code, 200
    response: Response = current_app.response_class(body, code, mimetype="application/json")
    if status_headers:
        response.headers.update(status_headers)
    if headers:
        response.headers.extend(headers.items() if hasattr(headers, "items") else headers)
    return response


DEFAULT_REPRESENTATIONS: list[tuple[str, Representation]] = [("application/json", output_json)]
