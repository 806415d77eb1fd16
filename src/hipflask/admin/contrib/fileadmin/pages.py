"""The file manager's pages: list, upload, download, mkdir, delete, rename, edit, actions.

Mixed into :class:`~hipflask.admin.contrib.fileadmin.BaseFileAdmin`, which
holds the configuration these pages read. Each page checks, in order: its
``can_*`` flag (403, or 404 for download as in Flask-Admin), the path
(404 unless it is an existing entry inside the folder), then
``is_accessible_path`` (403). Only then is a form read; a change needs a
POST whose form carries the CSRF token.
"""

from __future__ import annotations

import os
import posixpath
from operator import itemgetter
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote
from urllib.parse import urljoin

from werkzeug.utils import secure_filename

from ....contexts.globals import request
from ....core.flashing import flash
from ....core.helpers import abort
from ....core.helpers import redirect
from ... import babel
from ...actions import action
from ...base import expose
from ...helpers import flash_errors
from ...helpers import is_form_submitted
from .paths import can_be_named

__all__ = ["REASON_NOT_EDITABLE", "FilePagesMixin"]

REASON_NOT_EDITABLE = (
    "This file cannot be edited here: its extension is not in the view's editable_extensions."
)

#: An entry of the list: name, relative path, is a directory, size, modification time.
Item = tuple[str, Any, bool, int, float]


class FilePagesMixin:
    """The exposed pages of a file manager; see :class:`BaseFileAdmin`."""

    if TYPE_CHECKING:
        # The configuration, hooks and path checks live on BaseFileAdmin.
        def __getattr__(self, name: str) -> Any: ...

    # -- list ------------------------------------------------------------------
    @expose("/")
    @expose("/b/<path:path>")
    def index_view(self, path: str | None = None) -> Any:
        """The entries of the directory ``path`` (the folder itself without one)."""
        _base, directory, path = self._normalize_path(path)
        self._require_access(path)
        if not self._storage().is_dir(directory):
            abort(404)
        items: list[Item] = []
        try:
            found = self._storage().get_files(path, directory)
        except OSError as ex:  # unreadable (permissions), or gone since the check
            flash(babel.gettext("Failed to read directory: %(error)s", error=_reason(ex)), "error")
            found = []
        for item in found:
            if can_be_named(item[1]) and self._is_path_allowed(item[1]):
                items.append(item)
        sort_column, sort_desc = self._list_sort()
        items = self._sorted(items, sort_column, sort_desc)
        if path:
            parent = posixpath.dirname(path) or None
            items.insert(0, ("..", parent, True, 0, 0))
        actions, actions_confirmation = self.get_actions_list()

        def sort_url(column: str, path: str | None, invert: bool = False) -> str:
            desc = 1 if invert and not sort_desc else None
            return str(self.get_url(".index_view", path=path or None, sort=column, desc=desc))

        return self.render(
            self.list_template,
            dir_path=path,
            breadcrumbs=self._get_breadcrumbs(path),
            get_dir_url=self._get_dir_url,
            get_file_url=self._get_file_url,
            items=items,
            actions=actions,
            actions_confirmation=actions_confirmation,
            action_form=self.action_form() if actions else None,
            delete_form=self.delete_form() if self.can_delete else None,
            sort_column=sort_column,
            sort_desc=sort_desc,
            sort_url=sort_url,
            timestamp_format=self.timestamp_format,
            return_url=self._get_dir_url(".index_view", path),
        )

    def _list_sort(self) -> tuple[str | None, int]:
        column = request.args.get("sort") or self.default_sort_column
        if column not in self.possible_columns or not self.is_column_sortable(column):
            column = self.default_sort_column
        desc = request.args.get("desc", type=int)
        return column, (self.default_desc if desc is None else desc)

    def _sorted(self, items: list[Item], column: str | None, desc: int) -> list[Item]:
        if column is None or column not in self.possible_columns:
            # Directories first, each group by name.
            return sorted(items, key=lambda item: (not item[2], item[0]))
        index = self.possible_columns.index(column)
        return sorted(items, key=itemgetter(index), reverse=bool(desc))

    # -- upload ------------------------------------------------------------------
    @expose("/upload/", methods=("GET", "POST"))
    @expose("/upload/<path:path>", methods=("GET", "POST"))
    def upload(self, path: str | None = None) -> Any:
        """Upload a file into the directory ``path``; never over an existing file."""
        if not self.can_upload:
            self._refuse_disabled("can_upload")
        _base, directory, path = self._normalize_path(path)
        self._require_access(path)
        if not self._storage().is_dir(directory):
            abort(404)
        form = self.upload_form()
        if self.validate_form(form):
            try:
                stored = self._save_form_files(directory, path, form)
            except (OSError, ValueError) as ex:
                flash(babel.gettext("Failed to save file: %(error)s", error=_reason(ex)), "error")
            else:
                # The name on disk, not the one sent: "../../report.pdf" is
                # stored as "report.pdf", and the message must say where.
                flash(babel.gettext("Successfully saved file: %(name)s", name=stored), "success")
                return redirect(self._get_dir_url(".index_view", path))
        else:
            flash_errors(form, message=babel.gettext("Failed to upload file: %(error)s"))
        return self.render(
            self._template_for("upload"),
            form=form,
            dir_url=self._get_dir_url(".index_view", path),
            header_text=babel.gettext("Upload File"),
            modal=request.args.get("modal"),
        )

    def _save_form_files(self, directory: str, path: str, form: Any) -> str:
        """Store the form's upload under its ``secure_filename`` name in ``directory``.

        Returns the name it was stored under.

        The stored name is checked again, as it is the one that reaches the
        disk: checking the sent name alone would trust ``secure_filename`` to
        keep the extension ``is_file_allowed`` saw. Goes through
        :meth:`save_file`, so a subclass overriding it (as in Flask-Admin)
        still stores every upload.
        """
        filename = secure_filename(form.upload.data.filename)
        if not filename or not self.is_file_allowed(filename):
            raise ValueError(babel.gettext("Invalid file name."))
        self._require_access(_child(path, filename))
        full_path = os.path.join(directory, filename)
        try:
            self.save_file(full_path, form.upload.data)
        except FileExistsError:
            shown = _child(path, filename)
            raise ValueError(babel.gettext('File "%(name)s" already exists.', name=shown)) from None
        self.on_file_upload(directory, path, full_path)
        return filename

    def save_file(self, path: str, file_data: Any) -> None:
        """Store ``file_data`` at ``path`` through the storage (refusing to overwrite)."""
        self._storage().save_file(path, file_data)

    # -- download ---------------------------------------------------------------
    @expose("/download/<path:path>")
    def download(self, path: str | None = None) -> Any:
        """Send the file ``path`` as an attachment, or redirect to ``base_url``."""
        if not self.can_download:
            abort(404)
        _base, full_path, path = self._normalize_path(path)
        self._require_access(path)
        if not path or self._storage().is_dir(full_path):
            abort(404)
        base_url = self.get_base_url()
        if base_url:
            return redirect(_served_url(str(self.get_url(".index_view")), base_url, path))
        return self._storage().send_file(full_path)

    # -- mkdir ------------------------------------------------------------------
    @expose("/mkdir/", methods=("GET", "POST"))
    @expose("/mkdir/<path:path>", methods=("GET", "POST"))
    def mkdir(self, path: str | None = None) -> Any:
        """Create a directory in ``path``; its name goes through ``secure_filename``."""
        if not self.can_mkdir:
            self._refuse_disabled("can_mkdir")
        _base, directory, path = self._normalize_path(path)
        self._require_access(path)
        if not self._storage().is_dir(directory):
            abort(404)
        dir_url = self._get_dir_url(".index_view", path)
        form = self.name_form()
        if self.validate_form(form):
            name = secure_filename(form.name.data)
            if name:
                self._require_access(_child(path, name))
            try:
                if not name:
                    raise ValueError(babel.gettext("Invalid name"))
                self._storage().make_dir(directory, name)
            except (OSError, ValueError) as ex:
                flash(
                    babel.gettext("Failed to create directory: %(error)s", error=_reason(ex)),
                    "error",
                )
            else:
                self.on_mkdir(directory, name)
                flash(
                    babel.gettext("Successfully created directory: %(directory)s", directory=name),
                    "success",
                )
                return redirect(dir_url)
        else:
            flash_errors(form, message=babel.gettext("Failed to create directory: %(error)s"))
        return self.render(
            self._template_for("mkdir"),
            form=form,
            dir_url=dir_url,
            header_text=babel.gettext("Create Directory"),
        )

    # -- delete -------------------------------------------------------------------
    def delete_file(self, file_path: str) -> None:
        """Delete the file ``file_path`` through the storage."""
        self._storage().delete_file(file_path)

    @expose("/delete/", methods=("POST",))
    def delete(self) -> Any:
        """Delete the posted ``path``: a file, or a directory with ``can_delete_dirs``."""
        if not self.can_delete:
            self._refuse_disabled("can_delete")
        form = self.delete_form()
        if not self.validate_form(form):
            flash_errors(form, message=babel.gettext("Failed to delete file. %(error)s"))
            return redirect(self.get_url(".index_view"))
        _base, full_path, path = self._normalize_path(form.path.data)
        if not path:
            abort(404)  # the folder itself
        self._require_access(path)
        self._delete_entry(full_path, path)
        return redirect(self._get_dir_url(".index_view", posixpath.dirname(path)))

    def _delete_entry(self, full_path: str, path: str) -> None:
        """Delete one entry with its hooks, flashing the outcome."""
        if self._storage().is_dir(full_path):
            if not self.can_delete_dirs:
                flash(babel.gettext("Directory deletion is disabled."), "error")
                return
            try:
                self.before_directory_delete(full_path, path)
                self._storage().delete_tree(full_path)
                self.on_directory_delete(full_path, path)
            except Exception as ex:  # a hook's refusal, or the disk's
                flash(
                    babel.gettext("Failed to delete directory: %(error)s", error=_reason(ex)),
                    "error",
                )
            else:
                flash(
                    babel.gettext('Directory "%(path)s" was successfully deleted.', path=path),
                    "success",
                )
            return
        try:
            self.before_file_delete(full_path, path)
            self.delete_file(full_path)
            self.on_file_delete(full_path, path)
        except Exception as ex:  # a hook's refusal, or the disk's
            flash(babel.gettext("Failed to delete file: %(name)s", name=_reason(ex)), "error")
        else:
            flash(babel.gettext('File "%(name)s" was successfully deleted.', name=path), "success")

    # -- rename -------------------------------------------------------------------
    @expose("/rename/", methods=("GET", "POST"))
    def rename(self) -> Any:
        """Rename ``path`` (a query argument, then the posted field) within its directory."""
        if not self.can_rename:
            self._refuse_disabled("can_rename")
        form = self.name_form()
        requested = form.path.data if is_form_submitted() else request.args.get("path")
        if not requested:
            return redirect(self.get_url(".index_view"))
        _base, full_path, path = self._normalize_path(requested)
        if not path:
            abort(404)  # the folder itself
        self._require_access(path)
        return_url = self._get_dir_url(".index_view", posixpath.dirname(path))
        if self.validate_form(form):
            self._rename_entry(full_path, path, form.name.data)
            return redirect(return_url)
        if is_form_submitted():
            flash_errors(form, message=babel.gettext("Failed to rename: %(error)s"))
        form.path.data = path
        form.name.data = posixpath.basename(path)
        return self.render(
            self._template_for("rename"),
            form=form,
            path=posixpath.dirname(path),
            name=posixpath.basename(path),
            dir_url=return_url,
            header_text=babel.gettext("Rename %(name)s", name=posixpath.basename(path)),
        )

    def _rename_entry(self, full_path: str, path: str, new_name: str) -> None:
        dir_base = os.path.dirname(full_path)
        filename = secure_filename(new_name)
        if filename:
            # The new name is a path of its own: a rename must not move a file
            # where is_accessible_path would hide or refuse it.
            self._require_access(_child(posixpath.dirname(path), filename))
        try:
            if not filename:
                raise ValueError(babel.gettext("Invalid name"))
            if not self._storage().is_dir(full_path) and not self.is_file_allowed(filename):
                # A rename must not turn notes.txt into page.html where uploads
                # of .html are refused.
                raise ValueError(babel.gettext("Invalid file type."))
            self._storage().rename_path(full_path, os.path.join(dir_base, filename))
        except (OSError, ValueError) as ex:
            flash(babel.gettext("Failed to rename: %(error)s", error=_reason(ex)), "error")
            return
        self.on_rename(full_path, dir_base, filename)
        flash(
            babel.gettext(
                'Successfully renamed "%(src)s" to "%(dst)s"',
                src=posixpath.basename(path),
                dst=filename,
            ),
            "success",
        )

    # -- edit ----------------------------------------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit(self) -> Any:
        """Edit a text file (``editable_extensions``); several ``path`` values edit in turn."""
        paths = request.args.getlist("path")
        if not paths:
            return redirect(self.get_url(".index_view"))
        _base, full_path, path = self._normalize_path(paths[0])
        if not path or self._storage().is_dir(full_path):
            abort(404)
        self._require_access(path)
        if not self.is_file_editable(path):
            abort(403, description=REASON_NOT_EDITABLE)
        dir_url = self._get_dir_url(".index_view", posixpath.dirname(path))
        next_url = self.get_url(".edit", path=paths[1:]) if len(paths) > 1 else dir_url
        form = self.edit_form()
        if self.validate_form(form):
            try:
                text = self._with_files_line_ends(full_path, form.content.data)
                self._storage().write_file(full_path, text)
            except OSError:
                flash(babel.gettext("Error saving changes to %(name)s.", name=path), "error")
            else:
                self.on_edit_file(full_path, path)
                flash(
                    babel.gettext("Changes to %(name)s saved successfully.", name=path), "success"
                )
                return redirect(next_url)
        elif is_form_submitted():
            flash_errors(form, message=babel.gettext("Failed to edit file. %(error)s"))
        else:
            content = self._read_text(full_path, path)
            if content is None:
                return redirect(next_url)
            form.content.data = content
        return self.render(
            self._template_for("edit"),
            dir_url=dir_url,
            path=path,
            form=form,
            error=False,
            header_text=babel.gettext("Editing %(path)s", path=path),
        )

    def _with_files_line_ends(self, full_path: str, content: str) -> str:
        """``content`` with the line ends the file already has.

        Browsers post a text area's lines ending in CRLF, whatever the file
        had: saved as sent, a shell script edited here would fail on its
        first line (``/bin/sh^M: bad interpreter``). A file with no CRLF in
        it gets LF back; one that has CRLF keeps what was posted.
        """
        if "\r\n" not in content:
            return content
        try:
            if b"\r\n" in self._storage().read_file(full_path):
                return content
        except OSError:  # gone, or not a file: the write says so
            return content
        return content.replace("\r\n", "\n")

    def _read_text(self, full_path: str, path: str) -> str | None:
        """The text of the file to edit, or ``None`` with a flashed reason.

        A file the save could not carry is refused here, before the user
        types anything: the text comes back as one form field, which
        ``MAX_FORM_MEMORY_SIZE`` bounds (a larger one is a 413 and the edits
        are lost), with every line end sent as CRLF by the browser. A file
        whose size alone is over the bound is refused before it is read: a
        multi-gigabyte log must not be loaded into the worker's memory.
        """
        limit = request.max_form_memory_size
        size = self._storage().file_size(full_path)
        if limit is not None and size is not None and size > limit:
            flash(babel.gettext("%(name)s is too large to edit here.", name=path), "error")
            return None
        try:
            data: bytes = self._storage().read_file(full_path)
            text = data.decode("utf-8")
        except OSError:
            flash(babel.gettext("Error reading %(name)s.", name=path), "error")
            return None
        except UnicodeDecodeError:
            flash(babel.gettext("Cannot edit %(name)s.", name=path), "error")
            return None
        posted_size = len(data) + data.count(b"\n") - data.count(b"\r\n")
        if limit is not None and posted_size > limit:
            flash(babel.gettext("%(name)s is too large to edit here.", name=path), "error")
            return None
        return text

    # -- actions ---------------------------------------------------------------------
    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        """Run a bulk action on the checked entries (CSRF token required).

        An action the view does not allow (delete without ``can_delete``) is a
        403, like the page it stands for, where Flask-Admin flashes.
        """
        name = request.form.get("action", "")
        if name in self._actions_data and not self.is_action_allowed(name):
            self._refuse_disabled(f"the {name!r} action")
        return self.handle_action()

    @action(
        "delete",
        babel.lazy_gettext("Delete"),
        babel.lazy_gettext("Are you sure you want to delete these files?"),
    )
    def action_delete(self, items: list[str]) -> None:
        """Delete the checked entries; every path is checked before any is deleted."""
        if not self.can_delete:
            self._refuse_disabled("can_delete")
        entries = [self._normalize_path(item) for item in items]
        for _base, _full_path, path in entries:
            if not path:
                abort(404)  # the folder itself
            self._require_access(path)
        for _base, full_path, path in entries:
            self._delete_entry(full_path, path)

    @action("edit", babel.lazy_gettext("Edit"))
    def action_edit(self, items: list[str]) -> Any:
        """Open the checked files in the edit page, one after the other."""
        return redirect(self.get_url(".edit", path=items))


def _reason(ex: BaseException) -> str:
    """What went wrong, without the server's paths (``[Errno 17] File exists: '/srv/...'``)."""
    if isinstance(ex, OSError) and ex.strerror:
        return ex.strerror
    return str(ex)


def _served_url(index_url: str, base_url: str, path: str) -> str:
    """Where ``base_url`` serves ``path``, relative to the list page's URL.

    Only the file's path is escaped (``a b#1.txt`` becomes ``a%20b%231.txt``,
    and a ``:`` cannot make it a scheme); escaping the whole URL would turn
    ``https://cdn.example.com/files/`` into a relative path. A base without
    a trailing slash is still the folder, not a file beside it.
    """
    base = urljoin(index_url, base_url)
    if not base.endswith("/"):
        base += "/"
    return urljoin(base, quote(path))


def _child(directory: str, name: str) -> str:
    """The relative path of ``name`` in the relative ``directory``."""
    return posixpath.join(directory, name) if directory else name
