"""How a stored value becomes a cell of an export, in each format.

Values come from the database, and so from whoever filled it in. An
administrator opens most exports in a spreadsheet, which runs a cell that
reads as a formula (CSV or formula injection): ``=HYPERLINK(...)`` leaks the
sheet, ``=WEBSERVICE(...)`` fetches a URL, DDE formulas start programs.

The rule, after OWASP's "CSV Injection" guidance:

* A text cell whose first visible character is ``=``, ``+``, ``-`` or ``@``
  (or their full-width forms, which East Asian input methods turn into
  formulas) gets a leading ``'``, which spreadsheets read as "this is text".
  Whitespace and invisible characters in front are skipped when looking for
  that character, since spreadsheets trim them (`` =1+1``, ``"\\n=1+1"``);
  a cell starting with a tab, a carriage return or NUL is quoted whatever
  follows, as the guidance lists them.
* A text that is a plain decimal number (``-3``, ``+1.5``, ``-2e5``) is left
  as it is: a spreadsheet reads it as that number, and no formula runs.
* Numbers are written as they are, never quoted, so ``-3`` stays a number
  for a spreadsheet reading the text (in xlsx and ods every cell is text,
  as Flask-Admin writes them).
* In CSV and TSV the same holds for every part of a text that a reader
  might split into a cell of its own: after each comma, semicolon, tab or
  line break. A spreadsheet whose list separator is ``;`` (or an import
  where ``;`` is ticked) splits ``x;@SUM(1+1)`` there, and quoting the field
  cannot stop it: that reader finds the quote in the middle of one of its
  fields, where a quote is a plain character. So ``'`` goes in front of that
  part (``x;'@SUM(1+1)``); quotes in front of it are skipped as whitespace
  is, since a reader may take them for a quoted field. Fields holding a
  separator, a quote or a line break are quoted as well, so a reader that
  honours quotes keeps them whole.

Formats read by programs (JSON, YAML, SQL) keep values as stored, where a
quote would change the data; document formats (LaTeX, reStructuredText) get
their own escaping instead.
"""

from __future__ import annotations

import decimal
import math
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

__all__ = ["cell_writer", "delimited_text", "neutralise_csv_cell"]

#: A cell's first visible character that makes a spreadsheet read it as a formula.
_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
#: First characters neutralised whatever follows (OWASP's tab and carriage
#: return, and the NUL the ASVS adds): some readers drop them and read on.
_QUOTED_LEADS = frozenset("\t\r\0")
_QUOTES = frozenset("'\"")
#: Where a reader of CSV or TSV may start a new cell (or row), whatever the
#: file's own separator.
_SEPARATED = re.compile("([,;\t\r\n])")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
#: Characters XML cannot hold: one in a stored value would make the xlsx or
#: ods writer fail (openpyxl refuses it), so a record could break the export.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: What makes a CSV or TSV field need quotes: the separators a spreadsheet may
#: split on (whichever the file uses), the quote, and line breaks.
_NEEDS_QUOTES = re.compile('[,;\t"\r\n]')
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]+")
#: ASCII punctuation: each is markup somewhere in reStructuredText, and a
#: backslash before it makes it a plain character.
_RST_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def neutralise_csv_cell(value: Any) -> str:
    """Text of one CSV or TSV cell, no part of which a spreadsheet reads as a formula.

    A stored ``=HYPERLINK("https://evil.test", "x")`` would run when an
    administrator opens the export; a leading quote makes spreadsheets show
    it as text, and so it does for each part a reader may split off at a
    separator (``a;'=1+1``). A finite number, or text that is one, is left
    as it is: its text is never a formula, and a quote would turn ``-5``
    into text.
    """
    if _is_finite_number(value):
        return str(value)
    text = _cell_text(value)
    parts = _SEPARATED.split(text)
    if len(parts) == 1:
        return _neutralised_start(text)
    # [part, separator, part, separator, ...]: each part after a separator
    # is where a reader splitting there starts a cell.
    for index in range(2, len(parts), 2):
        if _opens_formula(parts[index]):
            parts[index] = "'" + parts[index]
    # The whole text's first character decides, not the first part's: a
    # leading tab is a separator here, and an empty first part before it.
    if text[0] in _QUOTED_LEADS or _opens_formula(parts[0]):
        parts[0] = "'" + parts[0]
    return "".join(parts)


def _neutralised_start(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if text[:1] in _QUOTED_LEADS or _opens_formula(text):
        return "'" + text
    return text


def _opens_formula(text: str) -> bool:
    """Whether the first visible character of ``text`` starts a formula.

    Whitespace, invisible characters and quotes in front are skipped, as a
    spreadsheet may trim or unquote them; a plain number is no formula.
    """
    for char in text:
        if char not in _QUOTES and not _is_invisible(char):
            return char in _FORMULA_STARTS and _PLAIN_NUMBER.match(text.strip()) is None
    return False


def _is_invisible(char: str) -> bool:
    """Whitespace, a control or a format character (a zero-width space, a BOM)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def _spreadsheet_text(value: Any) -> str:
    """Text of one cell of a format whose cells are never split (xlsx, html...)."""
    if _is_finite_number(value):
        return str(value)
    return _neutralised_start(_cell_text(value))


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


def _xml_cell(value: Any) -> str:
    """A cell of xlsx or ods: neutralised text, without what XML cannot hold."""
    return _XML_ILLEGAL.sub("\ufffd", _spreadsheet_text(value))


def _sql_cell(value: Any) -> str:
    # tablib's INSERT statements double quotes only. MySQL and MariaDB (by
    # default) read a backslash as an escape, so a stored "\\'" would end the
    # string and run what follows when the file is replayed. Doubled, it
    # reads back as stored there; databases that follow the SQL standard
    # (PostgreSQL, SQLite) keep both backslashes, a changed value but never
    # an injected statement.
    return _cell_text(value).replace("\\", "\\\\")


def _latex_cell(value: Any) -> str:
    # tablib escapes LaTeX's special characters; a blank line inside the
    # table would end it with an error, so line breaks become spaces.
    return _LINE_BREAKS.sub(" ", _cell_text(value))


def _rst_cell(value: Any) -> str:
    # A grid table's cell is parsed as a document of its own: a stored
    # ".. include:: /etc/passwd" or ".. raw:: html" would be a directive when
    # the export is rendered, and tablib escapes nothing. Every punctuation
    # mark escaped, the text shows as stored and nothing in it is markup.
    return _RST_PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", _cell_text(value)))


#: Each format an export may be written in, and how a value becomes its cell.
_WRITERS: dict[str, Callable[[Any], Any]] = {
    "csv": neutralise_csv_cell,
    "tsv": neutralise_csv_cell,
    "xlsx": _xml_cell,
    "ods": _xml_cell,
    "xls": _spreadsheet_text,
    "dbf": _spreadsheet_text,
    "html": _spreadsheet_text,
    "json": _cell_text,
    "yaml": _cell_text,
    "sql": _sql_cell,
    "latex": _latex_cell,
    "rst": _rst_cell,
}


def cell_writer(export_type: str) -> Callable[[Any], Any] | None:
    """How a value becomes a cell in ``export_type``; None for a format not reviewed here."""
    return _WRITERS.get(export_type)


def delimited_text(rows: Iterable[list[str]], delimiter: str) -> str:
    """CSV (``delimiter=","``) or TSV, each field quoted when a separator could split it.

    RFC 4180 lets any field be quoted; the csv module quotes only fields
    holding the file's own delimiter, so ``x;@SUM(1+1)`` would reach a
    spreadsheet that splits on ``;`` unquoted. Other fields are written as
    the csv module writes them, so ordinary files are unchanged.
    """
    lines = []
    for row in rows:
        fields = [_quoted(field) if _NEEDS_QUOTES.search(field) else field for field in row]
        if fields == [""]:
            # A row of one empty field, quoted so that it is not a blank line.
            fields = ['""']
        lines.append(delimiter.join(fields) + "\r\n")
    return "".join(lines)


def _quoted(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'
