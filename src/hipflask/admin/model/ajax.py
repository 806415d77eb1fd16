"""Ajax lookups for relationship fields: ``form_ajax_refs``, at Flask-Admin's path.

A select listing every row of a large table is too big to render; with
``form_ajax_refs`` the field shows only its current value, and the admin's
script asks the view's ``ajax_lookup`` page for matches as the user types.
A loader (:class:`AjaxModelLoader`) answers both sides: the matches for a
term, and the one row behind a posted id. The form trusts no id: one the
loader cannot find again is a form error, so a tampered id never reaches
the model.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

from ...contexts.globals import current_app
from ...contexts.globals import request
from ...core.helpers import abort
from ...errors import ConfigurationError
from .. import babel
from ..base import expose
from .helpers import MAX_SEARCH_WORDS
from .helpers import MAX_TERM_LENGTH
from .helpers import is_searchable

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_PAGE_SIZE", "AjaxLookupMixin", "AjaxModelLoader", "AjaxSetupError"]


class AjaxSetupError(ConfigurationError, ValueError):
    """A ``form_ajax_refs`` entry that cannot work; a ``ValueError`` as in Flask-Admin."""


#: How many matches a lookup answers when the loader sets no ``page_size``.
DEFAULT_PAGE_SIZE = 10
#: The highest ``offset`` a lookup passes on: past it no table has rows, and a
#: larger number would overflow the database's integer (an error, not a page).
MAX_LOOKUP_OFFSET = 10**9


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


class AjaxModelLoader:
    """Find rows for an ajax field; subclass it for a backend or a custom search.

    ``options`` are the settings of the ``form_ajax_refs`` entry
    (``fields``, ``page_size``, ``placeholder``, ``minimum_input_length``…);
    the widget reads ``placeholder`` and ``minimum_input_length`` from them.
    """

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name
        self.options = options

    def format(self, model: Any) -> tuple[Any, str] | None:
        """``(id, label)`` of ``model`` as the lookup answers it; ``None`` for no model."""
        raise NotImplementedError(f"{type(self).__name__} must implement format.")

    def get_one(self, pk: Any) -> Any:
        """The row whose id is ``pk`` (text from a form), or ``None``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_one.")

    def get_list(self, query: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> list[Any]:
        """The rows matching the typed ``query``, at most ``limit`` from ``offset``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_list.")


class AjaxLookupMixin:
    """``form_ajax_refs`` and the ``ajax_lookup`` page of a model view.

    Mixed into :class:`~hipflask.admin.model.BaseModelView`. The page is an
    exposed method like the others, so the view's ``is_accessible`` and
    ``_handle_view`` guard it: a user who may not open the view cannot search
    its related tables either.
    """

    form_ajax_refs: dict[str, Any] | None
    _form_ajax_refs: dict[str, AjaxModelLoader]
    can_create: bool
    can_edit: bool

    def _process_ajax_references(self) -> dict[str, AjaxModelLoader]:
        """The loaders of ``form_ajax_refs``: given ones as they are, dicts made by the backend."""
        result: dict[str, AjaxModelLoader] = {}
        for name, options in (self.form_ajax_refs or {}).items():
            if isinstance(options, AjaxModelLoader):
                result[name] = options
            elif isinstance(options, dict):
                result[name] = self._create_ajax_loader(name, options)
            else:
                raise AjaxSetupError(
                    f"{type(self).__name__}.form_ajax_refs[{name!r}] is a"
                    f" {type(options).__name__}; give a dict of options or an AjaxModelLoader."
                )
        return result

    def _create_ajax_loader(self, name: str, options: dict[str, Any]) -> AjaxModelLoader:
        """The backend's loader for the relationship ``name`` (backend contract)."""
        raise AjaxSetupError(
            f"{type(self).__name__} cannot build ajax loaders from options; give"
            " form_ajax_refs an AjaxModelLoader instead."
        )

    @expose("/ajax/lookup/")
    def ajax_lookup(self) -> Any:
        """``[[id, label], ...]`` of the rows matching ``?query=`` for the field ``?name=``.

        The answer is bounded: ``limit`` is capped at the loader's page size,
        so a crafted URL cannot dump the table in one request. A view that
        can neither create nor edit has no form to feed, and answers 403:
        the lookup would list the related table's rows to a read-only user.
        """
        loader = self._form_ajax_refs.get(request.args.get("name", ""))
        if loader is None:
            abort(404)
        if not (self.can_create or self.can_edit):
            return current_app.response_class(
                babel.gettext("Permission denied."), status=403, mimetype="text/plain"
            )
        page_size = int(loader.options.get("page_size") or DEFAULT_PAGE_SIZE)
        limit = min(max(_int_arg("limit", page_size), 1), page_size)
        offset = min(max(_int_arg("offset", 0), 0), MAX_LOOKUP_OFFSET)
        query = request.args.get("query", "")
        if len(query.split()) > MAX_SEARCH_WORDS or not is_searchable(query):
            # Each word is a LIKE on every searched field: thousands of words,
            # or one over the LIKE pattern limit, is a statement the database
            # refuses. Typing never gets there; a crafted URL is told why.
            return current_app.response_class(
                babel.gettext(
                    "The search is too long: at most %(words)s words of %(chars)s characters.",
                    words=MAX_SEARCH_WORDS,
                    chars=f"{MAX_TERM_LENGTH:,}",
                ),
                status=400,
                mimetype="text/plain",
            )
        models: Sequence[Any] = loader.get_list(query, offset, limit)
        data = [item for item in (loader.format(model) for model in models) if item is not None]
        return current_app.response_class(
            json.dumps([list(item) for item in data], default=str),
            mimetype="application/json",
        )
