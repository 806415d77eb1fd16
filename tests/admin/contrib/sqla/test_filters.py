from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Status

from hipflask import Hipflask
from hipflask import get_flashed_messages
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla import filters
from hipflask.admin.contrib.sqla.query import through_path
from hipflask.testing.client import HipflaskClient


def titles(session: orm.scoped_session[orm.Session], flt: Any, value: str) -> list[str]:
    """Validate, clean and apply one filter as the list view does."""
    assert flt.validate(value), value
    query = session.query(Post)
    if flt.join_path:
        condition = flt.condition(flt.get_column(None), flt.clean(value))
        query = query.filter(through_path(flt.join_path, condition))
    else:
        query = flt.apply(query, flt.clean(value))
    return sorted(post.title for post in query)


@pytest.fixture
def dated(seeded: orm.scoped_session[orm.Session]) -> orm.scoped_session[orm.Session]:
    hello = seeded.query(Post).filter_by(title="Hello world").one()
    hello.day = datetime.date(2024, 5, 1)
    hello.created = datetime.datetime(2024, 5, 1, 9, 30)
    hello.status = Status.published
    hello.uid = uuid.UUID(int=1)
    hello.score = 2.5
    seeded.commit()
    return seeded


@pytest.mark.parametrize(
    ("filter_class", "column", "value", "expected"),
    [
        (filters.FilterEqual, Post.title, "Third", ["Third"]),
        (filters.FilterNotEqual, Post.body, "x", ["100% pure_fun", "Hello world", "Third"]),
        (filters.FilterLike, Post.title, "HELLO", ["Hello world"]),
        (filters.FilterLike, Post.title, "0%", ["100% pure_fun"]),
        (filters.FilterNotLike, Post.title, "o", ["100% pure_fun", "Third"]),
        (filters.FilterEmpty, Post.body, "1", ["100% pure_fun", "Hello world", "Third"]),
        (filters.FilterEmpty, Post.day, "0", ["Hello world"]),
        (filters.FilterInList, Post.title, "Third, Hello world", ["Hello world", "Third"]),
        (filters.FilterNotInList, Post.title, "Third", ["100% pure_fun", "Hello world"]),
        (filters.IntGreaterFilter, Post.views, "4", ["100% pure_fun", "Hello world"]),
        (filters.IntSmallerFilter, Post.views, "4", ["Third"]),
        (filters.IntInListFilter, Post.views, "1,5", ["100% pure_fun", "Third"]),
        (filters.FloatEqualFilter, Post.score, "2.5", ["Hello world"]),
        (
            filters.BooleanEqualFilter,
            Post.published,
            "0",
            ["100% pure_fun", "Hello world", "Third"],
        ),
        (filters.DateEqualFilter, Post.day, "2024-05-01", ["Hello world"]),
        (filters.DateBetweenFilter, Post.day, "2024-01-01 to 2024-12-31", ["Hello world"]),
        (
            filters.DateNotBetweenFilter,
            Post.day,
            "2024-01-01 to 2024-02-01",
            ["100% pure_fun", "Hello world", "Third"],
        ),
        (filters.DateTimeGreaterFilter, Post.created, "2024-05-01 09:00:00", ["Hello world"]),
        (filters.EnumEqualFilter, Post.status, "published", ["Hello world"]),
        (filters.EnumFilterNotEqual, Post.status, "published", ["100% pure_fun", "Third"]),
        (filters.EnumFilterInList, Post.status, "draft,published", ["Hello world"]),
        (filters.UuidFilterEqual, Post.uid, str(uuid.UUID(int=1)), ["Hello world"]),
        (filters.UuidFilterInList, Post.uid, str(uuid.UUID(int=1)), ["Hello world"]),
    ],
    ids=lambda value: getattr(value, "__name__", None) if isinstance(value, type) else None,
)
def test_filter_matches(
    dated: orm.scoped_session[orm.Session],
    filter_class: type[filters.BaseSQLAFilter],
    column: Any,
    value: str,
    expected: list[str],
) -> None:
    assert titles(dated, filter_class(column, "name"), value) == expected


@pytest.mark.parametrize(
    ("filter_class", "column", "value"),
    [
        (filters.IntEqualFilter, Post.views, "ten"),
        (filters.IntEqualFilter, Post.views, str(10**30)),
        (filters.IntInListFilter, Post.views, f"1,{-(10**30)}"),
        (filters.FloatEqualFilter, Post.score, "1e400"),
        (filters.BooleanEqualFilter, Post.published, "yes"),
        (filters.DateEqualFilter, Post.day, "2024-13-01"),
        (filters.DateBetweenFilter, Post.day, "2024-01-01"),
        (filters.EnumEqualFilter, Post.status, "archived"),
        (filters.UuidFilterEqual, Post.uid, "not-a-uuid"),
        (filters.FilterEmpty, Post.body, "maybe"),
    ],
    ids=[
        "int-text",
        "int-huge",
        "int-list-huge",
        "float-infinite",
        "bool-word",
        "date-month-13",
        "between-one-end",
        "enum-unknown",
        "uuid-malformed",
        "empty-word",
    ],
)
def test_a_value_the_column_cannot_hold_does_not_validate(
    filter_class: type[filters.BaseSQLAFilter], column: Any, value: str
) -> None:
    assert not filter_class(column, "name").validate(value)


def test_enum_filters_offer_the_members() -> None:
    flt = filters.EnumEqualFilter(Post.status, "Status")

    assert flt.get_options(None) == [("draft", "draft"), ("published", "published")]
    # Flask-Admin's public attribute, read by custom filters and templates.
    assert flt.enum_class is not None
    assert [member.name for member in flt.enum_class] == ["draft", "published"]


def test_a_dotted_path_is_resolved_when_bound(seeded: orm.scoped_session[orm.Session]) -> None:
    flt = filters.FilterEqual("author.name", "Author")
    flt.bind(Post)

    assert flt.column is Author.name
    assert flt.key_name == "author.name"
    assert titles(seeded, flt, "bob") == ["100% pure_fun"]


@pytest.mark.parametrize("path", ["author.nope", "author"], ids=["unknown", "relationship"])
def test_a_bad_path_fails_when_bound(path: str) -> None:
    with pytest.raises(ValueError, match=path):
        filters.FilterEqual(path, "Bad").bind(Post)


def test_a_filter_used_before_binding_says_so() -> None:
    with pytest.raises(RuntimeError, match="bound"):
        filters.FilterEqual("author.name", "Author").get_column(None)


@pytest.mark.parametrize(
    ("column_type", "first"),
    [
        (sa.String(10), filters.FilterLike),
        (sa.Text(), filters.FilterLike),
        (sa.Integer(), filters.IntEqualFilter),
        (sa.Float(), filters.FloatEqualFilter),
        (sa.Numeric(8, 2), filters.FloatEqualFilter),
        (sa.Boolean(), filters.BooleanEqualFilter),
        (sa.Date(), filters.DateEqualFilter),
        (sa.DateTime(), filters.DateTimeEqualFilter),
        (sa.Time(), filters.TimeEqualFilter),
        (sa.Enum(Status), filters.EnumEqualFilter),
        (sa.Uuid(), filters.UuidFilterEqual),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, sa.types.TypeEngine) else None,
)
def test_the_converter_picks_filters_by_type(column_type: Any, first: type[Any]) -> None:
    column = sa.Column("c", column_type)

    made = filters.FilterConverter().convert(type(column_type).__name__, column, "C")

    assert made is not None
    assert type(made[0]) is first


def test_the_converter_has_nothing_for_an_unknown_type() -> None:
    column = sa.Column("c", sa.LargeBinary())

    assert filters.FilterConverter().convert("LargeBinary", column, "C") is None


@pytest.mark.parametrize(
    ("filter_class", "column", "value"),
    [
        (filters.FilterEqual, Post.views, "abc"),
        (filters.FilterGreater, Post.day, "yesterday"),
        (filters.FilterInList, Post.views, "1,abc"),
        (filters.FilterNotEqual, Post.uid, "not-a-uuid"),
    ],
    ids=["equal-int", "greater-date", "in-list-int", "not-equal-uuid"],
)
def test_an_untyped_filter_refuses_what_its_column_cannot_hold(
    filter_class: type[filters.BaseSQLAFilter], column: Any, value: str
) -> None:
    assert not filter_class(column, "name").validate(value)


def test_like_filters_work_on_numbers_as_text(dated: orm.scoped_session[orm.Session]) -> None:
    assert titles(dated, filters.FilterLike(Post.views, "Views"), "1") == [
        "Hello world",
        "Third",
    ]
    assert titles(dated, filters.FilterNotLike(Post.views, "Views"), "abc") == [
        "100% pure_fun",
        "Hello world",
        "Third",
    ]


@pytest.fixture
def backend_rows(backend_url: str) -> Any:
    from tests.admin.contrib.sqla.models import Base
    from tests.admin.contrib.sqla.models import Tag

    engine = sa.create_engine(backend_url)
    Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    ann, bob = Author(name="ann"), Author(name="bob", email="bob@example.com")
    scoped.add_all(
        [
            Post(
                title="Hello world",
                author=ann,
                views=10,
                status=Status.published,
                uid=uuid.UUID(int=1),
                day=datetime.date(2024, 5, 1),
                created=datetime.datetime(2024, 5, 1, 9, 30),
                published=True,
                tags=[Tag(name="red")],
            ),
            Post(title="100% pure_fun", author=bob, views=5, status=Status.draft),
            Post(title="Third", author=ann, views=1),
        ]
    )
    scoped.commit()
    yield scoped
    scoped.remove()
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_typed_filters_on_each_backend(backend_rows: orm.scoped_session[orm.Session]) -> None:
    cases: list[tuple[Any, str, list[str]]] = [
        (filters.EnumEqualFilter(Post.status, "s"), "published", ["Hello world"]),
        (filters.EnumFilterNotEqual(Post.status, "s"), "published", ["100% pure_fun", "Third"]),
        (
            filters.EnumFilterInList(Post.status, "s"),
            "draft,published",
            ["100% pure_fun", "Hello world"],
        ),
        (filters.UuidFilterEqual(Post.uid, "u"), str(uuid.UUID(int=1)), ["Hello world"]),
        (
            filters.UuidFilterNotInList(Post.uid, "u"),
            str(uuid.UUID(int=1)),
            ["100% pure_fun", "Third"],
        ),
        (filters.DateBetweenFilter(Post.day, "d"), "2024-01-01 to 2024-12-31", ["Hello world"]),
        (filters.DateTimeSmallerFilter(Post.created, "c"), "2024-05-02 00:00:00", ["Hello world"]),
        (filters.BooleanEqualFilter(Post.published, "p"), "1", ["Hello world"]),
        (filters.FilterLike(Post.views, "v"), "1", ["Hello world", "Third"]),
        (filters.FilterLike(Post.title, "t"), "0%", ["100% pure_fun"]),
        (filters.FilterNotLike(Post.title, "t"), "o_w", ["100% pure_fun", "Hello world", "Third"]),
        (filters.IntNotInListFilter(Post.views, "v"), "1,5", ["Hello world"]),
    ]
    related = filters.FilterEqual("author.email", "e")
    related.bind(Post)
    cases.append((related, "bob@example.com", ["100% pure_fun"]))

    for flt, value, expected in cases:
        assert titles(backend_rows, flt, value) == expected, (flt, value)


class UUIDType(sa.TypeDecorator[uuid.UUID]):
    """Stands for SQLAlchemy-Utils' ``UUIDType``: a UUID kept in 16 bytes."""

    impl = sa.BINARY(16)
    cache_ok = True

    @property
    def python_type(self) -> type[uuid.UUID]:
        return uuid.UUID

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else uuid.UUID(str(value)).bytes

    def process_result_value(self, value: Any, dialect: Any) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(bytes=value)


class _UtilsBase(orm.DeclarativeBase):
    pass


class Ticket(_UtilsBase):
    __tablename__ = "hfa_ticket"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[uuid.UUID] = orm.mapped_column(UUIDType())
    title: orm.Mapped[str] = orm.mapped_column(sa.String(40))


def test_sqlalchemy_utils_types_get_flask_admins_filters_by_name(
    app: Hipflask, engine: sa.Engine, client: HipflaskClient
) -> None:
    _UtilsBase.metadata.create_all(engine)
    session = orm.scoped_session(orm.sessionmaker(engine))
    session.add_all(
        [Ticket(code=uuid.UUID(int=1), title="one"), Ticket(code=uuid.UUID(int=2), title="two")]
    )
    session.commit()

    class TicketView(ModelView):
        column_filters = ("code",)

        def render(self, template: str, **kwargs: Any) -> Any:
            return {
                "rows": [row.title for row in kwargs["data"]],
                "flashes": get_flashed_messages(),
            }

    view = TicketView(Ticket, session)
    Admin(app).add_view(view)

    found = client.get(f"/admin/ticket/?flt0_0={uuid.UUID(int=2)}").get_json()
    refused = client.get("/admin/ticket/?flt0_0=not-a-uuid")

    assert [type(flt) for flt in view._filters or ()][:2] == [
        filters.FilterEqual,
        filters.FilterNotEqual,
    ]
    assert found["rows"] == ["two"]
    assert refused.status_code == 200
    refused_json = refused.get_json()
    assert refused_json["rows"] == ["one", "two"]
    assert refused_json["flashes"] == ["Invalid Filter Value: not-a-uuid"]
    session.remove()


class ArrowType(sa.TypeDecorator[datetime.datetime]):
    """Stands for SQLAlchemy-Utils' ``ArrowType``: a timestamp kept as a DATETIME."""

    impl = sa.DateTime
    cache_ok = True


class Shift(_UtilsBase):
    __tablename__ = "hfa_shift"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    starts: orm.Mapped[datetime.datetime] = orm.mapped_column(ArrowType())
    title: orm.Mapped[str] = orm.mapped_column(sa.String(40))


def test_an_arrow_column_gets_flask_admins_three_filters_so_later_indices_match(
    app: Hipflask, engine: sa.Engine, client: HipflaskClient
) -> None:
    _UtilsBase.metadata.create_all(engine)
    session = orm.scoped_session(orm.sessionmaker(engine))
    session.add_all(
        [
            Shift(starts=datetime.datetime(2024, 1, 1, 8), title="early"),
            Shift(starts=datetime.datetime(2024, 1, 1, 20), title="late"),
        ]
    )
    session.commit()

    class ShiftView(ModelView):
        column_filters = ("starts", "title")

        def render(self, template: str, **kwargs: Any) -> Any:
            return {"rows": [row.title for row in kwargs["data"]]}

    view = ShiftView(Shift, session)
    Admin(app).add_view(view)

    operations = [(flt.name, str(flt.operation())) for flt in view._filters or ()]
    later = client.get("/admin/shift/", query_string={"flt0_0": "2024-01-01 12:00:00"})
    title = client.get("/admin/shift/", query_string={"flt0_5": "early"})

    assert operations[:4] == [
        ("Starts", "greater than"),
        ("Starts", "smaller than"),
        ("Starts", "empty"),
        ("Title", "contains"),
    ]
    assert later.get_json()["rows"] == ["late"]
    assert title.get_json()["rows"] == ["early"]
    session.remove()


class Mood(enum.Enum):
    calm = 1
    loud = 2


class ChoiceType(sa.TypeDecorator[Any]):
    """Stands for SQLAlchemy-Utils' ``ChoiceType``: keys stored, labels shown."""

    impl = sa.String(10)
    cache_ok = True

    def __init__(self, choices: Any) -> None:
        super().__init__()
        self.choices = choices

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.value if isinstance(value, enum.Enum) else value


class Gig(_UtilsBase):
    __tablename__ = "hfa_gig"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    size: orm.Mapped[str | None] = orm.mapped_column(
        ChoiceType((("s", "Small room"), ("l", "Large hall")))
    )
    mood: orm.Mapped[Any] = orm.mapped_column(ChoiceType(Mood), nullable=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(40))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"flt0_0": "Large hall"}, ["big"]),
        ({"flt0_1": "Large hall"}, ["none", "small"]),
        ({"flt0_2": "ROOM"}, ["small"]),
        ({"flt0_2": "stadium"}, []),
        ({"flt0_3": "hall"}, ["none", "small"]),
        ({"flt0_4": "1"}, ["none"]),
        ({"flt0_5": "loud"}, ["big"]),
        ({"flt0_7": "al"}, ["small"]),
    ],
)
def test_a_choice_column_is_filtered_by_the_labels_it_shows(
    app: Hipflask,
    engine: sa.Engine,
    client: HipflaskClient,
    query: dict[str, str],
    expected: list[str],
) -> None:
    _UtilsBase.metadata.create_all(engine)
    session = orm.scoped_session(orm.sessionmaker(engine))
    session.add_all(
        [
            Gig(size="s", mood=Mood.calm, title="small"),
            Gig(size="l", mood=Mood.loud, title="big"),
            Gig(size=None, mood=None, title="none"),
        ]
    )
    session.commit()

    class GigView(ModelView):
        column_filters = ("size", "mood")
        column_default_sort = "title"

        def render(self, template: str, **kwargs: Any) -> Any:
            return {"rows": [row.title for row in kwargs["data"]]}

    view = GigView(Gig, session)
    Admin(app).add_view(view)

    operations = [str(flt.operation()) for flt in view._filters or ()]
    answer = client.get("/admin/gig/", query_string=query)

    assert operations[:5] == ["equals", "not equal", "contains", "not contains", "empty"]
    assert answer.get_json()["rows"] == expected
    session.remove()


def test_a_path_filter_bound_to_one_model_is_refused_by_a_view_of_another(
    session: orm.scoped_session[orm.Session],
) -> None:
    from tests.admin.contrib.sqla.models import Tag

    from hipflask.errors import ConfigurationError

    shared = filters.FilterLike("name", "Name")

    class AuthorView(ModelView):
        column_filters = (shared,)

    class TagView(ModelView):
        column_filters = (shared,)

    AuthorView(Author, session)

    with pytest.raises(ConfigurationError, match="bound to Author and cannot rebind to Tag"):
        TagView(Tag, session)
