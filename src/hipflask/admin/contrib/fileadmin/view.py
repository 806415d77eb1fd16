"""The file manager's configuration, hooks and path checks (``BaseFileAdmin``, ``FileAdmin``).

The pages themselves are in :mod:`.pages`. Everything a page does to the
disk goes through :meth:`BaseFileAdmin._normalize_path` first, which turns
any path that leaves the managed folder (``..``, an absolute path, a
backslash, a NUL byte, a link pointing out) into a 404, and through the
view's own checks: ``is_accessible`` (every exposed page),
``is_accessible_path`` and the ``can_*`` flags (every request, not only
when drawing buttons).
"""

from __future__ import annotations

import os
import posixpath
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import NoReturn

from ....contexts.globals import request
from ....core.helpers import abort
from ... import helpers
from ...actions import ActionsMixin
from ...base import BaseView
from ...form import BaseForm
from . import forms
from .pages import FilePagesMixin
from .paths import real_relative_name
from .paths import resolve_inside
from .storage import BaseFileStorage
from .storage import LocalFileStorage

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["REASON_DISABLED", "REASON_PATH_REFUSED", "BaseFileAdmin", "FileAdmin"]

# Refusals of a request the view understood; a path outside the folder is a
# bare 404 instead, the same as a missing file, so a probe learns nothing.
REASON_DISABLED = "This file manager does not allow that: {what} is turned off on its view."
REASON_PATH_REFUSED = "This path is refused to you by the view's is_accessible_path."


class BaseFileAdmin(FilePagesMixin, BaseView, ActionsMixin):
    """A file manager over a storage: list, upload, download, mkdir, rename, edit, delete.

    Flask-Admin's API. Differences, all refusals: a path outside the folder
    (a link pointing out included) is a 404; a disabled action or a path
    ``is_accessible_path`` refuses is a 403, downloads included (Flask-Admin
    flashes and redirects); an upload or a rename never replaces an existing
    file, and a rename keeps an allowed extension; a new directory's name
    goes through ``secure_filename``; the folder itself cannot be deleted or
    renamed; downloads are attachments. The reasons are in the docs' "File
    manager" section.
    """

    #: Whether files may be uploaded.
    can_upload = True
    #: Whether files may be downloaded.
    can_download = True
    #: Whether files (and, with ``can_delete_dirs``, directories) may be deleted.
    can_delete = True
    #: Whether directories may be deleted, with all they hold.
    can_delete_dirs = True
    #: Whether directories may be created.
    can_mkdir = True
    #: Whether files and directories may be renamed.
    can_rename = True

    #: Extensions an upload may have (lower case, no dot); ``None`` allows any.
    allowed_extensions: Collection[str] | None = None
    #: Extensions of the files the edit page opens as text (lower case, no dot).
    editable_extensions: Collection[str] = ()

    list_template = "admin/file/list.html"
    upload_template = "admin/file/form.html"
    upload_modal_template = "admin/file/modals/form.html"
    mkdir_template = "admin/file/form.html"
    mkdir_modal_template = "admin/file/modals/form.html"
    rename_template = "admin/file/form.html"
    rename_modal_template = "admin/file/modals/form.html"
    edit_template = "admin/file/form.html"
    edit_modal_template = "admin/file/modals/form.html"

    #: The base of every form the pages build; the admin's ``BaseForm`` carries
    #: the CSRF token that state-changing pages require.
    form_base_class: type[Any] = BaseForm

    #: Flask-Admin's modal switches; the forms open as pages here, as the rest
    #: of the admin does, so they change only which template is used.
    rename_modal = False
    upload_modal = False
    mkdir_modal = False
    edit_modal = False

    possible_columns: tuple[str, ...] = ("name", "rel_path", "is_dir", "size", "date")
    column_list: tuple[str, ...] = ("name", "size", "date")
    column_sortable_list: tuple[str, ...] = ("name", "size", "date")
    #: The column sorted by when the URL names none; directories first by name otherwise.
    default_sort_column: str | None = None
    default_desc = 0
    column_labels: ClassVar[dict[str, Any]] = {
        column: column.capitalize() for column in ("name", "size", "date")
    }
    date_format = "%Y-%m-%d %H:%M:%S"

    def __init__(
        self,
        base_url: str | None = None,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        verify_path: bool = True,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
        storage: BaseFileStorage | None = None,
    ) -> None:
        self.base_url = base_url
        self.storage = storage
        self.init_actions()
        if self.allowed_extensions and not isinstance(self.allowed_extensions, set):
            self.allowed_extensions = {e.lower() for e in self.allowed_extensions}
        if self.editable_extensions and not isinstance(self.editable_extensions, set):
            self.editable_extensions = {e.lower() for e in self.editable_extensions}
        super().__init__(
            name,
            category,
            endpoint,
            url,
            menu_class_name=menu_class_name,
            menu_icon_type=menu_icon_type,
            menu_icon_value=menu_icon_value,
        )

    # -- overridable policy ---------------------------------------------------
    def is_accessible_path(self, path: str) -> bool:
        """Whether the current user may see or change ``path`` (relative, ``""`` for the root).

        Asked on every request for the path it names, and for each listed
        entry; a refusal is a 403 and the entry is not listed. A path through
        a link inside the folder is asked about twice, as named and as the
        link resolves (``shared/a.pdf`` and ``private/a.pdf``); both must
        pass. On a file system that ignores case (Windows, macOS), compare
        case-insensitively: ``PRIVATE/a.pdf`` opens ``private/a.pdf`` there.
        """
        return True

    def get_base_path(self) -> str:
        """The managed folder; override for per-user folders."""
        return self._storage().get_base_path()

    def get_base_url(self) -> str | None:
        """Where the files are served from, if not by the download page."""
        return self.base_url

    def is_file_allowed(self, filename: str) -> bool:
        """Whether a file of this name may be uploaded (``allowed_extensions``).

        Asked about the name as sent, and again about the name it is stored
        under (after ``secure_filename``), which may differ in its extension.
        """
        if not self.allowed_extensions:
            return True
        return _extension(filename) in self.allowed_extensions

    def is_file_editable(self, filename: str) -> bool:
        """Whether the edit page opens this file (``editable_extensions``)."""
        if not self.editable_extensions:
            return False
        return _extension(filename) in self.editable_extensions

    def is_in_folder(self, base_path: str, directory: str) -> bool:
        """Whether ``directory`` lies in ``base_path``, by path (links are checked elsewhere)."""
        base = os.path.normpath(base_path)
        target = os.path.normpath(directory)
        return target == base or target.startswith(base.rstrip(os.sep) + os.sep)

    def is_column_visible(self, column: str) -> bool:
        return column in self.column_list

    def is_column_sortable(self, column: str) -> bool:
        return column in self.column_sortable_list

    def column_label(self, column: str) -> Any:
        return self.column_labels.get(column, column.capitalize())

    def timestamp_format(self, timestamp: float) -> str:
        """``timestamp`` shown with ``date_format``; empty for the parent entry's 0."""
        if not timestamp:
            return ""
        try:
            return datetime.fromtimestamp(timestamp).strftime(self.date_format)
        except (OverflowError, OSError, ValueError):
            return ""

    # -- hooks: called after (or before) each change, by default nothing -----------
    def on_rename(self, full_path: str, dir_base: str, filename: str) -> None:
        """After ``full_path`` was renamed to ``filename`` in ``dir_base``."""

    def on_edit_file(self, full_path: str, path: str) -> None:
        """After the edit page saved ``path``."""

    def on_file_upload(self, directory: str, path: str, filename: str) -> None:
        """After an upload was stored as ``filename`` (its full path) in ``directory``."""

    def on_mkdir(self, parent_dir: str, dir_name: str) -> None:
        """After ``dir_name`` was created in ``parent_dir``."""

    def before_directory_delete(self, full_path: str, dir_name: str) -> None:
        """Before a directory is deleted; raise to stop it (the error is flashed)."""

    def before_file_delete(self, full_path: str, filename: str) -> None:
        """Before a file is deleted; raise to stop it (the error is flashed)."""

    def on_directory_delete(self, full_path: str, dir_name: str) -> None:
        """After a directory was deleted."""

    def on_file_delete(self, full_path: str, filename: str) -> None:
        """After a file was deleted."""

    # -- forms ---------------------------------------------------------------------
    def get_upload_form(self) -> type[Any]:
        """The upload form class; override to add fields."""
        return forms.make_upload_form(self.form_base_class)

    def get_edit_form(self) -> type[Any]:
        """The edit form class."""
        return forms.make_edit_form(self.form_base_class)

    def get_name_form(self) -> type[Any]:
        """The form class of mkdir and rename."""
        return forms.make_name_form(self.form_base_class)

    def get_delete_form(self) -> type[Any]:
        """The delete form class."""
        return forms.make_delete_form(self.form_base_class)

    def get_action_form(self) -> type[Any]:
        """The bulk actions form class."""
        return forms.make_action_form(self.form_base_class)

    def upload_form(self) -> Any:
        """The upload form, filled from the submission (files included)."""
        return self.get_upload_form()(helpers.get_form_data(), admin=self)

    def name_form(self) -> Any:
        """The mkdir/rename form; only a posted body fills it."""
        return self.get_name_form()(_posted())

    def edit_form(self) -> Any:
        """The edit form; only a posted body fills it."""
        return self.get_edit_form()(_posted())

    def delete_form(self) -> Any:
        """The delete form; only a posted body fills it (a token must not ride in a URL)."""
        return self.get_delete_form()(_posted())

    def action_form(self) -> Any:
        """The bulk actions form; only a posted body fills it."""
        return self.get_action_form()(_posted())

    def validate_form(self, form: Any) -> bool:
        """Whether ``form`` was posted and is valid (its CSRF token included)."""
        return helpers.validate_form_on_submit(form)

    # -- paths -------------------------------------------------------------------
    def _storage(self) -> BaseFileStorage:
        if self.storage is None:
            raise RuntimeError(f"{type(self).__name__} has no storage: pass storage=...")
        return self.storage

    @property
    def _separator(self) -> str:
        return self._storage().separator

    def normpath(self, path: str) -> str:
        """``path`` normalised by the storage's rules."""
        return self._storage().normpath(path)

    def _normalize_path(self, path: str | None) -> tuple[str, str, str]:
        """``(base path, full path, relative path)`` of an existing entry, or 404.

        The relative path is POSIX-style and ``""`` for the folder itself.
        """
        base_path = self.get_base_path()
        resolved = resolve_inside(base_path, path)
        if resolved is None:
            abort(404)
        full_path, relative = resolved
        if not self._storage().path_exists(full_path):
            abort(404)
        return base_path, full_path, relative

    def _require_access(self, path: str) -> None:
        if not self._is_path_allowed(path):
            abort(403, description=REASON_PATH_REFUSED)

    def _is_path_allowed(self, path: str) -> bool:
        """``is_accessible_path`` for ``path`` and for the name its links lead to.

        A link inside the folder (``shared -> private``) is a second name for
        its target: asking only about the name requested would open
        ``shared/report.pdf`` where ``private/report.pdf`` is refused.
        """
        if not self.is_accessible_path(path):
            return False
        real = real_relative_name(self.get_base_path(), path)
        return real is not None and (real == path or self.is_accessible_path(real))

    def _refuse_disabled(self, what: str) -> NoReturn:
        abort(403, description=REASON_DISABLED.format(what=what))

    def _get_dir_url(self, endpoint: str, path: str | None = None, **kwargs: Any) -> str:
        """The URL of ``endpoint`` for the directory ``path`` (the root when empty)."""
        if path:
            kwargs["path"] = path.replace("\\", "/")
        return self.get_url(endpoint, **kwargs)

    def _get_file_url(self, path: str, **kwargs: Any) -> str:
        """The link of a listed file: the edit page if editable, else the download."""
        path = path.replace("\\", "/")
        route = ".edit" if self.is_file_editable(path) else ".download"
        return self.get_url(route, path=path, **kwargs)

    def _get_breadcrumbs(self, path: str) -> list[tuple[str, str]]:
        """``(name, path so far)`` for each directory of ``path``."""
        crumbs: list[tuple[str, str]] = []
        parts: list[str] = []
        for part in path.split("/") if path else ():
            parts.append(part)
            crumbs.append((part, posixpath.join(*parts)))
        return crumbs

    def is_action_allowed(self, name: str) -> bool:
        """Delete needs ``can_delete``; edit needs editable extensions."""
        if name == "delete":
            return bool(self.can_delete)
        if name == "edit":
            return bool(self.editable_extensions)
        return True

    def _template_for(self, kind: str) -> str:
        """The template of ``kind``'s page: the modal one when asked for and enabled."""
        if getattr(self, f"{kind}_modal", False) and request.args.get("modal"):
            return str(getattr(self, f"{kind}_modal_template"))
        return str(getattr(self, f"{kind}_template"))


class FileAdmin(BaseFileAdmin):
    """A file manager for a folder on this machine (Flask-Admin's ``FileAdmin``)::

        admin.add_view(FileAdmin(path, name="Static Files"))

    :param base_path: the folder to manage; it must exist.
    :param base_url: where the app serves these files, if it does; downloads
        then redirect there instead of sending the file.
    """

    def __init__(
        self, base_path: str | bytes | os.PathLike[str], *args: Any, **kwargs: Any
    ) -> None:
        kwargs["storage"] = LocalFileStorage(base_path)
        super().__init__(*args, **kwargs)


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lower().lstrip(".")


def _posted() -> Any:
    return request.form if helpers.is_form_submitted() else None
