"""The admin's pages in headless Chromium under a strict Content-Security-Policy.

Filters, select-all, confirmations, deletes, ajax selects and in-list
editing run from the admin's script file; a CSP violation or a script error
fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_limiter_servers import SERVERS
from tests.integration.test_limiter_servers import TIMEOUT
from tests.integration.test_limiter_servers import require_server

from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _require_browser() -> Any:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (scripts/setup-system installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module's tests.

    Each test opens its page with ``browser.new_page()``, in a browser context
    of its own (cookies, storage, cache), closed with the page; starting
    Chromium once saves its start-up time in every test but the first.
    """
    playwright = _require_browser()
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class PageWatch:
    """What a page reports that a test must see: script errors, CSP refusals, dialogs.

    Dialogs are accepted and kept as ``(type, message)``. Console errors
    count as problems unless they name one of ``expected`` statuses (the
    browser's own request for /favicon.ico is a 404).
    """

    def __init__(self, page: Any, expected: tuple[str, ...] = ("404",)) -> None:
        self.problems: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.expected = expected
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or (
            message.type == "error" and not any(code in message.text for code in self.expected)
        ):
            self.problems.append(message.text)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        dialog.accept()


def names(page: Any) -> list[str]:
    return list(page.locator("td.admin-col-name").all_inner_texts())


@pytest.mark.parametrize("server_name", SERVERS)
def test_list_filters_actions_and_delete_in_a_browser(server_name: str, browser: Any) -> None:
    require_server(server_name)
    with serve("adminapp:app", server=server_name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        page = browser.new_page()
        watch = PageWatch(page)
        page.goto(f"{server.url}/admin/person/")

        # Add "Age greater than 30", then "Name equals Carol", then remove the first.
        page.click("[data-add-filter]")
        page.select_option("#admin-filters tbody select[data-filter-op]", "1")
        page.fill("#admin-filters tbody [data-filter-value]", "30")
        page.click("#admin-filters button[type=submit]")
        page.wait_for_url("**/admin/person/?flt0_1=30")
        assert names(page) == ["Alice", "Carol"]
        page.click("[data-add-filter]")
        second = page.locator("#admin-filters tbody tr").nth(1)
        second.locator("select[data-filter-op]").select_option("2")
        second.locator("[data-filter-value]").fill("Carol")
        page.click("#admin-filters button[type=submit]")
        page.wait_for_url("**/admin/person/?flt0_1=30&flt1_2=Carol")
        page.locator("#admin-filters tbody tr").nth(0).locator("[data-remove-filter]").click()
        page.wait_for_url("**/admin/person/?flt0_2=Carol")
        assert names(page) == ["Carol"]

        # An action without a selection is stopped; with all rows, confirmed and run.
        page.goto(f"{server.url}/admin/person/")
        page.click("details.admin-actions-menu summary")
        page.click("button[value=shout]")
        page.wait_for_timeout(200)
        assert watch.dialogs == [("alert", "Please select at least one record.")]
        page.check("input[data-select-all]")
        with page.expect_navigation():
            page.click("button[value=shout]")
        assert watch.dialogs[-1] == ("confirm", "Shout at them?")
        assert names(page) == ["ALICE", "BOB", "CAROL", "DAVE", "EVE"]

        # Delete is a confirmed POST carrying the CSRF token.
        with page.expect_navigation():
            page.locator("form.admin-inline-form button").first.click()
        assert watch.dialogs[-1] == ("confirm", "Are you sure you want to delete this record?")
        assert names(page) == ["BOB", "CAROL", "DAVE", "EVE"]
        assert "Record was successfully deleted." in page.locator(".admin-alert").inner_text()
        page.close()

    assert watch.problems == []


@pytest.mark.parametrize("server_name", SERVERS)
def test_ajax_select_and_in_list_editing_in_a_browser(server_name: str, browser: Any) -> None:
    require_server(server_name)
    with serve("adminapp:app", server=server_name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        page = browser.new_page()
        # Expected errors: /favicon.ico, and the refused cell (a 400 is the test).
        watch = PageWatch(page, expected=("404", "400"))

        # A cell becomes an input; a refused value shows the server's message.
        page.goto(f"{server.url}/admin/team/")
        cell = page.locator("td.admin-col-age").first
        cell.locator("[data-editable-open]").click()
        cell.locator("input[name=age]").fill("200")
        cell.locator("button[type=submit]").click()
        error = cell.locator(".admin-editable-error")
        error.wait_for()
        page.wait_for_function(
            "el => el.textContent.includes('between 0 and 150')", arg=error.element_handle()
        )
        cell.locator("input[name=age]").fill("35")
        cell.locator("button[type=submit]").click()
        cell.locator("form").wait_for(state="detached")
        assert cell.locator("[data-editable-open]").inner_text() == "35"
        page.reload()
        assert page.locator("td.admin-col-age").first.inner_text() == "35"

        # Typing in the ajax select fetches matches; the chosen id is posted.
        page.goto(f"{server.url}/admin/team/new/")
        page.fill("input[data-ajax-search]", "car")
        page.wait_for_selector("select#friend option[value='3']", state="attached")
        page.select_option("select#friend", "3")
        page.fill("input[name=name]", "Zed")
        page.fill("input[name=age]", "30")
        with page.expect_navigation():
            page.click("form.admin-form button[type=submit]")
        alerts = " ".join(page.locator(".admin-alert").all_inner_texts())
        assert "Zed is a friend of Carol." in alerts
        page.close()

    assert watch.problems == []
