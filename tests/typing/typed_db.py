"""Flask-SQLAlchemy and Flask-Migrate's documented usage, strictly typed, through hipflask.db."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from typing_extensions import assert_type

from hipflask import Flask
from hipflask import request
from hipflask.db import SQLAlchemy
from hipflask.db.migrate import Migrate


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


# db.Model is a class made at run time, which mypy cannot subclass (the same
# holds for Flask-SQLAlchemy): the columns are still typed through Mapped.
class User(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None]
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    created: Mapped[datetime] = mapped_column(default=datetime.now)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    author: Mapped[User] = relationship(back_populates="posts")


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///:memory:"
    db.init_app(app)
    migrate.init_app(app, db)

    with app.app_context():
        db.create_all()

    @app.post("/users")
    def create_user() -> tuple[dict[str, int], int]:
        user = User(username=request.form["username"], email=None)
        db.session.add(user)
        db.session.commit()
        return {"id": user.id}, 201

    @app.get("/users/<int:user_id>")
    def show_user(user_id: int) -> dict[str, str]:
        user = db.get_or_404(User, user_id, description="No such user.")
        assert_type(user, User)
        return {"username": user.username}

    @app.get("/users/by/<name>")
    def user_by_name(name: str) -> dict[str, int]:
        user = db.first_or_404(db.select(User).filter_by(username=name))
        one = db.one_or_404(select(User).where(User.username == name))
        return {"id": user.id + one.id}

    @app.get("/posts")
    def list_posts() -> dict[str, object]:
        page = db.paginate(db.select(Post).order_by(Post.created), per_page=20, max_per_page=100)
        titles = [post.title for post in page.items]
        return {
            "titles": titles,
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "has_next": page.has_next,
            "next": page.next_num,
            "numbers": list(page.iter_pages()),
        }

    @app.get("/posts/count")
    def count_posts() -> dict[str, int]:
        posts = db.session.execute(select(Post)).scalars().all()
        assert_type(posts, Sequence[Post])
        first = db.session.scalars(select(Post).limit(1)).first()
        assert_type(first, Post | None)
        legacy = Post.query.filter_by(title="x").first()
        print(legacy)
        return {"count": len(posts)}

    return app
