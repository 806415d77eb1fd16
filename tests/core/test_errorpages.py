from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve

from hipflask import Hipflask
from hipflask import abort
from hipflask import g
from hipflask import request
from hipflask.core.errorpages import wants_json
from hipflask.testing.client import HipflaskClient

SECRET_TEXT = "password=hunter2 at /srv/app/models.py"


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom", methods=["GET", "POST"])
    def boom() -> str:
        raise RuntimeError(SECRET_TEXT)

    @app.route("/tagged")
    def tagged() -> str:
        g.request_id = "edge-1234"
        raise RuntimeError(SECRET_TEXT)

    @app.route("/badly-tagged")
    def badly_tagged() -> str:
        g.request_id = "<script>\n"
        raise RuntimeError(SECRET_TEXT)

    @app.route("/teapot")
    def teapot() -> str:
        abort(418)

    return app


def request_id_of(body: str) -> str:
    found = re.search(r"<code>([^<]+)</code>", body)
    assert found is not None, body
    return found.group(1)


def test_server_error_page_shows_nothing_about_the_error(
    client: HipflaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    for leak in ("hunter2", "models.py", "RuntimeError", "Traceback", "/boom", "Werkzeug"):
        assert leak not in body
    assert "Server" not in response.headers


def test_server_error_page_shows_the_request_id_that_was_logged(
    client: HipflaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")

    request_id = request_id_of(response.get_data(as_text=True))
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert response.headers["X-Request-ID"] == request_id
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert request_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1].args == (SECRET_TEXT,)


def test_each_error_gets_its_own_id(client: HipflaskClient) -> None:
    first = request_id_of(client.get("/boom").get_data(as_text=True))
    second = request_id_of(client.get("/boom").get_data(as_text=True))

    assert first != second


def test_json_clients_get_json(client: HipflaskClient) -> None:
    response = client.post("/boom", headers={"Accept": "application/json"})

    data = response.get_json()
    assert response.status_code == 500
    assert data["code"] == 500
    assert data["request_id"] == response.headers["X-Request-ID"]
    assert SECRET_TEXT not in response.get_data(as_text=True)


def test_request_id_set_by_the_app_is_kept(client: HipflaskClient) -> None:
    response = client.get("/tagged")

    assert request_id_of(response.get_data(as_text=True)) == "edge-1234"


def test_request_id_that_could_inject_markup_is_replaced(client: HipflaskClient) -> None:
    body = client.get("/badly-tagged").get_data(as_text=True)

    assert "<script>" not in body
    assert re.fullmatch(r"[0-9a-f]{16}", request_id_of(body))


def test_custom_500_handler_still_decides(app: Hipflask, client: HipflaskClient) -> None:
    @app.errorhandler(500)
    def handle(error: Exception) -> tuple[str, int]:
        return f"ours {g.request_id}", 500

    body = client.get("/boom").get_data(as_text=True)

    assert re.fullmatch(r"ours [0-9a-f]{16}", body)


@pytest.mark.parametrize(
    ("path", "method", "code"), [("/missing", "GET", 404), ("/teapot", "GET", 418)]
)
def test_http_errors_are_json_for_json_clients(
    client: HipflaskClient, path: str, method: str, code: int
) -> None:
    response = client.open(path, method=method, headers={"Accept": "application/json"})

    assert response.status_code == code
    assert response.get_json()["code"] == code


@pytest.mark.parametrize(
    ("description", "sent"),
    [
        ({"field": "required"}, {"field": "required"}),
        (ValueError("not an int"), "not an int"),
    ],
    ids=["json-value", "other-object"],
)
def test_a_json_client_gets_any_description_of_an_abort(
    app: Hipflask, client: HipflaskClient, description: object, sent: object
) -> None:
    # abort(403, permission): Flask puts str(description) in its page; an
    # object JSON cannot hold is sent as that text, not turned into a 500.
    @app.get("/refused")
    def refused() -> str:
        abort(403, description)

    response = client.get("/refused", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["description"] == sent


def test_json_error_keeps_the_errors_headers(client: HipflaskClient) -> None:
    response = client.put("/boom", headers={"Accept": "application/json"})

    assert response.status_code == 405
    assert response.get_json()["name"] == "Method Not Allowed"
    assert set(response.allow) == {"GET", "POST", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("ACCEPT", "application/json")], "application/json"),
        ([("Accept", "application/json"), ("Accept", "text/html")], "application/json"),
        ([("Accept", "text/html"), ("Accept", "application/json")], "text/html"),
        ([("X-Accept", "application/json")], "text/html"),
    ],
)
@pytest.mark.parametrize("headers_read_first", [False, True])
def test_the_404_reads_accept_as_request_headers_does(
    app: Hipflask,
    client: HipflaskClient,
    headers: list[tuple[str, str]],
    expected: str,
    headers_read_first: bool,
) -> None:
    # The error page reads Accept without making request.headers when
    # nothing made it yet: repeats and any spelling must read the same.
    if headers_read_first:

        @app.before_request
        def read_headers() -> None:
            request.headers.get("Accept")

    response = client.get("/missing", headers=headers)

    assert response.status_code == 404
    assert response.mimetype == expected


def test_http_errors_are_html_for_browsers(client: HipflaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    response = client.get("/missing", headers={"Accept": accept})

    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("text/html", False),
        ("application/json", True),
        ("application/json, text/plain, */*", True),
        ("application/json, text/html", True),
        ("text/html, application/json", False),
        ("text/html;q=0.5, application/json", True),
        ("application/json;q=0.5, text/html", False),
        ("application/json;q=0", False),
    ],
)
def test_wants_json(accept: str | None, expected: bool) -> None:
    assert wants_json(accept) is expected


def test_request_id_outside_any_context_is_still_made() -> None:
    from hipflask.core.errorpages import current_request_id

    assert re.fullmatch(r"[0-9a-f]{16}", current_request_id())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"Accept", b"application/json")], "application/json"),
        ([(b"accept", b"text/html"), (b"ACCEPT", b"application/json")], "text/html"),
        ([(b"ACCEPT", b"application/json"), (b"accept", b"text/html")], "application/json"),
    ],
)
def test_the_asgi_404_reads_accept_whatever_case_the_server_gives(
    app: Hipflask, headers: list[tuple[bytes, bytes]], expected: str
) -> None:
    # ASGI servers should lower-case header names, but need not.
    answer = serve(app, http_scope("/missing", headers=headers), *request_body(b""))

    assert answer.status == 404
    assert answer.headers["content-type"].startswith(expected)


def _porting_differences() -> str:
    """docs/porting.rst's "Differences that ported apps run into", whitespace folded."""
    docs = Path(__file__).parents[2] / "docs" / "porting.rst"
    if not docs.exists():
        pytest.skip("docs/porting.rst is not part of this checkout")
    text = docs.read_text(encoding="utf-8")
    section = text.split("Differences that ported apps run into", 1)[1]
    return " ".join(section.split())


def test_the_porting_guide_quotes_the_500_page_a_ported_suite_sees(
    client: HipflaskClient,
) -> None:
    # A ported test asserting on Flask's 500 body fails; the guide must say
    # what the body is now, and stay true to it.
    body = " ".join(client.get("/boom").get_data(as_text=True).split())
    quoted = (
        "The server could not complete the request. The error has been logged;"
        " if you report it, please quote this request id:"
    )
    differences = _porting_differences()

    assert quoted in body
    assert quoted in differences
    assert "X-Request-ID" in differences
    assert "<h1>Internal Server Error</h1>" in body  # the heading the guide says is kept


def test_the_porting_guide_shows_the_json_error_shape_a_ported_suite_sees(
    client: HipflaskClient,
) -> None:
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    differences = _porting_differences()

    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"code", "name", "description"}
    assert '{"code": 404, "name": "Not Found", "description": ...}' in differences
    assert "Accept: application/json" in differences


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/boom", "text/html", 500),
        ("/boom", "application/json", 500),
        ("/teapot", "application/json", 418),
    ],
    ids=["500-html", "500-json", "418-json"],
)
def test_an_error_page_does_not_call_the_response_class_init(
    app: Hipflask, client: HipflaskClient, path: str, accept: str, status: int
) -> None:
    from hipflask import Response

    class Stamped(Response):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.headers["X-Stamped"] = "by __init__"

    app.response_class = Stamped

    @app.after_request
    def report(response: Response) -> Response:
        # Read here: the test client makes its own instance from what it gets.
        response.headers["X-Class"] = type(response).__name__
        response.headers["X-Was-Stamped"] = response.headers.get("X-Stamped", "no")
        return response

    response = client.get(path, headers={"Accept": accept})

    # As Flask's error pages: turned into the app's class, not made by its
    # __init__ (headers it stamps are for the views' responses).
    assert response.status_code == status
    assert response.headers["X-Class"] == "Stamped"
    assert response.headers["X-Was-Stamped"] == "no"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/missing", "/teapot", "/boom"])
@pytest.mark.parametrize("accept", ["application/json", "text/html", None])
def test_an_error_page_chosen_by_accept_says_so_in_vary(
    client: HipflaskClient, path: str, accept: str | None
) -> None:
    # A 404 is cacheable by default (some CDNs keep it for an hour): without
    # Vary: Accept, one client's JSON 404 would be served to every browser.
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code >= 400
    assert "Accept" in [part.strip() for part in response.headers.get("Vary", "").split(",")]


def test_an_error_page_of_its_own_is_not_said_to_vary_on_accept(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.errorhandler(404)
    def own(error: Exception) -> tuple[str, int]:
        return "not here", 404

    assert "Vary" not in client.get("/missing", headers={"Accept": "application/json"}).headers


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_stock_error_page_has_the_headers_of_any_page_and_vary_accept(
    client: HipflaskClient, accept: str
) -> None:
    # The stock page takes the finishers' short way; what it carries must be
    # what the full way gives: the security headers after its own.
    plain = client.get("/missing", headers={"Accept": accept})
    names = [name.lower() for name, _value in plain.headers.items()]
    assert names[:3] == ["content-type", "content-length", "vary"]
    assert plain.headers["Vary"] == "Accept"
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in plain.headers
    assert "Cache-Control" not in plain.headers
    # A request with a credential takes the full way: still marked private.
    personal = client.get("/missing", headers={"Accept": accept, "Authorization": "Bearer x"})
    assert [part.strip() for part in personal.headers["Vary"].split(",")] == [
        "Accept",
        "Authorization",
    ]
    assert personal.headers["Cache-Control"] == "private"
    assert [
        name.lower()
        for name, _value in personal.headers.items()
        if name.lower() not in ("vary", "cache-control")
    ] == [name for name in names if name != "vary"]
