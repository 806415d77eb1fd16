"""urlencoded forms are parsed by hipflask's own short path; Werkzeug is the oracle."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.headers import WSGIRequestHeaders
from hipflask.wrappers.request import Request

FORM = "application/x-www-form-urlencoded"

# Names, values and the separators and escapes a form body may hold.
body_text = st.text(
    alphabet=st.sampled_from(list("ab=&+%;2C5E9fz é✓ ")) | st.characters(codec="utf-8"),
    max_size=40,
)


def hipflask_form(body: bytes, content_type: str = FORM, **limits: Any) -> Any:
    environ = {
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    built = Request(
        "POST",
        "http",
        ("localhost", 80),
        "",
        "/",
        b"",
        WSGIRequestHeaders(environ),
        None,
        open_stream=lambda _request: io.BytesIO(body),
    )
    for name, value in limits.items():
        setattr(built, name, value)
    return built.form


def werkzeug_form(body: bytes, content_type: str = FORM) -> Any:
    environ = EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    return WerkzeugRequest(environ).form


@settings(max_examples=300, deadline=None)
@given(body_text)
def test_a_urlencoded_body_parses_as_werkzeug_parses_it(text: str) -> None:
    body = text.encode()

    assert list(hipflask_form(body).items(multi=True)) == list(
        werkzeug_form(body).items(multi=True)
    )


@pytest.mark.parametrize(
    "content_type",
    [FORM, "Application/X-WWW-Form-Urlencoded", f"{FORM}; charset=utf-8", f" {FORM}\t"],
)
def test_every_spelling_of_the_form_type_is_parsed(content_type: str) -> None:
    body = b"name=alice&age=30&name=bob"

    assert hipflask_form(body, content_type) == werkzeug_form(body, content_type)
    assert hipflask_form(body, content_type).getlist("name") == ["alice", "bob"]


def test_a_urlencoded_form_has_no_files_and_closes_cleanly() -> None:
    built = Request("POST", "http", None, "", "/", b"", WSGIRequestHeaders({}), None)
    built.headers = WSGIRequestHeaders({"CONTENT_TYPE": FORM, "CONTENT_LENGTH": "3"})
    built._open_stream = lambda _request: io.BytesIO(b"a=1")

    assert built.form.to_dict() == {"a": "1"}
    assert not built.files and isinstance(built.files, ImmutableMultiDict)
    built.close()


def test_a_mutable_storage_class_gives_a_fresh_files_dict_per_request() -> None:
    class MutableRequest(Request):
        parameter_storage_class = MultiDict

    def build() -> MutableRequest:
        environ = {"CONTENT_TYPE": FORM, "CONTENT_LENGTH": "3"}
        return MutableRequest(
            "POST",
            "http",
            None,
            "",
            "/",
            b"",
            WSGIRequestHeaders(environ),
            None,
            open_stream=lambda _request: io.BytesIO(b"a=1"),
        )

    first, second = build(), build()
    first.files.add("x", "y")  # type: ignore[arg-type]

    assert first.form.getlist("a") == ["1"]
    assert "x" not in second.files


def test_a_form_over_the_memory_limit_is_refused_with_413() -> None:
    with pytest.raises(RequestEntityTooLarge):
        hipflask_form(b"a=" + b"x" * 20, max_form_memory_size=10)


def test_a_form_at_the_memory_limit_is_parsed() -> None:
    assert hipflask_form(b"a=" + b"x" * 8, max_form_memory_size=10).to_dict() == {"a": "x" * 8}


def test_a_form_that_is_not_utf8_is_a_400() -> None:
    with pytest.raises(BadRequest):
        hipflask_form(b"a=\xff")


@pytest.fixture
def echo(app: Hipflask) -> Hipflask:
    @app.post("/")
    def index() -> dict[str, object]:
        return {"form": list(request.form.items(multi=True)), "files": len(request.files)}

    return app


def test_a_body_shorter_than_its_length_is_a_400_under_wsgi(echo: Hipflask) -> None:
    environ = EnvironBuilder(method="POST", data=b"a=1", content_type=FORM).get_environ()
    environ["CONTENT_LENGTH"] = "10"
    statuses: list[str] = []

    body = b"".join(echo.wsgi_app(environ, lambda status, _headers: statuses.append(status)))

    assert statuses[0].startswith("400"), body


def test_views_read_forms_the_same_way_under_both_protocols(
    echo: Hipflask, client: HipflaskClient
) -> None:
    response = client.post("/", data=b"a=1&b=%E2%9C%93&a=+2", content_type=FORM)

    assert response.json == {"form": [["a", "1"], ["a", " 2"], ["b", "\u2713"]], "files": 0}


def test_a_form_over_the_body_limit_is_a_413_under_both_protocols(
    echo: Hipflask, client: HipflaskClient
) -> None:
    echo.config["MAX_CONTENT_LENGTH"] = 8

    response = client.post("/", data=b"a=" + b"x" * 20, content_type=FORM)

    assert response.status_code == 413


def test_an_empty_form_is_empty_under_both_protocols(
    echo: Hipflask, client: HipflaskClient
) -> None:
    response = client.post("/", data=b"", content_type=FORM)

    assert response.json == {"form": [], "files": 0}


def test_a_form_read_in_pieces_is_read_whole() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(3, size if size is not None and size >= 0 else 3))

    body = b"name=alice&age=30"
    built = Request(
        "POST",
        "http",
        ("localhost", 80),
        "",
        "/",
        b"",
        WSGIRequestHeaders({"CONTENT_TYPE": FORM, "CONTENT_LENGTH": str(len(body))}),
        None,
        open_stream=lambda _request: Trickle(body),
    )

    assert built.form == werkzeug_form(body)
