from __future__ import annotations

from pathlib import Path

import pytest
from tests.sync_drivers import without_c_drivers as without_c_drivers  # a shared fixture

from hipflask.stores import create_store
from hipflask.stores.base import is_process_local_url
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
@pytest.mark.usefixtures("without_c_drivers")
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


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("memory://", True),
        ("MEMORY://", True),
        ("memory+anything://", True),
        ("sqlite://", True),
        ("sqlite:///:memory:", True),
        ("sqlite+pysqlite:///:memory:", True),
        ("sqlite:///state.db", False),
        ("sqlite:////var/lib/app/state.db", False),
        ("redis://127.0.0.1:6379/0", False),
        ("file:///var/lib/app/state", False),
        ("postgresql+psycopg://u@h/db", False),
    ],
)
def test_a_url_says_whether_its_store_is_this_process_alone(
    url: str, local: bool, tmp_path: Path
) -> None:
    assert is_process_local_url(url) is local
    if url.startswith(("memory", "MEMORY", "sqlite")):
        if "state.db" in url:
            url = f"sqlite:///{tmp_path / 'state.db'}"
        store = create_store(url)
        try:
            assert store.process_local is local
        finally:
            store.close()


def test_a_plain_url_keeps_the_c_driver_sqlalchemy_assumes_when_it_is_installed() -> None:
    pytest.importorskip("psycopg2")
    assert sync_database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert sync_database_url("postgres://u@h/db") == "postgresql://u@h/db"
