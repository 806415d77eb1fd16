"""A bare WSGI callable answering the eight endpoints: the WSGI physical limit."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from apps.bare import answer

_STATUS = {200: "200 OK", 404: "404 NOT FOUND"}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    def body() -> bytes:
        length = environ.get("CONTENT_LENGTH")
        data: bytes = environ["wsgi.input"].read(int(length)) if length else b""
        return data

    status, content_type, data, extra = answer(
        environ["REQUEST_METHOD"],
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        body,
        environ.get("HTTP_COOKIE", ""),
    )
    headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *extra]
    start_response(_STATUS[status], headers)
    return [data]
