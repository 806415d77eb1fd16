"""The sign-in example of the Forms page runs as written."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "forms.rst"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def first_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    block = text.split(".. code-block:: python\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    return "\n".join(lines)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Any:
    if not DOCS.exists():
        pytest.skip("docs/forms.rst is not part of this checkout")
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "docs-example-secret-key-0123456789abcdef")
    module = types.ModuleType("forms_example")
    exec(compile(first_example(), str(DOCS), "exec"), module.__dict__)  # noqa: S102 - our docs
    return module.app


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_sign_in_example(app: Any, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    page = client.get("/login").get_data(as_text=True)
    found = _TOKEN.search(page)
    assert found is not None

    refused = client.post("/login", data={"username": "alice", "password": "wonderland"})
    signed_in = client.post(
        "/login?next=//evil.example",
        data={"csrf_token": found.group(1), "username": "alice", "password": "wonderland"},
    )

    assert refused.status_code == 400
    assert refused.get_data(as_text=True) == "<p>The CSRF token is missing.</p>"
    assert signed_in.headers["Location"] == "/"
    assert client.get("/").get_data(as_text=True) == "Hello, alice!"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_sign_in_example_shows_the_message_of_a_wrong_password(app: Any, protocol: str) -> None:
    client = app.test_client(protocol=protocol)
    found = _TOKEN.search(client.get("/login").get_data(as_text=True))
    assert found is not None

    wrong = client.post(
        "/login", data={"csrf_token": found.group(1), "username": "alice", "password": "mirror"}
    )

    assert wrong.headers["Location"] == "/login"
    assert "<p>Invalid username or password</p>" in client.get("/login").get_data(as_text=True)
