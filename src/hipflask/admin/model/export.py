"""The model views' export: the list as shown, as a file to download.

``export_types`` names the formats, as in Flask-Admin: ``csv`` and ``tsv``
are written here with the standard library; xlsx, ods, xls, json, yaml,
html, sql, dbf, latex and rst are handed to tablib
(``pip install 'hipflask[admin-export]'``). A view that names such a format
while tablib is missing fails when it is registered, not on an
administrator's first click; so does one naming a format whose markup a
stored value could take over (:data:`REFUSED_FORMATS`).

Every export takes the same columns (``column_export_list``), formatters
(``column_formatters_export``, ``column_type_formatters_export``) and row
limit (``export_max_rows``). A file is built whole in memory before it is
sent, tablib's formats as much as CSV, so ``export_max_rows`` is what bounds
an export of a large table.

How each value becomes a cell, so that a spreadsheet never runs a stored
formula and a document format never reads a stored value as markup, is
:mod:`~hipflask.admin.model.cells`.
"""

from __future__ import annotations

import mimetypes
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from ..._extras import is_installed
from ..._extras import require
from ...contexts.globals import current_app
from ...core.flashing import flash
from ...core.helpers import redirect
from ...errors import ConfigurationError
from .. import babel
from ..base import expose
from ..helpers import get_redirect_target
from .cells import cell_writer
from .cells import delimited_text
from .cells import neutralise_csv_cell

__all__ = ["REFUSED_FORMATS", "ExportMixin", "neutralise_csv_cell"]

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
#: Formats written here, without tablib, and their field separators.
_DELIMITED = {"csv": ",", "tsv": "\t"}
#: tablib's formats that an export refuses, and why: named in
#: ``export_types``, they fail when the view is registered.
REFUSED_FORMATS = {
    "jira": (
        "Jira wiki markup is written unescaped by tablib, and has no escape that"
        " covers it all: a stored '|' starts a new cell, '[text|url]' a link and"
        " '!url!' an image every reader's browser fetches."
    ),
    "cli": (
        "the terminal table is written unescaped: control sequences in a stored"
        " value would reach the administrator's terminal."
    ),
    "df": "it makes a pandas DataFrame, not a file to download.",
}
#: The formats' registered types. Looked up in ``mimetypes`` instead, some
#: would depend on the Python version and the machine (YAML is
#: ``application/octet-stream`` before Python 3.13).
_CONTENT_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/json",
    "yaml": "application/yaml",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "rst": "text/x-rst",
    "latex": "application/x-latex",
    "sql": "application/sql",
}
_INSTALL = "pip install 'hipflask[admin-export]'"


def _content_type(export_type: str) -> str:
    known = _CONTENT_TYPES.get(export_type)
    if known is not None:
        return known
    guessed, _encoding = mimetypes.guess_type(f"export.{export_type}")
    return guessed or "application/octet-stream"


class ExportMixin:
    """The export page of a model view; see :class:`~hipflask.admin.model.BaseModelView`."""

    if TYPE_CHECKING:
        # The configuration, the list state and the backend live on BaseModelView.
        def __getattr__(self, name: str) -> Any: ...

    def get_export_name(self, export_type: str = "csv") -> str:
        """The download's file name: the view's name and the time."""
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
        return f"{self.name}_{stamp}.{export_type}"

    def _check_export_types(self) -> None:
        """Refuse, at start-up, a format refused here or whose writer is not installed.

        Flask-Admin finds out on the first export, with an error page for the
        administrator who clicked; the missing package is known before the
        app serves anything.
        """
        for name in self.export_types:
            reason = REFUSED_FORMATS.get(name)
            if reason is not None:
                raise ConfigurationError(
                    f"{type(self).__name__}.export_types lists {name!r}, which admin"
                    f" exports refuse: {reason} Remove it from export_types."
                )
        others = [name for name in self.export_types if name not in _DELIMITED]
        if others and not is_installed("tablib"):
            raise ConfigurationError(
                f"{type(self).__name__}.export_types lists {', '.join(map(repr, others))}:"
                " exports other than CSV and TSV are written by tablib, which is not"
                f" installed. Install it: {_INSTALL} (plus tablib's extra for a format"
                " that needs one, such as 'tablib[xlsx]')."
            )

    def _export_data(self) -> Any:
        view_args = self._get_list_extra_args()
        return self.get_list(
            0,
            self._sort_column(view_args),
            bool(view_args.sort_desc),
            view_args.search,
            view_args.filters,
            page_size=self.export_max_rows,
        )

    def _export_rows(self, cell: Callable[[Any], Any]) -> list[list[Any]]:
        """The header and one row per record, each value through ``cell``."""
        _count, data = self._export_data()
        rows = [[cell(label) for _name, label in self._export_columns]]
        for record in data:
            rows.append([cell(self.get_export_value(record, c)) for c, _ in self._export_columns])
        return rows

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> Any:
        """The list, filtered and sorted as shown, as a download (``can_export``)."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_export or export_type not in self.export_types:
            flash(babel.gettext("Permission denied."), "error")
            return redirect(return_url)
        delimiter = _DELIMITED.get(export_type)
        if delimiter is not None:
            rows = self._export_rows(neutralise_csv_cell)
            return self._attachment(delimited_text(rows, delimiter), export_type)
        return self._export_tablib(export_type, return_url)

    def _export_tablib(self, export_type: str, return_url: str) -> Any:
        """Any other format, written by tablib; one it cannot write is flashed."""
        cell = cell_writer(export_type)
        if cell is None:
            # Unknown, or a tablib format whose markup was never reviewed here
            # (one added by a later tablib): refused rather than written raw.
            current_app.logger.warning(
                "Admin export %r refused: not a format admin exports know how to write safely.",
                export_type,
            )
            return self._unsupported(export_type, return_url)
        tablib = require("tablib", extra="admin-export")
        header, *rows = self._export_rows(cell)
        dataset = tablib.Dataset(*rows, headers=header)
        try:
            body = dataset.export(export_type)
        except tablib.UnsupportedFormat as exc:
            # Unknown to tablib, or its package is missing (xlsx without openpyxl):
            # the administrator gets Flask-Admin's message, the log says which.
            current_app.logger.warning("Admin export %r refused: %s", export_type, exc)
            body = None
        except ValueError as exc:
            # The format cannot hold these data (dBase field names of more
            # than 10 characters): a message and the list, not a 500 page.
            current_app.logger.error("Admin export %r could not be written: %s", export_type, exc)
            flash(
                babel.gettext('The "%(type)s" export could not be written.', type=export_type),
                "error",
            )
            return redirect(return_url)
        if body is None:
            return self._unsupported(export_type, return_url)
        return self._attachment(body, export_type)

    def _unsupported(self, export_type: str, return_url: str) -> Any:
        flash(
            babel.gettext('Export type "%(type)s" is not supported.', type=export_type),
            "error",
        )
        return redirect(return_url)

    def _attachment(self, body: str | bytes, export_type: str) -> Any:
        filename = _UNSAFE_FILENAME.sub("_", self.get_export_name(export_type)) or "export"
        response = current_app.response_class(body, mimetype=_content_type(export_type))
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
