"""``flask_cors.extension``: ``CORS`` imported from the module Flask-CORS defines it in."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.cors import CORS as PackageCORS
from hipflask.cors.extension import CORS

ALLOWED = "https://app.example"


def test_the_module_holds_the_package_s_class() -> None:
    assert CORS is PackageCORS


def test_a_policy_set_through_the_module_answers_preflights(app: Hipflask, client: Any) -> None:
    CORS(app, resources={r"/api/*": {"origins": [ALLOWED]}})

    @app.post("/api/items")
    def items() -> str:
        return "created"

    answer = client.options(
        "/api/items",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    sent = client.post("/api/items", headers={"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"})
    assert sent.status_code == 200
    assert sent.headers["Access-Control-Allow-Origin"] == ALLOWED
