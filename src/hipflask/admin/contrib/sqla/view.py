"""``ModelView``: Flask-Admin's list, create, edit and delete views over SQLAlchemy.

The generic views live in :class:`hipflask.admin.model.BaseModelView`; this
class answers its backend questions (which columns, which filters, which
rows) from the model's mapper and runs them in the session it was given.
The session is looked up on every use, never kept from startup: pass the
``SQLAlchemy`` object (``ModelView(User, db)``), its scoped ``db.session``,
or any SQLAlchemy ``Session`` or ``scoped_session``.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from ....errors import ConfigurationError
from ...model.form import create_editable_list_form
from . import query as sql
from . import tools
from .ajax import create_ajax_loader
from .filters import BaseSQLAFilter
from .filters import FilterConverter
from .form import AdminModelConverter
from .form import InlineModelConverter
from .form import get_form
from .writes import ModelWrites

log = logging.getLogger(__name__)


class ModelView(ModelWrites):
    """Admin views for one SQLAlchemy model.

    ::

        admin.add_view(ModelView(User, db))

    Every setting of Flask-Admin's ``contrib.sqla.ModelView`` is read the same
    way; see ``docs/admin-sqla.rst`` for the SQLAlchemy side of each.
    """

    #: Eager-load the many-to-one relationships shown in the list.
    column_auto_select_related = True
    #: Relationships to eager-load instead of the automatic choice.
    column_select_related_list: Any = None
    #: List every relationship by default, not only many-to-one.
    column_display_all_relations = False
    #: Columns (or ``"relationship.column"`` paths) searched by the search box.
    column_searchable_list: Any = None
    #: Column names, paths or filter objects offered as list filters.
    column_filters: Any = None
    #: Builds the create and edit forms from the model.
    model_form_converter: type[AdminModelConverter] = AdminModelConverter
    #: Picks the filters for a column from its type.
    filter_converter: FilterConverter = FilterConverter()
    #: One-to-many related models edited inside this model's form.
    inline_models: Any = None
    #: Builds the inline forms of ``inline_models``.
    inline_model_form_converter: type[InlineModelConverter] = InlineModelConverter
    #: ``{column: [(value, label), ...]}`` turns a column's field into a select.
    form_choices: Any = None
    #: Types left optional even when NOT NULL (an unticked checkbox is ``False``).
    form_optional_types: tuple[type[Any], ...] = (sa.Boolean,)
    #: Leave attributes starting with ``_`` out of forms.
    ignore_hidden = True

    def __init__(
        self,
        model: Any,
        session: Any,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        static_folder: str | None = None,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        self.session = session
        self.model = model
        self._primary_key = self.scaffold_pk()
        self._search_fields: list[tuple[Any, list[Any]]] = []
        self._sortable_joins: dict[str, list[Any]] = {}
        if self.form_choices is None:
            self.form_choices = {}
        super().__init__(
            model,
            name,
            category,
            endpoint,
            url,
            static_folder,
            menu_class_name=menu_class_name,
            menu_icon_type=menu_icon_type,
            menu_icon_value=menu_icon_value,
        )
        self._auto_joins = self.scaffold_auto_joins()

    # -- session and keys ----------------------------------------------------

    def scaffold_pk(self) -> str | tuple[str, ...]:
        """The primary key's attribute name, or names for a composite key."""
        return tools.get_primary_key(self.model)

    def get_pk_value(self, model: Any) -> Any:
        """The ``id`` used in URLs: one escaped value, or the parts encoded."""
        if isinstance(self._primary_key, tuple):
            return tools.iterencode(getattr(model, name) for name in self._primary_key)
        return tools.escape(str(getattr(model, self._primary_key)))

    # -- columns -------------------------------------------------------------

    def _listable(self, prop: Any) -> bool:
        if isinstance(prop, orm.RelationshipProperty):
            return bool(self.column_display_all_relations) or prop.direction is orm.MANYTOONE
        if not isinstance(prop, orm.ColumnProperty) or len(prop.columns) != 1:
            return False
        column = prop.columns[0]
        if not isinstance(column, sa.Column):
            return False
        if column.foreign_keys:
            return False
        return bool(self.column_display_pk) or not column.primary_key

    def scaffold_list_columns(self) -> list[str]:
        """Columns shown by default: own columns, and many-to-one relationships."""
        mapper = sa.inspect(self.model).mapper
        return [prop.key for prop in mapper.attrs if self._listable(prop)]

    def scaffold_sortable_columns(self) -> dict[str, Any]:
        """Own columns, keys and foreign keys aside, sortable by default."""
        mapper = sa.inspect(self.model).mapper
        return {
            prop.key: getattr(self.model, prop.key)
            for prop in mapper.column_attrs
            if self._listable(prop)
        }

    def get_sortable_columns(self) -> dict[str, Any]:
        """``column_sortable_list`` resolved, related paths included.

        Entries are names (``"author.name"``), attributes, or ``(name, field)``
        pairs whose field may itself be a tuple of fields to sort by in turn.
        """
        self._sortable_joins = {}
        if self.column_sortable_list is None:
            return self.scaffold_sortable_columns()
        result: dict[str, Any] = {}
        for entry in self.column_sortable_list:
            if isinstance(entry, tuple):
                name, target = str(entry[0]), entry[1]
            else:
                name, target = (entry if isinstance(entry, str) else entry.key), entry
            targets = target if isinstance(target, tuple) else (target,)
            fields = []
            for item in targets:
                column, path = tools.get_field_with_path(self.model, item)
                fields.append((column, sql.resolve_path(self.model, path)))
            result[name] = fields[0][0] if len(fields) == 1 else [f for f, _ in fields]
            self._sortable_joins[name] = [p for _, p in fields] if len(fields) > 1 else fields[0][1]
        return result

    def get_column_names(self, only_columns: Any, excluded_columns: Any) -> list[tuple[str, str]]:
        """Name list columns by their path or attribute key, as sorting names them."""
        excluded = set(excluded_columns or ())
        names: list[tuple[str, str]] = []
        for column in only_columns:
            name = column if isinstance(column, str) else getattr(column, "key", str(column))
            if name in excluded:
                continue
            names.append((name, self.get_column_name(name)))
        return names

    # -- search and filters -------------------------------------------------

    def init_search(self) -> bool:
        """Resolve ``column_searchable_list``; an unknown name fails at startup."""
        self._search_fields = []
        for name in self.column_searchable_list or ():
            attr, path = tools.get_field_with_path(self.model, name)
            path = sql.resolve_path(self.model, path)
            if tools.is_relationship(attr):
                raise ConfigurationError(
                    f"column_searchable_list names the relationship {name!r}; name one of"
                    " its columns, such as 'author.name'."
                )
            self._search_fields.append((attr, path))
        return bool(self._search_fields)

    def search_placeholder(self) -> str | None:
        """The search box hint: the searched columns' labels."""
        if not self.column_searchable_list:
            return None
        labels = self.column_labels or {}
        names = [
            name if isinstance(name, str) else name.key for name in self.column_searchable_list
        ]
        return ", ".join(str(labels.get(name, name)) for name in names)

    def scaffold_filters(self, name: Any) -> list[Any] | None:
        """The filters for one ``column_filters`` entry.

        A relationship name offers a filter per column of the related model.
        Labels are Flask-Admin's (a related column is named after its table),
        so that ``named_filter_urls`` links keep working after a port.
        """
        attr, path = tools.get_field_with_path(self.model, name)
        path = sql.resolve_path(self.model, path)
        if tools.is_relationship(attr):
            related = attr.property.mapper
            found: list[Any] = []
            prefix = self.get_column_name(related.local_table.name)
            for prop in related.column_attrs:
                column = prop.columns[0]
                if column.foreign_keys or column.primary_key:
                    continue
                label = f"{prefix} / {self.get_column_name(prop.key)}"
                found.extend(
                    self._make_filters(getattr(related.class_, prop.key), label, [*path], None)
                )
            return found
        key = name if isinstance(name, str) else attr.key
        choices = (getattr(self, "column_choices", None) or {}).get(key)
        return self._make_filters(attr, self._filter_label(name, attr), path, choices) or None

    def _filter_label(self, name: Any, attr: Any) -> str:
        labels = self.column_labels or {}
        key = name if isinstance(name, str) else attr.key
        if key in labels:
            return str(labels[key])
        columns: Any = getattr(getattr(attr, "property", None), "columns", None) or [None]
        table = getattr(columns[0], "table", None)
        if isinstance(table, sa.Table) and tools.need_join(self.model, table):
            label = f"{self.get_column_name(table.name)} / {self.get_column_name(columns[0].name)}"
            if isinstance(name, str) and "." in name:
                return f"{name.split('.')[0]} / {label}"
            return label
        return self.get_column_name(key).replace(".", " / ")

    def _make_filters(self, attr: Any, label: str, path: list[Any], options: Any) -> list[Any]:
        columns = tools.get_columns_for_field(attr) if hasattr(attr, "property") else [attr]
        column = columns[0]
        kwargs = {"options": options} if options else {}
        made = self.filter_converter.convert(type(column.type).__name__, attr, label, **kwargs)
        for flt in made or ():
            if isinstance(flt, BaseSQLAFilter):
                flt.read_rows_from(self.session, self.model)
                flt.join_path = list(path)
                if path:
                    flt.key_name = ".".join([*(step.key for step in path), column.key])
        return list(made or ())

    def handle_filter(self, filter: Any) -> Any:
        """Bind a filter object given in ``column_filters`` to this model."""
        if isinstance(filter, BaseSQLAFilter):
            filter.bind(self.model)
            filter.read_rows_from(self.session, self.model)
            if not filter.join_path and isinstance(filter.column, orm.InstrumentedAttribute):
                table = getattr(filter.column.property, "columns", [None])[0]
                table = getattr(table, "table", None)
                if isinstance(table, sa.Table) and tools.need_join(self.model, table):
                    filter.join_path = sql.resolve_path(self.model, [table])
            else:
                filter.join_path = sql.resolve_path(self.model, filter.join_path)
        return filter

    # -- forms ---------------------------------------------------------------

    def scaffold_form(self) -> type[Any]:
        """The create/edit form: ``form_columns`` or every editable attribute."""
        converter = self.model_form_converter(self.session, self)
        form_class = get_form(
            self.model,
            converter,
            base_class=self.form_base_class,
            only=self.form_columns,
            exclude=self.form_excluded_columns,
            field_args=self.form_args,
            ignore_hidden=self.ignore_hidden,
            extra_fields=self.form_extra_fields,
        )
        if self.inline_models:
            form_class = self.scaffold_inline_form_models(form_class)
        return form_class

    def scaffold_inline_form_models(self, form_class: type[Any]) -> type[Any]:
        """Add a list field per ``inline_models`` entry to ``form_class``."""
        converter = self.inline_model_form_converter(self.session, self, self.model_form_converter)
        for entry in self.inline_models:
            custom = getattr(entry, "inline_converter", None)
            used = custom(self.session, self, self.model_form_converter) if custom else converter
            form_class = used.contribute(self.model, form_class, entry)
        return form_class

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> type[Any]:
        """The form behind ``column_editable_list``: those columns, and the row's key."""
        converter = self.model_form_converter(self.session, self)
        form_class = get_form(
            self.model,
            converter,
            base_class=self.form_base_class,
            only=self.column_editable_list,
            field_args=validators,
        )
        return create_editable_list_form(self.form_base_class, form_class, widget)

    def _create_ajax_loader(self, name: str, options: dict[str, Any]) -> Any:
        """The loader of a ``form_ajax_refs`` entry given as options."""
        return create_ajax_loader(self.model, self.session, name, name, options)

    def scaffold_auto_joins(self) -> list[Any]:
        """Loader options for the relationships the list shows.

        A to-one relationship is joined in; a to-many one is loaded with one
        extra ``SELECT ... IN`` so that LIMIT still counts rows of this model.
        Dynamic and write-only relationships cannot be eager-loaded and are
        skipped.
        """
        if self.column_select_related_list:
            return [self._loader_for(name) for name in self.column_select_related_list]
        if not self.column_auto_select_related:
            return []
        mapper = sa.inspect(self.model).mapper
        shown = {name for name, _ in getattr(self, "_list_columns", ())}
        options = []
        for rel in mapper.relationships:
            if rel.key in shown and rel.lazy not in ("dynamic", "write_only", "noload"):
                options.append(self._loader_for(rel.key))
        return options

    def _loader_for(self, name: Any) -> Any:
        if not isinstance(name, str):
            attr = name
            return orm.selectinload(attr) if attr.property.uselist else orm.joinedload(attr)
        option: Any = None
        current = self.model
        for part in name.split("."):
            attr = getattr(current, part)
            load = orm.selectinload if attr.property.uselist else orm.joinedload
            option = load(attr) if option is None else getattr(option, load.__name__)(attr)
            current = attr.property.mapper.class_
        return option

    # -- queries -------------------------------------------------------------

    def get_count_query(self) -> Any:
        """``SELECT count(*) FROM model``, unless only :meth:`get_query` is overridden.

        Then the rows it returns are counted, so the pager does not tell how
        many the view hides (Flask-Admin counts the whole table).
        """
        return self._session().query(sa.func.count("*")).select_from(self.model)

    def _apply_search(self, query: Any, count_query: Any, search: str) -> tuple[Any, Any]:
        for term in search.split():
            condition = sql.search_condition(self._search_fields, term)
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query

    def _apply_filters(self, query: Any, count_query: Any, filters: Any) -> tuple[Any, Any]:
        for index, _name, value in filters:
            flt = self._filter_at(index)
            if flt is None:
                continue
            try:
                if not flt.validate(value):
                    continue
                cleaned = flt.clean(value)
                if isinstance(flt, BaseSQLAFilter):
                    cleaned = flt.column_values(cleaned)
            except (ValueError, TypeError, ArithmeticError):
                continue  # a tampered value: drop the filter, as the list view does
            query = self._apply_filter(flt, query, cleaned)
            if count_query is not None:
                count_query = self._apply_filter(flt, count_query, cleaned)
        return query, count_query

    def _filter_at(self, index: Any) -> Any:
        filters = self._filters or []
        try:
            position = int(index)
        except (TypeError, ValueError):
            return None
        return filters[position] if 0 <= position < len(filters) else None

    def _apply_filter(self, flt: Any, query: Any, value: Any) -> Any:
        path = getattr(flt, "join_path", None)
        own_apply = isinstance(flt, BaseSQLAFilter) and type(flt).apply is BaseSQLAFilter.apply
        if path and own_apply:
            return query.filter(sql.through_path(path, flt.condition(flt.get_column(None), value)))
        if path:
            query, alias = sql.join_path(query, {}, path)
            return flt.apply(query, value, alias)
        return flt.apply(query, value)

    def _order_by(
        self, query: Any, joins: dict[Any, Any], column: Any, path: Any, desc: bool
    ) -> Any:
        alias = None
        if path:
            query, alias = sql.join_path(query, joins, path)
        target = sql.on_alias(column, alias)
        return query.order_by(target.desc() if desc else target.asc())

    def _apply_sorting(self, query: Any, sort_column: Any, sort_desc: bool) -> Any:
        joins: dict[Any, Any] = {}
        sortable = self._sortable_columns or {}
        if sort_column is not None and sort_column in sortable:
            field = sortable[sort_column]
            path = self._sortable_joins.get(sort_column, [])
            if isinstance(field, list):
                for item, item_path in zip(field, path, strict=False):
                    query = self._order_by(query, joins, item, item_path, sort_desc)
            else:
                query = self._order_by(query, joins, field, path, sort_desc)
        elif sort_column is None:
            for entry, desc in self._get_default_order() or ():
                attr, path = tools.get_field_with_path(self.model, entry)
                path = sql.resolve_path(self.model, path)
                query = self._order_by(query, joins, attr, path, desc)
        # The key breaks ties, so that pages do not overlap or skip rows.
        names = self._primary_key if isinstance(self._primary_key, tuple) else (self._primary_key,)
        return query.order_by(*(getattr(self.model, name) for name in names))

    def get_list(
        self,
        page: int | None,
        sort_column: Any,
        sort_desc: bool,
        search: str | None,
        filters: Any,
        page_size: int | None = None,
        execute: bool = True,
    ) -> tuple[int | None, Any]:
        """One page of rows, and how many rows match (``None`` with a simple pager).

        ``execute=False`` returns the query instead of its rows, for a subclass
        that adds to it.
        """
        query = self.get_query()
        cls, count_query = type(self), None
        narrowed_only = cls.get_count_query is ModelView.get_count_query and (
            cls.get_query is not ModelView.get_query
        )
        if not self.simple_list_pager and not narrowed_only:
            count_query = self.get_count_query()
        if search and self._search_fields:
            query, count_query = self._apply_search(query, count_query, search)
        if filters and self._filters:
            query, count_query = self._apply_filters(query, count_query, filters)
        count = count_query.scalar() if count_query is not None else None
        if narrowed_only and not self.simple_list_pager:
            count = query.order_by(None).count()
        for option in self._auto_joins:
            query = query.options(option)
        query = self._apply_sorting(query, sort_column, sort_desc)
        size = self.page_size if page_size is None else page_size
        query = sql.paginate(query, page, size)
        if query is None:
            return count, []
        return count, (query.all() if execute else query)

    def get_one(self, id: Any) -> Any:
        """The row with this URL ``id`` among those :meth:`get_query` shows, else ``None``.

        Flask-Admin reads any row by key: a view narrowed to the user's own
        rows still shows, edits and deletes another's row by its id. An id
        its key column cannot hold on this database (``3000000000`` for a
        PostgreSQL or MariaDB ``INTEGER``) is ``None`` without a query.
        """
        session = self._session()
        if sql.possible_key(session, self.model, id) is None:
            return None
        try:
            return sql.first_with_key(self.get_query(), self.model, id)
        except sa.exc.DBAPIError:
            session.rollback()
            log.warning("Looking up %s %r failed.", self.model.__name__, id, exc_info=True)
            return None
