"""The Falcon app sending the security headers hipflask sends by default.

Falcon sends none of them; a Falcon user who wants them writes a response
middleware, as here. Compared with the ``falcon`` row of the same run, it
gives what those headers cost Falcon and its server; compared with the
``hipflask`` row, the two apps do the same work on the wire.
"""

from __future__ import annotations

from typing import Any

import falcon

from apps.falcon_app import add_routes

#: hipflask's default policy headers, with their default values.
_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
_HSTS = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    """Adds the policy headers to every response, and HSTS over HTTPS."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_headers(_HEADERS)
        if req.scheme == "https":
            resp.set_header(*_HSTS)


app = add_routes(falcon.App(middleware=[SecurityHeaders()]))
