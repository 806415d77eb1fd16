"""``flask_cors.core``: the header-name constants apps read CORS answers with."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.cors import CORS
from hipflask.cors.core import ACL_ALLOW_HEADERS
from hipflask.cors.core import ACL_CREDENTIALS
from hipflask.cors.core import ACL_EXPOSE_HEADERS
from hipflask.cors.core import ACL_MAX_AGE
from hipflask.cors.core import ACL_METHODS
from hipflask.cors.core import ACL_ORIGIN
from hipflask.cors.core import ACL_REQUEST_HEADERS
from hipflask.cors.core import ACL_REQUEST_METHOD
from hipflask.cors.core import ALL_METHODS

ALLOWED = "https://app.example"


def test_a_preflight_answer_is_read_through_the_constants(app: Hipflask, client: Any) -> None:
    CORS(
        app,
        resources={r"/api/*": {"origins": [ALLOWED]}},
        supports_credentials=True,
        expose_headers=["X-Total"],
        max_age=60,
    )

    @app.put("/api/items")
    def items() -> str:
        return "stored"

    preflight = client.options(
        "/api/items",
        headers={"Origin": ALLOWED, ACL_REQUEST_METHOD: "PUT", ACL_REQUEST_HEADERS: "X-Trace"},
    )
    assert preflight.headers[ACL_ORIGIN] == ALLOWED
    assert preflight.headers[ACL_CREDENTIALS] == "true"
    assert preflight.headers[ACL_MAX_AGE] == "60"
    assert "PUT" in preflight.headers[ACL_METHODS]
    assert preflight.headers[ACL_ALLOW_HEADERS].lower() == "x-trace"
    answer = client.put("/api/items", headers={"Origin": ALLOWED})
    assert answer.headers[ACL_EXPOSE_HEADERS] == "X-Total"


def test_all_methods_is_what_a_policy_allows_by_default(app: Hipflask, client: Any) -> None:
    CORS(app)

    @app.get("/")
    def index() -> str:
        return "home"

    preflight = client.options("/", headers={"Origin": ALLOWED, ACL_REQUEST_METHOD: "DELETE"})
    assert sorted(preflight.headers[ACL_METHODS].split(", ")) == sorted(ALL_METHODS)
