"""``BaseModelView``: the generic CRUD admin of a model, at Flask-Admin's path.

The class is split in two halves along Flask-Admin's contract. This module
holds the configuration users set (``column_list``, ``form_args``…), the
caches built from it, the hooks, and the **backend contract**: the methods a
data backend implements (``get_pk_value``, ``scaffold_list_columns``,
``scaffold_sortable_columns``, ``init_search``, ``scaffold_filters``,
``is_valid_filter``, ``scaffold_form``, ``scaffold_list_form``, ``get_list``,
``get_one``, ``create_model``, ``update_model``, ``delete_model``), with
Flask-Admin 2's names and signatures so a backend written for Flask-Admin
plugs in unchanged. Column labels and cell values are in
:mod:`hipflask.admin.model.columns`; the pages themselves (list, create, edit,
details, delete, actions) in :mod:`hipflask.admin.model.views`, and the
export in :mod:`hipflask.admin.model.export`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from wtforms import Form
from wtforms import ValidationError
from wtforms.fields import HiddenField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired

from ...contexts.globals import current_app
from ...core.flashing import flash
from .. import babel
from ..actions import ActionsMixin
from ..base import BaseView
from ..form import BaseForm
from ..form import rules
from ..helpers import get_redirect_target
from ..helpers import validate_form_on_submit
from . import typefmt
from .ajax import AjaxLookupMixin
from .columns import ColumnsMixin
from .editable import EditableListMixin
from .export import ExportMixin
from .filters import BaseFilter
from .views import ModelPagesMixin
from .views import ViewArgs

if TYPE_CHECKING:
    from ...core.blueprints import Blueprint
    from ..base import Admin

__all__ = ["BaseModelView", "FilterGroup", "ViewArgs"]

_FILTER_NAME_JUNK = re.compile(r"[^a-z0-9 ]")
_FILTER_NAME_SPACES = re.compile(r"\s+")

Filter = tuple[int, str, Any]


class FilterGroup:
    """The filters of one column, as the list page groups them."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.filters: list[dict[str, Any]] = []

    def append(self, filter: dict[str, Any]) -> None:
        self.filters.append(filter)

    def non_lazy(self) -> tuple[str, list[dict[str, Any]]]:
        """The label and filters with every text made a plain string."""
        filters = []
        for item in self.filters:
            copy = dict(item, operation=str(item["operation"]))
            if copy.get("options"):
                copy["options"] = [(key, str(label)) for key, label in copy["options"]]
            filters.append(copy)
        return str(self.label), filters

    def __iter__(self) -> Any:
        return iter(self.filters)


class BaseModelView(
    BaseView,
    ActionsMixin,
    ColumnsMixin,
    ModelPagesMixin,
    ExportMixin,
    AjaxLookupMixin,
    EditableListMixin,
):
    """A list, create, edit, details and delete admin for one model.

    Subclass it per backend (``hipflask.admin.contrib.sqla.ModelView``), then
    per model, setting the class attributes below.
    """

    # -- permissions ----------------------------------------------------
    can_create = True
    can_edit = True
    can_delete = True
    can_view_details = False
    can_export = False

    # -- templates --------------------------------------------------------
    list_template = "admin/model/list.html"
    edit_template = "admin/model/edit.html"
    create_template = "admin/model/create.html"
    details_template = "admin/model/details.html"
    edit_modal_template = "admin/model/modals/edit.html"
    create_modal_template = "admin/model/modals/create.html"
    details_modal_template = "admin/model/modals/details.html"
    #: Accepted for Flask-Admin code; the forms open as ordinary pages.
    edit_modal = False
    create_modal = False
    details_modal = False

    # -- list -----------------------------------------------------------
    column_list: Sequence[Any] | None = None
    column_exclude_list: Sequence[str] | None = None
    column_details_list: Sequence[Any] | None = None
    column_details_exclude_list: Sequence[str] | None = None
    column_export_list: Sequence[Any] | None = None
    column_export_exclude_list: Sequence[str] | None = None
    column_formatters: dict[str, Callable[..., Any]] | None = None
    column_formatters_export: dict[str, Callable[..., Any]] | None = None
    column_formatters_detail: dict[str, Callable[..., Any]] | None = None
    column_type_formatters: dict[Any, Callable[..., Any]] | None = None
    column_type_formatters_export: dict[Any, Callable[..., Any]] | None = None
    column_type_formatters_detail: dict[Any, Callable[..., Any]] | None = None
    column_labels: dict[str, str] | None = None
    column_descriptions: dict[str, str] | None = None
    column_sortable_list: Sequence[Any] | None = None
    column_default_sort: Any = None
    column_searchable_list: Sequence[Any] | None = None
    column_editable_list: Sequence[Any] | None = None
    column_choices: dict[str, Sequence[tuple[Any, str]]] | None = None
    column_filters: Sequence[Any] | None = None
    named_filter_urls = False
    column_display_pk = False
    column_display_actions = True
    column_extra_row_actions: list[Any] | None = None
    simple_list_pager = False

    # -- forms ----------------------------------------------------------
    form: type[Form] | None = None
    #: CSRF-protected by default (see :mod:`hipflask.admin.form`).
    form_base_class: ClassVar[type[Form]] = BaseForm
    form_args: dict[str, dict[str, Any]] | None = None
    form_columns: Sequence[Any] | None = None
    form_excluded_columns: Sequence[str] | None = None
    form_overrides: dict[str, Any] | None = None
    form_widget_args: dict[str, dict[str, Any]] | None = None
    form_extra_fields: dict[str, Any] | None = None
    form_ajax_refs: dict[str, Any] | None = None
    form_rules: Sequence[Any] | None = None
    form_edit_rules: Sequence[Any] | None = None
    form_create_rules: Sequence[Any] | None = None

    # -- actions, export, pages -----------------------------------------
    action_disallowed_list: Sequence[str] = ()
    export_max_rows = 0
    export_types: ClassVar[list[str]] = ["csv"]
    page_size = 20
    can_set_page_size = False
    page_size_options: tuple[int, ...] = (20, 50, 100)

    def __init__(
        self,
        model: Any,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        static_folder: str | None = None,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        self.model = model
        if name is None:
            name = self._prettify_class_name(model.__name__)
        super().__init__(
            name,
            category,
            endpoint,
            url,
            static_folder,
            menu_class_name=menu_class_name,
            menu_icon_type=menu_icon_type,
            menu_icon_value=menu_icon_value,
        )
        self.init_actions()
        self._refresh_cache()
        if self.can_set_page_size and self.page_size not in self.page_size_options:
            raise ValueError(
                f"{type(self).__name__}.page_size={self.page_size} is not one of"
                f" page_size_options={self.page_size_options}; add it there."
            )

    def create_blueprint(self, admin: Admin) -> Blueprint:
        """Register the pages; an export format whose writer is missing fails here."""
        self._check_export_types()
        return super().create_blueprint(admin)

    def _get_endpoint(self, endpoint: str | None) -> str:
        if endpoint:
            return endpoint
        return str(self.model.__name__).lower()

    # -- caches ---------------------------------------------------------
    def _refresh_forms_cache(self) -> None:
        self._form_ajax_refs = self._process_ajax_references()
        if self.form_widget_args is None:
            self.form_widget_args = {}
        self._create_form_class = self.get_create_form()
        self._edit_form_class = self.get_edit_form()
        self._delete_form_class = self.get_delete_form()
        self._action_form_class = self.get_action_form()
        if self.column_editable_list:
            self._list_form_class = self.get_list_form()
        else:
            self.column_editable_list = []

    def _refresh_filters_cache(self) -> None:
        self._filters = self.get_filters()
        self._filter_groups: dict[str, list[dict[str, Any]]] | None = None
        self._filter_args: dict[str, tuple[int, BaseFilter]] | None = None
        if not self._filters:
            return
        self._filter_groups = {}
        self._filter_args = {}
        for index, flt in enumerate(self._filters):
            arg = self.get_filter_arg(index, flt)
            self._filter_groups.setdefault(str(flt.name), []).append(
                {
                    "index": index,
                    "arg": arg,
                    "operation": str(flt.operation()),
                    "options": flt.get_options(self) or None,
                    "type": flt.data_type,
                }
            )
            self._filter_args[arg] = (index, flt)

    def _refresh_form_rules_cache(self) -> None:
        shared = rules.RuleSet(self, self.form_rules) if self.form_rules else None
        self._form_create_rules = (
            rules.RuleSet(self, self.form_create_rules) if self.form_create_rules else shared
        )
        self._form_edit_rules = (
            rules.RuleSet(self, self.form_edit_rules) if self.form_edit_rules else shared
        )

    def _refresh_cache(self) -> None:
        """Build the column, form, filter and rule caches from the class settings."""
        self._list_columns = self.get_list_columns()
        self._sortable_columns = self.get_sortable_columns()
        if self.can_view_details:
            self._details_columns = self.get_details_columns()
        self._export_columns = self.get_export_columns()
        if self.column_labels is None:
            self.column_labels = {}
        self._refresh_forms_cache()
        self._search_supported = self.init_search()
        self.column_choices = self.column_choices or {}
        self._column_choices_map = {
            column: dict(choices) for column, choices in self.column_choices.items()
        }
        if self.column_formatters is None:
            self.column_formatters = {}
        if self.column_formatters_export is None:
            self.column_formatters_export = self.column_formatters
        if self.column_formatters_detail is None:
            self.column_formatters_detail = self.column_formatters
        if self.column_type_formatters is None:
            self.column_type_formatters = dict(typefmt.BASE_FORMATTERS)
        if self.column_type_formatters_export is None:
            self.column_type_formatters_export = dict(typefmt.EXPORT_FORMATTERS)
        if self.column_type_formatters_detail is None:
            self.column_type_formatters_detail = dict(typefmt.DETAIL_FORMATTERS)
        if self.column_descriptions is None:
            self.column_descriptions = {}
        self._refresh_filters_cache()
        self._refresh_form_rules_cache()
        self._validate_form_class(self._form_edit_rules, self._edit_form_class)
        self._validate_form_class(self._form_create_rules, self._create_form_class)

    # -- backend contract: columns ---------------------------------------
    def get_pk_value(self, model: Any) -> Any:
        """The primary key of ``model`` (backend contract)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_pk_value.")

    def scaffold_list_columns(self) -> list[str]:
        """The model's column names, used when ``column_list`` is not set (backend contract)."""
        raise NotImplementedError(f"{type(self).__name__} must implement scaffold_list_columns.")

    def scaffold_sortable_columns(self) -> dict[Any, Any]:
        """``{column name: sort key}`` for sortable columns (backend contract)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement scaffold_sortable_columns."
        )

    def init_search(self) -> bool:
        """Prepare search over ``column_searchable_list``; ``False`` hides the search box."""
        return False

    def search_placeholder(self) -> str | None:
        """The search box's placeholder text."""
        return None

    def scaffold_filters(self, name: Any) -> list[BaseFilter] | None:
        """Filters for the column ``name`` of ``column_filters`` (backend contract)."""
        return None

    def is_valid_filter(self, filter: Any) -> bool:
        """Whether an entry of ``column_filters`` is a ready filter object."""
        return isinstance(filter, BaseFilter)

    def handle_filter(self, filter: BaseFilter) -> BaseFilter:
        """Prepare a filter object given in ``column_filters`` (joins, say)."""
        return filter

    def scaffold_form(self) -> type[Form]:
        """The model's form class, used when ``form`` is not set (backend contract)."""
        raise NotImplementedError(f"{type(self).__name__} must implement scaffold_form.")

    def scaffold_list_form(
        self, widget: Any = None, validators: dict[str, Any] | None = None
    ) -> type[Form]:
        """The in-list editing form of ``column_editable_list`` (backend contract)."""
        raise NotImplementedError(f"{type(self).__name__} must implement scaffold_list_form.")

    # -- backend contract: data --------------------------------------------
    def get_list(
        self,
        page: int | None,
        sort_field: Any,
        sort_desc: bool,
        search: str | None,
        filters: Sequence[Filter] | None,
        page_size: int | None = None,
    ) -> tuple[int | None, list[Any]]:
        """``(total count, models of the page)`` (backend contract).

        ``page`` counts from 0; ``filters`` are ``(index, name, value)``
        with ``index`` into ``self._filters``; ``page_size`` 0 means no limit.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement get_list.")

    def get_one(self, id: Any) -> Any:
        """The model whose primary key is ``id`` (text from the URL), or ``None``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_one.")

    def create_model(self, form: Form) -> Any:
        """Create a model from ``form``; return it, or a false value on failure."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_model.")

    def update_model(self, form: Form, model: Any) -> Any:
        """Update ``model`` from ``form``; return a true value on success."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_model.")

    def delete_model(self, model: Any) -> Any:
        """Delete ``model``; return a true value on success."""
        raise NotImplementedError(f"{type(self).__name__} must implement delete_model.")

    def get_safe_page_size(self, page_size: int | None) -> int:
        """``page_size`` if the user may choose it and it is offered, else the view's."""
        if self.can_set_page_size and page_size in self.page_size_options:
            return int(page_size or 0)
        return self.page_size

    # -- filters ----------------------------------------------------------
    def get_filters(self) -> list[BaseFilter] | None:
        """The filter objects of ``column_filters``, scaffolded by the backend for names."""
        if not self.column_filters:
            return None
        collection: list[BaseFilter] = []
        for entry in self.column_filters:
            if self.is_valid_filter(entry):
                collection.append(self.handle_filter(entry))
                continue
            scaffolded = self.scaffold_filters(entry)
            if not scaffolded:
                raise TypeError(
                    f"{type(self).__name__}.column_filters: no filter for {entry!r};"
                    " name a filterable column or give a filter object."
                )
            collection.extend(scaffolded)
        return collection

    def get_filter_arg(self, index: int, flt: BaseFilter) -> str:
        """The filter's name in URLs: its index, or a slug with ``named_filter_urls``."""
        if not self.named_filter_urls:
            return str(index)
        name = f"{flt.name} {flt.operation()}".lower()
        return _FILTER_NAME_SPACES.sub("_", _FILTER_NAME_JUNK.sub("", name))

    def _get_filter_groups(self) -> dict[str, list[dict[str, Any]]] | None:
        return self._filter_groups

    def get_invalid_value_msg(self, value: str, filter: BaseFilter) -> str:
        return babel.gettext("Invalid Filter Value: %(value)s", value=value)

    # -- forms --------------------------------------------------------------
    def get_form(self) -> type[Form]:
        """``form`` if set, else the backend's scaffolded form."""
        if self.form is not None:
            return self.form
        return self.scaffold_form()

    def get_list_form(self) -> type[Form]:
        """The in-list editing form, with only the validators of ``form_args``."""
        validators = {
            key: {"validators": value["validators"]}
            for key, value in (self.form_args or {}).items()
            if value.get("validators")
        }
        return self.scaffold_list_form(validators=validators or None)

    def get_create_form(self) -> type[Form]:
        return self.get_form()

    def get_edit_form(self) -> type[Form]:
        return self.get_form()

    def get_delete_form(self) -> type[Form]:
        """The delete button's form: the row id, the return URL, the CSRF token."""

        class DeleteForm(self.form_base_class):  # type: ignore[name-defined,misc]
            id = HiddenField(validators=[InputRequired()])
            url = HiddenField()

        return DeleteForm

    def get_action_form(self) -> type[Form]:
        """The actions form: the action name, the return URL, the CSRF token.

        The row ids are read with ``request.form.getlist('rowid')``.
        """

        class ActionForm(self.form_base_class):  # type: ignore[name-defined,misc]
            action = HiddenField()
            url = HiddenField()

        return ActionForm

    def validate_form(self, form: Form) -> bool:
        """Whether ``form`` was submitted and is valid (its CSRF token included)."""
        return validate_form_on_submit(form)

    def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
        """Where to go after a save: the safe ``url=`` target, else the list."""
        return get_redirect_target() or self.get_url(".index_view")

    def _validate_form_class(
        self, ruleset: Any, form_class: type[Form], remove_missing: bool = True
    ) -> None:
        """Drop the form fields no rule shows, so they cannot be posted either."""
        if not ruleset or not remove_missing:
            return
        visible = ruleset.visible_fields
        for name, value in list(vars(form_class).items()):
            if isinstance(value, UnboundField) and name not in visible:
                delattr(form_class, name)

    def _validate_form_instance(
        self, ruleset: Any, form: Form, remove_missing: bool = True
    ) -> None:
        """Drop the bound fields no rule shows (fields added after scaffolding)."""
        if not ruleset or not remove_missing:
            return
        visible = ruleset.visible_fields
        for field in list(form):
            if field.name not in visible and field.name != "csrf_token":
                del form[field.name]

    # -- hooks --------------------------------------------------------------
    def on_model_change(self, form: Form, model: Any, is_created: bool) -> None:
        """Before a created or edited model is saved; raise ``ValidationError`` to refuse."""

    def _on_model_change(self, form: Form, model: Any, is_created: bool) -> None:
        self.on_model_change(form, model, is_created)

    def after_model_change(self, form: Form, model: Any, is_created: bool) -> None:
        """After a created or edited model was saved."""

    def on_model_delete(self, model: Any) -> None:
        """Before a model is deleted; raise ``ValidationError`` to refuse."""

    def after_model_delete(self, model: Any) -> None:
        """After a model was deleted."""

    def on_form_prefill(self, form: Form, id: Any) -> None:
        """After the edit form was filled from the model, before it is shown."""

    def handle_view_exception(self, exc: Exception) -> bool:
        """Whether a backend error was handled (flashed); ``False`` lets it propagate.

        A ``ValidationError`` from a hook is flashed. Other errors propagate in
        debug mode or with ``FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION``; otherwise
        the backend flashes a generic message and the view carries on.
        """
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        if current_app.config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION") or self._debug:
            raise exc
        return False

    # -- actions ------------------------------------------------------------
    def is_action_allowed(self, name: str) -> bool:
        """Actions named in ``action_disallowed_list`` are neither offered nor run."""
        if name == "delete" and not self.can_delete:
            return False
        return name not in self.action_disallowed_list
