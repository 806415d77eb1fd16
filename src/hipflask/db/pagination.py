"""Pages of query results, with the numbers a page navigation needs.

``page`` and ``per_page`` come from the arguments, else from the request's
query string (``?page=3&per_page=50``), as in Flask-SQLAlchemy. A client
controls those, so every bad value is a 404 and never reaches the database
as an error: not a number, below one, a page past the end, or a page so far
out that its offset would overflow the database's integer. With
``error_out=False`` the first three give the default, a page past the end is
empty (as in Flask-SQLAlchemy), and an overflowing one is the first page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn

import sqlalchemy as sa

from ..contexts.globals import _current_app_or_none
from ..contexts.globals import _current_request_or_none
from ..core.helpers import abort

if TYPE_CHECKING:
    from sqlalchemy import orm

_DEFAULT_PER_PAGE = 20
# Offsets travel as signed 64-bit integers (PostgreSQL BIGINT, MySQL); a
# larger one is a database error, so it is refused before the query.
_MAX_OFFSET = 2**62


def _abort_404(message: str) -> NoReturn:
    # Through the app's aborter, as abort(404) would: an app that maps 404 to
    # its own exception (a JSON body, say) gets it here too.
    abort(404, description=message)


def _from_request(name: str) -> str | None:
    request = _current_request_or_none()
    if request is None:
        return None
    value = request.args.get(name)
    return None if value is None else str(value)


def _request_cap() -> int | None:
    app = _current_app_or_none()
    if app is None:
        return None
    cap = app.config.get("SQLALCHEMY_MAX_PER_PAGE", 100)
    return None if cap is None else int(cap)


def _as_int(raw: str | None, fallback: int, error_out: bool, name: str) -> int:
    if raw is None:
        return fallback
    try:
        return int(raw)
    except ValueError:
        pass
    if error_out:
        _abort_404(f"The {name!r} argument must be a whole number.")
    return fallback


def resolve_page_args(
    page: int | None, per_page: int | None, max_per_page: int | None, error_out: bool
) -> tuple[int, int]:
    """The page and page size to use, checked as Flask-SQLAlchemy checks them."""
    if page is None:
        page = _as_int(_from_request("page"), 1, error_out, "page")
    if per_page is None:
        per_page = _as_int(_from_request("per_page"), _DEFAULT_PER_PAGE, error_out, "per_page")
        if max_per_page is None:
            # A client asking for a million rows per page is a denial of service.
            max_per_page = _request_cap()
    if max_per_page is not None:
        per_page = min(per_page, max_per_page)
    if page < 1:
        if error_out:
            _abort_404("Pages are numbered from 1.")
        page = 1
    if per_page < 1:
        if error_out:
            _abort_404("A page holds at least one item.")
        per_page = _DEFAULT_PER_PAGE
    if (page - 1) * per_page > _MAX_OFFSET:
        if error_out:
            _abort_404("That page is past the end.")
        page = 1
    return page, per_page


class Pagination:
    """One page of results, and where it sits among all pages.

    Use :meth:`SQLAlchemy.paginate <hipflask.db.SQLAlchemy.paginate>` or
    ``Model.query.paginate()`` to get one. Iterating over it yields the
    page's items.
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
        **kwargs: Any,
    ) -> None:
        self._query_args = kwargs
        self.page, self.per_page = resolve_page_args(page, per_page, max_per_page, error_out)
        self.max_per_page = max_per_page
        self.error_out = error_out
        self.count = count
        items = self._query_items()
        if not items and self.page != 1 and error_out:
            _abort_404("That page is past the end.")
        #: The items on this page.
        self.items: list[Any] = items
        #: The number of items on all pages; ``None`` with ``count=False``.
        self.total: int | None = self._query_count() if count else None

    @property
    def _query_offset(self) -> int:
        return (self.page - 1) * self.per_page

    def _query_items(self) -> list[Any]:
        """This page's items; each pagination kind (select, legacy query) says how."""
        raise NotImplementedError  # overridden by every concrete pagination class

    def _query_count(self) -> int:
        """The total number of items; each pagination kind says how."""
        raise NotImplementedError  # overridden by every concrete pagination class

    @property
    def first(self) -> int:
        """The 1-based number of the first item on the page (0 when empty)."""
        return 0 if not self.items else self._query_offset + 1

    @property
    def last(self) -> int:
        """The 1-based number of the last item on the page (0 when empty)."""
        return 0 if not self.items else self._query_offset + len(self.items)

    @property
    def pages(self) -> int:
        """How many pages there are (0 when there are no items or no count)."""
        if not self.total or not self.per_page:
            return 0
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def prev(self, *, error_out: bool = False) -> Pagination:
        """The previous page, queried with the same arguments.

        Its ``total`` is this page's, not counted again: one count per
        request is enough, and a total set by hand (after ``count=False``)
        carries over, so the neighbour's ``pages`` and ``has_next`` hold.
        """
        return self._neighbour(self.page - 1, error_out)

    def next(self, *, error_out: bool = False) -> Pagination:
        """The next page, queried with the same arguments and this page's ``total``."""
        return self._neighbour(self.page + 1, error_out)

    def _neighbour(self, page: int, error_out: bool) -> Pagination:
        neighbour = type(self)(
            page=page,
            per_page=self.per_page,
            max_per_page=self.max_per_page,
            error_out=error_out,
            count=False,
            **self._query_args,
        )
        neighbour.total = self.total
        return neighbour

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Page numbers for a navigation bar; ``None`` marks a gap.

        The first ``left_edge`` and last ``right_edge`` pages are always
        shown, and the pages from ``left_current`` before the current one to
        ``right_current`` after it. With 20 pages on page 10:
        ``1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20``.
        """
        pages = self.pages
        shown = set(range(1, min(left_edge, pages) + 1))
        shown |= set(
            range(max(1, self.page - left_current), min(self.page + right_current, pages) + 1)
        )
        shown |= set(range(max(1, pages - right_edge + 1), pages + 1))
        previous = 0
        for number in sorted(shown):
            if number - previous > 1:
                yield None
            yield number
            previous = number
        if previous < pages:
            # Pages hidden at the end (right_edge=0, say) are a gap too.
            yield None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


class SelectPagination(Pagination):
    """A page of a 2.0-style ``select()``, from ``db.paginate()``."""

    def _query_items(self) -> list[Any]:
        select: sa.Select[Any] = self._query_args["select"]
        session: orm.Session = self._query_args["session"]
        statement = select.limit(self.per_page).offset(self._query_offset)
        return list(session.execute(statement).unique().scalars())

    def _query_count(self) -> int:
        select: sa.Select[Any] = self._query_args["select"]
        session: orm.Session = self._query_args["session"]
        counted = sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
        return int(session.execute(counted).scalar_one())


class QueryPagination(Pagination):
    """A page of a legacy ``Model.query``, from ``query.paginate()``."""

    def _query_items(self) -> list[Any]:
        query: orm.Query[Any] = self._query_args["query"]
        return query.limit(self.per_page).offset(self._query_offset).all()

    def _query_count(self) -> int:
        query: orm.Query[Any] = self._query_args["query"]
        return int(query.order_by(None).count())


__all__ = ["Pagination", "QueryPagination", "SelectPagination"]
