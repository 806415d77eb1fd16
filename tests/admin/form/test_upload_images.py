"""ImageUploadField: images told by their bytes, disguised pages refused, thumbnails."""

from __future__ import annotations

import importlib
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
from tests.admin.form.upload_apps import GIF
from tests.admin.form.upload_apps import HTML
from tests.admin.form.upload_apps import PNG
from tests.admin.form.upload_apps import Record
from tests.admin.form.upload_apps import files as files
from tests.admin.form.upload_apps import folder as folder
from tests.admin.form.upload_apps import form_app
from tests.admin.form.upload_apps import record as record
from tests.admin.form.upload_apps import upload
from tests.admin.form.upload_apps import without_pillow as without_pillow

from hipflask import Hipflask
from hipflask.admin.form.upload import ImageUploadField
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def has_pillow() -> bool:
    return importlib.util.find_spec("PIL") is not None


@pytest.fixture
def images(app: Hipflask, record: Record, folder: Path) -> Hipflask:
    return form_app(app, record, ImageUploadField(base_path=str(folder)))


@pytest.mark.parametrize(("name", "content"), [("a.png", PNG), ("b.gif", GIF)])
def test_an_image_is_accepted_by_its_leading_bytes(
    images: Hipflask,
    client: HipflaskClient,
    folder: Path,
    name: str,
    content: bytes,
    without_pillow: None,
) -> None:

    response = client.post("/upload", data={"upload": upload(name, content)})

    assert response.status_code == 200
    assert (folder / name).read_bytes() == content


@pytest.mark.parametrize("content", [HTML, SVG, b""])
def test_a_page_renamed_png_is_refused(
    images: Hipflask, client: HipflaskClient, folder: Path, content: bytes
) -> None:
    response = client.post("/upload", data={"upload": upload("evil.png", content)})

    assert response.status_code == 400
    assert response.get_json()["errors"]["upload"][0].startswith("Invalid image")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["evil.svg", "evil.html", "evil.php"])
def test_an_image_field_refuses_other_extensions_by_default(
    images: Hipflask, client: HipflaskClient, folder: Path, name: str
) -> None:
    response = client.post("/upload", data={"upload": upload(name, PNG)})

    assert response.status_code == 400
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("setting", ["max_size", "thumbnail_size"])
def test_resizing_without_pillow_is_a_configuration_error(
    folder: Path, setting: str, without_pillow: None
) -> None:
    with pytest.raises(ConfigurationError, match="pip install pillow"):
        settings: dict[str, Any] = {setting: (10, 10, True)}
        ImageUploadField(base_path=str(folder), **settings)


def test_pillow_resizes_and_writes_a_thumbnail(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    if not has_pillow():
        pytest.skip("Pillow is not installed: pip install pillow to run the resizing test")
    Image: Any = importlib.import_module("PIL.Image")

    field = ImageUploadField(
        base_path=str(folder), max_size=(20, 20, True), thumbnail_size=(5, 5, True)
    )
    form_app(app, record, field)
    picture = io.BytesIO()
    Image.new("RGB", (50, 40)).save(picture, "PNG")

    response = client.post("/upload", data={"upload": upload("p.png", picture.getvalue())})

    assert response.status_code == 200
    with Image.open(folder / "p.png") as saved:
        assert saved.size == (20, 20)
    with Image.open(folder / "p_thumb.png") as thumb:
        assert thumb.size == (5, 5)
