"""The model views' export: the list as shown, as a file to download.

``export_types`` names the formats, as in Flask-Admin: ``csv`` is written
here with the standard library; every other name is handed to tablib
(``pip install 'hipflask[admin-export]'``), which writes xlsx, xls, ods, tsv,
json, yaml, html and more. A view that names such a format while tablib is
missing fails when it is registered, not on an administrator's first click.

Every export takes the same columns (``column_export_list``), formatters
(``column_formatters_export``, ``column_type_formatters_export``) and row
limit (``export_max_rows``). A file is built whole in memory before it is
sent, tablib's formats as much as CSV, so ``export_max_rows`` is what bounds
an export of a large table.

Values come from the database, and so from whoever filled it in. A format an
administrator opens in a spreadsheet (every format but JSON and YAML, whose
readers are programs) gets each cell through :func:`neutralise_csv_cell`, so
a stored ``=HYPERLINK(...)`` is shown as text instead of run.
"""

from __future__ import annotations

import csv
import decimal
import io
import math
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

__all__ = ["ExportMixin", "neutralise_csv_cell"]

#: Leading characters that make a spreadsheet read a cell as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
#: Formats read by programs, not opened in a spreadsheet: a leading quote
#: would change the data their readers get, and no formula runs there.
_VERBATIM_FORMATS = frozenset({"json", "yaml"})
#: Formats stored as XML, which cannot hold most control characters: one in a
#: stored value would make the writer fail (openpyxl refuses it) or the file
#: unreadable, so a record could break the whole export.
_XML_FORMATS = frozenset({"xlsx", "ods"})
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
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
}
_INSTALL = "pip install 'hipflask[admin-export]'"


def neutralise_csv_cell(value: Any) -> str:
    """Text of one exported cell, never read as a formula by a spreadsheet.

    A stored value such as ``=HYPERLINK("https://evil.test", "x")`` would run
    when an administrator opens the export (CSV injection); a leading quote
    makes spreadsheets show it as text. A finite number is left as it is:
    its text is never a formula, and a quote would turn ``-5`` into text.
    """
    if _is_finite_number(value):
        return str(value)
    text = _cell_text(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def _cell_text(value: Any) -> str:
    """A cell's value as text, as Flask-Admin writes it (``None`` as an empty cell).

    A lone surrogate (the undecodable byte of a file name read from the
    file system, kept by ``os.fsdecode``) becomes U+FFFD: no file in any
    format can encode it, so one such value would fail the whole export.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _SURROGATE.sub("\ufffd", str(value))


def _is_finite_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, decimal.Decimal) and value.is_finite()


def _cell_writer(export_type: str) -> Callable[[Any], str]:
    """How a value becomes a cell in ``export_type``: verbatim, or neutralised."""
    if export_type in _VERBATIM_FORMATS:
        return _cell_text
    if export_type in _XML_FORMATS:
        return lambda value: _XML_ILLEGAL.sub("\ufffd", neutralise_csv_cell(value))
    if export_type == "sql":
        # tablib's INSERT statements double quotes only. MySQL and MariaDB
        # (by default) read a backslash as an escape, so a stored "\\'" would
        # end the string and run what follows when the file is replayed.
        # Doubled, it reads back as stored there; databases that follow the
        # SQL standard (PostgreSQL, SQLite) keep both backslashes, a changed
        # value but never an injected statement.
        return lambda value: neutralise_csv_cell(value).replace("\\", "\\\\")
    return neutralise_csv_cell


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
        """Refuse, at start-up, a format whose writer is not installed.

        Flask-Admin finds out on the first export, with an error page for the
        administrator who clicked; the missing package is known before the
        app serves anything.
        """
        others = [name for name in self.export_types if name != "csv"]
        if others and not is_installed("tablib"):
            raise ConfigurationError(
                f"{type(self).__name__}.export_types lists {', '.join(map(repr, others))}:"
                " exports other than CSV are written by tablib, which is not installed."
                f" Install it: {_INSTALL} (plus tablib's extra for a format that needs"
                " one, such as 'tablib[xlsx]')."
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

    def _export_rows(self, cell: Callable[[Any], str]) -> list[list[str]]:
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
        if export_type == "csv":
            return self._export_csv(return_url)
        return self._export_tablib(export_type, return_url)

    def _export_csv(self, return_url: str) -> Any:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self._export_rows(neutralise_csv_cell))
        return self._attachment(buffer.getvalue(), "csv")

    def _export_tablib(self, export_type: str, return_url: str) -> Any:
        """Any other format, written by tablib; one it cannot write is flashed."""
        tablib = require("tablib", extra="admin-export")
        header, *rows = self._export_rows(_cell_writer(export_type))
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
        if not isinstance(body, (str, bytes)):
            # A format that makes an object rather than a file (tablib's "df").
            flash(
                babel.gettext('Export type "%(type)s" is not supported.', type=export_type),
                "error",
            )
            return redirect(return_url)
        return self._attachment(body, export_type)

    def _attachment(self, body: str | bytes, export_type: str) -> Any:
        filename = _UNSAFE_FILENAME.sub("_", self.get_export_name(export_type)) or "export"
        response = current_app.response_class(body, mimetype=_content_type(export_type))
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
