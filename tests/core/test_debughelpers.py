"""Debug mode explains a form posted to a URL that routing redirects."""

from __future__ import annotations

import pytest
from werkzeug.routing import RequestRedirect

from hipflask import Hipflask
from hipflask import request
from hipflask.debughelpers import FormDataRoutingRedirect
from hipflask.testing.client import HipflaskClient


def test_a_post_redirected_by_routing_with_a_301_in_debug_explains_the_loss(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.debug = True
    original = app.raise_routing_exception

    # Werkzeug's own redirects are 308s, which keep the body; an app or a
    # custom rule may still issue a 301, which browsers follow with a GET.
    def with_old_code(req: object) -> None:
        exc = request.routing_exception
        if isinstance(exc, RequestRedirect):
            exc.code = 301
        original(request)

    app.raise_routing_exception = with_old_code  # type: ignore[method-assign]

    @app.route("/form/", methods=["POST"])
    def form() -> str:
        return "ok"

    with pytest.raises(FormDataRoutingRedirect, match="defined with a trailing slash"):
        client.post("/form", data={"a": "b"})


def test_a_308_routing_redirect_keeps_the_body_and_is_not_an_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.debug = True

    @app.route("/form/", methods=["POST"])
    def form() -> str:
        return request.form["a"]

    response = client.post("/form", data={"a": "b"}, follow_redirects=True)

    assert response.text == "b"
