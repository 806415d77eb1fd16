"""Attacks as a browser-based attacker sends them, over real HTTP on loopback.

A real server (granian for WSGI, uvicorn for ASGI) serves ``attackapp``; the
requests carry what a browser attaches (the victim's cookie, Fetch Metadata,
``Origin``). Every refused attack is checked on disk: the ledger the app
writes each state change to stays unchanged.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.security.test_redirects import OPEN_REDIRECT_PAYLOADS

from hipflask.security.csrf import CSRF_SALT
from hipflask.security.csrf import REASON_EXPIRED
from hipflask.security.csrf import REASON_INVALID
from hipflask.security.csrf import REASON_MISMATCH
from hipflask.security.csrf import REASON_MISSING
from hipflask.security.csrf import REASON_SESSION_MISSING
from hipflask.security.keys import timed_serializer
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
SECRET = "attack-test-secret-key-0123456789abcdefghij"
EVIL = "https://evil.example"
CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Origin": EVIL}
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Live:
    process: ServerProcess
    ledger: Path

    def written(self) -> list[str]:
        return self.ledger.read_text().splitlines() if self.ledger.exists() else []


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Browser:
    """One browser profile: its own cookie jar, talking to the live server."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    tls: ssl.SSLContext | None = None
    set_cookie_lines: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.port}"

    def send(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection: http.client.HTTPConnection
        if self.tls is not None:
            connection = http.client.HTTPSConnection(
                LOOPBACK, self.port, timeout=10, context=self.tls
            )
        else:
            connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            self.set_cookie_lines.append(header)
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Reply(response.status, response.headers, text)

    def page_token(self, path: str) -> str:
        """Load a form page as the user would, and read the token it carries."""
        reply = self.send("GET", path, headers={"Sec-Fetch-Site": "none"})
        found = _TOKEN.search(reply.body)
        assert found is not None, reply.body
        return found.group(1)

    def same_origin_post(self, path: str, body: str, **extra: str) -> Reply:
        # What a browser sends for a form on this site's own page.
        headers = {
            "Sec-Fetch-Site": "same-origin",
            "Origin": self.origin,
            "Referer": f"{self.origin}{path.split('?')[0]}",
            **extra,
        }
        return self.send("POST", path, body, headers)

    def login(self, user: str) -> None:
        token = self.page_token("/login")
        reply = self.same_origin_post(
            "/login", f"csrf_token={token}&username={user}&password={user}-password"
        )
        assert reply.status == 302, reply.body

    def session_data(self) -> dict[str, Any]:
        keys = SimpleNamespace(config={"SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": []})
        serializer = SecureCookieSessionInterface().get_signing_serializer(keys)
        assert serializer is not None
        return dict(serializer.loads(self.cookies["session"]))


SERVERS = ["granian-wsgi", "uvicorn"]


@pytest.fixture(scope="module", params=SERVERS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    name: str = request.param
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ledger = tmp_path_factory.mktemp(f"ledger-{name}") / "ledger.txt"
    server = serve(
        "attackapp:app",
        server=name,
        app_dir=HERE,
        env={"ATTACKAPP_LEDGER": str(ledger), "ATTACKAPP_SECRET": SECRET},
    )
    with server as process:
        yield Live(process, ledger)


@pytest.fixture
def victim(live: Live) -> Browser:
    browser = Browser(live.process.port)
    browser.login("alice")
    return browser


def transfer_body(token: str | None) -> str:
    body = "to=mallory&amount=1000"
    return body if token is None else f"csrf_token={token}&{body}"


def assert_nothing_written(live: Live, before: list[str]) -> None:
    assert live.written() == before


def test_legitimate_transfer_is_written(live: Live, victim: Browser) -> None:
    token = victim.page_token("/transfer")

    reply = victim.same_origin_post("/transfer", transfer_body(token))

    assert (reply.status, reply.body) == (200, "Sent.")
    assert live.written()[-1] == "transfer alice mallory 1000"


def test_cross_site_form_post_without_token_is_refused(live: Live, victim: Browser) -> None:
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(None), CROSS_SITE)

    assert reply.status == 403
    assert "Cross-site POST refused" in reply.body
    assert_nothing_written(live, before)


def test_cross_site_form_post_with_a_valid_token_is_still_refused(
    live: Live, victim: Browser
) -> None:
    # The token leaked (a page cached, a referrer): the header check holds.
    token = victim.page_token("/transfer")
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(token), CROSS_SITE)

    assert reply.status == 403
    assert_nothing_written(live, before)


def test_post_without_token_is_refused_by_the_token_check(live: Live, victim: Browser) -> None:
    # An older browser that sends no Fetch Metadata and no Origin passes the
    # header check; the token alone must then refuse.
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(None))

    assert reply.status == 400
    assert REASON_MISSING in reply.body
    assert_nothing_written(live, before)


def test_token_from_another_session_is_refused(live: Live, victim: Browser) -> None:
    attacker = Browser(live.process.port)
    attacker.login("mallory")
    attackers_token = attacker.page_token("/transfer")
    victim.page_token("/transfer")
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(attackers_token))

    assert reply.status == 400
    assert REASON_MISMATCH in reply.body
    assert_nothing_written(live, before)


@pytest.mark.parametrize(
    "forged",
    [
        "forged",
        "eyJmb28iOiJiYXIifQ.ZZZZZZ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "x" * 4000,
    ],
)
def test_forged_token_is_refused(live: Live, victim: Browser, forged: str) -> None:
    victim.page_token("/transfer")
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(forged))

    assert reply.status == 400
    assert REASON_INVALID in reply.body
    assert_nothing_written(live, before)


def test_token_signed_with_another_key_is_refused(live: Live, victim: Browser) -> None:
    victim.page_token("/transfer")
    secret = victim.session_data()["csrf_token"]
    forged = timed_serializer({"SECRET_KEY": "guessed-key" * 4}, CSRF_SALT).dumps(secret)
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(forged), {"X-CSRFToken": forged})

    assert reply.status == 400
    assert REASON_INVALID in reply.body
    assert_nothing_written(live, before)


def test_expired_token_is_refused(
    live: Live, victim: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim.page_token("/transfer")
    secret = victim.session_data()["csrf_token"]
    # The token the server itself issued two hours ago (the limit is one).
    two_hours_ago = time.time() - 7200
    monkeypatch.setattr(time, "time", lambda: two_hours_ago)
    expired = timed_serializer({"SECRET_KEY": SECRET}, CSRF_SALT).dumps(secret)
    monkeypatch.undo()
    before = live.written()

    reply = victim.send("POST", "/transfer", transfer_body(expired))

    assert reply.status == 400
    assert REASON_EXPIRED in reply.body
    assert_nothing_written(live, before)


def test_token_header_from_script_is_accepted_same_origin(live: Live, victim: Browser) -> None:
    token = victim.page_token("/transfer")

    reply = victim.same_origin_post("/transfer", transfer_body(None), **{"X-CSRF-Token": token})

    assert reply.status == 200


def test_login_csrf_cross_site_is_refused(live: Live) -> None:
    # The attacker signs the victim into the attacker's account, so what the
    # victim then enters (a card number) lands in the attacker's account.
    victim = Browser(live.process.port)
    victim.page_token("/login")
    attacker = Browser(live.process.port)
    attackers_token = attacker.page_token("/login")
    body = f"csrf_token={attackers_token}&username=mallory&password=mallory-password"
    before = live.written()

    cross_site = victim.send("POST", "/login", body, CROSS_SITE)
    no_headers = victim.send("POST", "/login", body)

    assert cross_site.status == 403
    assert no_headers.status == 400
    assert REASON_MISMATCH in no_headers.body
    assert victim.send("GET", "/whoami").body == "nobody"
    assert_nothing_written(live, before)


def test_login_csrf_against_a_victim_without_session_is_refused(live: Live) -> None:
    victim = Browser(live.process.port)
    attacker = Browser(live.process.port)
    attackers_token = attacker.page_token("/login")
    before = live.written()

    reply = victim.send(
        "POST",
        "/login",
        f"csrf_token={attackers_token}&username=mallory&password=mallory-password",
    )

    assert reply.status == 400
    assert REASON_SESSION_MISSING in reply.body
    assert_nothing_written(live, before)


def test_login_rotates_the_token_secret(live: Live) -> None:
    browser = Browser(live.process.port)
    token_before_login = browser.page_token("/login")
    browser.login("alice")
    token_after_login = browser.page_token("/transfer")

    reply = browser.send("POST", "/transfer", transfer_body(token_before_login))

    assert token_after_login != token_before_login

    assert reply.status == 400
    assert REASON_MISMATCH in reply.body


@pytest.mark.parametrize("payload", OPEN_REDIRECT_PAYLOADS)
def test_open_redirect_payload_goes_to_the_fallback(live: Live, payload: str) -> None:
    from urllib.parse import quote

    browser = Browser(live.process.port)

    reply = browser.send("GET", "/go?next=" + quote(payload, safe=""))

    assert reply.status == 302
    assert reply.headers["Location"] == "/home"


def test_open_redirect_after_login_goes_to_the_fallback(live: Live) -> None:
    browser = Browser(live.process.port)
    token = browser.page_token("/login")

    reply = browser.same_origin_post(
        "/login?next=%2F%5Cevil.example",
        f"csrf_token={token}&username=alice&password=alice-password",
    )

    assert reply.status == 302
    assert reply.headers["Location"] == "/whoami"


def test_safe_next_is_followed(live: Live) -> None:
    reply = Browser(live.process.port).send("GET", "/go?next=%2Faccount%3Ftab%3D2")

    assert reply.headers["Location"] == "/account?tab=2"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_server_error_page_leaks_nothing(live: Live, accept: str) -> None:
    reply = Browser(live.process.port).send("GET", "/boom", headers={"Accept": accept})

    assert reply.status == 500
    for leak in ("hunter2", "models.py", "RuntimeError", "Traceback", "/boom"):
        assert leak not in reply.body
    assert reply.headers["X-Request-ID"] in reply.body
    assert (accept == "application/json") == reply.body.startswith("{")


def test_forged_host_is_refused(live: Live) -> None:
    reply = Browser(live.process.port).send("GET", "/whoami", headers={"Host": "evil.example"})

    assert reply.status == 400


def _exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes on one connection and read until the server closes it."""
    with socket.create_connection((LOOPBACK, port), timeout=5) as connection:
        connection.sendall(data)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass  # the server kept the connection open; what came is the answer
    return received


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n",
    ],
)
def test_request_smuggled_behind_conflicting_framing_is_never_served(
    live: Live, framing: bytes
) -> None:
    # A front proxy that frames by Content-Length forwards the bytes after
    # the chunked body as part of this request; a server that frames by
    # Transfer-Encoding reads them as the next request on the connection.
    host = f"Host: {LOOPBACK}:{live.process.port}\r\n".encode()
    smuggled = b"GET /whoami HTTP/1.1\r\n" + host + b"\r\n"
    data = b"POST /login HTTP/1.1\r\n" + host + framing + b"\r\n0\r\n\r\n" + smuggled

    received = _exchange(live.process.port, data)

    assert received.count(b"HTTP/1.1 ") == 1, received
    assert b"nobody" not in received


# -- over HTTPS: the strict referrer check and Secure cookies -----------------


@pytest.fixture(scope="module")
def live_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, ssl.SSLContext]]:
    from hipflask.serving.tls.adhoc import make_adhoc_certificate

    if not is_installed("granian-wsgi"):
        message = f"granian is not installed; run: {install_command('granian-wsgi')}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("tls")
    cert_pem, key_pem = make_adhoc_certificate(["127.0.0.1", "localhost"])
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(key_pem)
    ledger = folder / "ledger.txt"
    tls_args = ["--ssl-certificate", str(folder / "cert.pem")]
    tls_args += ["--ssl-keyfile", str(folder / "key.pem")]
    server = serve(
        "attackapp:app",
        server="granian-wsgi",
        extra_args=tls_args,
        app_dir=HERE,
        env={"ATTACKAPP_LEDGER": str(ledger), "ATTACKAPP_SECRET": SECRET},
    )
    context = ssl.create_default_context(cadata=cert_pem.decode())
    with server as process:
        yield Live(process, ledger), context


@pytest.fixture
def tls_victim(live_tls: tuple[Live, ssl.SSLContext]) -> Browser:
    live, context = live_tls
    browser = Browser(live.process.port, tls=context)
    browser.login("alice")
    return browser


def test_https_session_cookie_is_secure(tls_victim: Browser) -> None:
    assert any("Secure" in line for line in tls_victim.set_cookie_lines if "session=" in line)


def test_https_post_from_this_site_with_referrer_is_written(
    live_tls: tuple[Live, ssl.SSLContext], tls_victim: Browser
) -> None:
    token = tls_victim.page_token("/transfer")

    reply = tls_victim.same_origin_post(
        "/transfer", transfer_body(token), Referer=f"{tls_victim.origin}/transfer"
    )

    assert reply.status == 200
    assert live_tls[0].written()[-1] == "transfer alice mallory 1000"


@pytest.mark.parametrize(
    ("referrer", "reason"),
    [
        (None, "The referrer header is missing."),
        ("https://evil.example/page", "The referrer does not match the host."),
        ("http://127.0.0.1/transfer", "The referrer does not match the host."),
    ],
)
def test_https_post_with_a_foreign_or_missing_referrer_is_refused(
    live_tls: tuple[Live, ssl.SSLContext],
    tls_victim: Browser,
    referrer: str | None,
    reason: str,
) -> None:
    token = tls_victim.page_token("/transfer")
    before = live_tls[0].written()
    headers = {} if referrer is None else {"Referer": referrer}

    reply = tls_victim.send("POST", "/transfer", transfer_body(token), headers)

    assert reply.status == 400
    assert reason in reply.body
    assert live_tls[0].written() == before


def test_https_cross_site_post_is_refused_first(
    live_tls: tuple[Live, ssl.SSLContext], tls_victim: Browser
) -> None:
    token = tls_victim.page_token("/transfer")
    before = live_tls[0].written()

    reply = tls_victim.send(
        "POST", "/transfer", transfer_body(token), {**CROSS_SITE, "Referer": EVIL + "/"}
    )

    assert reply.status == 403
    assert live_tls[0].written() == before
