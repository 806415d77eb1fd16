"""The app's template methods: its Jinja environment and what is registered in it.

A mixin of :class:`~hipflask.core.app.Hipflask` only, kept apart so the app
module stays within its size: the environment made on first use, Flask's
override points for autoescaping and the template context, and the
``template_filter``/``template_test``/``template_global`` registrations.
Rendering itself lives in :mod:`hipflask.templating`, a layer below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

from ..templating.environment import Environment
from ..wrappers.lazy import lazy_attribute
from .methods import overridable
from .scaffold import Scaffold
from .scaffold import registering
from .scaffold import setupmethod

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["TemplateMethods"]


class TemplateMethods(Scaffold):
    """Flask's template methods of the app (a base of :class:`~hipflask.core.app.Hipflask`)."""

    jinja_options: dict[str, Any] = {}  # noqa: RUF012 - Flask's documented class attribute
    #: The class of ``jinja_env``; a subclass may name its own.
    jinja_environment: type[Environment] = Environment

    @lazy_attribute
    def jinja_env(self) -> Any:
        """The Jinja environment, created on first use (then a plain attribute read)."""
        return self.create_jinja_environment()

    @overridable
    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether a template is autoescaped: by default ``.html``, ``.htm``, ``.xml``,
        ``.xhtml`` and ``.svg`` files, and templates rendered from strings."""
        from ..templating.environment import select_jinja_autoescape

        return select_jinja_autoescape(filename)

    @overridable
    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add ``request``, ``g`` and the context processors' values to ``context``.

        Values already in ``context`` are kept. Override it to change what
        every template sees; rendering calls the override.
        """
        from ..templating.render import update_template_context

        update_template_context(self, context)

    def create_jinja_environment(self) -> Any:
        """Create the Jinja environment with the app's loader, globals and filters."""
        from ..templating.environment import create_environment
        from .flashing import get_flashed_messages

        env = create_environment(self)
        # Flashing lives in the core, a layer above templating, so the core
        # adds its template global rather than templating reaching up for it.
        env.globals["get_flashed_messages"] = get_flashed_messages
        return env

    def create_global_jinja_loader(self) -> Any:
        """The loader of ``jinja_env``: the app's templates, then each blueprint's.

        Override it to load every template from elsewhere; to change only the
        app's own folder, set ``jinja_loader`` instead.
        """
        from ..templating.loaders import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    @setupmethod
    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template filter: ``@app.template_filter()``."""
        return registering(self.add_template_filter, name)

    @setupmethod
    def add_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template test: ``@app.template_test()``."""
        return registering(self.add_template_test, name)

    @setupmethod
    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register a template global: ``@app.template_global()``."""
        return registering(self.add_template_global, name)

    @setupmethod
    def add_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f
