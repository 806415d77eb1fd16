"""The page every Talisman test module serves: one view at ``/``."""

from __future__ import annotations

import pytest

from hipflask import Hipflask


@pytest.fixture
def page(app: Hipflask) -> Hipflask:
    @app.get("/")
    def index() -> str:
        return "ok"

    return app
