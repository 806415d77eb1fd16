from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Tag
from wtforms import Form

from hipflask import Hipflask
from hipflask import request
from hipflask.admin.contrib.sqla.fields import QuerySelectField
from hipflask.admin.contrib.sqla.fields import QuerySelectMultipleField
from hipflask.admin.contrib.sqla.fields import get_obj_pk
from hipflask.admin.contrib.sqla.fields import get_pk_from_identity
from hipflask.admin.form.fields import JSONField
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def app(app: Hipflask, seeded: orm.scoped_session[orm.Session]) -> Hipflask:
    class PickForm(Form):
        author = QuerySelectField(query_factory=lambda: seeded.query(Author), allow_blank=True)
        required_author = QuerySelectField(
            query_factory=lambda: seeded.query(Author).filter(Author.name == "ann")
        )
        tags = QuerySelectMultipleField(query_factory=lambda: seeded.query(Tag), get_label="name")
        data = JSONField()

    @app.post("/pick")
    def pick() -> dict[str, Any]:
        form = PickForm(request.form)
        valid = form.validate()
        return {
            "valid": valid,
            "errors": form.errors,
            "author": str(form.author.data) if form.author.data else None,
            "tags": sorted(tag.name for tag in form.tags.data or []),
            "data": form.data.data,
        }

    @app.get("/render")
    def render() -> str:
        return str(PickForm().tags()) + str(PickForm().author())

    return app


def ids(session: orm.scoped_session[orm.Session]) -> dict[str, str]:
    names = {author.name: str(author.id) for author in session.query(Author)}
    names.update({tag.name: str(tag.id) for tag in session.query(Tag)})
    return names


def test_valid_choices_become_model_instances(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    known = ids(seeded)
    response = client.post(
        "/pick",
        data={
            "author": known["bob"],
            "required_author": known["ann"],
            "tags": [known["red"], known["blue"]],
            "data": '{"a": [1, 2]}',
        },
    )

    assert response.json == {
        "valid": True,
        "errors": {},
        "author": "bob",
        "tags": ["blue", "red"],
        "data": {"a": [1, 2]},
    }


@pytest.mark.parametrize(
    "tampered",
    ["999", "abc", "1 OR 1=1", "' OR ''='", "1;DROP TABLE hfa_author"],
    ids=["missing", "not-a-number", "sql-or", "sql-quote", "sql-stacked"],
)
def test_a_tampered_id_is_a_form_error(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session], tampered: str
) -> None:
    known = ids(seeded)
    response = client.post(
        "/pick",
        data={"author": tampered, "required_author": known["ann"], "tags": [tampered]},
    )

    assert response.status_code == 200
    body = response.json
    assert body["valid"] is False
    assert body["errors"]["author"] == ["Not a valid choice"]
    assert body["errors"]["tags"] == ["Not a valid choice"]
    assert seeded.query(Author).count() == 2


def test_a_choice_outside_the_query_is_refused(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post("/pick", data={"required_author": ids(seeded)["bob"]})

    assert response.json["errors"] == {"required_author": ["Not a valid choice"]}


def test_one_tampered_id_among_valid_ones_refuses_the_whole_list(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    known = ids(seeded)
    response = client.post(
        "/pick", data={"required_author": known["ann"], "tags": [known["red"], "42"]}
    )

    assert response.json["errors"] == {"tags": ["Not a valid choice"]}


def test_blank_is_none_only_where_allowed(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post("/pick", data={"author": "__None", "required_author": "__None"})

    body = response.json
    assert body["author"] is None
    assert body["errors"] == {"required_author": ["Not a valid choice"]}


def test_invalid_json_is_a_form_error(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post(
        "/pick", data={"required_author": ids(seeded)["ann"], "data": "{not json"}
    )

    assert response.json["errors"] == {"data": ["Invalid JSON"]}


def test_labels_are_escaped_when_rendered(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    seeded.add(Tag(name="<script>x</script>"))
    seeded.add(Author(name='"><img src=x>'))
    seeded.commit()

    body = client.get("/render").get_data(as_text=True)

    assert "<script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert "<img" not in body


def test_primary_key_helpers(seeded: orm.scoped_session[orm.Session]) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()

    assert get_pk_from_identity(ann) == str(ann.id)
    assert get_obj_pk(ann, "id") == str(ann.id)
    assert get_obj_pk(ann, ("id", "name")) == (str(ann.id), "ann")
