"""Management commands: ``flask create-admin``, ``flask seed``, ``flask stats``."""

import click
import sqlalchemy as sa

from .extensions import db
from .models import Post
from .models import User


def register(app):
    @app.cli.command("create-admin")
    @click.argument("username")
    @click.argument("email")
    @click.password_option()
    def create_admin(username, email, password):
        """Create an administrator account."""
        if db.session.scalar(sa.select(User).where(User.username == username)):
            raise click.ClickException(f"User {username} already exists.")
        user = User(username=username, email=email, role="admin")
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created admin {username}.")

    @app.cli.command("seed")
    @click.option("--posts", default=3, show_default=True, help="Posts per user.")
    def seed(posts):
        """Fill the database with demo users and posts."""
        db.create_all()
        for name in ("susan", "john"):
            user = User(username=name, email=f"{name}@example.com")
            user.set_password("cat")
            db.session.add(user)
            for number in range(posts):
                db.session.add(Post(body=f"{name} post {number}", author=user))
        db.session.commit()
        click.echo(f"Seeded 2 users with {posts} posts each.")

    @app.cli.command("stats")
    def stats():
        """Print how many users and posts there are."""
        users = User.query.count()
        posts = db.session.scalar(sa.select(sa.func.count(Post.id)))
        click.echo(f"users={users} posts={posts}")
