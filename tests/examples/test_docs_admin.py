"""The quick start of the Admin page runs as printed, and guards its views."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from hipflask.testing.login import FlaskLoginClient

DOCS = Path(__file__).parents[2] / "docs" / "admin.rst"


def first_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    block = text.split(".. code-block:: python\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines))


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "docs-example-secret-key-0123456789abcdef")
    module = types.ModuleType("admin_example")
    exec(compile(first_example(), str(DOCS), "exec"), module.__dict__)  # noqa: S102 - our docs
    module.app.test_client_class = FlaskLoginClient
    return module


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_administrators_get_in(example: Any, protocol: str) -> None:
    client = example.app.test_client(protocol=protocol, user=example.USERS["1"])

    home = client.get("/admin/").get_data(as_text=True)

    assert "<title>Home - Shop</title>" in home
    assert '<a href="/admin/reports/">Sales</a>' in home
    assert '<a href="/">Back to the shop</a>' in home
    assert client.get("/admin/reports/yearly/2024").get_data(as_text=True) == "Sales in 2024"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_others_are_sent_away(example: Any, protocol: str) -> None:
    anonymous = example.app.test_client(protocol=protocol)
    customer = example.app.test_client(protocol=protocol, user=example.USERS["2"])

    for url in ("/admin/", "/admin/reports/", "/admin/reports/yearly/2024"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        assert customer.get(url).status_code == 403
