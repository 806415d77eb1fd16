"""Formula and markup injection in admin exports: values stored as an attacker
would store them, exported over the test client under both protocols, and the
files read back as a spreadsheet (or a renderer) would read them."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import tablib
from docutils.core import publish_parts
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model.export import REFUSED_FORMATS
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient

FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

#: Formulas as a spreadsheet would still find them: after whitespace, control
#: and invisible characters it trims, and in full-width forms.
STARTS = [
    "=1+1",
    "+1+1",
    "-1+A1",
    "@SUM(1+1)",
    " =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\r\n=1+1",
    "\xa0=1+1",
    "\u200b=1+1",
    "\ufeff=1+1",
    "\uff1d1+1",
    "\uff0b1+1",
    "\uff0d1+A1",
    "\uff20SUM(1)",
]
#: Formulas that start a cell once a reader splits the value at a separator.
SPLIT = [
    "x;@SUM(1+1)",
    "a;=1+1",
    "a,=1+1",
    "a\t=1+1",
    "a\n=1+1",
    "x;=1+1;y",
    'x;"=1+1";y',
    "a; -1+A1",
    "a;;=1+1",
]
#: Not formulas under any reading: exported byte for byte.
HARMLESS = ["plain", "-3", "+44", "a-b", "x=y", "e@mail.test", "1, -2", " lead", "Ünï", "a;b"]


class CellView(MemoryModelView):
    can_export = True
    column_default_sort = "id"
    export_types = ["csv", "tsv", "xlsx", "ods", "html", "json", "sql", "rst", "latex"]  # noqa: RUF012


@pytest.fixture
def view() -> CellView:
    return CellView(Person, people())


@pytest.fixture
def app(app: Hipflask, view: CellView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def opens_formula(field: str) -> bool:
    """Whether a spreadsheet reading ``field`` as a cell would find a formula.

    It may trim whitespace and invisible characters, and unquote a ``"``; a
    ``'`` first makes the rest text.
    """
    for char in field:
        if char.isspace() or char == '"' or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return char in FORMULA_STARTS and PLAIN_NUMBER.fullmatch(field.strip(' "')) is None
    return False


def lines(text: str) -> str:
    """Line breaks as XML readers give them back (ods turns CR into LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def every_reading(body: str) -> list[str]:
    """Each field of ``body`` under every separator, honouring quotes or not."""
    fields: list[str] = []
    for delimiter in (",", ";", "\t"):
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, quoting=quoting)
            fields += [field for row in reader for field in row]
    return fields


def export(client: HipflaskClient, export_type: str) -> Any:
    response = client.get(f"/admin/person/export/{export_type}/")
    assert response.status_code == 200
    return response


def names_in(client: HipflaskClient, export_type: str) -> list[Any]:
    """The Name column of an export, read back with the format's own reader."""
    response = export(client, export_type)
    if export_type in ("csv", "tsv"):
        delimiter = "," if export_type == "csv" else "\t"
        body = response.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
        return [row[0] for row in rows[1:]]
    if export_type == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        assert sheet is not None
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert all(cell.data_type == "s" for cell in cells)
        return [cell.value for cell in cells]
    body = response.get_data() if export_type == "ods" else response.get_data(as_text=True)
    return [row[0] for row in tablib.Dataset().load(body, format=export_type)]


# -- formulas at the start of a cell ----------------------------------------------


@pytest.mark.parametrize("export_type", ["csv", "tsv", "xlsx", "ods", "html"])
def test_a_formula_behind_whitespace_or_in_full_width_is_text(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    view.rows[:] = [Person(index, payload, 30) for index, payload in enumerate(STARTS)]

    names = names_in(client, export_type)

    assert len(names) == len(STARTS)
    for payload, name in zip(STARTS, names, strict=True):
        assert not opens_formula(name), (payload, name)
        # Neutralised by a quote (two where a tab is both start and separator), nothing else.
        assert lines(name.replace("'", "")) == lines(payload)
        assert "'" in name


@pytest.mark.parametrize("export_type", ["csv", "tsv"])
def test_no_reading_of_a_delimited_export_finds_a_formula(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    # A spreadsheet whose list separator is ";" (or an import with another
    # separator ticked) splits fields where the file does not: no cell it
    # makes may start with a formula, quotes honoured or not.
    view.rows[:] = [Person(index, payload, -3) for index, payload in enumerate([*STARTS, *SPLIT])]

    body = export(client, export_type).get_data(as_text=True)

    assert [field for field in every_reading(body) if opens_formula(field)] == []


@pytest.mark.parametrize("export_type", ["csv", "tsv"])
def test_a_formula_after_a_separator_gets_its_own_quote(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    view.rows[:] = [Person(index, payload, 30) for index, payload in enumerate(SPLIT)]

    names = names_in(client, export_type)

    assert names == [
        "x;'@SUM(1+1)",
        "a;'=1+1",
        "a,'=1+1",
        "a\t'=1+1",
        "a\n'=1+1",
        "x;'=1+1;y",
        'x;\'"=1+1";y',
        "a;' -1+A1",
        "a;;'=1+1",
    ]


@pytest.mark.parametrize("export_type", ["xlsx", "ods", "html"])
def test_separators_are_left_alone_where_cells_are_never_split(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    view.rows[:] = [Person(0, "x;@SUM(1+1)", 30), Person(1, "a,=1+1", 30)]

    assert names_in(client, export_type) == ["x;@SUM(1+1)", "a,=1+1"]


# -- what is not a formula -----------------------------------------------------------


@pytest.mark.parametrize("export_type", ["csv", "tsv", "xlsx", "ods", "html", "json"])
def test_values_that_are_not_formulas_are_exported_as_stored(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    view.rows[:] = [Person(index, value, 30) for index, value in enumerate(HARMLESS)]

    assert names_in_any(client, export_type) == HARMLESS


def names_in_any(client: HipflaskClient, export_type: str) -> list[Any]:
    if export_type == "json":
        return [record["Name"] for record in export(client, "json").get_json()]
    return names_in(client, export_type)


def test_the_csv_of_ordinary_values_is_what_the_csv_module_writes(
    client: HipflaskClient, view: CellView
) -> None:
    view.rows[:] = [Person(0, 'Al, "Ice"', -3), Person(1, "Bob", 27, "")]
    expected = io.StringIO(newline="")
    csv.writer(expected).writerows(
        [["Name", "Age", "Email"], ['Al, "Ice"', "-3", ""], ["Bob", "27", ""]]
    )

    assert export(client, "csv").get_data(as_text=True) == expected.getvalue()


@pytest.mark.parametrize("export_type", ["csv", "tsv", "xlsx", "ods", "html"])
def test_a_negative_number_is_written_unquoted(
    client: HipflaskClient, view: CellView, export_type: str
) -> None:
    # An int column's -3, and a text column's "-3": numbers, never formulas.
    view.rows[:] = [Person(0, "-3", -3)]

    response = export(client, export_type)

    if export_type == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        assert sheet is not None
        # Every xlsx cell is text, as Flask-Admin writes it.
        assert [(cell.value, cell.data_type) for cell in sheet[2]][:2] == [
            ("-3", "s"),
            ("-3", "s"),
        ]
    elif export_type in ("ods", "html"):
        body = response.get_data() if export_type == "ods" else response.get_data(as_text=True)
        assert tablib.Dataset().load(body, format=export_type)[0][:2] == ("-3", "-3")
    else:
        delimiter = "," if export_type == "csv" else "\t"
        body = response.get_data(as_text=True)
        assert body.splitlines()[1] == delimiter.join(["-3", "-3", ""])


# -- formats read by programs, and document formats ------------------------------------


def test_the_sql_export_keeps_values_as_stored(client: HipflaskClient, view: CellView) -> None:
    # Replayed into a database, not opened in a spreadsheet: a quote would change the data.
    view.rows[:] = [Person(0, "=1+1", 30)]

    script = export(client, "sql").get_data(as_text=True)

    assert "'=1+1'" in script
    assert "'''=1+1'" not in script


def test_a_stored_directive_is_text_when_the_rst_export_is_rendered(
    client: HipflaskClient, view: CellView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rendered from a string, an include is read relative to the working directory.
    (tmp_path / "secret.txt").write_text("TOP-SECRET-CONTENT\n")
    monkeypatch.chdir(tmp_path)
    stored = [
        ".. include:: secret.txt",
        ".. raw:: html",
        "*bold* and `link <https://evil.test/>`_ and |sub|",
        "1. item\n\n.. image:: https://evil.test/track.png",
    ]
    view.rows[:] = [Person(index, value, 30) for index, value in enumerate(stored)]

    source = export(client, "rst").get_data(as_text=True)
    html = publish_parts(
        source, writer="html", settings_overrides={"report_level": 5, "halt_level": 5}
    )["body"]

    assert "TOP-SECRET-CONTENT" not in html
    assert "<em>" not in html
    assert "<img" not in html
    assert 'href="https://evil.test/"' not in html
    assert ".. include:: secret.txt" in html
    assert ".. raw:: html" in html


def test_the_latex_export_escapes_and_keeps_one_line_per_row(
    client: HipflaskClient, view: CellView
) -> None:
    view.rows[:] = [Person(0, "\\input{/etc/passwd}\n\n\\end{tabular}", 30)]

    source = export(client, "latex").get_data(as_text=True)

    assert "\\input{" not in source
    assert "\\end{tabular}" in source
    assert source.count("\\end{tabular}") == 1
    assert "\n\n" not in source.split("\\begin{tabular}")[1]


@pytest.mark.parametrize("export_type", sorted(REFUSED_FORMATS))
def test_a_format_whose_markup_is_not_escaped_is_refused_at_registration(
    export_type: str,
) -> None:
    class MarkupView(MemoryModelView):
        can_export = True
        export_types = ["csv", export_type]  # noqa: RUF012

    with pytest.raises(ConfigurationError) as raised:
        Admin(Hipflask(__name__)).add_view(MarkupView(Person, people()))

    assert f"MarkupView.export_types lists {export_type!r}" in str(raised.value)
    assert "Remove it from export_types" in str(raised.value)


def test_a_refused_format_named_later_is_not_written(
    client: HipflaskClient, view: CellView
) -> None:
    view.export_types = [*view.export_types, "jira"]
    view.rows[:] = [Person(0, "[x|https://evil.test]", 30)]

    response = client.get("/admin/person/export/jira/")

    assert response.status_code == 302
    assert "evil.test" not in response.get_data(as_text=True)
