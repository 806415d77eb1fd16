"""``OpenAPI(app)``: serve the document at ``/openapi.json`` and a docs page at ``/docs``.

Both answer only when enabled: ``OPENAPI_ENABLED`` set to true, or, when it is
unset, in debug and testing. A production app does not publish its API
description unless asked to. The docs page is built from files shipped in
this package (no CDN), and its script and stylesheet carry the response's
CSP nonce, so it works under a strict ``Content-Security-Policy``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from markupsafe import escape
from werkzeug.exceptions import NotFound

from ..contexts.globals import current_app
from ..core.helpers import url_for
from ..templating.environment import csp_nonce
from .document import openapi_document

__all__ = ["OpenAPI"]

_ASSETS = {"viewer.js": "text/javascript", "viewer.css": "text/css"}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}" nonce="{nonce}">
</head>
<body>
<main id="hipflask-docs" data-spec-url="{spec}">
<noscript>This page needs JavaScript; the document is at <a href="{spec}">{spec}</a>.</noscript>
</main>
<script src="{js}" nonce="{nonce}" defer></script>
</body>
</html>
"""


class OpenAPI:
    """Publish the app's OpenAPI 3.1 document and its docs page.

    :param json_url: where the document is served.
    :param docs_url: where the docs page is served (``None``: no page).
    """

    ENDPOINTS = ("openapi_json", "openapi_docs", "openapi_asset")

    def __init__(
        self,
        app: Any = None,
        *,
        json_url: str = "/openapi.json",
        docs_url: str | None = "/docs",
        title: str | None = None,
        version: str | None = None,
    ) -> None:
        self.json_url = json_url
        self.docs_url = docs_url
        self.title = title
        self.version = version
        self._document: dict[str, Any] | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        """Add the routes; whether they answer is decided per request from the config."""
        app.config.setdefault("OPENAPI_ENABLED", None)
        app.extensions["openapi"] = self
        app.add_url_rule(self.json_url, "openapi_json", self._serve_document)
        if self.docs_url is not None:
            app.add_url_rule(self.docs_url, "openapi_docs", self._serve_page)
            app.add_url_rule(
                f"{self.docs_url.rstrip('/')}/<any({', '.join(_ASSETS)}):filename>",
                "openapi_asset",
                self._serve_asset,
            )

    def document(self, app: Any = None) -> dict[str, Any]:
        """The document of ``app`` (the current app by default)."""
        app = app if app is not None else current_app._get_current_object()
        return openapi_document(app, title=self.title, version=self.version, exclude=self.ENDPOINTS)

    @staticmethod
    def is_enabled(app: Any) -> bool:
        """``OPENAPI_ENABLED``, or debug/testing when it is unset."""
        enabled = app.config.get("OPENAPI_ENABLED")
        if enabled is None:
            return bool(app.debug or app.testing)
        return bool(enabled)

    def _check(self) -> None:
        if not self.is_enabled(current_app):
            raise NotFound()

    def _serve_document(self) -> Any:
        self._check()
        app = current_app._get_current_object()
        # The routes are fixed once serving began, so the document is too.
        document = self._document
        if document is None:
            document = self.document(app)
            if app._got_first_request:
                self._document = document
        return app.json.response(document)

    def _serve_page(self) -> Any:
        self._check()
        app = current_app._get_current_object()
        title = self.title or app.config.get("OPENAPI_TITLE") or app.name
        page = _PAGE.format(
            title=escape(f"{title} API"),
            css=escape(url_for("openapi_asset", filename="viewer.css")),
            js=escape(url_for("openapi_asset", filename="viewer.js")),
            spec=escape(url_for("openapi_json")),
            nonce=escape(csp_nonce()),
        )
        return app.response_class(page, mimetype="text/html")

    def _serve_asset(self, filename: str) -> Any:
        self._check()
        mimetype = _ASSETS.get(filename)
        if mimetype is None:
            raise NotFound()
        data = resources.files(__package__).joinpath("assets").joinpath(filename).read_bytes()
        response = current_app.response_class(data, mimetype=mimetype)
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        return response
