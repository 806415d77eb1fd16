"""The back office at ``/manage``: users and every note, for administrators only.

Built with :mod:`hipflask.admin` the way Flask-Admin's docs show it, plus the
access check its quick start leaves out: every view, the home page included,
admits only signed-in administrators, sends anonymous visitors to the sign-in
page and refuses everyone else with 403. (``hipflask serve`` refuses an admin
whose views skip that check.)
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from hipflask import Hipflask
from hipflask import abort
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.admin import Admin
from hipflask.admin import AdminIndexView
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.menu import MenuLink
from hipflask.login import current_user

from .models import Note
from .models import User
from .models import db


class AdminOnly:
    """Admit administrators; send anonymous visitors to the sign-in page."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.is_admin)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class Home(AdminOnly, AdminIndexView):
    """The back office's home page: the menu."""


class UserView(AdminOnly, ModelView):
    """Accounts: find them, grant or take back the admin role, delete them.

    New accounts come from the sign-up page, which sets a password; the hash
    is never shown or edited here.
    """

    can_create = False
    column_list = ("username", "is_admin", "created")
    column_searchable_list = ("username",)
    column_filters = ("is_admin",)
    column_default_sort = "username"
    form_columns = ("username", "is_admin")
    column_labels: ClassVar[dict[str, str]] = {"is_admin": "Administrator"}


class NoteView(AdminOnly, ModelView):
    """Every user's notes, searchable by title and text."""

    column_list = ("title", "owner.username", "created", "updated")
    column_labels: ClassVar[dict[str, str]] = {"owner.username": "Owner"}
    column_searchable_list = ("title", "body")
    column_filters = ("owner.username", "created")
    column_default_sort = ("updated", True)
    form_columns = ("owner", "title", "body")
    can_export = True


def init_manage(app: Hipflask) -> Admin:
    """Add the back office to ``app`` (its own ``Admin``: views belong to one app's menu)."""
    manage = Admin(
        app,
        name="Notes back office",
        url="/manage",
        endpoint="manage",
        index_view=Home(url="/manage", endpoint="manage"),
    )
    manage.add_view(UserView(User, db.session, name="Users", endpoint="manage_users", url="users"))
    manage.add_view(NoteView(Note, db.session, name="Notes", endpoint="manage_notes", url="notes"))
    manage.add_link(MenuLink("Back to the notes", url="/"))
    return manage
