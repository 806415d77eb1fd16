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
from sqlalchemy.orm import DeclarativeMeta

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .extension import SQLAlchemy
    from .query import Query

# Where a word starts: an ASCII capital after a lower-case ASCII letter or a
# digit (userRole, User2FA), or an ASCII capital followed by a lower-case
# ASCII letter anywhere but first (HTTPRequest, CaféBar, Order_Item). Only
# ASCII counts, as in Flask-SQLAlchemy: the table names of ported models,
# which existing databases and migrations use, must come out the same.
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])", re.DOTALL)


def camel_to_snake_case(name: str) -> str:
    """``UserRole`` -> ``user_role``, ``HTTPRequest`` -> ``http_request``.

    Each word start gets an underscore, even after one already there
    (``Order_Item`` -> ``order__item``), and leading underscores go
    (``_Private`` -> ``private``).
    """
    return _WORD_START.sub("_", name).lower().lstrip("_")


def _declares_primary_key(table_items: tuple[Any, ...]) -> bool:
    """Whether the columns and ``__table_args__`` of a new table make a primary key.

    They are what SQLAlchemy hands ``__table_cls__``: the class's own columns,
    those its mixins' ``declared_attr`` made, and ``__table_args__``.
    """
    return any(
        isinstance(item, sa.PrimaryKeyConstraint)
        or (isinstance(item, sa.Column) and item.primary_key)
        for item in table_items
    )


def _has_mapped_parent(cls: type) -> bool:
    return any("__table__" in vars(base) for base in cls.__mro__[1:])


def _tablename_is_declared(cls: type) -> bool:
    """Whether the class, a mixin or an abstract base decides the table name.

    The nearest class in the MRO that has a ``__tablename__`` decides: the
    class itself, or a ``declared_attr`` anywhere, names the table; so does a
    plain string on a mixin or an abstract model, which the class inherits.
    A mapped parent's name (given or derived) is its own, not the class's.
    """
    for base in cls.__mro__:
        if "__tablename__" not in vars(base):
            continue
        value = vars(base)["__tablename__"]
        if base is cls or not isinstance(value, (str, type(None))):
            return True
        mapped_model = issubclass(base, Model) and not vars(base).get("__abstract__", False)
        return not mapped_model
    return False


def _is_declarative_model(cls: type) -> bool:
    """Whether ``cls`` is a model SQLAlchemy maps, not a base on the way to ``db.Model``.

    A customised base (``class CustomModel(Model)``, the ``model_class``
    Flask-SQLAlchemy documents) and the declarative base made from it have
    no registry of their own to be mapped in: naming them would give every
    model a ``__tablename__`` ahead of its mixins' in the MRO.
    """
    return getattr(cls, "registry", None) is not None and "registry" not in vars(cls)


def _drop_single_table_placeholder(mapper: Any, cls: type) -> None:
    """Let a single-table subclass's ``__table__`` be its parent's again.

    SQLAlchemy stores what ``__table_cls__`` returned, ``None`` for a
    subclass without a table of its own, which would hide the parent's.
    """
    if "__table__" in vars(cls) and vars(cls)["__table__"] is None:
        type.__delattr__(cls, "__table__")


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
        if not namespace.get("__abstract__", False) and _is_declarative_model(cls):
            if getattr(cls, "__hipflask_autonaming__", True) and not _tablename_is_declared(cls):
                # Below a mapped model, the name holds only if the class turns
                # out to declare a primary key: __table_cls__ decides, once
                # SQLAlchemy has gathered the columns (mixins' included). A
                # class with its own __table__ gets the derived name too, as
                # in Flask-SQLAlchemy; SQLAlchemy maps the table it was given.
                type.__setattr__(cls, "__tablename__", camel_to_snake_case(cls.__name__))
            # A given __table__ is in the metadata it was made with already.
            has_table = "__table__" in namespace
            if not has_table and "metadata" not in namespace and hasattr(cls, "__fsa__"):
                bind_key = getattr(cls, "__bind_key__", None)
                type.__setattr__(cls, "metadata", cls.__fsa__._make_metadata(bind_key))
        super().__init_subclass__(**kwargs)

    @classmethod
    def __table_cls__(cls, name: str, metadata: sa.MetaData, *args: Any, **kwargs: Any) -> Any:
        """The class's table, or ``None`` for single-table inheritance.

        A subclass of a mapped model gets a table of its own (joined-table
        inheritance) only if what it declares makes a primary key: a column,
        a mixin's ``declared_attr`` column, or a ``PrimaryKeyConstraint`` in
        ``__table_args__``. Otherwise the parent's table holds its rows, and
        its own name, however it was given, is withdrawn.
        """
        key = f"{kwargs['schema']}.{name}" if kwargs.get("schema") else name
        if (
            key not in metadata.tables
            and _has_mapped_parent(cls)
            and not _declares_primary_key(args)
        ):
            # Whoever named it (derived, a declared_attr, the class itself),
            # a subclass without a primary key of its own shares the
            # parent's table, as in Flask-SQLAlchemy.
            if "__tablename__" in vars(cls):
                type.__delattr__(cls, "__tablename__")
            return None
        return sa.Table(name, metadata, *args, **kwargs)

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


class ModelClassError(ConfigurationError, ValueError):
    """``model_class`` cannot be a base for models.

    Raised by ``SQLAlchemy(...)``, before any model is declared, where the
    mistake would otherwise surface as SQLAlchemy's error about the first
    model. Also a :class:`ValueError`, as Flask-SQLAlchemy raises there.
    """


def make_model_base(db: SQLAlchemy, model_class: Any, metadata: sa.MetaData | None) -> Any:
    """Build ``db.Model`` from the user's ``model_class``.

    A :class:`~sqlalchemy.orm.DeclarativeBase` subclass (typed ``Mapped[...]``
    models) is extended with :class:`Model`; anything else is used as the
    ``cls`` of a classic declarative base, as Flask-SQLAlchemy does; a base
    made with ``declarative_base()`` is used as it is.
    """
    if (
        isinstance(model_class, type)
        and issubclass(model_class, orm.DeclarativeBase)
        and issubclass(model_class, orm.DeclarativeBaseNoMeta)
    ):
        # Both set a class up for mapping: the first model would be refused
        # as "already instrumented", far from the cause.
        raise ModelClassError(
            f"model_class {model_class.__name__!r} subclasses both DeclarativeBase"
            " and DeclarativeBaseNoMeta; subclass one of them."
        )
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
        sa.event.listen(
            base, "after_mapper_constructed", _drop_single_table_placeholder, propagate=True
        )
        db.metadatas.setdefault(None, model_class.metadata)
        return base
    if isinstance(model_class, DeclarativeMeta):
        # A declarative base made already (``declarative_base(...)``, for a
        # metaclass of the app's own) is used as it is, given the query.
        model_class.__fsa__ = db
        model_class.query_class = db.Query
        # Looked up without calling it: the property opens a session.
        if not any("query" in vars(klass) for klass in model_class.__mro__):
            model_class.query = _QueryProperty()
        db.metadatas.setdefault(None, model_class.metadata)
        return model_class
    if model_class is None or model_class is Model:
        model_class = Model
    elif not issubclass(model_class, Model):
        model_class = type(model_class.__name__, (Model, model_class), {})
    base = orm.declarative_base(
        cls=model_class, name="Model", metadata=metadata or db.metadatas.get(None)
    )
    base.__fsa__ = db
    base.query_class = db.Query
    sa.event.listen(
        base, "after_mapper_constructed", _drop_single_table_placeholder, propagate=True
    )
    db.metadatas.setdefault(None, base.metadata)
    return base


__all__ = ["Model", "ModelClassError", "camel_to_snake_case", "make_model_base"]
