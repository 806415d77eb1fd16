"""The CSP nonce as Flask-Talisman hands it to views: ``request.csp_nonce``."""

from __future__ import annotations

import re
from typing import Any

from hipflask import Hipflask
from hipflask import render_template_string
from hipflask import request
from hipflask.talisman import NONCE_LENGTH
from hipflask.talisman import Talisman

NONCE_IN_CSP = re.compile(r"'nonce-([^']+)'")


def _nonce_policy(app: Hipflask) -> Talisman:
    return Talisman(
        app,
        force_https=False,
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )


def test_a_view_reads_the_header_s_nonce_from_the_request(app: Hipflask, client: Any) -> None:
    # Views that build inline markup without a template read it there.
    _nonce_policy(app)

    @app.get("/")
    def index() -> str:
        return f'<script nonce="{request.csp_nonce}"></script>'  # type: ignore[attr-defined]

    response = client.get("/")
    found = NONCE_IN_CSP.search(response.headers["Content-Security-Policy"])
    assert found is not None
    assert response.get_data(as_text=True) == f'<script nonce="{found.group(1)}"></script>'
    assert len(found.group(1)) == NONCE_LENGTH


def test_the_request_s_nonce_is_the_template_s(app: Hipflask, client: Any) -> None:
    _nonce_policy(app)

    @app.get("/")
    def index() -> str:
        own = request.csp_nonce  # type: ignore[attr-defined]
        return f"{own} {render_template_string('{{ csp_nonce() }}')}"

    first, second = client.get("/").get_data(as_text=True).split()
    assert first == second


def test_a_view_whose_own_options_use_a_nonce_gets_one(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/")
    @talisman(
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )
    def index() -> str:
        return str(request.csp_nonce)  # type: ignore[attr-defined]

    response = client.get("/")
    assert (
        f"'nonce-{response.get_data(as_text=True)}'"
        in (response.headers["Content-Security-Policy"])
    )


def test_without_a_nonce_in_the_policy_the_request_has_none(app: Hipflask, client: Any) -> None:
    # Flask-Talisman sets the attribute only when the policy uses a nonce;
    # code written for it tests getattr(request, "csp_nonce", "").
    Talisman(app, force_https=False)

    @app.get("/")
    def index() -> str:
        return repr(getattr(request, "csp_nonce", ""))

    response = client.get("/")
    assert response.get_data(as_text=True) == "''"
    assert "nonce-" not in response.headers["Content-Security-Policy"]
