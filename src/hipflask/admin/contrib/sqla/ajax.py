"""The SQLAlchemy loader of ``form_ajax_refs``, at Flask-Admin's path.

``form_ajax_refs = {"author": {"fields": ("name", "email")}}`` makes the
``author`` select search ``Author.name`` and ``Author.email`` as the user
types. The search is the list's search: each word must match one of the
fields, case-insensitively, with the user's ``%`` and ``_`` taken literally
(a bound parameter, never SQL). ``filters`` narrow the rows offered, and the
same narrowed query checks every posted id, so a row the lookup would not
offer cannot be chosen by editing the form either.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from ...model.ajax import DEFAULT_PAGE_SIZE
from ...model.ajax import MAX_LOOKUP_OFFSET
from ...model.ajax import AjaxModelLoader
from ...model.ajax import AjaxSetupError
from . import query as sql
from . import tools
from .validators import resolve_session

__all__ = ["QueryAjaxModelLoader", "create_ajax_loader"]

log = logging.getLogger(__name__)


class QueryAjaxModelLoader(AjaxModelLoader):
    """Search ``model`` for an ajax field.

    Options: ``fields`` (names, ``"relation.column"`` paths or attributes;
    required), ``filters`` (SQL conditions: text as in Flask-Admin, such as
    ``"active = 1"`` on the model's table, or SQLAlchemy expressions),
    ``order_by``, ``page_size``, ``placeholder``, ``minimum_input_length``.
    Override :meth:`get_query` to narrow the rows further (per user, say):
    both the lookup and the check of posted ids go through it.
    """

    def __init__(self, name: str, session: Any, model: Any, **options: Any) -> None:
        super().__init__(name, options)
        self.session = session
        self.model = model
        self.fields = options.get("fields")
        self.order_by = options.get("order_by")
        self.filters = options.get("filters")
        self.page_size = int(options.get("page_size") or DEFAULT_PAGE_SIZE)
        #: The key's attribute name, or names for a composite key (encoded in ids).
        self.pk = tools.get_primary_key(model)
        if not self.fields:
            raise AjaxSetupError(
                f"form_ajax_refs[{name!r}] needs 'fields': the columns of"
                f" {model.__name__} to search, such as {{'fields': ('name',)}}."
            )
        self._search_fields = self._process_fields()

    def _process_fields(self) -> list[tuple[Any, list[Any]]]:
        found = []
        for field in self.fields or ():
            try:
                attr, path = tools.get_field_with_path(self.model, field)
            except AttributeError as exc:
                raise AjaxSetupError(
                    f"form_ajax_refs[{self.name!r}]: {self.model.__name__} has no field {field!r}."
                ) from exc
            found.append((attr, sql.resolve_path(self.model, path)))
        return found

    def _session(self) -> Any:
        return resolve_session(self.session)

    def format(self, model: Any) -> tuple[Any, str] | None:
        if model is None:
            return None
        if isinstance(self.pk, tuple):
            pk = tools.iterencode(getattr(model, name) for name in self.pk)
            return pk, tools.row_label(model)
        return getattr(model, self.pk), tools.row_label(model)

    def get_query(self) -> Any:
        """Every row of the model; override to narrow what may be chosen."""
        return self._session().query(self.model)

    def _offered(self) -> Any:
        """:meth:`get_query` narrowed by ``filters``: the rows the field may hold."""
        query = self.get_query()
        table = sa.inspect(self.model).local_table.name
        for condition in self.filters or ():
            if isinstance(condition, str):
                condition = sa.text(f"{table}.{condition}")
            query = query.filter(condition)
        return query

    def get_one(self, pk: Any) -> Any:
        """The offered row with key ``pk``; ``None`` for a malformed, unknown or filtered-out id.

        An id the key column cannot hold on this database is ``None`` without a query.
        """
        session = self._session()
        if sql.possible_key(session, self.model, pk) is None:
            return None
        try:
            with session.no_autoflush:
                return sql.filter_by_keys(self._offered(), self.model, [pk]).first()
        except sa.exc.DBAPIError:
            session.rollback()
            log.warning("Looking up %s %r failed.", self.model.__name__, pk, exc_info=True)
            return None

    def _ordered(self, query: Any) -> Any:
        orders = self.order_by
        if orders is None:
            orders = ()
        elif isinstance(orders, str) or not isinstance(orders, (list, tuple)):
            orders = (orders,)
        for order in orders:
            query = query.order_by(getattr(self.model, order) if isinstance(order, str) else order)
        # The key last, so that pages of equal names do not overlap.
        for column in sa.inspect(self.model).mapper.primary_key:
            query = query.order_by(column)
        return query

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> list[Any]:
        """The offered rows matching every word of ``term``, ordered, one page of them."""
        query = self._offered()
        for word in (term or "").split():
            query = query.filter(sql.search_condition(self._search_fields, word))
        limit = min(max(int(limit or self.page_size), 1), self.page_size)
        offset = min(max(int(offset or 0), 0), MAX_LOOKUP_OFFSET)
        query = self._ordered(query).limit(limit)
        return list(query.offset(offset).all() if offset else query.all())


def create_ajax_loader(
    model: Any, session: Any, name: str, field_name: str, options: dict[str, Any]
) -> QueryAjaxModelLoader:
    """The loader of the relationship ``field_name``: it searches the related model."""
    attr = getattr(model, field_name, None)
    if attr is None:
        raise AjaxSetupError(
            f"form_ajax_refs names {field_name!r}, which {model.__name__} does not have."
        )
    if tools.is_association_proxy(attr):
        attr = getattr(attr, "remote_attr", attr)
    if not tools.is_relationship(attr):
        raise AjaxSetupError(
            f"form_ajax_refs names {model.__name__}.{field_name}, which is not a relationship."
        )
    remote_model = attr.property.mapper.class_
    return QueryAjaxModelLoader(name, session, remote_model, **options)
