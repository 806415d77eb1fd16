"""OpenAPI(app): the document and docs page, on only where they should be, under both protocols."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.openapi import OpenAPI


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.get("/hello")
    def hello() -> str:
        return "hi"

    OpenAPI(app, title="Greeter", version="3.0")
    return app


def test_document_is_served_in_testing(client: Any) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["info"] == {"title": "Greeter", "version": "3.0"}
    assert list(document["paths"]) == ["/hello"]


def test_off_in_production_unless_enabled(app: Hipflask, client: Any) -> None:
    app.config["TESTING"] = False
    for url in ("/openapi.json", "/docs", "/docs/viewer.js"):
        assert client.get(url).status_code == 404
    app.config["OPENAPI_ENABLED"] = True
    assert client.get("/openapi.json").status_code == 200


def test_explicitly_disabled_even_in_testing(app: Hipflask, client: Any) -> None:
    app.config["OPENAPI_ENABLED"] = False
    assert client.get("/openapi.json").status_code == 404


def test_on_in_debug(app: Hipflask, client: Any) -> None:
    app.config["TESTING"] = False
    app.debug = True
    assert client.get("/openapi.json").status_code == 200


def test_docs_page_loads_bundled_assets_with_the_csp_nonce(app: Hipflask, client: Any) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = (
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'"
    )
    response = client.get("/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<script src="/docs/viewer.js" nonce="{nonce.group(1)}" defer></script>' in page
    assert f'href="/docs/viewer.css" nonce="{nonce.group(1)}"' in page
    assert "http" not in page.split("<body>")[1].replace('href="/openapi.json"', "")
    assert 'data-spec-url="/openapi.json"' in page


def test_assets_are_served_from_the_package(client: Any) -> None:
    script = client.get("/docs/viewer.js")
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"
    assert b"innerHTML" not in script.data.replace(b"never innerHTML", b"")
    assert client.get("/docs/viewer.css").mimetype == "text/css"
    assert client.get("/docs/other.js").status_code == 404


def test_title_is_escaped_in_the_page(app: Hipflask, client: Any) -> None:
    app.extensions["openapi"].title = "<script>x</script>"
    page = client.get("/docs").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page


def test_custom_urls_and_no_docs_page(protocol: str) -> None:
    app = Hipflask("custom")
    app.config.update(TESTING=True)
    OpenAPI(app, json_url="/api/spec.json", docs_url=None)
    client: Any = app.test_client(protocol=protocol)
    assert client.get("/api/spec.json").status_code == 200
    assert client.get("/docs").status_code == 404


def test_document_is_kept_once_serving_began(app: Hipflask, client: Any) -> None:
    first = client.get("/openapi.json").get_json()
    assert client.get("/openapi.json").get_json() == first
