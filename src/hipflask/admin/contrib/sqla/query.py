"""The list view's SQL: search, filters through relationships, sorting, keys.

Conditions on related rows are written as ``EXISTS`` (``relationship.any()``
and ``.has()``) rather than joins: a post with three matching tags is still
one row, on the page and in the count. Only sorting by a related column
joins, with an outer join under an alias of its own per path.
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from ....db.keys import key_cannot_exist
from ....errors import ConfigurationError
from ....wrappers.decimals import is_out_of_range
from . import tools

#: Largest row offset asked of a database: past it, the page is empty anyway,
#: and PostgreSQL would refuse a bigint overflow with an error.
MAX_OFFSET = 2**62

#: Integers outside a signed 64-bit range are refused by every backend.
_INT64 = 2**63


def resolve_path(model: Any, path: Sequence[Any]) -> list[Any]:
    """Turn a path's tables (from a bare attribute) into relationships.

    ``FilterEqual(Author.name, ...)`` on a Post view names a column, not a way
    to reach it; the one relationship from ``model`` to that table is used.
    """
    resolved: list[Any] = []
    for step in path:
        if isinstance(step, sa.Table):
            resolved.append(_relationship_to(model, step))
        else:
            resolved.append(step)
    return resolved


def _relationship_to(model: Any, table: sa.Table) -> Any:
    mapper = sa.inspect(model).mapper
    found = [rel for rel in mapper.relationships if table in rel.mapper.tables]
    if len(found) != 1:
        raise ConfigurationError(
            f"{model.__name__} has {len(found)} relationships to table {table.name!r};"
            " name the column by its path instead, such as 'author.name'."
        )
    return getattr(model, found[0].key)


def through_path(path: Sequence[Any], condition: Any) -> Any:
    """Wrap ``condition`` on a related model in ``EXISTS`` along ``path``."""
    for step in reversed(path):
        condition = step.any(condition) if step.property.uselist else step.has(condition)
    return condition


def join_path(
    query: Any, joins: dict[tuple[str, ...], Any], path: Sequence[Any]
) -> tuple[Any, Any]:
    """Outer-join ``path`` once per query; return the query and the last alias."""
    alias: Any = None
    key: tuple[str, ...] = ()
    for step in path:
        key = (*key, step.key)
        if key not in joins:
            target = orm.aliased(step.property.mapper.class_)
            attr = step if alias is None else getattr(alias, step.key)
            query = query.outerjoin(attr.of_type(target))
            joins[key] = target
        alias = joins[key]
    return query, alias


def on_alias(column: Any, alias: Any) -> Any:
    """``column`` re-pointed at ``alias`` (``None`` keeps it on the model)."""
    return column if alias is None else getattr(alias, column.key)


def search_condition(fields: Iterable[tuple[Any, list[Any]]], term: str) -> Any:
    """Match ``term`` in any of ``fields``, case-insensitively, as a literal.

    Non-text columns are cast to text so that a number or a date can be
    searched too; the term is a bound parameter with LIKE's wildcards escaped.
    """
    if not is_storable(term):
        # No text PostgreSQL stores holds a NUL, and a parameter with one
        # fails the statement: a crafted %00 would make the page a 500.
        return sa.false()
    pattern = tools.parse_like_term(term)
    clauses = []
    for column, path in fields:
        clause = as_text(column).ilike(pattern, escape=tools.LIKE_ESCAPE)
        clauses.append(through_path(path, clause))
    return sa.or_(*clauses)


def as_text(column: Any) -> Any:
    """``column`` as text a LIKE can search: cast unless it is a text column.

    ``Enum`` counts as not text, although SQLAlchemy makes it a ``String``:
    on PostgreSQL it is a type of its own, which has no ``ILIKE`` ("operator
    does not exist"), so one searchable enum column made every search fail.
    """
    column_type = getattr(column, "type", None)
    if isinstance(column_type, sa.String) and not isinstance(column_type, sa.Enum):
        return column
    return sa.cast(column, sa.Unicode)


def _parse_temporal(kind: type[Any]) -> Callable[[str], Any]:
    return kind.fromisoformat  # type: ignore[no-any-return]


_PARSERS: dict[type[Any], Callable[[str], Any]] = {
    int: int,
    float: float,
    decimal.Decimal: decimal.Decimal,
    uuid.UUID: uuid.UUID,
    datetime.datetime: _parse_temporal(datetime.datetime),
    datetime.date: _parse_temporal(datetime.date),
    datetime.time: _parse_temporal(datetime.time),
    str: str,
}


def is_storable(value: Any) -> bool:
    """Whether every backend can hold ``value``: a 64-bit integer, a finite float, text without NUL.

    A ``Decimal`` must be finite and within the digits a client's number may
    have (:mod:`hipflask.wrappers.decimals`).

    PostgreSQL refuses a NUL in any text parameter, failing the statement
    instead of matching nothing; no browser form sends one.
    """
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, decimal.Decimal):
        # PyMySQL writes a Decimal out in full (format "f"): 1e-9999999999 is
        # ten billion zeros, and it refuses NaN and the infinities.
        return value.is_finite() and not is_out_of_range(value)
    return True


def coerce_key_part(column: sa.Column[Any], text: str) -> Any:
    """Parse one part of a key from a URL into the column's Python type.

    Raises ``ValueError`` for a value the column cannot hold, so that a
    tampered id is "not found" before the database sees it: PostgreSQL and
    MariaDB answer a malformed or out-of-range integer with an error.
    """
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return text
    parse = _PARSERS.get(python_type)
    if parse is None:
        return text
    try:
        value = parse(text)
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"{text!r} is not a valid key.") from exc
    if not is_storable(value):
        raise ValueError(f"{text!r} is out of range for a key.")
    return value


def coerce_key(model: Any, id_: Any) -> tuple[Any, ...] | None:
    """A URL's ``id`` as a tuple of key values, or ``None`` when it cannot be one."""
    columns = list(sa.inspect(model).mapper.primary_key)
    parts = tools.iterdecode(str(id_)) if not isinstance(id_, tuple) else id_
    if len(parts) != len(columns):
        return None
    try:
        return tuple(
            coerce_key_part(column, str(part)) for column, part in zip(columns, parts, strict=True)
        )
    except ValueError:
        return None


def possible_key(session: Any, model: Any, id_: Any) -> tuple[Any, ...] | None:
    """:func:`coerce_key`, and ``None`` too for a key no row can have on ``session``'s database.

    PostgreSQL's and MariaDB's ``INTEGER`` stops at 2**31 - 1 (see
    :mod:`hipflask.db.keys`): ``?id=3000000000`` names no row there, and
    PostgreSQL would answer it with "integer out of range", failing the
    transaction, where MariaDB would be asked for nothing.
    """
    key = coerce_key(model, id_)
    if key is None or key_cannot_exist(session, model, key):
        return None
    return key


def possible_keys(session: Any, model: Any, ids: Iterable[Any]) -> list[tuple[Any, ...]]:
    """The ids of ``ids`` that can name a row, as key tuples; the others are left out."""
    keys = (possible_key(session, model, id_) for id_ in ids)
    return [key for key in keys if key is not None]


def filter_by_key_tuples(query: Any, model: Any, keys: Sequence[tuple[Any, ...]]) -> Any:
    """Narrow ``query`` to the rows with these keys (from :func:`possible_keys`)."""
    names = tools.get_primary_key(model)
    if isinstance(names, tuple):
        columns = [getattr(model, name) for name in names]
        return query.filter(tools.tuple_operator_in(columns, list(keys)))
    return query.filter(getattr(model, names).in_([key[0] for key in keys]))


def filter_by_keys(query: Any, model: Any, ids: Iterable[Any]) -> Any:
    """Narrow ``query`` to the rows with these ids; ids that cannot name a row match nothing.

    Which ids can is judged on the database of ``query``'s session.
    """
    session = getattr(query, "session", None)
    return filter_by_key_tuples(query, model, possible_keys(session, model, ids))


def first_with_key(query: Any, model: Any, id_: Any) -> Any:
    """The row of ``query`` with this URL id, or ``None``.

    A ``get_query()`` ending in LIMIT/OFFSET cannot be narrowed in SQL
    (SQLAlchemy refuses to filter it); its rows, which the limit bounds, are
    then searched here.
    """
    try:
        return filter_by_keys(query, model, [id_]).first()
    except sa.exc.InvalidRequestError:
        key = coerce_key(model, id_)
        names = tools.get_primary_key(model)
        names = names if isinstance(names, tuple) else (names,)
        return next((row for row in query if tuple(getattr(row, n) for n in names) == key), None)


def paginate(query: Any, page: int | None, page_size: int | None) -> Any:
    """Apply LIMIT/OFFSET; ``None`` when the page lies past any possible row."""
    if not page_size:
        return query
    page = max(int(page or 0), 0)
    offset = page * page_size
    if offset > MAX_OFFSET:
        return None
    query = query.limit(page_size)
    return query.offset(offset) if offset else query
