"""``hipflask openapi`` writes the app's document, whether or not the app serves it."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate
from tests.openapi.sample_api import create_app

from hipflask.cli.main import cli


def test_writes_the_document_to_a_file(tmp_path: Path) -> None:
    app = create_app()
    app.config.update(TESTING=False, OPENAPI_ENABLED=False)
    target = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(cli, ["openapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote the OpenAPI document of 5 paths" in result.output
    document = json.loads(target.read_text())
    validate(document)
    assert document["info"] == {"title": "Sample API", "version": "1.0.0"}
    assert "/openapi.json" not in document["paths"]


def test_one_path_is_one_path(tmp_path: Path) -> None:
    from hipflask import Hipflask
    from hipflask.restful import validate as typed

    app = Hipflask("one")

    @app.get("/only")
    @typed()
    def only() -> dict[str, int]:
        return {"n": 1}

    target = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(cli, ["openapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "document of 1 path to" in result.output


def test_prints_the_document_for_an_app_without_the_extension() -> None:
    from hipflask import Hipflask

    app = Hipflask("bare")

    @app.get("/only")
    def only() -> str:
        return ""

    result = app.test_cli_runner().invoke(cli, ["openapi", "--indent", "0"])
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.output)["paths"]) == ["/only"]
