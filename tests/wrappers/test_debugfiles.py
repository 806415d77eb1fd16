"""Debug mode explains ``request.files`` read from a form sent without multipart."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequestKeyError

from hipflask import Hipflask
from hipflask import Request
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


def test_files_read_after_the_form_in_debug_still_explain_the_enctype(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.debug = True

    @app.post("/upload")
    def upload() -> str:
        title = request.form["title"]
        return f"{title}: {request.files['document'].filename}"

    with pytest.raises(DebugFilesKeyError):
        client.post("/upload", data={"title": "Q3", "document": "report.pdf"})


def test_a_file_the_form_never_named_is_the_usual_key_error_in_debug(
    upload_app: Hipflask, client: HipflaskClient
) -> None:
    upload_app.debug = True

    # Debug mode traps a missing key, as Flask does; it is not the enctype hint.
    with pytest.raises(BadRequestKeyError) as caught:
        client.post("/upload", data={"other": "x"})

    assert not isinstance(caught.value, DebugFilesKeyError)


def test_debug_files_look_like_the_class_they_stand_in_for(app: Hipflask) -> None:
    app.debug = True
    with app.test_request_context("/", method="POST", data={"a": "1"}):
        assert repr(request.files) == "ImmutableMultiDict([])"


class _TaggedFiles(MultiDict[str, Any]):
    def names(self) -> list[str]:
        return sorted(self)


def test_debug_files_keep_the_request_class_storage_class(
    app: Hipflask, client: HipflaskClient
) -> None:
    class TaggedRequest(Request):
        parameter_storage_class = _TaggedFiles

    app.request_class = TaggedRequest
    app.debug = True

    @app.post("/attach")
    def attach() -> dict[str, Any]:
        files = request.files
        files.add("note", FileStorage(io.BytesIO(b"x"), "note.txt"))
        return {"kind": isinstance(files, _TaggedFiles), "names": files.names()}

    assert client.post("/attach", data={"a": "1"}).json == {"kind": True, "names": ["note"]}


def test_a_copy_of_debug_files_reads_as_plain_files(app: Hipflask) -> None:
    app.debug = True
    with app.test_request_context("/", method="POST", data={"document": "report.pdf"}):
        with pytest.raises(DebugFilesKeyError):
            request.files["document"]
        copied = copy.deepcopy(request.files)
        assert copied.get("document") is None
        with pytest.raises(BadRequestKeyError) as caught:
            copied["document"]
        assert not isinstance(caught.value, DebugFilesKeyError)
