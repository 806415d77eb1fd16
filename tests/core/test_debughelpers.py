"""Debug-mode errors: form data lost to a routing redirect, files read without multipart."""

from __future__ import annotations

import pytest
from werkzeug.routing import RequestRedirect

from hipflask import Hipflask
from hipflask import request
from hipflask.debughelpers import DebugFilesKeyError
from hipflask.debughelpers import FormDataRoutingRedirect
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def upload_app(app: Hipflask) -> Hipflask:
    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        return request.files["document"].filename or ""

    return app


def test_files_read_from_a_urlencoded_form_in_debug_explain_the_enctype(
    upload_app: Hipflask, client: HipflaskClient
) -> None:
    upload_app.debug = True

    with pytest.raises(DebugFilesKeyError) as caught:
        client.post("/upload", data={"document": "report.pdf"})

    message = str(caught.value)
    assert "'application/x-www-form-urlencoded' instead of 'multipart/form-data'" in message
    assert 'enctype="multipart/form-data"' in message
    assert "This was submitted: 'report.pdf'" in message
    assert isinstance(caught.value, KeyError)


def test_files_without_multipart_outside_debug_stay_a_400(
    upload_app: Hipflask, client: HipflaskClient
) -> None:
    response = client.post("/upload", data={"document": "report.pdf"})

    assert response.status_code == 400


def test_files_of_a_real_multipart_upload_are_untouched_in_debug(
    upload_app: Hipflask, client: HipflaskClient
) -> None:
    import io

    upload_app.debug = True

    response = client.post(
        "/upload",
        data={"document": (io.BytesIO(b"%PDF"), "report.pdf")},
        content_type="multipart/form-data",
    )

    assert response.text == "report.pdf"


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
