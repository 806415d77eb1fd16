"""Framing headers read the same way whether a server joined repeats (WSGI) or not (ASGI)."""

from __future__ import annotations

import pytest
from tests.security.test_malformed import send_asgi
from tests.security.test_malformed import send_wsgi
from werkzeug.exceptions import BadRequest

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.framing import CONFLICTING_HOSTS
from hipflask.wrappers.framing import LENGTH_WITH_CHUNKED
from hipflask.wrappers.framing import conflicting_headers
from hipflask.wrappers.framing import declared_length


def test_one_plain_length_is_the_length() -> None:
    assert declared_length(["42"]) == 42
    assert declared_length([]) is None
    assert declared_length([""]) is None


@pytest.mark.parametrize("values", [["4", "4"], ["4, 4"], ["4", "5"], ["4,5"]])
def test_a_repeated_length_is_refused_joined_or_not(values: list[str]) -> None:
    with pytest.raises(BadRequest):
        declared_length(values)


@pytest.mark.parametrize("value", ["-1", "+4", "4x", "0x10", "٤"])
def test_a_length_that_is_not_plain_digits_is_refused(value: str) -> None:
    with pytest.raises(BadRequest):
        declared_length([value])


def test_different_hosts_conflict_joined_or_not() -> None:
    assert conflicting_headers([], ["a.example", "b.example"]) == CONFLICTING_HOSTS
    assert conflicting_headers([], ["a.example,b.example"]) == CONFLICTING_HOSTS
    assert conflicting_headers([], ["a.example", "A.example"]) is None


def test_length_next_to_transfer_encoding_is_refused() -> None:
    assert conflicting_headers(["5"], [], ["chunked"]) == LENGTH_WITH_CHUNKED


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return f"{request.host}|{request.get_data()!r}"

    return app


@pytest.mark.parametrize("send", [send_wsgi, send_asgi], ids=["wsgi", "asgi"])
@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Length", "2"), ("Content-Length", "5")],
        [("Content-Length", "5"), ("Content-Length", "5")],
        [("Host", "good.example"), ("Host", "evil.example")],
        [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
        [("Host", "good.example, evil.example")],
    ],
    ids=["lengths", "same-lengths", "hosts", "length-and-chunked", "hosts-in-one-header"],
)
def test_repeated_framing_headers_get_400_under_both_protocols(
    echo: Hipflask, send: object, headers: list[tuple[str, str]]
) -> None:
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    # WSGI servers join repeated headers; ASGI servers pass them one by one.
    pairs = list(joined.items()) if send is send_wsgi else headers

    answer = send(echo, "POST", b"/", b"", pairs, b"hello", False)  # type: ignore[operator]

    assert answer.status == 400


def test_a_single_host_and_length_pass(echo: Hipflask, client: HipflaskClient) -> None:
    response = client.post("/", data=b"hello", headers={"Host": "good.example"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "good.example|b'hello'"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_two_hosts_in_one_header_are_refused_under_both_protocols(
    echo: Hipflask, client: HipflaskClient, method: str
) -> None:
    # A WSGI server cannot tell this from two Host headers it joined, which
    # are refused; read as one host under ASGI, the same bytes would be
    # answered differently depending on the protocol behind the proxy.
    response = client.open("/", method=method, headers={"Host": "good.example, evil.example"})

    assert response.status_code == 400


def test_one_host_named_twice_in_one_header_passes_under_both_protocols(
    echo: Hipflask, client: HipflaskClient
) -> None:
    response = client.get("/", headers={"Host": "good.example, good.example"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
        [("Content-Length", "2"), ("Content-Length", "5")],
        [("Content-Length", "0x5")],
    ],
    ids=["length-and-chunked", "lengths", "malformed-length"],
)
def test_a_framing_refusal_closes_the_asgi_connection(
    echo: Hipflask, headers: list[tuple[str, str]]
) -> None:
    # Where the body ends is in doubt, so whatever the server reads next on
    # the connection may be a smuggled request.
    @echo.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        return "refused", 400

    answer = send_asgi(echo, "POST", b"/", b"", headers, b"hello", False)

    assert answer.status == 400
    assert answer.text == "refused"
    assert answer.headers.get("Connection") == "close"


def test_other_refusals_keep_the_asgi_connection(echo: Hipflask) -> None:
    hosts = [("Host", "good.example"), ("Host", "evil.example"), ("Content-Length", "5")]

    answer = send_asgi(echo, "POST", b"/", b"", hosts, b"hello", False)

    assert answer.status == 400
    assert "Connection" not in answer.headers
