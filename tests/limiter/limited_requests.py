"""What the limiter extension tests share: the statuses of a run of requests."""

from __future__ import annotations

from typing import Any


def statuses(client: Any, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]
