"""The web servers the integration tests run the apps under.

In CI (``CI=true``) a server that is not installed fails the test: a green
run must mean the app was served by every server. Elsewhere it is skipped,
with the command that installs it.
"""

from __future__ import annotations

import os

import pytest

from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed


def require_installed(name: str) -> None:
    """Skip (or, in CI, fail) unless the server ``name`` is installed."""
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: every server must run)")
        pytest.skip(message)
