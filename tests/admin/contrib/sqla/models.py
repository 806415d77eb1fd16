"""Models the sqla suite runs on: 2.0 ``Mapped`` style, with unique table names.

Table names start with ``hfa_`` so that the suite creates and drops only its
own tables on a shared PostgreSQL or MariaDB database.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    draft = "draft"
    published = "published"


post_tags = sa.Table(
    "hfa_post_tags",
    Base.metadata,
    sa.Column("post_id", sa.ForeignKey("hfa_post.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("hfa_tag.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "hfa_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(80))
    posts: Mapped[list[Post]] = relationship(back_populates="author")

    def __str__(self) -> str:
        return self.name


class Tag(Base):
    __tablename__ = "hfa_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(20))

    def __str__(self) -> str:
        return self.name


class Post(Base):
    __tablename__ = "hfa_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str | None] = mapped_column(sa.Text)
    views: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]
    published: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Status | None] = mapped_column(sa.Enum(Status, name="hfa_status"))
    uid: Mapped[uuid.UUID | None]
    extra: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    day: Mapped[datetime.date | None]
    created: Mapped[datetime.datetime | None]
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("hfa_author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)

    def __str__(self) -> str:
        return self.title


class Pair(Base):
    """A composite key whose parts may hold the key separator and escape."""

    __tablename__ = "hfa_pair"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    label: Mapped[str | None] = mapped_column(sa.String(20))


class Sku(Base):
    """A key the user types: a string, so not autoincremented."""

    __tablename__ = "hfa_sku"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    price: Mapped[float] = mapped_column(sa.Numeric(8, 2))


class Voucher(Base):
    """A ``BigInteger`` key: past 2**31 on every backend, unlike ``Post``'s."""

    __tablename__ = "hfa_voucher"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(sa.String(20))

    def __str__(self) -> str:
        return self.label
