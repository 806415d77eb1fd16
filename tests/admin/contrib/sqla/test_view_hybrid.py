"""SQLAlchemy ModelView: hybrid properties and joined-table inheritance."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import JsonRender
from tests.admin.contrib.sqla.admin_views import listing

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


def test_hybrid_properties_and_joined_inheritance(
    app: Hipflask, client: HipflaskClient, tmp_path: Any
) -> None:
    from sqlalchemy.ext.hybrid import hybrid_property

    class Local(orm.DeclarativeBase):
        pass

    class Person(Local):
        __tablename__ = "hfa_person"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        kind: orm.Mapped[str] = orm.mapped_column(sa.String(10))
        first: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        last: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "person"}  # noqa: RUF012

        @hybrid_property
        def full_name(self) -> str:
            return self.first + " " + self.last

        def __str__(self) -> str:
            return self.full_name

    class Employee(Person):
        __tablename__ = "hfa_employee"
        id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("hfa_person.id"), primary_key=True)
        team: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        __mapper_args__ = {"polymorphic_identity": "employee"}  # noqa: RUF012

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'people.db'}")
    Local.metadata.create_all(engine)
    session = orm.scoped_session(orm.sessionmaker(engine))
    session.add_all(
        [
            Employee(first="Grace", last="Hopper", team="navy"),
            Employee(first="Alan", last="Kay", team="parc"),
        ]
    )
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = False

    class EmployeeView(JsonRender, ModelView):
        column_list = ("full_name", "team")
        column_searchable_list = ("full_name", "team")
        column_filters = ("team",)

    view = EmployeeView(Employee, session)
    Admin(app).add_view(view)
    try:
        assert listing(client, "/admin/employee/", search="grace hop")["titles"] == ["Grace Hopper"]
        form_fields = {name for name in vars(view.get_create_form()) if not name.startswith("_")}
        assert form_fields == {"first", "last", "team"}
        created = client.post(
            "/admin/employee/new/", data={"first": "Ada", "last": "Lovelace", "team": "math"}
        )
        assert created.status_code == 302
        session.rollback()
        assert session.query(Employee).filter_by(first="Ada").one().kind == "employee"
    finally:
        session.remove()
        engine.dispose()
