"""Typed views: inputs validated and output serialised from a view's annotations.

A view whose parameters or return annotation name a pydantic model or a
dataclass (or a container of them), or that is decorated with
:func:`validate`, is wrapped once, when it is registered::

    @app.post("/items")
    def create_item(item: Item, dry_run: bool = False) -> ItemOut:
        ...

* a model or dataclass parameter is the request body (JSON, or a form);
* a simple parameter named like a URL variable is that path value, any other
  is a query string argument; ``Annotated[Filters, Query()]`` reads a whole
  model from the query string;
* the return value is validated against the return annotation and serialised
  by it (under the fields' aliases), so fields the annotation does not
  declare (a password hash on the ORM object) never reach the client.

Every bad field of body, query and path is reported at once in one 422 JSON
response (:class:`ValidationFailed`). A view with no such annotations is
returned unchanged: it pays nothing per request. pydantic comes with the
``rest`` extra and is imported only when a typed view is registered. What
runs per request lives in :mod:`hipflask.core.typed_io`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import operator
import types
import typing
from collections.abc import Callable
from typing import Any

from .._extras import require
from ..errors import HipflaskError
from .typed_decimals import holds_decimal
from .typed_io import BodyNotJSON as BodyNotJSON
from .typed_io import ValidationFailed as ValidationFailed
from .typed_io import is_response_type
from .typed_io import read_inputs
from .typed_io import write_output

__all__ = [
    "Body",
    "BodyNotJSON",
    "Query",
    "TypedViewError",
    "ValidationFailed",
    "ViewSpec",
    "adapt",
    "validate",
    "view_spec",
]

#: The attribute a typed wrapper (or a ``@validate`` function) carries its spec on.
SPEC_ATTRIBUTE = "__hipflask_typed__"
_WRAPPER_ATTRIBUTE = "__hipflask_typed_wrapper__"

_NO_OUTPUT = (type(None), inspect.Parameter.empty, typing.Any, str, bytes)


class TypedViewError(HipflaskError, TypeError):
    """A typed view's signature cannot be served (two bodies, an unknown marker)."""


class Body:
    """Marks a parameter as the request body: ``Annotated[list[int], Body()]``."""


class Query:
    """Marks a model parameter as read from the query string: ``Annotated[F, Query()]``."""


@dataclasses.dataclass
class ViewSpec:
    """What a typed view reads and returns; :mod:`hipflask.openapi` documents it."""

    body_name: str | None = None
    body_type: Any = None
    body_required: bool = True
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    query_models: dict[str, Any] = dataclasses.field(default_factory=dict)
    return_type: Any = None
    status_code: int = 200
    returns_response: bool = True
    # Filled in by _compile: pydantic objects built once.
    body_adapter: Any = None
    body_lists: frozenset[str] = frozenset()
    params_model: Any = None
    list_params: frozenset[str] = frozenset()
    param_fields: dict[str, str] = dataclasses.field(default_factory=dict)
    query_adapters: dict[str, tuple[Any, frozenset[str]]] = dataclasses.field(default_factory=dict)
    return_adapter: Any = None
    #: The inputs whose values may hold a ``Decimal`` (``"body"``, ``"params"``,
    #: ``"query:<name>"``), each looked at for numbers out of range.
    decimal_inputs: frozenset[str] = frozenset()


def is_model(tp: Any) -> bool:
    """Whether ``tp`` is, or contains, a pydantic model or a dataclass."""
    if isinstance(tp, type):
        return dataclasses.is_dataclass(tp) or hasattr(tp, "__pydantic_core_schema__")
    return any(is_model(arg) for arg in typing.get_args(tp))


def view_spec(func: Callable[..., Any]) -> ViewSpec | None:
    """The spec a typed view was wrapped with, or ``None`` for a plain view."""
    return getattr(func, SPEC_ATTRIBUTE, None)


def validate(
    func: Callable[..., Any] | None = None, *, status_code: int = 200, response: Any = None
) -> Any:
    """Make a view typed even if its annotations are only simple types.

    ``@validate(status_code=201)`` also sets the status of a successful
    response, and ``response=Model`` declares the output type of a view that
    has no return annotation (Flask-style code returning dicts or ORM objects).
    Usable on functions and on ``MethodView``/``Resource`` methods.
    """

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        f.__hipflask_validate__ = (status_code, response)  # type: ignore[attr-defined]
        return f

    if func is not None:
        return decorator(func)
    return decorator


def adapt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Called at registration: wrap a typed view, leave a plain one as it is.

    A class-based view is adapted method by method (the class attribute is
    replaced once), so its generic ``view`` function stays untouched.
    """
    if getattr(view, SPEC_ATTRIBUTE, None) is not None:
        return view
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        adapt_class(view_class)
        return view
    # The same function registered under a second rule gets the same wrapper,
    # so the endpoint's function does not look like a different one.
    cached: Callable[..., Any] | None = getattr(view, _WRAPPER_ATTRIBUTE, None)
    if cached is not None:
        return cached
    wrapped = wrap(view, skip_self=False, returns_response=True)
    if wrapped is None:
        return view
    # A bound method has nowhere to keep the wrapper: it is built again then.
    with contextlib.suppress(AttributeError):
        setattr(view, _WRAPPER_ATTRIBUTE, wrapped)
    return wrapped


def adapt_class(cls: type) -> None:
    """Wrap the typed HTTP-method handlers of a class-based view in place."""
    returns_response = bool(getattr(cls, "typed_returns_response", True))
    for name in ("get", "post", "put", "patch", "delete", "head", "options"):
        # Inherited handlers too: the wrapper is set on this class, so a base
        # class registered elsewhere keeps its own.
        handler = getattr(cls, name, None)
        if not inspect.isfunction(handler) or getattr(handler, SPEC_ATTRIBUTE, None) is not None:
            continue
        wrapped = wrap(handler, skip_self=True, returns_response=returns_response)
        if wrapped is not None:
            setattr(cls, name, wrapped)


def wrap(
    func: Callable[..., Any], *, skip_self: bool, returns_response: bool
) -> Callable[..., Any] | None:
    """The typed wrapper of ``func``, or ``None`` when nothing in it is typed."""
    forced = getattr(func, "__hipflask_validate__", None)
    annotations = getattr(func, "__annotations__", None)
    if not annotations and forced is None:
        return None
    hints = _type_hints(func, annotations or {})
    if forced is None and not _has_typed_hint(hints):
        return None
    status_code, response = forced or (200, None)
    if response is not None:
        hints["return"] = response
    spec = _spec(func, hints, skip_self=skip_self)
    spec.status_code = status_code
    spec.returns_response = returns_response
    _compile(spec)
    return _make_wrapper(func, spec)


def _type_hints(func: Callable[..., Any], annotations: dict[str, Any]) -> dict[str, Any]:
    """The resolved annotations; one that cannot be resolved counts as ``Any``.

    A name imported only under ``TYPE_CHECKING``, or inside the function that
    defines the view, cannot be resolved from the module. Dropping just that
    annotation keeps the others: the body model still validates, and a return
    annotation naming a locally imported ``Response`` is simply not used.
    """
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # noqa: S110 - resolved one by one below
        pass
    hints: dict[str, Any] = {}
    globalns = getattr(inspect.unwrap(func), "__globals__", {})
    for name, annotation in annotations.items():
        probe = types.SimpleNamespace(__annotations__={name: annotation})
        # An annotation that still fails to resolve is left out: it is Any.
        with contextlib.suppress(Exception):
            hints.update(typing.get_type_hints(probe, globalns=globalns, include_extras=True))
    return hints


def _has_typed_hint(hints: dict[str, Any]) -> bool:
    for hint in hints.values():
        if is_model(hint):
            return True
        if typing.get_origin(hint) is typing.Annotated and any(
            isinstance(meta, (Body, Query)) for meta in hint.__metadata__
        ):
            return True
    return False


def _spec(func: Callable[..., Any], hints: dict[str, Any], *, skip_self: bool) -> ViewSpec:
    spec = ViewSpec(return_type=_returned_body(hints.get("return")))
    params = list(inspect.signature(func).parameters.values())
    if skip_self and params:
        params = params[1:]
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        hint = hints.get(param.name, Any)
        marker = _marker(hint)
        if isinstance(marker, Query):
            spec.query_models[param.name] = hint
        elif isinstance(marker, Body) or (marker is None and is_model(hint)):
            if spec.body_name is not None:
                raise TypedViewError(
                    f"{func.__qualname__} takes two request bodies ({spec.body_name!r} and"
                    f" {param.name!r}); combine them into one model."
                )
            spec.body_name = param.name
            spec.body_type = hint
            spec.body_required = param.default is param.empty
        else:
            spec.params[param.name] = (hint, param.default)
    return spec


def _returned_body(hint: Any) -> Any:
    """The type of the body a view returns: ``Item`` for ``tuple[Item, int]``.

    A view returns a pair or a triple as ``(body, status)``, ``(body,
    headers)`` or ``(body, status, headers)``, never as a JSON array, so an
    annotation spelling that out declares its first element's type.
    """
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin is tuple and len(args) in (2, 3) and ... not in args:
        return _returned_body(args[0])
    if origin in (typing.Union, types.UnionType):
        # ``-> Item | Response``: a response is sent as it is, the rest is
        # serialised, so only the rest is the declared body.
        kept = [arg for arg in args if not is_response_type(arg)]
        if len(kept) < len(args):
            return functools.reduce(operator.or_, kept) if kept else inspect.Parameter.empty
    return hint


def _marker(hint: Any) -> Body | Query | None:
    if typing.get_origin(hint) is typing.Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, (Body, Query)):
                return meta
    return None


def _compile(spec: ViewSpec) -> None:
    pydantic = require("pydantic", "rest")
    if spec.body_name is not None:
        spec.body_adapter = pydantic.TypeAdapter(spec.body_type)
        # A form gives a list field one value per key: one key is a list too.
        body_class = (
            typing.get_args(spec.body_type)[0] if _marker(spec.body_type) else spec.body_type
        )
        # ``item: Item | None = None``: the form is an ``Item``'s.
        members = [arg for arg in typing.get_args(body_class) if arg is not type(None)]
        if typing.get_origin(body_class) in (typing.Union, types.UnionType) and len(members) == 1:
            body_class = members[0]
        if isinstance(body_class, type):
            spec.body_lists = _list_keys(body_class)
    if spec.params:
        # Fields get neutral names and the parameter's name as alias: a query
        # argument called ``json`` or ``model_config`` must not collide with
        # pydantic's own attributes.
        spec.param_fields = {name: f"p{index}" for index, name in enumerate(spec.params)}
        fields = {
            spec.param_fields[name]: (
                typing.Annotated[hint, pydantic.Field(alias=name)],
                ... if default is inspect.Parameter.empty else default,
            )
            for name, (hint, default) in spec.params.items()
        }
        spec.params_model = pydantic.create_model("Parameters", **fields)
        spec.list_params = frozenset(
            name for name, (hint, _default) in spec.params.items() if _is_list(hint)
        )
    for name, hint in spec.query_models.items():
        model = typing.get_args(hint)[0]
        spec.query_adapters[name] = (pydantic.TypeAdapter(model), _list_keys(model))
    spec.decimal_inputs = _decimal_inputs(spec, pydantic)
    rt = spec.return_type
    if rt is not None and rt not in _NO_OUTPUT and not is_response_type(rt):
        spec.return_adapter = pydantic.TypeAdapter(rt)


def _decimal_inputs(spec: ViewSpec, pydantic: Any) -> frozenset[str]:
    adapters = {f"query:{name}": adapter for name, (adapter, _) in spec.query_adapters.items()}
    if spec.body_adapter is not None:
        adapters["body"] = spec.body_adapter
    if spec.params_model is not None:
        adapters["params"] = pydantic.TypeAdapter(spec.params_model)
    return frozenset(name for name, adapter in adapters.items() if holds_decimal(adapter))


def _list_keys(model: Any) -> frozenset[str]:
    """The query keys of a model's list fields, read as repeated keys.

    A field is looked up under its name and its alias, which is the key a
    client sends; a dataclass's fields are read from its annotations.
    """
    keys: set[str] = set()
    model_fields = getattr(model, "model_fields", None)
    if model_fields is None:
        model_fields = getattr(model, "__pydantic_fields__", None)
    if isinstance(model_fields, dict):
        for field_name, info in model_fields.items():
            if _is_list(info.annotation):
                aliases = (info.alias, info.validation_alias)
                keys.update(alias for alias in aliases if isinstance(alias, str))
                keys.add(field_name)
        return frozenset(keys)
    if dataclasses.is_dataclass(model):
        try:
            hints = typing.get_type_hints(model)
        except Exception:
            hints = {}
        for field in dataclasses.fields(model):
            if _is_list(hints.get(field.name, field.type)):
                keys.add(field.name)
    return frozenset(keys)


def _is_list(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (list, set, tuple, frozenset):
        return True
    return any(_is_list(arg) for arg in typing.get_args(hint) if arg is not type(None))


def _make_wrapper(func: Callable[..., Any], spec: ViewSpec) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_view(*args: Any, **kwargs: Any) -> Any:
            rv = await func(*args, **read_inputs(spec, kwargs))
            return write_output(spec, rv)

        setattr(async_view, SPEC_ATTRIBUTE, spec)
        return async_view

    @functools.wraps(func)
    def view(*args: Any, **kwargs: Any) -> Any:
        return write_output(spec, func(*args, **read_inputs(spec, kwargs)))

    setattr(view, SPEC_ATTRIBUTE, spec)
    return view
