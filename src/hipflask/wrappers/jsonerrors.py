"""The 400 for a JSON body that cannot be parsed, answered in JSON to JSON clients.

A script that posts JSON reads the error as JSON: an HTML page in answer to
a malformed body makes its own ``response.json()`` fail too, and the short
message that says what was wrong never reaches the developer. So a client
that *sent* JSON (``application/json`` or a ``+json`` type) gets the error
as a small JSON object, whatever its ``Accept`` says; any other client gets
the ordinary page (HTML, or JSON when its ``Accept`` prefers JSON). The
message says what was wrong with the body and never echoes the body.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import BadRequest

__all__ = ["JSONBadRequest"]


class JSONBadRequest(BadRequest):
    """400 for a body that is not the JSON it claims to be, as a JSON object.

    Still a :class:`~werkzeug.exceptions.BadRequest`, so an app's
    ``@app.errorhandler(400)`` receives it as before.
    """

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json")]

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        body = {"code": self.code, "name": self.name, "description": self.description}
        return json.dumps(body)
