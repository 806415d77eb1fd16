"""Flask-Admin's documented usage, strictly typed, through hipflask.admin."""

from __future__ import annotations

from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from hipflask import Flask
from hipflask.admin import Admin
from hipflask.admin import AdminIndexView
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.admin.contrib.sqla import ModelView
from hipflask.db import SQLAlchemy
from hipflask.login import current_user

db = SQLAlchemy()


class Author(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class SecureModelView(ModelView):
    column_searchable_list = ("name",)
    column_filters = ("name",)
    can_delete = False
    page_size = 50

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)


class ReportsView(BaseView):
    @expose("/")
    def index(self) -> str:
        return self.render("reports.html", total=3)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///:memory:"
    db.init_app(app)
    admin = Admin(app, name="shop", index_view=AdminIndexView(name="Home"))
    admin.add_view(SecureModelView(Author, db.session, category="People"))
    admin.add_view(ReportsView(name="Reports", endpoint="reports"))
    return app
