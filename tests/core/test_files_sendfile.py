"""send_file with USE_X_SENDFILE: the body left to the front server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.core.sent_files import CONTENT
from tests.core.sent_files import app as app
from tests.core.sent_files import route_send_file

from hipflask import Hipflask
from hipflask import Response
from hipflask.core.files import send_file


def test_use_x_sendfile_leaves_the_body_to_the_front_server(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    app.config["USE_X_SENDFILE"] = True
    route_send_file(app)

    rv = client.get("/data")

    assert rv.headers["X-Sendfile"] == str(tmp_path / "files" / "data.bin")
    assert rv.data == b""


def test_use_x_sendfile_names_a_non_ascii_path_in_utf_8(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # A header carries bytes; the front server reads the file system path
    # from them. The name is not Latin-1, so as text it cannot be sent at all.
    (tmp_path / "files" / "报告.txt").write_bytes(CONTENT)
    app.config["USE_X_SENDFILE"] = True

    @app.route("/report")
    def report() -> Response:
        return send_file("files/报告.txt")

    rv = client.get("/report")

    assert rv.status_code == 200
    sent = rv.headers["X-Sendfile"].encode("latin-1")
    assert sent == os.fsencode(tmp_path / "files" / "报告.txt")
    assert rv.data == b""


def test_use_x_sendfile_sends_a_path_with_a_line_break_itself(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # A line break would end the header; the file is sent as without X-Sendfile.
    (tmp_path / "files" / "a\nb.txt").write_bytes(CONTENT)
    app.config["USE_X_SENDFILE"] = True

    @app.route("/odd")
    def odd() -> Response:
        return send_file("files/a\nb.txt")

    rv = client.get("/odd")

    assert rv.status_code == 200
    assert "X-Sendfile" not in rv.headers
    assert rv.data == CONTENT
