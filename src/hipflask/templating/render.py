"""Rendering: ``render_template``, ``render_template_string`` and their streaming forms.

Each render builds the template's context in the same order as Flask:
``request`` and ``g`` of the active contexts, then the context processors
(the app's, then those of the request's blueprints, outermost first), then
the keyword arguments of the call, which always win. ``session`` is a
global proxy instead of a context value, so a page that never shows the
session never opens (and never re-signs) the session cookie.

The ``before_render_template`` and ``template_rendered`` signals are sent
with the app as sender, ``template=`` and ``context=``; when nothing is
connected to them they cost one attribute test each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from jinja2.runtime import new_context

from ..contexts import globals as _globals
from ..contexts.streams import stream_with_context
from ..signals import before_render_template
from ..signals import send as send_signal
from ..signals import template_rendered

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jinja2
    from jinja2 import Template

    from .environment import Environment

    TemplateNames = str | Template | Sequence[str | Template]

__all__ = [
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
    "update_template_context",
]

_NO_APP = (
    "{name}() needs an application context: call it from a view, or inside"
    " 'with app.app_context():' when rendering outside a request (emails,"
    " command-line tasks)."
)


def _current_app(caller: str) -> Any:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP.format(name=caller))
    return ctx.app


def _replaces_context(app: Any) -> bool:
    """Whether the app replaces Flask's ``update_template_context`` override point."""
    updater = getattr(app, "update_template_context", None)
    return updater is not None and not getattr(updater, "_hipflask_default", False)


def _build_context(app: Any, env: Environment, context: dict[str, Any]) -> dict[str, Any]:
    if _replaces_context(app):
        # The app replaces Flask's override point: it decides what is added.
        context = dict(context)
        app.update_template_context(context)
        return context
    return _default_context(env, context)


def _default_context(env: Environment, context: dict[str, Any]) -> dict[str, Any]:
    rv: dict[str, Any] = {}
    blueprint = None
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        request = req_ctx.request
        rv["request"] = request
        blueprint = request.blueprint
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        rv["g"] = app_ctx.g
    for func in env.processor_chains[blueprint]:
        rv.update(func())
    rv.update(context)
    return rv


def update_template_context(app: Any, context: dict[str, Any]) -> None:
    """Add the processors' variables to ``context`` in place (Flask's app method).

    Values already in ``context`` are kept: what a view passes explicitly
    must not be replaced by a processor that happens to use the same name.
    """
    context.update(_default_context(app.jinja_env, context))


def _send(app: Any, signal: Any, template: Template, context: dict[str, Any]) -> None:
    send_signal(signal, app, template=template, context=context)


def _render(app_ctx: Any, env: Environment, template: Template, context: dict[str, Any]) -> str:
    """Build the context and render, in one frame for the usual render.

    That is :func:`_default_context` and :func:`_render_now` written in line,
    for a render nobody observes (no signal receivers, no replaced
    ``update_template_context``): a page rendered per request paid more for
    the calls between the small functions than for their work. Any other
    render goes through :func:`_render_observed`, which calls them.
    """
    app = app_ctx.app
    updater = getattr(app, "update_template_context", None)
    if (
        before_render_template.receivers
        or template_rendered.receivers
        # A template of another environment (a Template object passed in)
        # is rendered by its own, async or not, as _render_now renders it.
        or template.environment is not env
        or env.is_async
        # _replaces_context, in line.
        or (updater is not None and not getattr(updater, "_hipflask_default", False))
    ):
        return _render_observed(app, env, template, context)
    rv: dict[str, Any] = {}
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        rv["request"] = req_ctx.request
    rv["g"] = app_ctx.g
    chains = env.processor_chains
    processors = chains.shared
    if processors is None:
        processors = chains[req_ctx.request.blueprint if req_ctx is not None else None]
    for func in processors:
        rv.update(func())
    maps = getattr(template.globals, "maps", None)
    if maps is None:
        rv.update(context)
        return template.render(rv)
    # As in _render_now: the environment's globals, the template's own over
    # them, the render's variables over all (the call's own last, as in
    # _default_context); Jinja's ChainMap has those two maps.
    if len(maps) == 2:
        merged = {**maps[1], **maps[0], **rv, **context}
    else:
        merged = {}
        for mapping in reversed(maps):
            merged.update(mapping)
        merged.update(rv)
        merged.update(context)
    return _run(env, template, merged, maps[0])


def _render_observed(
    app: Any, env: Environment, template: Template, context: dict[str, Any]
) -> str:
    context = _build_context(app, env, context)
    if before_render_template.receivers:
        _send(app, before_render_template, template, context)
    rv = _render_now(template, context)
    if template_rendered.receivers:
        _send(app, template_rendered, template, context)
    return rv


def _render_now(template: Template, context: dict[str, Any]) -> str:
    """``template.render(context)``, with the globals merged in C.

    Jinja merges the template's globals (a :class:`~collections.ChainMap`
    over the environment's) into every render's context by iterating the
    ChainMap in Python, a call per global; an app's environment has a dozen.
    Merging the underlying dicts with ``dict.update`` gives the same context
    (the first map wins, the render's variables win over all).
    """
    env = template.environment
    maps = getattr(template.globals, "maps", None)
    if env.is_async or maps is None:
        return template.render(context)
    merged: dict[str, Any] = {}
    for mapping in reversed(maps):
        merged.update(mapping)
    merged.update(context)
    return _run(env, template, merged, maps[0])


def _run(env: jinja2.Environment, template: Template, merged: dict[str, Any], own: Any) -> str:
    """Render ``template`` with the merged context, as ``Template.render`` does.

    The context's ``globals`` serve one purpose: an ``{% import %}`` of a
    template lacking some of them gets them in a module of its own. Every
    template of the environment has the environment's globals, so only this
    template's own (``own``, the ChainMap's first map) can be lacking; passed
    alone, they give the same answer without iterating the ChainMap, a
    Python call per global on every render.
    """
    ctx = new_context(env, template.name, template.blocks, merged, True, own)
    try:
        return env.concat(template.root_render_func(ctx))
    except Exception:
        env.handle_exception()


def _stream(
    app: Any, env: Environment, template: Template, context: dict[str, Any]
) -> Iterator[str]:
    context = _build_context(app, env, context)
    if before_render_template.receivers:
        _send(app, before_render_template, template, context)

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            _send(app, template_rendered, template, context)

    stream = generate()
    if _cv_request.get(None) is not None:
        # The body is iterated after the view returned and its context was
        # left; the template still needs request, session and url_for.
        return stream_with_context(stream)  # type: ignore[no-any-return]
    return stream


def render_template(template_name_or_list: TemplateNames, **context: Any) -> str:
    """Render a template from the app's or a blueprint's template folder.

    Given a list of names, the first that exists is used (a specific page
    with a generic fallback). Autoescaping follows the file name: HTML, XML
    and SVG templates escape values, ``.txt`` and other templates do not.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(_NO_APP.format(name="render_template"))
    env = app_ctx.app.jinja_env
    return _render(app_ctx, env, env.get_or_select_template(template_name_or_list), context)


def render_template_string(source: str, **context: Any) -> str:
    """Render template source given as a string; always autoescaped.

    Never build ``source`` from user input: template syntax in it would run
    on the server (server-side template injection). Pass user data as
    context values instead, which are escaped.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(_NO_APP.format(name="render_template_string"))
    env = app_ctx.app.jinja_env
    return _render(app_ctx, env, env.template_from_string(source), context)


def stream_template(template_name_or_list: TemplateNames, **context: Any) -> Iterator[str]:
    """Render a template piece by piece, for ``Response(stream_template(...))``.

    The first bytes reach the client before the whole page is rendered. In
    a request, the iterator keeps the request context active while the
    server consumes it.
    """
    app = _current_app("stream_template")
    env = app.jinja_env
    template = env.get_or_select_template(template_name_or_list)
    return _stream(app, env, template, context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """Streaming form of :func:`render_template_string`."""
    app = _current_app("stream_template_string")
    env = app.jinja_env
    template = env.template_from_string(source)
    return _stream(app, env, template, context)


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable defined by a template, to call from Python.

    For example ``get_template_attribute("_macros.html", "hello")("World")``
    renders one macro, which lets a view or an API reuse the same fragment
    the pages use. The template module is built without a request context,
    so only globals (``url_for``, ``request`` ...) are available to it.
    """
    app = _current_app("get_template_attribute")
    return getattr(app.jinja_env.get_template(template_name).module, attribute)
