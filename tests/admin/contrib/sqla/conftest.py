"""Fixtures of the sqla suite: a session on SQLite, and the real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Base
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag
from tests.db.conftest import backend_database


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'admin.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[orm.scoped_session[orm.Session]]:
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    yield scoped
    scoped.remove()


@pytest.fixture
def seeded(session: orm.scoped_session[orm.Session]) -> orm.scoped_session[orm.Session]:
    ann = Author(name="ann", email="ann@example.com")
    bob = Author(name="bob")
    red, blue = Tag(name="red"), Tag(name="blue")
    session.add_all(
        [
            Post(title="Hello world", author=ann, views=10, tags=[red]),
            Post(title="100% pure_fun", author=bob, views=5, tags=[red, blue]),
            Post(title="Third", author=ann, views=1),
        ]
    )
    session.commit()
    return session


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def backend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this suite's own on each backend the round-trip must pass on."""
    with backend_database(request.param, "admin_sqla", tmp_path_factory) as url:
        yield url
