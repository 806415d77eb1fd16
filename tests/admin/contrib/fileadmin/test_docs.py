"""The file manager example on docs/admin.rst runs as printed."""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tests.admin.contrib.fileadmin.files import token_from

from hipflask.testing.client import HipflaskClient

PAGE = Path(__file__).resolve().parents[4] / "docs" / "admin.rst"


class _AdmitAll:
    """Stands in for the quick start's AdminOnly mixin."""

    def is_accessible(self) -> bool:
        return True


@pytest.fixture
def example(tmp_path: Path) -> dict[str, Any]:
    section = PAGE.read_text(encoding="utf-8").split("File manager\n------------\n", 1)[1]
    match = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section)
    assert match is not None
    namespace: dict[str, Any] = {
        "__name__": "docs_fileadmin",
        "__file__": str(tmp_path / "app.py"),
        "AdminOnly": _AdmitAll,
    }
    exec(compile(textwrap.dedent(match.group(1)), str(PAGE), "exec"), namespace)  # noqa: S102
    namespace["app"].config.update(TESTING=True, SECRET_KEY="docs-secret-key-0123456789abcdef-xyz")
    return namespace


def test_the_example_uploads_and_hides_private(example: dict[str, Any], protocol: str) -> None:
    client: HipflaskClient = example["app"].test_client(protocol=protocol)  # type: ignore[assignment]
    uploads: Path = example["UPLOADS"]
    (uploads / "private").mkdir()

    def upload(name: str) -> Any:
        return client.post(
            "/admin/uploadsview/upload/",
            data={
                "csrf_token": token_from(client, "/admin/uploadsview/"),
                "upload": (io.BytesIO(b"data"), name),
            },
            content_type="multipart/form-data",
        )

    assert upload("manual.pdf").status_code == 302
    assert upload("page.html").status_code == 200
    assert sorted(p.name for p in uploads.iterdir()) == ["manual.pdf", "private"]
    assert client.get("/admin/uploadsview/b/private").status_code == 403
