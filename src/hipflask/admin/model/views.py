"""The pages of a model view: list, create, edit, details, delete, actions.

Mixed into :class:`~hipflask.admin.model.BaseModelView`, which holds the
configuration and the backend contract these pages call; the export page is
in :mod:`hipflask.admin.model.export`. Every page reads
its query string defensively: a malformed ``page``, ``sort`` or filter value
falls back to the default or is flashed, never a 500. Every state change is
a POST whose form carries the CSRF token; every ``url=`` return target goes
through :func:`~hipflask.admin.helpers.get_redirect_target`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlencode

from ...contexts.globals import request
from ...core.flashing import flash
from ...core.helpers import redirect
from .. import babel
from ..base import expose
from ..form import FormOpts
from ..form.file_changes import save_with_files
from ..helpers import flash_errors
from ..helpers import get_form_data
from ..helpers import get_redirect_target
from ..helpers import is_form_submitted
from . import template
from .export import neutralise_csv_cell as neutralise_csv_cell
from .helpers import MAX_FILTER_VALUES_LENGTH
from .helpers import MAX_SEARCH_WORDS
from .helpers import MAX_TERM_LENGTH
from .helpers import get_mdict_item_or_list
from .helpers import is_searchable

if TYPE_CHECKING:
    from wtforms import Form


__all__ = ["ModelPagesMixin", "ViewArgs", "neutralise_csv_cell"]

_LIST_ARGS = ("page", "page_size", "sort", "desc", "search")
#: The highest page number passed to a backend: ``?page=10**30`` would make
#: an SQL OFFSET no database integer holds (an error instead of an empty page).
_MAX_PAGE = 10**9
#: The most filters one list request applies. Each is a condition of one
#: WHERE clause: a crafted URL with thousands of them builds a statement the
#: database refuses (SQLite: "Expression tree is too large"), an error
#: instead of a page; nobody sets this many.
_MAX_FILTERS = 50


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return default


def _flash_token_errors(form: Any) -> None:
    """Say why a form was refused for its CSRF token (missing, expired, forged).

    The token is a hidden field, so its error would otherwise never show.
    """
    for error in form.errors.get("csrf_token", ()):
        flash(str(error), "error")


@dataclass
class ViewArgs:
    """The list page's state, read from its query string and rebuilt into links."""

    page: int = 0
    page_size: int = 0
    sort: int | None = None
    sort_desc: int | None = None
    search: str | None = None
    filters: list[tuple[int, str, Any]] | None = None
    extra_args: dict[str, Any] = field(default_factory=dict)

    def clone(self, **kwargs: Any) -> ViewArgs:
        """A copy with some values replaced."""
        return replace(self, **kwargs)


class ModelPagesMixin:
    """The exposed pages of a model view; see :class:`~hipflask.admin.model.BaseModelView`."""

    if TYPE_CHECKING:
        # The configuration and the backend contract live on BaseModelView.
        def __getattr__(self, name: str) -> Any: ...

    # -- forms for this request --------------------------------------------
    def create_form(self, obj: Any = None) -> Form:
        """The create form, filled from the submission if there is one."""
        form: Form = self._create_form_class(get_form_data(), obj=obj)
        return form

    def edit_form(self, obj: Any = None) -> Form:
        """The edit form, filled from the submission, else from ``obj``."""
        form: Form = self._edit_form_class(get_form_data(), obj=obj)
        return form

    def delete_form(self) -> Form:
        """The delete form; only a posted body is read (a token must not ride in a URL)."""
        form: Form = self._delete_form_class(request.form if is_form_submitted() else None)
        return form

    def action_form(self, obj: Any = None) -> Form:
        form: Form = self._action_form_class(get_form_data(), obj=obj)
        return form

    def list_form(self, obj: Any = None) -> Form:
        form: Form = self._list_form_class(get_form_data(), obj=obj)
        return form

    def get_list_row_actions(self) -> list[template.BaseListRowAction]:
        """The buttons of each row: view, edit, delete as allowed, then the extra ones."""
        actions: list[template.BaseListRowAction] = []
        if self.can_view_details:
            actions.append(template.ViewRowAction())
        if self.can_edit:
            actions.append(template.EditRowAction())
        if self.can_delete:
            actions.append(template.DeleteRowAction())
        return actions + list(self.column_extra_row_actions or [])

    # -- list state -----------------------------------------------------------
    def _get_list_filter_args(self) -> list[tuple[int, str, Any]] | None:
        if not self._filters or self._filter_args is None:
            return None
        found: list[tuple[str, tuple[int, str, Any]]] = []
        for arg in request.args:
            if not arg.startswith("flt") or "_" not in arg:
                continue
            position, key = arg[3:].split("_", 1)
            if key not in self._filter_args:
                continue
            index, flt = self._filter_args[key]
            value = request.args[arg]
            if len(value) > MAX_TERM_LENGTH:
                # Not echoed: the message is kept in the session cookie.
                flash(
                    babel.gettext(
                        "Filter value too long: at most %(count)s characters.",
                        count=f"{MAX_TERM_LENGTH:,}",
                    ),
                    "error",
                )
            elif flt.validate(value):
                found.append((position, (index, str(flt.name), value)))
            else:
                flash(self.get_invalid_value_msg(value, flt), "error")
        found.sort(key=lambda item: (len(item[0]), item[0]))
        if len(found) > _MAX_FILTERS:
            flash(
                babel.gettext(
                    "Too many filters: only the first %(count)s were applied.",
                    count=_MAX_FILTERS,
                ),
                "error",
            )
            del found[_MAX_FILTERS:]
        return _within_length(found)

    def _get_list_search(self) -> str | None:
        search = request.args.get("search") or None
        if search is None:
            return None
        if not is_searchable(search):
            flash(
                babel.gettext(
                    "A search word is too long (at most %(count)s characters):"
                    " the search was not applied.",
                    count=f"{MAX_TERM_LENGTH:,}",
                ),
                "error",
            )
            return None
        words = search.split()
        if len(words) <= MAX_SEARCH_WORDS:
            return search
        flash(
            babel.gettext(
                "Too many words in the search: only the first %(count)s were used.",
                count=MAX_SEARCH_WORDS,
            ),
            "error",
        )
        return " ".join(words[:MAX_SEARCH_WORDS])

    def _get_list_extra_args(self) -> ViewArgs:
        return ViewArgs(
            page=min(max(_int_arg("page", 0) or 0, 0), _MAX_PAGE),
            page_size=max(_int_arg("page_size", 0) or 0, 0),
            sort=_int_arg("sort"),
            sort_desc=_int_arg("desc"),
            search=self._get_list_search(),
            filters=self._get_list_filter_args(),
            extra_args={
                k: v
                for k, v in request.args.items()
                if k not in _LIST_ARGS and not k.startswith("flt")
            },
        )

    def _get_filters(self, filters: Any) -> dict[str, Any]:
        """The active filters as query-string arguments."""
        kwargs: dict[str, Any] = {}
        for position, (index, _name, value) in enumerate(filters or ()):
            flt = self._filters[index]
            kwargs[f"flt{position}_{self.get_filter_arg(index, flt)}"] = value
        return kwargs

    def _get_list_url(self, view_args: ViewArgs) -> str:
        kwargs: dict[str, Any] = {
            "page": view_args.page or None,
            "sort": view_args.sort,
            "desc": 1 if view_args.sort_desc else None,
            "search": view_args.search,
        }
        kwargs.update(view_args.extra_args)
        kwargs["page_size"] = self.get_safe_page_size(view_args.page_size)
        kwargs.update(self._get_filters(view_args.filters))
        return self._url_with_query(".index_view", kwargs)

    def _url_with_query(self, endpoint: str, query: dict[str, Any], **route: Any) -> str:
        """``endpoint``'s URL with ``query`` appended as the query string.

        Query values come from the request; passed to ``url_for`` as keywords,
        names such as ``endpoint`` or ``_scheme`` would clash with its own
        arguments (a 500 for ``?_scheme=x``) or change the URL's meaning.
        """
        base: str = self.get_url(endpoint, **route)
        pairs = [(k, v) for k, v in query.items() if v is not None]
        return f"{base}?{urlencode(pairs)}" if pairs else base

    def get_export_url(self, export_type: str) -> str:
        """The export link of the list as it is shown (search, sort, filters)."""
        query = {k: v for k, v in request.args.items() if k not in ("page", "page_size")}
        return self._url_with_query(".export", query, export_type=export_type)

    def _sort_column(self, view_args: ViewArgs) -> Any:
        column = self._get_column_by_idx(view_args.sort)
        if column is None or not self.is_sortable(str(column[0])):
            return None
        return column[0]

    # -- pages ------------------------------------------------------------------
    @expose("/")
    def index_view(self) -> Any:
        """The list: one page of rows, with sorting, search, filters and actions."""
        view_args = self._get_list_extra_args()
        page_size = self.get_safe_page_size(view_args.page_size)
        count, data = self.get_list(
            view_args.page,
            self._sort_column(view_args),
            bool(view_args.sort_desc),
            view_args.search,
            view_args.filters,
            page_size=page_size,
        )
        if count is not None and page_size:
            num_pages: int | None = max(math.ceil(count / page_size), 1)
        else:
            num_pages = 0 if not page_size else None
        actions, actions_confirmation = self.get_actions_list()

        def pager_url(page: int | None) -> str:
            return self._get_list_url(view_args.clone(page=page or 0))

        def sort_url(column: Any, invert: bool = False, desc: Any = None) -> str:
            if not desc and invert and not view_args.sort_desc:
                desc = 1
            return self._get_list_url(view_args.clone(sort=column, sort_desc=desc, page=0))

        def page_size_url(size: int) -> str:
            return self._get_list_url(view_args.clone(page_size=size or self.page_size, page=0))

        clear_search_url = self._get_list_url(view_args.clone(page=0, search=None, filters=None))
        return self.render(
            self.list_template,
            data=data,
            list_forms=self._get_list_forms(data),
            delete_form=self.delete_form() if self.can_delete else None,
            action_form=self.action_form() if actions else None,
            list_columns=self._list_columns,
            sortable_columns=self._sortable_columns,
            editable_columns=self.column_editable_list,
            list_row_actions=self.get_list_row_actions(),
            count=count,
            pager_url=pager_url,
            num_pages=num_pages,
            can_set_page_size=self.can_set_page_size,
            page_size_url=page_size_url,
            page=view_args.page,
            page_size=page_size,
            default_page_size=self.page_size,
            sort_column=view_args.sort,
            sort_desc=view_args.sort_desc,
            sort_url=sort_url,
            search_supported=self._search_supported,
            clear_search_url=clear_search_url,
            search=view_args.search,
            search_placeholder=self.search_placeholder(),
            filters=self._filters,
            filter_groups=self._get_filter_groups(),
            active_filters=view_args.filters,
            filter_args=self._get_filters(view_args.filters),
            actions=actions,
            actions_confirmation=actions_confirmation,
            enumerate=enumerate,
            get_pk_value=self.get_pk_value,
            get_value=self.get_list_value,
            return_url=self._get_list_url(view_args),
            extra_args=view_args.extra_args,
        )

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """The create form; on a valid post, the new record and a redirect."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_create:
            return redirect(return_url)
        form = self.create_form()
        self._validate_form_instance(self._form_create_rules, form)
        if self.validate_form(form):
            model = save_with_files(lambda: self.create_model(form))
            if model:
                flash(babel.gettext("Record was successfully created."), "success")
                return redirect(self._after_save_url(model, return_url, is_created=True))
        elif is_form_submitted():
            flash(babel.gettext("Failed to create record."), "error")
            _flash_token_errors(form)
        form_opts = FormOpts(widget_args=self.form_widget_args, form_rules=self._form_create_rules)
        return self.render(
            self.create_template, form=form, form_opts=form_opts, return_url=return_url
        )

    def _after_save_url(self, model: Any, return_url: str, is_created: bool) -> Any:
        if "_add_another" in request.form:
            return self.get_url(".create_view", url=return_url)
        if "_continue_editing" in request.form and model is not True:
            return self.get_url(".edit_view", id=self.get_pk_value(model), url=return_url)
        if "_continue_editing" in request.form:
            return return_url
        return self.get_save_return_url(model, is_created=is_created)

    def _model_from_args(self, return_url: str) -> Any:
        record_id = get_mdict_item_or_list(request.args, "id")
        if record_id is None:
            return None, None
        model = self.get_one(record_id)
        if model is None:
            flash(babel.gettext("Record does not exist."), "error")
        return record_id, model

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        """The edit form of ``?id=``; on a valid post, the saved record and a redirect."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_edit:
            return redirect(return_url)
        record_id, model = self._model_from_args(return_url)
        if model is None:
            return redirect(return_url)
        form = self.edit_form(obj=model)
        self._validate_form_instance(self._form_edit_rules, form)
        if self.validate_form(form):
            if save_with_files(lambda: self.update_model(form, model)):
                flash(babel.gettext("Record was successfully saved."), "success")
                return redirect(self._after_save_url(model, return_url, is_created=False))
        elif is_form_submitted():
            flash(babel.gettext("Failed to save record."), "error")
            _flash_token_errors(form)
        if request.method == "GET" or form.errors:
            self.on_form_prefill(form, record_id)
        form_opts = FormOpts(widget_args=self.form_widget_args, form_rules=self._form_edit_rules)
        return self.render(
            self.edit_template, model=model, form=form, form_opts=form_opts, return_url=return_url
        )

    @expose("/details/")
    def details_view(self) -> Any:
        """The read-only page of ``?id=`` (``can_view_details``)."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_view_details:
            return redirect(return_url)
        _record_id, model = self._model_from_args(return_url)
        if model is None:
            return redirect(return_url)
        return self.render(
            self.details_template,
            model=model,
            details_columns=self._details_columns,
            get_value=self.get_detail_value,
            return_url=return_url,
        )

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        """Delete the posted ``id``: POST only, with the form's CSRF token."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        if not self.can_delete:
            return redirect(return_url)
        form = self.delete_form()
        if not self.validate_form(form):
            flash_errors(form, message=babel.gettext("Failed to delete record. %(error)s"))
            return redirect(return_url)
        model = self.get_one(form.id.data)  # type: ignore[attr-defined]
        if model is None:
            flash(babel.gettext("Record does not exist."), "error")
        elif self.delete_model(model):
            flash(babel.gettext("Record was successfully deleted."), "success")
        return redirect(return_url)

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        """Run a bulk action on the selected rows (see :mod:`hipflask.admin.actions`)."""
        return self.handle_action()


def _within_length(found: list[tuple[str, tuple[int, str, Any]]]) -> list[tuple[int, str, Any]]:
    """The filters, in order, whose values fit :data:`MAX_FILTER_VALUES_LENGTH` together.

    The rest are dropped with a message, as past the count of filters.
    """
    kept: list[tuple[int, str, Any]] = []
    total = 0
    for _position, (index, name, value) in found:
        total += len(value)
        if total > MAX_FILTER_VALUES_LENGTH:
            flash(
                babel.gettext(
                    "Filter values too long: at most %(count)s characters in all were applied.",
                    count=f"{MAX_FILTER_VALUES_LENGTH:,}",
                ),
                "error",
            )
            break
        kept.append((index, name, value))
    return kept
