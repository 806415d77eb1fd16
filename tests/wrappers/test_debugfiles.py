"""Debug mode explains ``request.files`` read from a form sent without multipart."""

from __future__ import annotations

import io

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.debughelpers import DebugFilesKeyError
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
    upload_app.debug = True

    response = client.post(
        "/upload",
        data={"document": (io.BytesIO(b"%PDF"), "report.pdf")},
        content_type="multipart/form-data",
    )

    assert response.text == "report.pdf"
