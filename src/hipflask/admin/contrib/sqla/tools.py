"""SQLAlchemy helpers the model view is built on: keys, paths, LIKE patterns.

These are Flask-Admin's ``contrib.sqla.tools`` names. Keys are read from the
mapper, never from a model's private attributes, so a model with a composite
key, a renamed column or a key on a joined-inheritance parent works the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.ext.associationproxy import AssociationProxy
from sqlalchemy.ext.associationproxy import AssociationProxyInstance
from sqlalchemy.ext.hybrid import hybrid_property

# Flask-Admin's contrib.sqla.tools offers the generic key encoding too.
from ...tools import CHAR_ESCAPE as CHAR_ESCAPE
from ...tools import CHAR_SEPARATOR as CHAR_SEPARATOR
from ...tools import escape as escape
from ...tools import iterdecode as iterdecode
from ...tools import iterencode as iterencode

#: The character that escapes ``%``, ``_`` and itself in a LIKE pattern.
LIKE_ESCAPE = "\\"


def row_label(row: Any) -> str:
    """The text a select or an ajax lookup shows for ``row``: ``str(row)``.

    A model's ``__str__`` often returns a nullable column as it is
    (``return self.name``), and ``str()`` raises ``TypeError`` when that is
    ``None``: one such row would make every form and lookup offering the
    table fail. Such a row is offered with an empty label instead.
    """
    try:
        return str(row)
    except TypeError:
        return ""


def escape_like(term: str) -> str:
    """Escape LIKE's wildcards so that a user's ``%`` or ``_`` matches itself.

    Without it a search for ``100%`` would match every row starting with
    ``100``, and ``_`` any character; the pattern is used with
    ``escape=LIKE_ESCAPE``.
    """
    return (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def parse_like_term(term: str) -> str:
    """Turn a search term into a LIKE pattern, with Flask-Admin's prefixes.

    ``^term`` matches at the start, ``=term`` matches exactly, anything else
    anywhere. The user's own wildcards are escaped (see :func:`escape_like`).
    """
    if term.startswith("^"):
        return escape_like(term[1:]) + "%"
    if term.startswith("="):
        return escape_like(term[1:])
    return "%" + escape_like(term) + "%"


def _mapper(model: Any) -> orm.Mapper[Any]:
    return sa.inspect(model).mapper  # type: ignore[no-any-return]


def filter_foreign_columns(base_table: sa.Table, columns: Iterable[Any]) -> list[Any]:
    """The columns of ``columns`` that belong to ``base_table``.

    A property mapped over several tables (joined inheritance) keeps only the
    column of the model's own table.
    """
    return [column for column in columns if getattr(column, "table", None) is base_table]


def get_primary_key(model: Any) -> str | tuple[str, ...]:
    """Name the attribute (or attributes, for a composite key) of the primary key.

    Attribute names are returned, not column names: a column declared as
    ``user_id = Column("id", ...)`` is read and set as ``user_id``.
    """
    mapper = _mapper(model)
    names = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    return names[0] if len(names) == 1 else names


def has_multiple_pks(model: Any) -> bool:
    """Say whether ``model`` has a composite primary key."""
    return len(_mapper(model).primary_key) > 1


def tuple_operator_in(model_pk: Sequence[Any], ids: Iterable[Sequence[Any]]) -> Any:
    """An OR of ANDs matching composite keys, for every backend.

    SQLite before 3.15 and some drivers refuse ``(a, b) IN ((1, 2), ...)``;
    the expanded form is understood everywhere.
    """
    clauses = [
        sa.and_(*(column == value for column, value in zip(model_pk, id_, strict=True)))
        for id_ in ids
    ]
    return sa.or_(*clauses) if clauses else sa.false()


def get_query_for_ids(modelquery: Any, model: Any, ids: Iterable[Any]) -> Any:
    """Narrow ``modelquery`` to the rows whose primary keys are ``ids``.

    Composite ids are decoded with :func:`iterdecode`; an id with the wrong
    number of parts matches nothing instead of raising.
    """
    if has_multiple_pks(model):
        names = get_primary_key(model)
        columns = [getattr(model, name) for name in names]
        decoded = [iterdecode(id_) if isinstance(id_, str) else tuple(id_) for id_ in ids]
        wanted = [parts for parts in decoded if len(parts) == len(columns)]
        return modelquery.filter(tuple_operator_in(columns, wanted))
    name = get_primary_key(model)
    return modelquery.filter(getattr(model, str(name)).in_(list(ids)))


def get_columns_for_field(field: Any) -> list[sa.Column[Any]]:
    """The table columns behind a model attribute such as ``User.name``."""
    prop = getattr(field, "property", None)
    columns = getattr(prop, "columns", None)
    if not columns:
        raise TypeError(f"{field!r} is not a column attribute of a mapped model.")
    return list(columns)


def need_join(model: Any, table: sa.Table) -> bool:
    """Say whether ``table`` lies outside ``model``'s own tables."""
    return table not in _mapper(model).tables


def is_relationship(attr: Any) -> bool:
    """Say whether a model attribute is a relationship."""
    return isinstance(getattr(attr, "property", None), orm.RelationshipProperty)


def is_association_proxy(attr: Any) -> bool:
    """Say whether a model attribute is an association proxy."""
    return isinstance(attr, AssociationProxy | AssociationProxyInstance)


def get_hybrid_properties(model: Any) -> dict[str, Any]:
    """The model's hybrid properties, by attribute name."""
    return {
        key: descriptor
        for key, descriptor in _mapper(model).all_orm_descriptors.items()
        if isinstance(descriptor, hybrid_property)
    }


def is_hybrid_property(model: Any, attr_name: str) -> bool:
    """Say whether ``attr_name`` (a dotted path is followed) is a hybrid property."""
    names = attr_name.split(".")
    current = model
    for name in names[:-1]:
        attr = getattr(current, name, None)
        if not is_relationship(attr):
            return False
        current = attr.property.mapper.class_  # type: ignore[union-attr]
    return names[-1] in get_hybrid_properties(current)


def get_field_with_path(
    model: Any, name: Any, return_remote_proxy_attr: bool = True
) -> tuple[Any, list[Any]]:
    """Resolve ``"author.name"`` to ``Author.name`` and the relationships to join.

    The path holds the relationship attributes (``Post.author``) in order, so
    that the caller can join them, each once, with an alias of its own. An
    attribute object (``Author.name``) is returned as is, with its table in
    the path when it belongs to another table. An unknown name raises
    ``AttributeError``: a misspelt setting should fail at startup.
    """
    path: list[Any] = []
    if not isinstance(name, str):
        attr = name
        if isinstance(attr, orm.InstrumentedAttribute) and not is_relationship(attr):
            columns = get_columns_for_field(attr)
            if need_join(model, columns[0].table):
                path.append(columns[0].table)
        return attr, path
    current = model
    value: Any = None
    for part in name.split("."):
        value = getattr(current, part)
        if is_association_proxy(value):
            relations = [value.local_attr]
            if return_remote_proxy_attr:
                value = value.remote_attr
        else:
            relations = [value]
        for relation in relations:
            if is_relationship(relation):
                path.append(relation)
                current = relation.property.mapper.class_
    return value, path
