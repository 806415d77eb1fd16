from __future__ import annotations

import pytest

from hipflask.stores.urls import async_database_url
from hipflask.stores.urls import sync_database_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///app.db", "sqlite:///app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite:///app.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("mysql://root@h/db", "mysql+pymysql://root@h/db"),
        ("mysql+asyncmy://root@h/db", "mysql+pymysql://root@h/db"),
        ("mysql+pymysql://root@h/db?charset=utf8mb4", "mysql+pymysql://root@h/db?charset=utf8mb4"),
    ],
)
def test_a_sync_driver_that_is_installed_is_chosen(url: str, expected: str) -> None:
    assert sync_database_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("mysql+pymysql://root@h/db", "mysql+asyncmy://root@h/db"),
        ("mariadb://root@h/db", "mariadb+asyncmy://root@h/db"),
        ("oracle://u@h/db", None),
    ],
)
def test_an_async_driver_for_the_same_database(url: str, expected: str | None) -> None:
    assert async_database_url(url) == expected
