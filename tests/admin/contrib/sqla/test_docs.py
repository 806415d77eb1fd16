"""The example on docs/admin-sqla.rst runs as printed."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask.testing.client import HipflaskClient

PAGE = Path(__file__).resolve().parents[4] / "docs" / "admin-sqla.rst"


@pytest.fixture
def example() -> Iterator[dict[str, Any]]:
    match = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", PAGE.read_text())
    assert match is not None
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(textwrap.dedent(match.group(1)), str(PAGE), "exec"), namespace)  # noqa: S102
    yield namespace
    app, db = namespace["app"], namespace["db"]
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_the_blog_example_lists_searches_and_creates(
    example: dict[str, Any], protocol: str
) -> None:
    app, db = example["app"], example["db"]
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client: HipflaskClient = app.test_client(protocol=protocol)  # type: ignore[assignment]
    with app.app_context():
        ann = example["Author"](name="ann", email="ann@example.com")
        db.session.add(example["Post"](title="Hello", author=ann))
        db.session.commit()
        ann_id = ann.id

    created = client.post("/admin/post/new/", data={"title": "Second", "author": str(ann_id)})
    listed = client.get("/admin/post/", query_string={"search": "ann"})

    assert created.status_code == 302
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert "Hello" in body
    assert "Second" in body
