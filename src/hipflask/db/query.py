"""``Model.query``: SQLAlchemy's legacy query with Flask-SQLAlchemy's helpers.

Tutorials write ``User.query.filter_by(...).first_or_404()``; new code can
use ``db.session.execute(db.select(User))`` and ``db.get_or_404``. Both
work, on the same session.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import exc
from sqlalchemy import orm

from ..core.helpers import abort
from .keys import key_cannot_exist
from .pagination import Pagination
from .pagination import QueryPagination


class Query(orm.Query[Any]):
    """A query whose misses can become 404 responses."""

    def __init__(self, entities: Any, session: Any = None) -> None:
        super().__init__(entities, session)
        # filter(), options(), with_for_update()... return a copy made
        # without __init__, which carries this reference to the original:
        # only a query as it was made refers to itself.
        self._hipflask_made = weakref.ref(self)

    def _model_as_made(self) -> Any:
        """The model of a query of one whole model with nothing added, else ``None``."""
        made = getattr(self, "_hipflask_made", None)
        if made is None or made() is not self or self.whereclause is not None:
            return None
        descriptions = self.column_descriptions
        if len(descriptions) != 1 or descriptions[0]["expr"] is not descriptions[0]["entity"]:
            return None
        return descriptions[0]["entity"]

    def get(self, ident: Any) -> Any:
        """The row with primary key ``ident``, or ``None``.

        ``Model.query.get(id)`` goes through :meth:`Session.get
        <sqlalchemy.orm.Session.get>`, the supported spelling in SQLAlchemy
        2, so the tutorials' ``query.get`` gives the same object, from the
        identity map when loaded, without a legacy-API warning. A query with
        anything added (a filter, a dynamic relationship's parent, options,
        ``with_for_update()``) is SQLAlchemy's own ``Query.get``: it refuses
        criteria rather than return a row they exclude, and honours the rest.
        """
        model = self._model_as_made()
        if model is None:
            return super().get(ident)
        return self.session.get(model, ident)

    def get_or_404(self, ident: Any, description: str | None = None) -> Any:
        """Like :meth:`get`, but a missing row is a 404.

        As with ``db.get_or_404``, an integer key its column cannot store is
        a 404 without a query (see :mod:`hipflask.db.keys`).
        """
        model = self._model_as_made()
        if model is not None and key_cannot_exist(self.session, model, ident):
            abort(404, description=description)
        rv = self.get(ident)
        if rv is None:
            abort(404, description=description)
        return rv

    def first_or_404(self, description: str | None = None) -> Any:
        """Like ``first()``, but no row is a 404."""
        rv = self.first()
        if rv is None:
            abort(404, description=description)
        return rv

    def one_or_404(self, description: str | None = None) -> Any:
        """Like ``one()``, but no row (or more than one) is a 404."""
        try:
            return self.one()
        except (exc.NoResultFound, exc.MultipleResultsFound):
            pass
        abort(404, description=description)

    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of the results; see :class:`~hipflask.db.pagination.Pagination`."""
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )


__all__ = ["Query"]
