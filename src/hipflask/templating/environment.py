"""The app's Jinja environment: ``app.jinja_env``.

Created on first use by :attr:`Hipflask.jinja_env <hipflask.Hipflask.jinja_env>`,
from the app's settings:

* autoescaping for HTML-like templates (``.html .htm .xml .xhtml .svg``) and
  for templates rendered from strings, so that a value reaching a page is
  escaped unless someone marked it safe on purpose;
* ``auto_reload`` from ``TEMPLATES_AUTO_RELOAD``, following ``app.debug``
  when that is ``None``;
* whatever the app class puts in ``jinja_options`` (extensions, undefined
  handling, ...), which wins over both;
* the globals every template may use: ``url_for``, ``config``, ``request``,
  ``session``, ``g`` and ``csp_nonce`` (the app adds ``get_flashed_messages``);
* ``|tojson`` serialising with the app's JSON provider.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from collections.abc import MutableMapping
from typing import TYPE_CHECKING
from typing import Any

import jinja2
from jinja2.utils import LRUCache

from ..contexts import globals as _globals
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..json.provider import DefaultJSONProvider
from ..security.headers import make_nonce
from .loaders import DispatchingJinjaLoader
from .namecache import TrackedLRUCache

if TYPE_CHECKING:
    import jinja2.ext

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = [
    "AUTOESCAPE_EXTENSIONS",
    "Environment",
    "ProcessorChains",
    "create_environment",
    "csp_nonce",
    "select_jinja_autoescape",
]

#: Template name endings that are autoescaped (compared case-insensitively).
AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml", ".xhtml", ".svg")

# Templates compiled from strings, kept per environment. Compiling costs far
# more than rendering; the bound keeps an app that builds template source
# dynamically from growing without limit.
_STRING_CACHE_SIZE = 256

# Template names whose autoescaping is remembered (see _remembered_autoescape).
_AUTOESCAPE_CACHE_SIZE = 512


def select_jinja_autoescape(template_name: str | None) -> bool:
    """Whether a template is autoescaped, from its name.

    A template without a name came from a string: it is escaped, because
    there is no file extension to say it is not HTML. The comparison
    ignores case, so ``PAGE.HTML`` is not a way around escaping.
    """
    if template_name is None:
        return True
    return template_name.lower().endswith(AUTOESCAPE_EXTENSIONS)


# Jinja asks the environment's ``autoescape`` on every render (and every
# include), with the template's name; the answer depends on the name alone,
# so the default choice is looked up once per name, in C, after the first.
_remembered_autoescape = functools.lru_cache(maxsize=_AUTOESCAPE_CACHE_SIZE)(
    select_jinja_autoescape
)


class Environment(jinja2.Environment):
    """A Jinja environment that knows its app.

    Besides the app, it holds caches that keep per-render work small: the
    context processors that apply to each blueprint chain, the templates
    compiled from strings by :func:`~hipflask.render_template_string`, and
    the templates already loaded, by name (see :meth:`get_or_select_template`).
    """

    def __init__(self, app: Any, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = DispatchingJinjaLoader(app)
        self._named_templates: dict[str, jinja2.Template] | None = None
        super().__init__(**options)
        if type(self.cache) is LRUCache and not len(self.cache):
            # The cache Jinja just made, which nobody else holds: one that
            # says when a template leaves it (see hipflask.templating.namecache).
            self.cache = TrackedLRUCache(self.cache.capacity)
        self.app = app
        #: The context processors of each blueprint chain (see :class:`ProcessorChains`).
        self.processor_chains = ProcessorChains(app)
        self._string_templates: dict[str, jinja2.Template] = {}
        self._string_lock = threading.Lock()

    # Jinja decides with these three whether a name gives the template it
    # gave before; assigning any of them (``app.debug = True`` sets
    # ``auto_reload``; an overlay gets a cache of its own) starts the table
    # of templates by name afresh.

    @property
    def loader(self) -> jinja2.BaseLoader | None:
        """Where templates are loaded from (Jinja's attribute)."""
        return self.__dict__.get("_loader")

    @loader.setter
    def loader(self, value: jinja2.BaseLoader | None) -> None:
        self.__dict__["_loader"] = value
        self._forget_named_templates()

    @property
    def cache(self) -> Any:
        """Jinja's cache of loaded templates (Jinja's attribute)."""
        return self.__dict__.get("_cache")

    @cache.setter
    def cache(self, value: Any) -> None:
        self.__dict__["_cache"] = value
        self._forget_named_templates()

    @property
    def auto_reload(self) -> bool:
        """Whether a changed template file is loaded again (Jinja's attribute)."""
        return bool(self.__dict__.get("_auto_reload", False))

    @auto_reload.setter
    def auto_reload(self, value: bool) -> None:
        self.__dict__["_auto_reload"] = value
        self._forget_named_templates()

    def _forget_named_templates(self) -> None:
        # Kept only where Jinja's own cache would give the same template for
        # the same name again: no reloading, and a cache that says when a
        # template leaves it. Any other cache (one the app assigned, or
        # none) is asked every time.
        cache = self.cache
        if self.auto_reload or self.loader is None or not isinstance(cache, TrackedLRUCache):
            self._named_templates = None
        else:
            self._named_templates = {}
            cache.listen(self, self._empty_named_templates)

    def _empty_named_templates(self) -> None:
        # Called by the cache after a template may have left it.
        if self._named_templates is not None:
            self._named_templates = {}

    def get_or_select_template(
        self,
        template_name_or_list: str | jinja2.Template | list[str | jinja2.Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        """Jinja's method, answering a name it has loaded before from a table.

        Each call of Jinja's goes through three methods and its locked LRU
        cache for the answer it gave last time. Without ``auto_reload`` that
        answer changes only when the template leaves Jinja's cache (dropped
        for room, or the cache cleared) or the loader or the cache is
        replaced; each of those empties the table, so the table gives the
        answer at once otherwise. With ``auto_reload`` every call goes to
        Jinja, which checks the file.
        """
        named = self._named_templates
        if (
            named is None
            or type(template_name_or_list) is not str
            or parent is not None
            or globals is not None
        ):
            return super().get_or_select_template(template_name_or_list, parent, globals)
        template = named.get(template_name_or_list)
        if template is None:
            template = super().get_or_select_template(template_name_or_list)
            if named is self._named_templates:
                named[template_name_or_list] = template
        return template

    def template_from_string(self, source: str) -> jinja2.Template:
        """Compile ``source`` once and reuse the template for the same text.

        The templates are kept until a setting of the environment changes
        (see :meth:`__setattr__` and :meth:`add_extension`): Flask compiles
        the source on every call, so ``jinja_env.autoescape = False`` or a
        new extension after the first render must apply to it.
        """
        cache = self._string_templates
        template = cache.get(source)
        if template is None:
            template = self.from_string(source)
            with self._string_lock:
                # Compiled under settings that changed meanwhile: not kept.
                if cache is self._string_templates:
                    if len(cache) >= _STRING_CACHE_SIZE:
                        del cache[next(iter(cache))]
                    cache[source] = template
        return template

    def __setattr__(self, name: str, value: Any) -> None:
        # Any public attribute may change how source compiles (delimiters,
        # trim_blocks, autoescape, finalize, ...): set once at start-up, so
        # starting the string templates afresh costs nothing that matters. A
        # new dict rather than clear(): an overlay shares this one.
        object.__setattr__(self, name, value)
        if name[:1] != "_" and "_string_templates" in self.__dict__:
            self.__dict__["_string_templates"] = {}

    def add_extension(self, extension: str | type[jinja2.ext.Extension]) -> None:
        """Jinja's method; string templates compiled before are compiled again."""
        super().add_extension(extension)
        self.__dict__["_string_templates"] = {}

    def context_processors(self, blueprint: str | None) -> tuple[Callable[[], Any], ...]:
        """The context processors for a request handled by ``blueprint``.

        The same as ``processor_chains[blueprint]``; see :class:`ProcessorChains`.
        """
        return self.processor_chains[blueprint]


class ProcessorChains(dict[str | None, tuple[Callable[[], Any], ...]]):
    """The context processors of each blueprint chain, by the handling blueprint.

    ``chains[blueprint]`` lists the app's processors first, then each
    blueprint's from the outermost to the handling one, so an inner blueprint
    can override what its parents provide. A chain is kept once the app
    serves (when registration is closed), after which reading it is a dict
    lookup done in C on every render; before that it is built on each
    read, so processors added during setup are never missed.
    """

    __slots__ = ("app", "shared")

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app
        #: The chain of every request, once the app serves, when no
        #: blueprint has processors of its own (most apps): a render then
        #: need not ask the request for its blueprint. ``None`` otherwise.
        self.shared: tuple[Callable[[], Any], ...] | None = None

    def __missing__(self, blueprint: str | None) -> tuple[Callable[[], Any], ...]:
        app = self.app
        names: list[str | None] = [None]
        if blueprint is not None:
            parts = blueprint.split(".")
            names.extend(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        registered = app.template_context_processors
        chain = tuple(app.ensure_sync(func) for name in names for func in registered.get(name, ()))
        if getattr(app, "_got_first_request", False):
            self[blueprint] = chain
            if not any(funcs for name, funcs in registered.items() if name is not None):
                # Every blueprint's chain is the app's: this one.
                self.shared = chain
        return chain


def csp_nonce() -> str:
    """The Content Security Policy nonce of the current response.

    Generated on the first call in a request and reused for the rest of it,
    so every inline ``<script nonce="{{ csp_nonce() }}">`` of a page, its
    layouts and its includes carries the value the security headers send in
    ``Content-Security-Policy``. An attacker who injects a ``<script>`` cannot
    know it, because it is new for each response.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "csp_nonce() needs an active request: the nonce belongs to the response"
            " being built. Call it from a template rendered in a view, or inside"
            " 'with app.test_request_context():'."
        )
    state = ctx.state
    nonce = state.csp_nonce
    if nonce is None:
        nonce = state.csp_nonce = make_nonce()
    return nonce


def _json_dumps(app: Any) -> Callable[..., str]:
    def dumps(obj: Any, **kwargs: Any) -> str:
        # Looked up per call, so assigning ``app.json`` later takes effect.
        provider = app.json
        if (
            kwargs.get("sort_keys") is True
            and type(provider).dumps is DefaultJSONProvider.dumps
            and provider.sort_keys
        ):
            # The provider sorts anyway; without the argument it may use orjson.
            del kwargs["sort_keys"]
        return provider.dumps(obj, **kwargs)  # type: ignore[no-any-return]

    return dumps


def create_environment(app: Any) -> Environment:
    """Build the Jinja environment for ``app`` (see the module docstring).

    An app class may override ``jinja_environment`` (an :class:`Environment`
    subclass), ``create_global_jinja_loader()`` and ``select_jinja_autoescape(name)``
    as in Flask.
    """
    options: dict[str, Any] = dict(app.jinja_options)
    if "loader" not in options:
        # Through the app, so a subclass overriding it (a database-backed
        # loader, say) is used, as in Flask.
        create_loader = getattr(app, "create_global_jinja_loader", None)
        options["loader"] = (
            create_loader() if create_loader is not None else DispatchingJinjaLoader(app)
        )
    if "autoescape" not in options:
        chooser = getattr(app, "select_jinja_autoescape", None)
        # The app's own method only calls the function: Jinja asks on every
        # render, so it gets the function itself unless the app replaces it.
        if chooser is None or getattr(chooser, "_hipflask_default", False):
            chooser = _remembered_autoescape
        options["autoescape"] = chooser
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        options["auto_reload"] = app.debug if auto_reload is None else bool(auto_reload)
    env_class: type[Environment] = getattr(app, "jinja_environment", Environment)
    env = env_class(app, **options)
    env.globals.update(
        url_for=app.url_for,
        config=app.config,
        # Proxies, so that macros imported without context can use them too;
        # outside a request they are falsy, and using them says which
        # context is missing.
        request=request,
        session=session,
        g=g,
        csp_nonce=csp_nonce,
    )
    # Jinja's own |tojson filter, fed by the app's provider: it escapes <, >,
    # & and ' as \u sequences, so a value cannot close a <script> element or
    # an attribute the JSON is placed in (script injection through data).
    env.policies["json.dumps_function"] = _json_dumps(app)
    # Jinja's default, kept as in Flask: keys sorted whatever the provider's
    # sort_keys, so a template's output does not depend on dict order.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True}
    return env
