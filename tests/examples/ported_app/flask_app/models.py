"""Users who write posts and follow each other, and revoked API tokens."""

from datetime import datetime
from datetime import timezone
from hashlib import md5

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from .extensions import db
from .extensions import login


def utcnow():
    return datetime.now(timezone.utc)


followers = db.Table(
    "followers",
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
)


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), index=True, unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(120), index=True, unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    about_me: so.Mapped[str | None] = so.mapped_column(sa.String(140))
    avatar: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="user")
    last_seen: so.Mapped[datetime | None] = so.mapped_column(default=utcnow)

    posts: so.WriteOnlyMapped["Post"] = so.relationship(back_populates="author")
    following: so.WriteOnlyMapped["User"] = so.relationship(
        secondary=followers,
        primaryjoin=(followers.c.follower_id == id),
        secondaryjoin=(followers.c.followed_id == id),
        back_populates="followers",
    )
    followers: so.WriteOnlyMapped["User"] = so.relationship(
        secondary=followers,
        primaryjoin=(followers.c.followed_id == id),
        secondaryjoin=(followers.c.follower_id == id),
        back_populates="following",
    )

    def __repr__(self):
        return f"<User {self.username}>"

    def set_password(self, password):
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_admin(self):
        return self.role == "admin"

    def gravatar(self, size):
        digest = md5(self.email.lower().encode("utf-8")).hexdigest()  # noqa: S324
        return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s={size}"

    def follow(self, user):
        if not self.is_following(user):
            self.following.add(user)

    def unfollow(self, user):
        if self.is_following(user):
            self.following.remove(user)

    def is_following(self, user):
        query = self.following.select().where(User.id == user.id)
        return db.session.scalar(query) is not None

    def followers_count(self):
        query = sa.select(sa.func.count()).select_from(self.followers.select().subquery())
        return db.session.scalar(query)

    def following_count(self):
        query = sa.select(sa.func.count()).select_from(self.following.select().subquery())
        return db.session.scalar(query)

    def following_posts(self):
        author = so.aliased(User)
        follower = so.aliased(User)
        return (
            sa.select(Post)
            .join(Post.author.of_type(author))
            .join(author.followers.of_type(follower), isouter=True)
            .where(sa.or_(follower.id == self.id, author.id == self.id))
            .group_by(Post)
            .order_by(Post.timestamp.desc())
        )

    def to_dict(self, include_email=False):
        data = {
            "id": self.id,
            "username": self.username,
            "about_me": self.about_me,
            "post_count": db.session.scalar(
                sa.select(sa.func.count()).select_from(self.posts.select().subquery())
            ),
            "follower_count": self.followers_count(),
            "following_count": self.following_count(),
        }
        if include_email:
            data["email"] = self.email
        return data


class Post(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(140))
    timestamp: so.Mapped[datetime] = so.mapped_column(index=True, default=utcnow)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)

    author: so.Mapped[User] = so.relationship(back_populates="posts")

    def __repr__(self):
        return f"<Post {self.body}>"

    def to_dict(self):
        return {
            "id": self.id,
            "body": self.body,
            "timestamp": self.timestamp.replace(tzinfo=timezone.utc).isoformat(),
            "author": self.author.username,
        }


class TokenBlocklist(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    jti: so.Mapped[str] = so.mapped_column(sa.String(36), index=True, unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


@login.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))
