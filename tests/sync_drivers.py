"""A fixture hiding the C-extension drivers SQLAlchemy assumes for plain URLs.

A ``postgresql://`` or ``mysql://`` URL runs on psycopg2 or mysqlclient when
one is installed, and on psycopg 3 or PyMySQL otherwise
(:mod:`hipflask.stores.urls`). The test environment installs psycopg2 for
the tests that need it; tests of the fallback hide it, so they say the same
on a machine with or without it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

_HIDDEN = frozenset({"psycopg2", "MySQLdb"})


@pytest.fixture
def without_c_drivers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make psycopg2 and mysqlclient look absent to the driver choice."""
    real: Callable[..., Any] = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name in _HIDDEN else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
