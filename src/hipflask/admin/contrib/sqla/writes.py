"""The session side of the SQLAlchemy ``ModelView``: its query, and its writes.

Each runs the view's hooks inside one transaction and, on any failure, rolls
back and flashes the database's first line (the statement and its parameters
go to the log), so a refused write leaves nothing half-written and is never
a 500. Kept apart from :mod:`.view`, which answers the read side.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from ....contexts.globals import current_app
from ....core.flashing import flash
from ...actions import action
from ...form.file_changes import files_saved
from ...model import BaseModelView
from . import query as sql
from .validators import resolve_session

__all__ = ["ModelWrites"]

log = logging.getLogger("hipflask.admin.contrib.sqla.view")


class ModelWrites(BaseModelView):
    """The rows of ``model`` the view shows, and their creation, update and deletion."""

    #: Delete selected rows with one DELETE, skipping the per-row hooks and cascades.
    fast_mass_delete = False

    #: The ``SQLAlchemy`` object, a scoped session or a session (see :mod:`.view`).
    session: Any

    def _session(self) -> Any:
        # Looked up on every use: a scoped session gives this request's.
        return resolve_session(self.session)

    def get_query(self) -> Any:
        """The rows the views show; override to narrow them for everyone.

        The list, its count, the export, the delete action and :meth:`get_one`
        (the edit, details and delete pages) all read through it.
        """
        return self._session().query(self.model)

    def handle_view_exception(self, exc: Exception) -> bool:
        """Flash a database refusal (a constraint, a lost connection) instead of a 500.

        The flashed text is the database's first line, without the statement
        and its parameters; the full error goes to the log. As in Flask-Admin,
        ``FLASK_ADMIN_RAISE_ON_INTEGRITY_ERROR`` (or, lacking it,
        ``FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION``) re-raises integrity errors.
        """
        if isinstance(exc, sa.exc.IntegrityError) and self._raises_integrity_errors():
            raise exc
        if isinstance(exc, sa.exc.SQLAlchemyError):
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            prefix = (
                "Integrity error." if isinstance(exc, sa.exc.IntegrityError) else "Database error."
            )
            flash(f"{prefix} {detail}", "error")
            log.warning("%s %s", prefix, exc)
            return True
        return bool(super().handle_view_exception(exc))

    @staticmethod
    def _raises_integrity_errors() -> bool:
        config = current_app.config
        return bool(
            config.get(
                "FLASK_ADMIN_RAISE_ON_INTEGRITY_ERROR",
                config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"),
            )
        )

    def build_new_instance(self) -> Any:
        """A new, empty instance, without calling a custom ``__init__``.

        Models whose constructor requires arguments still get a create view;
        override this to build instances another way.
        """
        manager = orm.class_mapper(self.model).class_manager
        instance = manager.new_instance()
        manager.dispatch.init(orm.attributes.instance_state(instance), (), {})
        return instance

    def _write_failed(self, exc: Exception, message: str) -> None:
        self._session().rollback()
        if not self.handle_view_exception(exc):
            flash(f"{message} {exc}", "error")
            log.exception(message)

    def create_model(self, form: Any) -> Any:
        """Insert a row from ``form``; on failure, roll back and flash why."""
        session = self._session()
        try:
            model = self.build_new_instance()
            form.populate_obj(model)
            session.add(model)
            self.on_model_change(form, model, True)
            session.commit()
        except Exception as exc:
            self._write_failed(exc, "Failed to create record.")
            return False
        files_saved()  # the upload fields' files stay, even if the hook below fails
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form: Any, model: Any) -> bool:
        """Update ``model`` from ``form``; on failure, roll back and flash why."""
        session = self._session()
        try:
            form.populate_obj(model)
            self.on_model_change(form, model, False)
            session.commit()
        except Exception as exc:
            self._write_failed(exc, "Failed to update record.")
            return False
        files_saved()  # the upload fields' files stay, even if the hook below fails
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model: Any) -> bool:
        """Delete ``model``; on failure, roll back and flash why."""
        session = self._session()
        try:
            self.on_model_delete(model)
            session.flush()
            session.delete(model)
            session.commit()
        except Exception as exc:
            self._write_failed(exc, "Failed to delete record.")
            return False
        self.after_model_delete(model)
        return True

    @action("delete", "Delete", "Are you sure you want to delete selected records?")
    def action_delete(self, ids: Any) -> None:
        """Delete the selected rows, through :meth:`delete_model` unless ``fast_mass_delete``.

        Only rows :meth:`get_query` shows can be deleted: ids outside it, or
        not ids at all, are ignored. So are ids the key column cannot hold on
        this database (``3000000000`` for a PostgreSQL ``INTEGER``), before
        the query: PostgreSQL would refuse the whole statement, and the rows
        of the other ids would not be deleted.
        """
        session = self._session()
        keys = sql.possible_keys(session, self.model, ids)
        try:
            query = sql.filter_by_key_tuples(self.get_query(), self.model, keys)
            if not keys:
                count = 0
            elif self.fast_mass_delete:
                count = query.delete(synchronize_session=False)
                session.commit()
            else:
                count = sum(1 for row in query.all() if self.delete_model(row))
        except Exception as exc:
            self._write_failed(exc, "Failed to delete records.")
            return
        if count == 1:
            flash("Record was successfully deleted.", "success")
        else:
            flash(f"{count} records were successfully deleted.", "success")
