"""csp_nonce() in templates: the nonce of the request's Content-Security-Policy header."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.templating import render_template
from hipflask.templating import render_template_string
from hipflask.templating.environment import csp_nonce


def _header_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match is not None
    return match.group(1)


def test_csp_nonce_matches_the_nonce_in_the_policy_header(app: Hipflask, client: Any) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = {
        "script-src": ["{nonce}", "'strict-dynamic'"],
        "style-src": ["'self'", "{nonce}"],
    }

    @app.route("/")
    def index() -> str:
        return render_template("nonce.html")

    first = client.get("/")
    nonces = re.findall(r'nonce="([^"]+)"', first.text)
    assert len(nonces) == 2
    assert nonces[0] == nonces[1] == _header_nonce(first)
    assert len(nonces[0]) >= 22
    second = client.get("/")
    assert _header_nonce(second) != nonces[0]


def test_csp_nonce_is_stable_within_a_request(app: Hipflask) -> None:
    with app.test_request_context("/"):
        assert csp_nonce() == csp_nonce()
        assert render_template_string("{{ csp_nonce() }}") == csp_nonce()


def test_csp_nonce_outside_a_request_says_why_it_fails(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="needs an active request"):
        render_template_string("{{ csp_nonce() }}")
