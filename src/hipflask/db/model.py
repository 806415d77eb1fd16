"""``db.Model``: the declarative base a Flask-SQLAlchemy app subclasses.

Three things are added to SQLAlchemy's declarative classes, all as a Flask
user expects them:

* a table name derived from the class name (``UserRole`` -> ``user_role``)
  when the class does not set ``__tablename__``;
* ``__bind_key__`` puts the model's table in that bind's metadata, so it is
  created in, and queried from, that bind's database;
* ``Model.query``, a :class:`~hipflask.db.query.Query` on the current
  app context's session.

The additions are a mixin whose ``__init_subclass__`` runs before SQLAlchemy
maps the class, so they work alike for the classic base and for a typed
:class:`~sqlalchemy.orm.DeclarativeBase` given as ``model_class``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy import orm

if TYPE_CHECKING:
    from .extension import SQLAlchemy
    from .query import Query

# A boundary is where a lower-case letter or digit meets a capital, or where a
# run of capitals ends in a capital that starts a word: HTTPRequest -> http_request.
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def camel_to_snake_case(name: str) -> str:
    """``UserRole`` -> ``user_role``, ``HTTPRequest`` -> ``http_request``."""
    return _WORD_BOUNDARY.sub("_", name).lower().lstrip("_")


def _defines_primary_key(namespace: dict[str, Any]) -> bool:
    for value in namespace.values():
        column = value.column if isinstance(value, orm.MappedColumn) else value
        if isinstance(column, sa.Column) and column.primary_key:
            return True
    return False


def _has_mapped_parent(cls: type) -> bool:
    return any("__table__" in vars(base) for base in cls.__mro__[1:])


def _tablename_is_declared(cls: type) -> bool:
    """Whether the class or a mixin decides the table name itself."""
    for base in cls.__mro__:
        value = vars(base).get("__tablename__")
        if base is cls and "__tablename__" in vars(base):
            return True
        if "__tablename__" in vars(base) and not isinstance(value, (str, type(None))):
            return True
    return False


class _QueryProperty:
    """``Model.query``: a new query on the current session at each access."""

    def __get__(self, obj: object, cls: type[Model]) -> Query:
        return cls.query_class(cls, session=cls.__fsa__.session())


class Model:
    """The base of ``db.Model``: table names, bind keys, ``query``, a ``repr``."""

    #: The extension that made this base; it provides the session.
    __fsa__: ClassVar[SQLAlchemy]

    #: The class ``Model.query`` returns (``SQLAlchemy(query_class=...)``).
    query_class: ClassVar[type[Query]]

    #: A query on the current app context's session, as in Flask-SQLAlchemy.
    query: ClassVar[Query] = _QueryProperty()  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        namespace = vars(cls)
        if not namespace.get("__abstract__", False) and "__table__" not in namespace:
            if getattr(cls, "__hipflask_autonaming__", True) and not _tablename_is_declared(cls):
                if not _has_mapped_parent(cls) or _defines_primary_key(dict(namespace)):
                    type.__setattr__(cls, "__tablename__", camel_to_snake_case(cls.__name__))
                else:
                    # Single-table inheritance: the parent's table holds the rows.
                    type.__setattr__(cls, "__tablename__", None)
            bind_key = getattr(cls, "__bind_key__", None)
            if "metadata" not in namespace and hasattr(cls, "__fsa__"):
                type.__setattr__(cls, "metadata", cls.__fsa__._make_metadata(bind_key))
        super().__init_subclass__(**kwargs)

    def __repr__(self) -> str:
        state = sa.inspect(self)
        if state.transient:
            key = f"(transient {id(self)})"
        elif state.pending:
            key = f"(pending {id(self)})"
        else:
            identity = state.identity or ()
            key = ", ".join(str(value) for value in identity)
        return f"<{type(self).__name__} {key}>"


def make_model_base(db: SQLAlchemy, model_class: Any, metadata: sa.MetaData | None) -> Any:
    """Build ``db.Model`` from the user's ``model_class``.

    A :class:`~sqlalchemy.orm.DeclarativeBase` subclass (typed ``Mapped[...]``
    models) is extended with :class:`Model`; anything else is used as the
    ``cls`` of a classic declarative base, as Flask-SQLAlchemy does.
    """
    if isinstance(model_class, type) and issubclass(
        model_class, (orm.DeclarativeBase, orm.DeclarativeBaseNoMeta)
    ):
        if metadata is not None and model_class.metadata is not metadata:
            model_class.metadata = metadata
        namespace = {
            "__abstract__": True,
            "__fsa__": db,
            "query_class": db.Query,
            "__module__": model_class.__module__,
        }
        bases = (model_class,) if issubclass(model_class, Model) else (Model, model_class)
        metaclass: Any = type(model_class)
        base: Any = metaclass("Model", bases, namespace)
        db.metadatas.setdefault(None, model_class.metadata)
        return base
    if model_class is None or model_class is Model:
        model_class = Model
    elif not issubclass(model_class, Model):
        model_class = type(model_class.__name__, (Model, model_class), {})
    base = orm.declarative_base(
        cls=model_class, name="Model", metadata=metadata or db.metadatas.get(None)
    )
    base.__fsa__ = db
    base.query_class = db.Query
    db.metadatas.setdefault(None, base.metadata)
    return base


__all__ = ["Model", "camel_to_snake_case", "make_model_base"]
