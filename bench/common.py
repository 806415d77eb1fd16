"""What every benchmark row shares: the endpoints, the apps, and the checks.

Both runners (in-process and over the wire) and every app module import this
file, so the secret key, the template data and the expected answers exist in
one place and no framework can be measured against an easier version of an
endpoint than the others.  A row whose answer does not match is reported as a
failure, never as a figure: a fast wrong answer is not a result.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR / "templates"
TEMPLATE_NAME = "items.html"
RESULTS_DIR = BENCH_DIR / "results"

# Long and random-looking, so that a framework which refuses short or
# well-known keys in production mode does not refuse the benchmark app.
SECRET_KEY = "bench-only-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f0a"

MESSAGE = "Hello, World!"

# Ten items, one of which must come out escaped: a template engine with
# autoescaping off would be measured doing less work, so the check looks for it.
ITEMS: tuple[str, ...] = (
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "<#10>",
)
ESCAPED_ITEM = "&lt;#10&gt;"
RAW_ITEM = "<#10>"

FORM_BODY = b"name=alice&age=30"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# The typed-body endpoint: a JSON object validated into a model (name, price,
# quantity, tags), answered 201 with the item and its total.
ITEM_BODY = b'{"name": "pen", "price": 1.5, "quantity": 2, "tags": ["office", "blue"]}'
ITEM_RESPONSE: dict[str, Any] = {
    "name": "pen",
    "price": 1.5,
    "quantity": 2,
    "tags": ["office", "blue"],
    "total": 3.0,
}


@dataclass(frozen=True)
class Endpoint:
    """One request of the spec, the same bytes for every framework."""

    name: str
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str | None = None
    expected_status: int = 200

    @property
    def target(self) -> str:
        """The request target as it goes on the wire (path and query)."""
        return f"{self.path}?{self.query}" if self.query else self.path


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("plaintext", "GET", "/plaintext"),
    Endpoint("json", "GET", "/json"),
    Endpoint("user", "GET", "/user/42"),
    Endpoint("query", "GET", "/query", query="a=1&b=two"),
    Endpoint("form", "POST", "/form", body=FORM_BODY, content_type=FORM_CONTENT_TYPE),
    Endpoint("session", "GET", "/session"),
    Endpoint("template", "GET", "/template"),
    Endpoint("missing", "GET", "/missing", expected_status=404),
    Endpoint(
        "items",
        "POST",
        "/api/items",
        body=ITEM_BODY,
        content_type="application/json",
        expected_status=201,
    ),
    # The data rows: an ORM primary-key read and a server-side session in Redis.
    Endpoint("db", "GET", "/db/42"),
    Endpoint("server-session", "GET", "/server-session"),
)
ENDPOINTS_BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}

#: The eight endpoints of the spec, served by every framework's main app.
STANDARD_ENDPOINTS = frozenset(
    ("plaintext", "json", "user", "query", "form", "session", "template", "missing")
)
#: Served by the data rows only: Flask + Flask-SQLAlchemy + Flask-Session, and
#: hipflask.db + hipflask.sessions, each a separate app so that the main apps
#: keep their signed-cookie session.
DATA_ENDPOINTS = frozenset(("db", "server-session"))
#: Endpoints checked as a cookie round trip (counter 1, then 2).
ROUND_TRIP_ENDPOINTS = frozenset(("session", "server-session"))

# Where the data rows keep their sessions; every row uses its own key prefix.
REDIS_URL = "redis://127.0.0.1:6379/0"
USER_COUNT = 100


@dataclass(frozen=True)
class Framework:
    """One row of the results: an app module and the protocol it is called with.

    ``requires`` names the distribution that must be installed for an optional
    row; a missing one skips the row with a message instead of failing it.
    """

    key: str
    label: str
    module: str
    interface: str  # "wsgi" or "asgi"
    has_session: bool = True
    requires: str | None = None
    #: Whether the row implements the typed-body ``/api/items`` endpoint.
    has_items: bool = False
    endpoints: frozenset[str] = STANDARD_ENDPOINTS
    #: Over the wire, served by ``hipflask serve`` with this app target
    #: instead of by granian's own command line.
    serve_target: str | None = None

    def unsupported(self, endpoint: str) -> str | None:
        """Why this row has no figure for ``endpoint`` ("n/a"), or ``None``."""
        if endpoint == "items":
            return None if self.has_items else "no typed-body endpoint"
        if endpoint == "session" and not self.has_session:
            return "no session support"
        if endpoint not in self.endpoints:
            if endpoint in DATA_ENDPOINTS:
                return "measured in the data rows"
            return "not implemented by this framework"
        return None


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("flask", "Flask", "apps.flask_app", "wsgi"),
    Framework("hipflask", "hipflask (WSGI)", "apps.hipflask_app", "wsgi", has_items=True),
    Framework("hipflask-asgi", "hipflask (ASGI)", "apps.hipflask_asgi_app", "asgi", has_items=True),
    # The Flask-style app (plain ``def`` views) served as ASGI, as a ported app
    # is under ``uvicorn app:app``: every view runs in a worker thread.
    Framework("hipflask-asgi-sync", "hipflask (ASGI, def views)", "apps.hipflask_app", "asgi"),
    # The Flask-style app as ``hipflask serve`` runs it: WSGI behind the
    # body-buffering front (hipflask.serving.buffering) on granian's loop.
    Framework(
        "hipflask-serve",
        "hipflask serve (WSGI app)",
        "apps.hipflask_served_app",
        "asgi",
        has_items=True,
        serve_target="apps.hipflask_app:app",
    ),
    # The same with ASGI_SYNC_ON_LOOP: the views run on the loop, no hand-off.
    Framework(
        "hipflask-asgi-sync-loop",
        "hipflask (ASGI, def views on loop)",
        "apps.hipflask_syncloop_app",
        "asgi",
    ),
    # The WSGI row with one secure default switched off: the difference from
    # the hipflask row of the same run is what that default costs.
    Framework("hipflask-noheaders", "hipflask, headers off", "apps.hipflask_noheaders_app", "wsgi"),
    Framework("hipflask-nogate", "hipflask, origin gate off", "apps.hipflask_nogate_app", "wsgi"),
    Framework(
        "hipflask-asgi-noheaders",
        "hipflask (ASGI), headers off",
        "apps.hipflask_asgi_noheaders_app",
        "asgi",
    ),
    Framework(
        "hipflask-nosession",
        "hipflask, no secret key",
        "apps.hipflask_nosession_app",
        "wsgi",
        has_session=False,
    ),
    # The same apps with a typical app's hooks and login extension
    # (apps/hooks.py): what an app using extensions pays, against Flask
    # with the same hooks and Flask-Login.
    Framework(
        "flask-hooks",
        "Flask, hooks + login",
        "apps.flask_hooks_app",
        "wsgi",
        requires="flask_login",
    ),
    Framework(
        "hipflask-hooks", "hipflask (WSGI), hooks + login", "apps.hipflask_hooks_app", "wsgi"
    ),
    Framework(
        "hipflask-asgi-hooks",
        "hipflask (ASGI), hooks + login",
        "apps.hipflask_asgi_hooks_app",
        "asgi",
    ),
    Framework(
        "hipflask-asgi-sync-hooks",
        "hipflask (ASGI, def views), hooks + login",
        "apps.hipflask_hooks_app",
        "asgi",
    ),
    Framework("falcon", "Falcon (WSGI)", "apps.falcon_app", "wsgi", has_session=False),
    # Falcon with hipflask's default policy headers added by a middleware:
    # the two apps then send the same headers.
    Framework(
        "falcon-headers",
        "Falcon (WSGI), hipflask's headers",
        "apps.falcon_headers_app",
        "wsgi",
        has_session=False,
    ),
    Framework(
        "falcon-asgi",
        "Falcon (ASGI)",
        "apps.falcon_asgi_app",
        "asgi",
        has_session=False,
    ),
    Framework("starlette", "Starlette", "apps.starlette_app", "asgi"),
    Framework("quart", "Quart", "apps.quart_app", "asgi", requires="quart"),
    Framework("fastapi", "FastAPI", "apps.fastapi_app", "asgi", requires="fastapi", has_items=True),
    Framework(
        "flask-restful",
        "Flask-RESTful",
        "apps.flask_restful_app",
        "wsgi",
        requires="flask_restful",
        has_items=True,
        endpoints=frozenset(),
    ),
    Framework(
        "flask-data",
        "Flask + Flask-SQLAlchemy/-Session",
        "apps.flask_data_app",
        "wsgi",
        requires="flask_session",
        endpoints=DATA_ENDPOINTS,
    ),
    Framework(
        "hipflask-data",
        "hipflask.db/sessions (WSGI)",
        "apps.hipflask_data_app",
        "wsgi",
        endpoints=DATA_ENDPOINTS,
    ),
    Framework(
        "hipflask-data-asgi",
        "hipflask.db/sessions (ASGI)",
        "apps.hipflask_data_asgi_app",
        "asgi",
        endpoints=DATA_ENDPOINTS,
    ),
    # The physical limits: no framework, the same endpoints and libraries.
    Framework("bare-wsgi", "bare WSGI callable", "apps.bare_wsgi_app", "wsgi"),
    Framework("bare-asgi", "bare ASGI callable", "apps.bare_asgi_app", "asgi"),
)
FRAMEWORKS_BY_KEY = {framework.key: framework for framework in FRAMEWORKS}
BASELINE_KEY = "flask"
DATA_BASELINE_KEY = "flask-data"


ITEMS_BASELINE_KEY = "flask-restful"


def baseline_key(endpoint: str) -> str:
    """The row every figure of ``endpoint`` is compared with.

    Flask itself has no typed-body endpoint: ``/api/items`` is compared with
    Flask-RESTful, the extension a Flask app would use for it.
    """
    if endpoint == "items":
        return ITEMS_BASELINE_KEY
    return DATA_BASELINE_KEY if endpoint in DATA_ENDPOINTS else BASELINE_KEY


class CheckFailed(Exception):
    """A response that does not match the spec; the message says how."""


@dataclass
class Reply:
    """A response as any runner saw it: status, headers, whole body.

    Header names are kept lower-cased so that the checks do not depend on how
    a framework or a server spells them.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header, or ``None``."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def cookie_header(self) -> str:
        """The ``Cookie`` header a browser would send back after this reply."""
        pairs = [
            value.split(";", 1)[0].strip() for key, value in self.headers if key == "set-cookie"
        ]
        return "; ".join(pair for pair in pairs if pair)


def _media_type(reply: Reply) -> str:
    value = reply.header("content-type") or ""
    return value.split(";", 1)[0].strip().lower()


def _json_body(reply: Reply) -> Any:
    if _media_type(reply) != "application/json":
        raise CheckFailed(
            f"Content-Type is {reply.header('content-type')!r}, expected application/json"
        )
    try:
        return json.loads(reply.body)
    except ValueError as exc:
        raise CheckFailed(f"body is not JSON ({exc}): {reply.body[:80]!r}") from exc


def _expect_json(reply: Reply, expected: dict[str, Any]) -> None:
    data = _json_body(reply)
    # ``1 == True`` in Python; a boolean where a number belongs is still wrong.
    if data != expected or any(
        type(data[key]) is not type(value) for key, value in expected.items()
    ):
        raise CheckFailed(f"JSON body is {data!r}, expected {expected!r}")


def _check_template(reply: Reply) -> None:
    if _media_type(reply) != "text/html":
        raise CheckFailed(f"Content-Type is {reply.header('content-type')!r}, expected text/html")
    text = reply.body.decode("utf-8", "replace")
    rendered = text.count('<li id="item-')
    if rendered != len(ITEMS):
        raise CheckFailed(f"{rendered} <li> items rendered, expected {len(ITEMS)}")
    if ESCAPED_ITEM not in text or RAW_ITEM in text:
        raise CheckFailed(f"{RAW_ITEM!r} was not autoescaped to {ESCAPED_ITEM!r}")


def _check_plaintext(reply: Reply) -> None:
    if _media_type(reply) != "text/plain":
        raise CheckFailed(f"Content-Type is {reply.header('content-type')!r}, expected text/plain")
    if reply.body != MESSAGE.encode():
        raise CheckFailed(f"body is {reply.body[:80]!r}, expected {MESSAGE!r}")


def check_reply(endpoint: Endpoint, reply: Reply) -> None:
    """Raise :class:`CheckFailed` unless ``reply`` is the spec's answer.

    The session endpoint is checked by :func:`check_session_round_trip`
    instead, because one reply alone cannot show that a cookie round-trips.
    """
    if reply.status != endpoint.expected_status:
        raise CheckFailed(
            f"status {reply.status}, expected {endpoint.expected_status}"
            f" (body {reply.body[:120]!r})"
        )
    name = endpoint.name
    if name == "plaintext":
        _check_plaintext(reply)
    elif name == "json":
        _expect_json(reply, {"message": MESSAGE})
    elif name == "user":
        _expect_json(reply, {"id": 42, "name": "user42"})
    elif name == "query":
        _expect_json(reply, {"a": "1", "b": "two"})
    elif name == "form":
        _expect_json(reply, {"name": "alice", "age": "30"})
    elif name == "db":
        _expect_json(reply, {"id": 42, "name": "user42"})
    elif name in ROUND_TRIP_ENDPOINTS:
        raise CheckFailed("the session endpoints are checked as a round trip")
    elif name == "template":
        _check_template(reply)
    elif name == "items":
        _expect_json(reply, ITEM_RESPONSE)


def check_session_round_trip(first: Reply, second: Reply) -> str:
    """Check that the counter goes 1 then 2, and return the cookie to time with.

    ``first`` was sent without a cookie and ``second`` with the cookie from
    ``first``.  The returned cookie is the one every timed request carries, so
    each of them verifies, decodes, increments, re-encodes and signs.
    """
    for number, reply in ((1, first), (2, second)):
        if reply.status != 200:
            raise CheckFailed(
                f"request {number}: status {reply.status} (body {reply.body[:120]!r})"
            )
        _expect_json(reply, {"counter": number})
        if not reply.cookie_header():
            raise CheckFailed(f"request {number}: no Set-Cookie in the response")
    return first.cookie_header()


def text_table(title: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> str:
    """A right-aligned plain-text table under a title, for terminal reports."""
    label_width = max([len(label) for label, _ in rows] + [len("framework")])
    widths = [len(column) for column in columns]
    for _, cells in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, cells, strict=True)]
    header = "framework".ljust(label_width) + "".join(
        "  " + column.rjust(width) for column, width in zip(columns, widths, strict=True)
    )
    lines = [title, header, "-" * len(header)]
    for label, cells in rows:
        lines.append(
            label.ljust(label_width)
            + "".join("  " + cell.rjust(width) for cell, width in zip(cells, widths, strict=True))
        )
    return "\n".join(lines)


# --- Command-line helpers shared by the runners ----------------------------------------


def names_option(value: str, known: Sequence[str], what: str) -> list[str]:
    """A comma-separated list of names, each one of ``known`` (an argparse type)."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}"
        )
    return names


def at_least(minimum: int) -> Any:
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(value: str) -> int:
        number = int(value)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse
