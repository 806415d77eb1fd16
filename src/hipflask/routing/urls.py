"""Building URLs from endpoint names: the engine behind ``url_for``.

Inside a request URLs are built relative to it (same host and scheme,
``.view`` resolved against the current blueprint); outside one, an app
context with ``SERVER_NAME`` builds absolute URLs, and so does
``app.url_for`` with no context at all. The caller passes the
active contexts in: routing sits below the contexts layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote

from werkzeug.routing import BuildError

if TYPE_CHECKING:
    from ..contexts.ctx import AppContext
    from ..contexts.ctx import RequestContext

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
_NO_ADAPTER = (
    "Unable to build URLs outside an active request without 'SERVER_NAME'"
    " configured. Also configure 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME'"
    " as needed."
)


def build_url(
    app: Any,
    endpoint: str,
    *,
    anchor: str | None,
    method: str | None,
    scheme: str | None,
    external: bool | None,
    values: dict[str, Any],
    req_ctx: RequestContext | None,
    app_ctx: AppContext | None,
) -> str:
    """Build the URL for ``endpoint``; unknown values become the query string."""
    if req_ctx is not None:
        adapter = app.create_url_adapter(req_ctx.request)
        blueprint = req_ctx.request.blueprint
        if endpoint[:1] == ".":
            endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
        if external is None:
            external = scheme is not None
    else:
        if app_ctx is not None:
            if app_ctx.url_adapter is None:
                app_ctx.url_adapter = app.create_url_adapter(None)
            adapter = app_ctx.url_adapter
        else:
            # ``app.url_for`` with no context at all (a script, a task
            # queue worker): SERVER_NAME alone is enough, as in Flask.
            adapter = app.create_url_adapter(None)
        if adapter is None:
            raise RuntimeError(_NO_ADAPTER)
        if external is None:
            external = True
    if scheme is not None and not external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")
    app.inject_url_defaults(endpoint, values)
    try:
        rv: str = adapter.build(
            endpoint, values, method=method, url_scheme=scheme, force_external=external
        )
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)  # type: ignore[no-any-return]
    if anchor is not None:
        rv = f"{rv}#{quote(anchor, safe=_ANCHOR_SAFE)}"
    return rv
