from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Sku
from tests.admin.contrib.sqla.models import Status
from tests.db.conftest import backend_database
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import fields
from wtforms import validators

from hipflask import Hipflask
from hipflask import request
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla.fields import QuerySelectField
from hipflask.admin.contrib.sqla.fields import QuerySelectMultipleField
from hipflask.admin.contrib.sqla.form import AdminModelConverter
from hipflask.admin.contrib.sqla.form import get_form
from hipflask.admin.contrib.sqla.validators import ItemsRequired
from hipflask.admin.contrib.sqla.validators import Unique
from hipflask.admin.form.fields import DateTimeField
from hipflask.admin.form.fields import JSONField
from hipflask.testing.client import HipflaskClient


class Settings:
    """The view settings the converter reads, without a view."""

    def __init__(self, model: Any, **settings: Any) -> None:
        self.model = model
        self.form_columns = None
        self.__dict__.update(settings)


def build(session: Any, model: Any, **settings: Any) -> type[Form]:
    only = settings.pop("only", None)
    exclude = settings.pop("exclude", None)
    field_args = settings.pop("field_args", None)
    converter = AdminModelConverter(session, Settings(model, form_columns=only, **settings))
    return get_form(model, converter, only=only, exclude=exclude, field_args=field_args)


def kinds(form_class: type[Form]) -> dict[str, type[Any]]:
    return {field.name: type(field) for field in form_class()}


def test_each_column_type_gets_its_field(session: orm.scoped_session[orm.Session]) -> None:
    assert kinds(build(session, Post)) == {
        "title": fields.StringField,
        "body": fields.TextAreaField,
        "views": fields.IntegerField,
        "score": fields.FloatField,
        "published": fields.BooleanField,
        "status": fields.SelectField,
        "uid": fields.StringField,
        "extra": JSONField,
        "day": fields.DateField,
        "created": DateTimeField,
        "author": QuerySelectField,
        "tags": QuerySelectMultipleField,
    }


def validator_types(field: Any) -> list[type[Any]]:
    return [type(validator) for validator in field.validators]


def test_schema_rules_become_validators(session: orm.scoped_session[orm.Session]) -> None:
    post = build(session, Post)()
    author = build(session, Author)()

    assert validator_types(post.title) == [validators.InputRequired, validators.Length]
    assert post.title.validators[1].max == 100
    assert validator_types(post.body) == [validators.Optional]
    # A column default fills an empty field; a boolean is never "missing".
    assert validator_types(post.views) == [validators.Optional]
    assert validator_types(post.published) == []
    assert validator_types(post.author) == [validators.InputRequired]
    assert validator_types(author.name) == [Unique, validators.InputRequired, validators.Length]


def test_column_defaults_fill_a_new_form(session: orm.scoped_session[orm.Session]) -> None:
    post = build(session, Post)()

    assert post.views.data == 0
    assert post.published.data is False


def test_a_default_in_form_args_wins_over_the_columns(
    session: orm.scoped_session[orm.Session],
) -> None:
    post = build(session, Post, field_args={"views": {"default": 42}})()

    assert post.views.data == 42


def test_keys_are_left_out_unless_the_user_must_type_them(
    session: orm.scoped_session[orm.Session],
) -> None:
    assert "id" not in kinds(build(session, Post))
    assert "author_id" not in kinds(build(session, Post))
    assert list(kinds(build(session, Sku))) == ["code", "price"]
    assert list(kinds(build(session, Pair))) == ["code", "number", "label"]
    assert kinds(build(session, Sku))["price"] is fields.DecimalField


def test_form_columns_orders_and_allows_a_foreign_key(
    session: orm.scoped_session[orm.Session],
) -> None:
    form_class = build(session, Post, only=["author_id", "title"])

    assert list(kinds(form_class)) == ["author_id", "title"]


def test_form_columns_with_an_unknown_name_fails_at_startup(
    session: orm.scoped_session[orm.Session],
) -> None:
    with pytest.raises(ValueError, match="nope"):
        build(session, Post, only=["title", "nope"])


def test_excluded_hidden_overridden_and_labelled(session: orm.scoped_session[orm.Session]) -> None:
    form_class = build(
        session,
        Post,
        exclude=["body"],
        form_overrides={"title": fields.TextAreaField},
        column_labels={"views": "Hits"},
        column_descriptions={"views": "How often it was read"},
        field_args={"score": {"validators": [validators.NumberRange(min=0)]}},
    )
    form = form_class()

    assert "body" not in kinds(form_class)
    assert isinstance(form.title, fields.TextAreaField)
    assert form.views.label.text == "Hits"
    assert form.views.description == "How often it was read"
    assert validator_types(form.score) == [validators.NumberRange, validators.Optional]


def test_form_choices_make_a_select(session: orm.scoped_session[orm.Session]) -> None:
    form = build(session, Author, form_choices={"email": [("a@x", "A")]})()

    assert isinstance(form.email, fields.SelectField)
    assert [choice.value for choice in form.email.choices] == ["", "a@x"]


@pytest.fixture
def app(app: Hipflask, seeded: orm.scoped_session[orm.Session]) -> Hipflask:
    post_form = build(seeded, Post)

    @app.post("/post")
    def post() -> dict[str, Any]:
        form = post_form(request.form)
        if not form.validate():
            return {"errors": form.errors}
        row = Post()
        form.populate_obj(row)
        seeded.add(row)
        seeded.commit()
        return {
            "status": row.status.name if row.status else None,
            "uid": str(row.uid) if row.uid else None,
            "body": row.body,
            "views": row.views,
            "published": row.published,
            "author": row.author.name,
        }

    return app


def test_a_valid_submission_populates_typed_values(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    ann = seeded.scalars(sa.select(Author).filter_by(name="ann")).one()
    uid = uuid.uuid4()
    response = client.post(
        "/post",
        data={
            "title": "New",
            "author": str(ann.id),
            "status": Status.published.name,
            "uid": str(uid),
            "body": "",
            "views": "",
            "published": "y",
        },
    )

    assert response.json == {
        "status": "published",
        "uid": str(uid),
        "body": None,
        "views": 0,
        "published": True,
        "author": "ann",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "archived", "Invalid Choice"),
        ("uid", "not-a-uuid", "Invalid UUID."),
        ("extra", "{", "Invalid JSON"),
        ("views", "ten", "Not a valid integer value."),
        ("title", "x" * 101, "Field cannot be longer than 100 characters."),
        ("day", "2024-13-45", "Not a valid date value."),
        ("created", "yesterday", "Not a valid datetime value."),
    ],
    ids=["enum", "uuid", "json", "integer", "length", "date", "datetime"],
)
def test_bad_values_are_form_errors(
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
    field: str,
    value: str,
    message: str,
) -> None:
    ann = seeded.scalars(sa.select(Author).filter_by(name="ann")).one()
    data = {"title": "New", "author": str(ann.id), field: value}

    response = client.post("/post", data=data)

    assert response.status_code == 200
    assert message in str(response.json["errors"][field])
    assert seeded.query(Post).count() == 3


def test_required_fields_are_reported(
    client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = client.post("/post", data={})

    assert set(response.json["errors"]) == {"title", "author"}


def test_a_subclass_converter_marked_with_converts_is_used(
    session: orm.scoped_session[orm.Session],
) -> None:
    from hipflask.admin.model.form import converts

    class Shouting(AdminModelConverter):
        @converts("Text")
        def conv_shout(self, field_args: dict[str, Any], **extra: Any) -> Any:
            field_args["filters"].append(lambda value: value.upper() if value else value)
            return fields.StringField(**field_args)

    form_class = get_form(Post, Shouting(session, Settings(Post)))
    form = form_class(data={"body": "quiet"})

    assert isinstance(form.body, fields.StringField)
    assert not isinstance(form.body, fields.TextAreaField)
    assert isinstance(form.title, fields.StringField)


def test_an_interval_column_is_left_out_of_the_form(
    app: Hipflask, session: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    import datetime

    from hipflask.admin import Admin
    from hipflask.admin.contrib.sqla import ModelView

    class Local(orm.DeclarativeBase):
        pass

    class Timer(Local):
        __tablename__ = "hfa_timer"
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(10))
        span = sa.Column(sa.Interval)

    Local.metadata.create_all(session.get_bind())
    session.add(Timer(name="tea", span=datetime.timedelta(minutes=3)))
    session.commit()
    Admin(app).add_view(ModelView(Timer, session))

    response = client.get("/admin/timer/edit/?id=1")

    assert response.status_code == 200
    assert 'name="name"' in response.get_data(as_text=True)
    assert 'name="span"' not in response.get_data(as_text=True)


@pytest.mark.parametrize("price", ["inf", "-Infinity", "NaN", "1e30", "1000000"])
def test_a_decimal_the_column_cannot_hold_is_a_form_error(
    app: Hipflask, session: orm.scoped_session[orm.Session], client: HipflaskClient, price: str
) -> None:
    from hipflask.admin import Admin
    from hipflask.admin.contrib.sqla import ModelView

    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(ModelView(Sku, session))

    refused = client.post("/admin/sku/new/", data={"code": "big", "price": price})
    accepted = client.post("/admin/sku/new/", data={"code": "fits", "price": "999999.99"})

    assert refused.status_code == 200
    assert session.get(Sku, "big") is None
    assert accepted.status_code == 302
    assert client.get("/admin/sku/edit/?id=fits").status_code == 200


def test_an_empty_text_field_lets_the_server_default_apply(
    session: orm.scoped_session[orm.Session],
) -> None:
    from werkzeug.datastructures import MultiDict

    class Local(orm.DeclarativeBase):
        pass

    class Labelled(Local):
        __tablename__ = "hfa_labelled"
        id = sa.Column(sa.Integer, primary_key=True)
        label = sa.Column(sa.String(10), nullable=False, server_default="none")
        size = sa.Column(sa.Integer, nullable=False, default=lambda: 7)

    Local.metadata.create_all(session.get_bind())
    form = build(session, Labelled)(MultiDict({"label": "", "size": ""}))
    row = Labelled()

    assert form.validate()
    form.populate_obj(row)
    session.add(row)
    session.commit()
    assert (row.label, row.size) == ("none", 7)


def test_extra_fields_take_their_place_in_form_columns(
    session: orm.scoped_session[orm.Session],
) -> None:
    extra = {"note": fields.StringField("Note"), "tail": fields.StringField("Tail")}
    converter = AdminModelConverter(
        session, Settings(Post, form_columns=["title", "note", "views"])
    )

    form_class = get_form(Post, converter, only=["title", "note", "views"], extra_fields=extra)

    assert list(kinds(form_class)) == ["title", "note", "views"]


def test_extra_fields_come_last_without_form_columns(
    session: orm.scoped_session[orm.Session],
) -> None:
    converter = AdminModelConverter(session, Settings(Author))
    extra = {"note": fields.StringField("Note")}

    form_class = get_form(Author, converter, exclude=["posts"], extra_fields=extra)

    assert list(kinds(form_class)) == ["name", "email", "note"]


class _AuthorWithPassword(ModelView):
    """Names the columns of its form, and has an extra field it leaves out."""

    form_columns = ("name",)
    form_extra_fields = {"email": fields.StringField("Email")}  # noqa: RUF012

    def render(self, template: str, **kwargs: Any) -> Any:
        return {"fields": [field.name for field in kwargs["form"]]}


def test_an_extra_field_form_columns_omits_is_not_in_the_form(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(_AuthorWithPassword(Author, seeded))

    assert client.get("/admin/author/new/").json == {"fields": ["name"]}
    response = client.post("/admin/author/new/", data={"name": "cy", "email": "cy@example.com"})

    assert response.status_code == 302
    assert seeded.scalars(sa.select(Author.email).where(Author.name == "cy")).one() is None


class _AuthorWithRequiredPosts(ModelView):
    """Insists on one post per author through the view's ``form_args``."""

    inline_models = (Post,)
    form_args = {"posts": {"validators": [ItemsRequired()], "label": "Articles"}}  # noqa: RUF012

    def render(self, template: str, **kwargs: Any) -> Any:
        form = kwargs["form"]
        return {"errors": form.errors, "label": form.posts.label.text}


def test_the_views_form_args_reach_the_inline_list_field(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(_AuthorWithRequiredPosts(Author, seeded))

    response = client.post("/admin/author/new/", data={"name": "cleo"})

    assert response.status_code == 200
    assert response.json == {
        "errors": {"posts": ["At least 1 item is required"]},
        "label": "Articles",
    }
    assert seeded.query(Author).filter_by(name="cleo").count() == 0


def test_an_inline_models_form_rules_and_widget_args_shape_its_rows(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class AuthorWithPosts(ModelView):
        inline_models = (
            (
                Post,
                {
                    "form_rules": ("title", "views"),
                    "form_widget_args": {"title": {"placeholder": "A title"}},
                },
            ),
        )

    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(AuthorWithPosts(Author, seeded))
    ann = seeded.query(Author).filter_by(name="ann").one()
    post = ann.posts[0]
    post.body = "kept"
    seeded.commit()

    page = client.get(f"/admin/author/edit/?id={ann.id}").get_data(as_text=True)
    saved = client.post(
        f"/admin/author/edit/?id={ann.id}",
        data={
            "name": "ann",
            "posts-0-id": str(post.id),
            "posts-0-title": "New",
            "posts-0-views": "3",
        },
    )

    assert 'name="posts-0-title" placeholder="A title"' in page
    assert 'name="posts-0-views"' in page
    assert 'name="posts-0-body"' not in page
    assert saved.status_code == 302
    seeded.expire_all()
    row = seeded.get(Post, post.id)
    assert row is not None
    assert (row.title, row.body) == ("New", "kept")


class _ArrayBase(orm.DeclarativeBase):
    pass


class Survey(_ArrayBase):
    __tablename__ = "hfa_survey"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    scores: orm.Mapped[list[int]] = orm.mapped_column(sa.ARRAY(sa.Integer))
    labels: orm.Mapped[list[str] | None] = orm.mapped_column(sa.ARRAY(sa.String(20)))


def test_an_array_column_is_a_list_of_its_item_type(
    session: orm.scoped_session[orm.Session],
) -> None:
    form_class = get_form(Survey, AdminModelConverter(session, None))

    good = form_class(MultiDict({"scores": "1, 2,3", "labels": "a,b"}))
    bad = form_class(MultiDict({"scores": "1,x", "labels": ""}))

    assert good.validate(), good.errors
    assert (good.scores.data, good.labels.data) == ([1, 2, 3], ["a", "b"])
    assert not bad.validate()
    assert "scores" in bad.errors


@pytest.fixture(scope="module")
def postgresql_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with backend_database("postgresql", "admin_array", tmp_path_factory) as url:
        yield url


def test_an_array_column_round_trips_through_the_pages_on_postgresql(
    app: Hipflask, postgresql_url: str, client: HipflaskClient
) -> None:
    from hipflask.db import SQLAlchemy

    app.config.update(WTF_CSRF_ENABLED=False, SQLALCHEMY_DATABASE_URI=postgresql_url)
    db = SQLAlchemy(app)

    class Poll(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "hfa_poll"
        id = db.Column(db.Integer, primary_key=True)
        scores = db.Column(sa.ARRAY(sa.Integer), nullable=False)

    Admin(app).add_view(ModelView(Poll, db))
    with app.app_context():
        db.drop_all()
        db.create_all()

    try:
        created = client.post("/admin/poll/new/", data={"scores": "3,1,2"})
        refused = client.post("/admin/poll/new/", data={"scores": "1,two"})
        with app.app_context():
            polls = [(row.id, row.scores) for row in db.session.query(Poll)]
        form = client.get(f"/admin/poll/edit/?id={polls[0][0]}").get_data(as_text=True)
    finally:
        with app.app_context():
            db.drop_all()
            for engine in db.engines.values():
                engine.dispose()

    assert created.status_code == 302
    assert refused.status_code == 200
    assert [scores for _, scores in polls] == [[3, 1, 2]]
    assert 'value="3,1,2"' in form
