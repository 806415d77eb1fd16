"""Helpers of the file manager tests: the view under test and form tokens."""

from __future__ import annotations

import re
from pathlib import Path

from hipflask.admin.contrib.fileadmin import FileAdmin
from hipflask.testing.client import HipflaskClient

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class FilesView(FileAdmin):
    """A file manager whose text files open in the edit page."""

    editable_extensions = ("txt",)


def token_from(client: HipflaskClient, url: str = "/admin/files/") -> str:
    """The CSRF token of the page at ``url`` (and the session that goes with it)."""
    found = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def flashed(client: HipflaskClient) -> str:
    """The page the client lands on next, where flashed messages show."""
    return client.get("/admin/files/").get_data(as_text=True)


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, relative and sorted: what is on disk."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
