"""A blueprint's static and template folders and open_resource."""

from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask


def test_static_and_template_folder_attributes(tmp_path: Any) -> None:
    bp = Blueprint(
        "assets",
        __name__,
        static_folder="files",
        static_url_path="/assets",
        template_folder="templates",
        root_path=str(tmp_path),
    )
    assert bp.static_folder == os.path.join(str(tmp_path), "files")
    assert bp.static_url_path == "/assets"
    assert bp.template_folder == "templates"
    assert bp.has_static_folder
    assert bp.root_path == str(tmp_path)


def test_blueprint_static_route_is_registered_under_its_prefix(tmp_path: Any) -> None:
    app = Hipflask("tests_app", static_folder=None)
    bp = Blueprint("admin", __name__, static_folder="static", root_path=str(tmp_path))
    app.register_blueprint(bp, url_prefix="/admin")
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["admin.static"] == "/admin/static/<path:filename>"


def test_blueprint_without_static_folder_has_no_static_route() -> None:
    app = Hipflask("tests_app", static_folder=None)
    app.register_blueprint(Blueprint("plain", __name__))
    assert not any(r.endpoint.startswith("plain") for r in app.url_map.iter_rules())


def test_blueprint_send_static_file_without_a_folder_is_404() -> None:
    from werkzeug.exceptions import NotFound

    app = Hipflask("tests_app", static_folder=None)
    bp = Blueprint("plain", __name__)
    app.register_blueprint(bp)
    with app.test_request_context(), pytest.raises(NotFound):
        bp.send_static_file("missing.css")


def test_blueprint_open_resource_reads_text_as_utf8_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask 3.1: a blueprint's default is UTF-8, the app's the locale's.
    (tmp_path / "schema.sql").write_bytes("-- caf\u00e9".encode())
    bp = Blueprint("shop", __name__, root_path=str(tmp_path))
    real_open = builtins.open
    seen: list[str | None] = []

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("encoding"))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    with bp.open_resource("schema.sql", "r") as f:
        assert f.read() == "-- caf\u00e9"
    with bp.open_resource("schema.sql", "r", encoding="latin-1") as f:
        assert f.read() == "-- caf\u00c3\u00a9"
    with bp.open_resource("schema.sql") as f:
        assert f.read() == "-- caf\u00e9".encode()
    with pytest.raises(ValueError, match="only be opened for reading"):
        bp.open_resource("schema.sql", "w")

    assert seen == ["utf-8", "latin-1", None]
