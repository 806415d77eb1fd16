"""The eight endpoints with no framework at all: the physical-limit rows.

Shared by :mod:`bare_wsgi_app` and :mod:`bare_asgi_app`. Each endpoint does
the least work its spec allows with the standard library and the same
libraries the frameworks use underneath (``json``, ``urllib.parse``,
``itsdangerous`` for the signed session cookie, Jinja2 with autoescaping), so
a row's distance from these is what that framework costs on top.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

import jinja2
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from common import ITEMS
from common import MESSAGE
from common import SECRET_KEY
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME

#: ``(status, content type, body, extra headers)``
Answer = tuple[int, str, bytes, list[tuple[str, str]]]

_JSON = "application/json"
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(),
)
_items_template = _templates.get_template(TEMPLATE_NAME)
_signer = URLSafeTimedSerializer(SECRET_KEY, salt="cookie-session")
_PLAIN: Answer = (200, "text/plain; charset=utf-8", MESSAGE.encode(), [])
_MESSAGE_JSON: Answer = (200, _JSON, json.dumps({"message": MESSAGE}).encode(), [])
_MISSING: Answer = (404, "text/plain; charset=utf-8", b"Not Found", [])


def _json(data: dict[str, object]) -> Answer:
    return 200, _JSON, json.dumps(data).encode(), []


def _session(cookie: str) -> Answer:
    data: dict[str, int] = {}
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "session":
            try:
                data = _signer.loads(value, max_age=31 * 24 * 3600)
            except BadSignature:
                data = {}
    counter = data.get("counter", 0) + 1
    data["counter"] = counter
    cookie_value = f"session={_signer.dumps(data)}; HttpOnly; Path=/; SameSite=Lax"
    return 200, _JSON, json.dumps({"counter": counter}).encode(), [("Set-Cookie", cookie_value)]


def answer(method: str, path: str, query: str, body: Callable[[], bytes], cookie: str) -> Answer:
    """The answer to one request; ``body`` reads the request body when called."""
    if path == "/plaintext":
        return _PLAIN
    if path == "/json":
        return _MESSAGE_JSON
    if path.startswith("/user/") and path[6:].isdigit():
        number = int(path[6:])
        return _json({"id": number, "name": f"user{number}"})
    if path == "/query":
        args = dict(parse_qsl(query))
        return _json({"a": args.get("a"), "b": args.get("b")})
    if path == "/form" and method == "POST":
        form = dict(parse_qsl(body().decode("latin-1")))
        return _json({"name": form.get("name"), "age": form.get("age")})
    if path == "/session":
        return _session(cookie)
    if path == "/template":
        html = _items_template.render(items=ITEMS)
        return 200, "text/html; charset=utf-8", html.encode(), []
    return _MISSING
