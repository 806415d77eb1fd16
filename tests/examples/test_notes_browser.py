"""The notes demo in headless Chromium, served by ``hipflask serve`` on loopback.

Once on the embedded defaults (SQLite, in-process stores, one worker), once
on PostgreSQL and Redis with two workers sharing sessions, limits and
revoked tokens. Screenshots of the main pages go to ``NOTES_SCREENSHOTS``
(``build/screenshots`` by default).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.examples.notes_helpers import PASSWORD
from tests.real_servers import postgresql_database
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HIPFLASK = [sys.executable, "-c", "from hipflask.cli.main import main; main()"]
SECRET = "e2e-notes-secret-key-0123456789abcdef0123456789abcdef"
SHOTS = Path(os.environ.get("NOTES_SCREENSHOTS", ROOT / "build" / "screenshots"))
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> Any:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (scripts/setup-system installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return playwright


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [*HIPFLASK, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


class Site:
    def __init__(self, url: str, backend: str) -> None:
        self.url = url
        self.backend = backend


@pytest.fixture(scope="module", params=["embedded", "postgresql+redis"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    _require_browser()
    backend: str = request.param
    instance = tmp_path_factory.mktemp(f"notes-{backend.replace('+', '-')}")
    env = {
        "HIPFLASK_APP": "examples.notes:create_app",
        "HIPFLASK_SECRET_KEY": SECRET,
        "NOTES_INSTANCE": str(instance),
        "HIPFLASK_SKIP_DOTENV": "1",
    }
    workers = "1"
    with ExitStack() as stack:
        if backend != "embedded":
            env["HIPFLASK_DATABASE_URL"] = stack.enter_context(postgresql_database("notes"))
            env["HIPFLASK_REDIS_URL"] = redis_url()
            env["NOTES_STORE_PREFIX"] = stack.enter_context(redis_prefix("notes"))
            workers = "2"
        _cli(env, "db", "upgrade")
        _cli(env, "add-user", "admin", "--admin", "--password", PASSWORD)
        port = free_port()
        command = [*HIPFLASK, "serve", "--port", str(port), "--workers", workers]
        server = ServerProcess(command, port=port, env=env, cwd=ROOT, start_timeout=60)
        stack.enter_context(server)
        yield Site(f"http://127.0.0.1:{port}", backend)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for both sites: each test's page has a browser context of its own."""
    playwright = _require_browser()
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _shot(page: Any, site: Site, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{site.backend}-{name}.png"), full_page=True)


def _sign_up(page: Any, site: Site, name: str) -> None:
    page.goto(f"{site.url}/signup")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")


def _sign_in(page: Any, site: Site, name: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")


def _sign_out(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/")
    page.click("text=Sign out")
    page.wait_for_url("**/login")


def _write(page: Any, title: str, body: str = "") -> None:
    page.fill("#title", title)
    page.fill("#body", body)
    page.click("text=Save note")
    page.wait_for_selector(f"article:has-text('{title}')")


def test_an_anonymous_visitor_is_sent_to_login(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/login")
    assert "Please sign in" in page.inner_text(".flashes")
    _shot(page, site, "login")


def test_sign_up_write_edit_search_page_and_delete(page: Any, site: Site) -> None:
    _sign_up(page, site, "alice")
    assert page.inner_text("[data-testid=who]") == "alice"
    for number in range(1, 8):
        _write(page, f"Shopping list {number}", "apples and pears" if number == 4 else "milk")
    assert page.locator("[data-testid=note]").count() == 5
    _shot(page, site, "notes")
    page.click("a[rel=next]")
    assert page.locator("[data-testid=note]").count() == 2
    page.goto(f"{site.url}/")
    page.fill("input[type=search]", "pears")
    page.click("text=Search")
    assert page.locator("[data-testid=note]").count() == 1
    page.click("article:has-text('Shopping list 4') >> text=Edit")
    page.fill("#title", "Market")
    page.click("text=Save changes")
    page.wait_for_selector("article:has-text('Market')")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("article:has-text('Market') >> text=Delete")
    page.wait_for_selector(".flash:has-text('Note deleted.')")
    assert page.locator("article:has-text('Market')").count() == 0
    _shot(page, site, "after-delete")


def test_validation_errors_are_flashed(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/signup")
    page.fill("#username", "x")
    page.fill("#password", "short")
    page.fill("#confirm", "other")
    page.click("button[type=submit]")
    errors = page.inner_text(".flashes")
    assert "User name" in errors
    assert "Password" in errors
    _shot(page, site, "signup-errors")


def test_another_users_note_is_refused_and_the_admin_sees_it(page: Any, site: Site) -> None:
    _sign_up(page, site, "mallory")
    mine = page.goto(f"{site.url}/notes/1/edit")
    assert mine is not None
    assert mine.status == 404
    assert page.goto(f"{site.url}/admin/notes").status == 403
    _sign_out(page, site)
    _sign_in(page, site, "admin")
    page.goto(f"{site.url}/admin/notes")
    owners = page.locator("[data-testid=admin-note] td:first-child").all_inner_texts()
    assert "alice" in owners
    _shot(page, site, "admin")


def test_the_admin_writes_a_note_in_the_back_office_under_the_csp(page: Any, site: Site) -> None:
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    assert page.goto(f"{site.url}/manage/notes/").url.startswith(f"{site.url}/login")
    _sign_in(page, site, "admin")
    page.goto(f"{site.url}/manage/notes/new/")
    page.fill("#title", "written in the back office")
    page.select_option("#owner", label="admin")
    page.click("input[type=submit][value=Save], button[type=submit]:has-text('Save')")
    page.wait_for_url(f"{site.url}/manage/notes/**")
    page.goto(f"{site.url}/manage/notes/?search=back+office")
    assert page.get_by_text("written in the back office").count() == 1
    _shot(page, site, "manage-notes")
    assert refusals == []


def test_a_cross_site_form_post_is_refused(page: Any, site: Site, tmp_path: Path) -> None:
    _sign_in(page, site, "alice")
    # The attacker's page lives on another site (localhost is not 127.0.0.1).
    attack = tmp_path / "attack"
    attack.mkdir()
    (attack / "index.html").write_text(
        f'<form id="f" method="post" action="{site.url}/notes">'
        '<input name="title" value="forged by another site"></form>'
        "<script>document.getElementById('f').submit()</script>",
        encoding="utf-8",
    )
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with ServerProcess(command, port=port, cwd=attack):
        with page.expect_response(f"{site.url}/notes") as answer:
            page.goto(f"http://localhost:{port}/index.html")
        assert answer.value.status == 403
    page.goto(f"{site.url}/")
    assert page.locator("article:has-text('forged by another site')").count() == 0


def test_the_api_flow_with_tokens_from_a_script(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as api:
        tokens = api.post("/api/token", json={"username": "admin", "password": PASSWORD})
        assert tokens.status_code == 201
        access = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        refresh = {"Authorization": f"Bearer {tokens.json()['refresh_token']}"}
        created = api.post("/api/notes", json={"title": "from a script"}, headers=access)
        assert created.status_code == 201
        assert api.get("/api/notes", headers=access).json()["total"] >= 1
        renewed = api.post("/api/token/refresh", headers=refresh)
        assert renewed.status_code == 201
        # Each request may reach another worker: the retired token is refused by all.
        for _ in range(4):
            assert api.post("/api/token/refresh", headers=refresh).status_code == 401
        assert api.get("/openapi.json").json()["info"]["title"] == "Notes API"


def test_the_api_docs_page_renders_under_the_csp(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/docs")
    page.get_by_text("/api/notes", exact=False).first.wait_for()
    _shot(page, site, "api-docs")
