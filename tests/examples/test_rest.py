"""The REST example app works as its documentation says, under both protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from examples.rest.app import create_app
from openapi_spec_validator import validate


@pytest.fixture
def client(tmp_path: Path, protocol: str) -> Any:
    app = create_app(str(tmp_path / "books.sqlite"))
    app.config["TESTING"] = True
    return app.test_client(protocol=protocol)


def test_authors_resources(client: Any) -> None:
    created = client.post("/authors", data={"name": "Ursula"})
    assert created.status_code == 201
    assert created.get_json() == {"id": 1, "name": "Ursula", "uri": "/authors/1"}
    assert client.get("/authors").get_json() == [{"id": 1, "name": "Ursula", "uri": "/authors/1"}]
    assert client.get("/authors/1").get_json()["name"] == "Ursula"
    missing = client.get("/authors/2")
    assert missing.status_code == 404
    assert missing.get_json() == {"message": "Author 2 doesn't exist"}
    assert client.post("/authors", json={}).get_json() == {
        "message": {
            "name": "The author's name: Missing required parameter in the JSON body"
            " or the post body or the query string"
        }
    }


def test_typed_books(client: Any) -> None:
    assert client.post(
        "/books", json={"title": "Dune", "author_id": 1, "price": 9.5}
    ).get_json() == {
        "title": "Dune",
        "author_id": 1,
        "price": 9.5,
        "id": 1,
    }
    client.post("/books", json={"title": "Emma", "author_id": 1, "price": 4})
    assert [b["title"] for b in client.get("/books?max_price=5").get_json()] == ["Emma"]
    bad = client.post("/books", json={"title": "", "price": -1})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.get_json()["errors"]] == [
        ["body", "title"],
        ["body", "author_id"],
        ["body", "price"],
    ]


def test_document_and_docs_page(client: Any) -> None:
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert document["info"] == {"title": "Bookshop", "version": "1.0.0"}
    assert set(document["paths"]) == {"/authors", "/authors/{id}", "/books"}
    assert client.get("/docs").status_code == 200


def test_ids_beyond_sqlite_integers_are_refused_not_500(client: Any) -> None:
    big = str(2**70)
    body = '{"title": "t", "author_id": ' + big + ', "price": 1}'
    response = client.post("/books", data=body, content_type="application/json")
    assert response.status_code == 422
    assert client.get(f"/authors/{big}").status_code == 404
