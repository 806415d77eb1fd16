"""A session interface that records what the context tests need to see opened and saved."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask import Response


class RecordingSessions:
    """A session interface that keeps sessions in a dict, recording calls."""

    def __init__(self, null_when_missing: bool = False) -> None:
        self.opened = 0
        self.saved: list[dict[str, Any]] = []
        self.null_when_missing = null_when_missing

    def open_session(self, app: Hipflask, req: Any) -> dict[str, Any] | None:
        self.opened += 1
        if self.null_when_missing and "X-Session" not in req.headers:
            return None
        return {"user": req.headers.get("X-Session")}

    def make_null_session(self, app: Hipflask) -> dict[str, Any]:
        return {"null": True}

    def is_null_session(self, value: Any) -> bool:
        return bool(value.get("null"))

    def save_session(self, app: Hipflask, value: Any, response: Response) -> None:
        self.saved.append(dict(value))
