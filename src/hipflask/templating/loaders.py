"""Finding template files: the app's folder first, then each blueprint's.

One loader serves the whole app so that a template name means the same file
wherever it is rendered from. The app's folder is searched first, so an app
can override any template a blueprint ships (``admin/index.html`` from a
reusable blueprint, say) by putting its own file at the same name. Blueprints
follow in registration order; the first match wins.

When a template is not where it should be, ``EXPLAIN_TEMPLATE_LOADING``
logs every folder that was tried and what each returned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from jinja2 import BaseLoader
from jinja2 import FileSystemLoader
from jinja2 import TemplateNotFound

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = [
    "DispatchingJinjaLoader",
    "explain_template_loading_attempts",
    "folder_loader",
]

_Source = tuple[str, "str | None", "Callable[[], bool] | None"]
# (loader, the app or blueprint it belongs to, what get_source returned),
# in the order of Flask's explain_template_loading_attempts.
_Attempt = tuple[BaseLoader, Any, "_Source | None"]


def folder_loader(scaffold: Any) -> FileSystemLoader | None:
    """A loader for an app's or blueprint's ``template_folder``, or ``None``.

    The folder is relative to the scaffold's ``root_path``, which is why an
    app or blueprint created from a package finds the ``templates`` folder
    beside its code wherever the process was started from.
    """
    folder = scaffold.template_folder
    if folder is None:
        return None
    return FileSystemLoader(os.path.join(scaffold.root_path, os.fspath(folder)))


def _loader_of(scaffold: Any) -> BaseLoader | None:
    # Flask lets an app or blueprint supply its own ``jinja_loader`` (a
    # PackageLoader, a ChoiceLoader ...); honour one when it is there.
    custom = getattr(scaffold, "jinja_loader", None)
    if custom is not None:
        return custom  # type: ignore[no-any-return]
    return folder_loader(scaffold)


class DispatchingJinjaLoader(BaseLoader):
    """The app's template loader: its own folder, then each blueprint's.

    It keeps no list of folders: blueprints registered after the
    environment was created are searched too. The cost of walking the
    blueprints is paid only on a template cache miss, because Jinja caches
    compiled templates by name.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def _iter_loaders(self) -> Iterator[tuple[Any, BaseLoader]]:
        app = self.app
        loader = _loader_of(app)
        if loader is not None:
            yield app, loader
        seen: set[int] = set()
        for blueprint in app.iter_blueprints():
            # One blueprint registered under several names has one folder.
            if id(blueprint) in seen:
                continue
            seen.add(id(blueprint))
            loader = _loader_of(blueprint)
            if loader is not None:
                yield blueprint, loader

    def get_source(self, environment: Environment, template: str) -> _Source:
        """Return the first match among the app's and the blueprints' folders."""
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _scaffold, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(self, environment: Environment, template: str) -> _Source:
        # Every loader is asked, not just up to the first match: a template
        # found twice is the usual reason the "wrong" file is rendered.
        attempts: list[_Attempt] = []
        found: _Source | None = None
        for scaffold, loader in self._iter_loaders():
            try:
                source: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            attempts.append((loader, scaffold, source))
            if found is None:
                found = source
        explain_template_loading_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def list_templates(self) -> list[str]:
        """All template names the app can render, blueprints' included."""
        names: set[str] = set()
        for _scaffold, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _describe_loader(loader: BaseLoader) -> list[str]:
    cls = type(loader)
    lines = [f"class: {cls.__module__}.{cls.__name__}"]
    searchpath = getattr(loader, "searchpath", None)
    if searchpath:
        lines.append("searchpath:")
        lines.extend(f"  - {path}" for path in searchpath)
    return lines


def _describe_scaffold(app: Any, scaffold: Any) -> str:
    if scaffold is app:
        return f"application {app.import_name!r}"
    return f"blueprint {scaffold.name!r} ({scaffold.import_name})"


def explain_template_loading_attempts(app: Any, template: str, attempts: list[_Attempt]) -> None:
    """Log where a template was looked for, and what each folder returned.

    Each attempt is ``(loader, app or blueprint, source)``, ``source`` being
    what the loader's ``get_source`` returned or ``None``, as in Flask.

    One clean match is logged at ``INFO``; no match, or several (where the
    app's folder silently shadows a blueprint's file), at ``WARNING``, so
    that the two situations worth a second look show up even when the app's
    logger is not in debug mode.
    """
    lines = [f"Locating template {template!r}:"]
    matches = 0
    for number, (loader, scaffold, source) in enumerate(attempts, start=1):
        lines.append(f"{number:5}: trying loader of {_describe_scaffold(app, scaffold)}")
        lines.extend(f"{'':7}{line}" for line in _describe_loader(loader))
        if source is None:
            lines.append(f"{'':7}-> no match")
        else:
            matches += 1
            lines.append(f"{'':7}-> found ({source[1] or '<string>'!r})")
    level = logging.INFO
    if not attempts:
        lines.append("Error: no template folder is configured on the app or any blueprint.")
        level = logging.WARNING
    elif matches == 0:
        lines.append("Error: the template could not be found.")
        lines.extend(_blueprint_hint())
        level = logging.WARNING
    elif matches > 1:
        lines.append(
            "Warning: several loaders matched; the first one above is used."
            " Put a blueprint's templates in a subfolder named after it"
            " (templates/<blueprint>/page.html) to keep names apart."
        )
        level = logging.WARNING
    app.logger.log(level, "\n".join(lines))


def _blueprint_hint() -> list[str]:
    # Imported here: the loader has no business with requests except to
    # make this one message more helpful.
    from ..contexts.globals import _cv_request

    ctx = _cv_request.get(None)
    blueprint = ctx.request.blueprint if ctx is not None else None
    if blueprint is None:
        return []
    return [
        f"  The request is handled by blueprint {blueprint!r}; template names are"
        " looked up in the app's folder first, then in every blueprint's folder,"
        " never relative to the blueprint. Check that the file is inside the"
        " blueprint's template_folder.",
    ]
