"""What the send_file tests share: an app rooted in a folder of test files."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask.core.files import send_file

SECRET = "test-secret-key-that-is-long-enough-0123456789"
CONTENT = b"0123456789abcdefghij"  # 20 bytes


@pytest.fixture
def app(tmp_path: Path) -> Hipflask:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.bin").write_bytes(CONTENT)
    (tmp_path / "files" / "notes.txt").write_text("plain notes\n")
    app = Hipflask("files_app", root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


@pytest.fixture
def data_mtime(tmp_path: Path) -> datetime:
    stamp = (tmp_path / "files" / "data.bin").stat().st_mtime
    return datetime.fromtimestamp(int(stamp), timezone.utc)


def route_send_file(app: Hipflask, **kwargs: Any) -> None:
    @app.route("/data")
    def data() -> Response:
        return send_file("files/data.bin", **kwargs)
