"""The demo's tables: users and their notes."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from hipflask.db import SQLAlchemy
from hipflask.login import UserMixin
from hipflask.security import check_password_hash
from hipflask.security import generate_password_hash
from hipflask.security import password_needs_rehash

db = SQLAlchemy()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """An account. ``roles`` feeds the ``roles_required`` checks."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(db.String(40), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(db.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=_now)
    notes: Mapped[list[Note]] = relationship(back_populates="owner", cascade="all, delete")

    def __str__(self) -> str:
        # How the back office's forms and lists name a user (hipflask.admin).
        return self.username

    @property
    def roles(self) -> list[str]:
        return ["admin"] if self.is_admin else []

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Check, and upgrade a hash made with older parameters on the way."""
        ok = check_password_hash(self.password_hash, password)
        if ok and password_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok


class Note(db.Model):  # type: ignore[name-defined,misc]
    """A note; only its owner (and an admin) can see it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(db.String(120))
    body: Mapped[str] = mapped_column(db.Text, default="")
    created: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=_now)
    updated: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=_now, onupdate=_now
    )
    owner: Mapped[User] = relationship(back_populates="notes")
