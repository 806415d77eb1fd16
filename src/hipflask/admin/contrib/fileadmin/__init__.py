"""Flask-Admin's file manager: ``from hipflask.admin.contrib.fileadmin import FileAdmin``.

::

    from hipflask.admin import Admin
    from hipflask.admin.contrib.fileadmin import FileAdmin

    admin = Admin(app)
    admin.add_view(FileAdmin(uploads_folder, name="Files"))

It lists, uploads, downloads, renames, edits and deletes files under one
folder, and nothing outside it: every path a request names is resolved
inside the folder or answered with 404, links pointing out included.
Downloads are attachments, uploads never replace a file, and every change is
a POST carrying the admin's CSRF token.
"""

from __future__ import annotations

from .storage import BaseFileStorage as BaseFileStorage
from .storage import LocalFileStorage as LocalFileStorage
from .view import BaseFileAdmin as BaseFileAdmin
from .view import FileAdmin as FileAdmin

__all__ = ["BaseFileAdmin", "BaseFileStorage", "FileAdmin", "LocalFileStorage"]
