"""``EnvironBuilder`` bound to an app: test requests aimed where the app lives.

Flask's test helpers build requests for ``SERVER_NAME``, ``APPLICATION_ROOT``
and ``PREFERRED_URL_SCHEME`` rather than for ``http://localhost/``, so a test
of an app configured for ``example.com`` or mounted under ``/shop`` reaches
its routes without spelling the base URL out each time. Tests written for
Flask build these objects themselves and hand them to ``client.open()``::

    builder = EnvironBuilder(app, "/api", subdomain="v2", json={"a": 1})
    response = client.open(builder)
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder as _WerkzeugEnvironBuilder

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..core.app import Hipflask
    from ..typing import WSGIEnvironment

#: Flask's wording, so a ported test that matches on it keeps passing.
BASE_URL_CONFLICT = 'Cannot pass "subdomain" or "url_scheme" with "base_url".'


def app_base_url(
    app: Hipflask, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    """The base URL a test request for ``path`` gets, and the path left to send.

    A full URL given as the path keeps its own scheme and host; otherwise the
    app's settings decide, as they would for a real request to the app.
    """
    host = app.config.get("SERVER_NAME") or "localhost"
    if subdomain:
        host = f"{subdomain}.{host}"
    scheme = url_scheme or app.config["PREFERRED_URL_SCHEME"]
    parts = urlsplit(path)
    root = str(app.config["APPLICATION_ROOT"]).lstrip("/")
    base_url = f"{parts.scheme or scheme}://{parts.netloc or host}/{root}"
    rest = parts.path
    if parts.query:
        rest = f"{rest}?{parts.query}"
    return base_url, rest


def chunked_as_served(environ: WSGIEnvironment, overrides: Mapping[str, Any] | None) -> None:
    """Make a built environ with a chunked body look as a server hands one over.

    No ``CONTENT_LENGTH`` (Werkzeug's builder adds one to every body) and the
    stream marked ``wsgi.input_terminated``, unless ``overrides`` (the
    builder's ``environ_overrides``) set the length on purpose. A body is
    chunked when ``chunked`` is its last coding (``gzip, chunked``), as RFC
    9112 requires of a request: a server reads it so, and Werkzeug's request
    ignores the length then. Any other coding list keeps the length, and the
    app refuses the pair with 400, as a server must: nothing else says where
    that body ends.
    """
    encoding = environ.get("HTTP_TRANSFER_ENCODING")
    if (
        encoding
        and encoding.rpartition(",")[2].strip().lower() == "chunked"
        and "CONTENT_LENGTH" not in (overrides or {})
    ):
        environ.pop("CONTENT_LENGTH", None)
        environ.setdefault("wsgi.input_terminated", True)


class EnvironBuilder(_WerkzeugEnvironBuilder):
    """Werkzeug's builder with the app's base URL and the app's JSON provider.

    :param app: the app the request is for.
    :param path: the path, optionally with a query string or as a full URL.
    :param base_url: scheme, host and root; by default from the app's config.
    :param subdomain: prepended to ``SERVER_NAME``; not together with ``base_url``.
    :param url_scheme: the scheme to use instead of ``PREFERRED_URL_SCHEME``.
    """

    def __init__(
        self,
        app: Hipflask,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise TypeError(BASE_URL_CONFLICT)
        if base_url is None:
            base_url, path = app_base_url(app, path, subdomain, url_scheme)
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def get_environ(self) -> WSGIEnvironment:
        """Werkzeug's environ; a chunked body arrives as a server hands one over.

        Werkzeug's builder gives every body a ``Content-Length``, also one
        sent with ``Transfer-Encoding: chunked`` (or ``gzip, chunked``), and
        the app refuses that pair with 400 (request smuggling is built on
        it). A server that reads a chunked body hands it over with no length
        and marks the stream ``wsgi.input_terminated``; so does this builder,
        unless the test sets ``CONTENT_LENGTH`` itself (to test that 400).
        """
        environ = super().get_environ()
        chunked_as_served(environ, self.environ_overrides)
        return environ

    def json_dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize a ``json=`` body the way the app's own responses would."""
        return str(self.app.json.dumps(obj, **kwargs))


__all__ = ["BASE_URL_CONFLICT", "EnvironBuilder", "app_base_url"]
