"""Typed views at request time: read and validate the inputs, serialise the output.

:mod:`hipflask.core.typed` decides at registration what a view reads and
returns (a :class:`~hipflask.core.typed.ViewSpec`); the functions here apply
that spec to each request. Every input error is collected before answering,
so the client gets them all in one 422.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.sansio.response import Response as _WerkzeugResponse

from ..contexts import globals as _globals
from ..wrappers.response import STATUS_LINES
from ..wrappers.response import Response
from .typed_decimals import decimal_errors

if TYPE_CHECKING:
    from .typed import ViewSpec

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = ["BodyNotJSON", "ValidationFailed", "is_response_type", "read_inputs", "write_output"]

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class BodyNotJSON(HTTPException):
    """415: a typed view's body came with a content type that is neither JSON nor a form.

    JSON sent as ``text/plain`` is refused rather than parsed: that content
    type is what a cross-site HTML form or a "simple" cross-origin request can
    send without a preflight, so accepting it would let another site post JSON
    to the API (CSRF).
    """

    code = 415
    description = "The request body must be JSON (application/json) or a form."

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        return json.dumps({"message": self.description})

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json")]


class ValidationFailed(HTTPException):
    """422: the request's body, query or path did not match the view's types.

    :attr:`errors` lists every failure with its location (``["body", "name"]``),
    message and error type, so a client can show them all at once.
    """

    code = 422
    description = "Input validation failed."

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__()
        self.errors = errors

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        return json.dumps({"message": self.description, "errors": self.errors})

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json")]


def is_response_type(tp: Any) -> bool:
    """Whether ``tp`` is a response class (returned as is, never serialised)."""
    return isinstance(tp, type) and issubclass(tp, (Response, _WerkzeugResponse))


def read_inputs(spec: ViewSpec, view_args: dict[str, Any]) -> dict[str, Any]:
    """Validate body, parameters and query models; one 422 with every error."""
    request = _cv_request.get().request
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    if spec.body_adapter is not None:
        _read_body(spec, request, values, errors)
    if spec.params_model is not None:
        _read_params(spec, request.args, view_args, values, errors)
    elif view_args:
        values.update(view_args)
    for name, (adapter, lists) in spec.query_adapters.items():
        try:
            values[name] = adapter.validate_python(_query_dict(request.args, lists))
        except ValueError as exc:
            errors.extend(_errors(exc, ("query",)))
    if spec.decimal_inputs:
        _check_decimals(spec, view_args, values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def _read_body(spec: ViewSpec, request: Any, values: dict[str, Any], errors: list[Any]) -> None:
    adapter = spec.body_adapter
    try:
        if request.mimetype in _FORM_TYPES:
            form = request.form
            lists = spec.body_lists
            values[spec.body_name] = adapter.validate_python(  # type: ignore[index]
                {
                    key: form.getlist(key) if key in lists else _one_or_all(form.getlist(key))
                    for key in form
                }
            )
            return
        data = request.get_data()
        if not data:
            if spec.body_required:
                errors.append({"loc": ["body"], "msg": "Field required", "type": "missing"})
            return
        mimetype = request.mimetype
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            raise BodyNotJSON()
        values[spec.body_name] = adapter.validate_json(data)  # type: ignore[index]
    except ValueError as exc:
        errors.extend(_errors(exc, ("body",)))


def _check_decimals(
    spec: ViewSpec, view_args: dict[str, Any], values: dict[str, Any], errors: list[Any]
) -> None:
    """Add an error for each ``Decimal`` with more digits than a client may send."""
    checked = spec.decimal_inputs
    if "body" in checked and spec.body_name in values:
        errors.extend(decimal_errors(values[spec.body_name], ["body"]))
    if "params" in checked:
        for name in spec.params:
            if name in values:
                where = "path" if name in view_args else "query"
                errors.extend(decimal_errors(values[name], [where, name]))
    for name in spec.query_adapters:
        if f"query:{name}" in checked and name in values:
            errors.extend(decimal_errors(values[name], ["query"]))


def _one_or_all(items: list[str]) -> Any:
    return items[0] if len(items) == 1 else items


def _read_params(
    spec: ViewSpec,
    args: Any,
    view_args: dict[str, Any],
    values: dict[str, Any],
    errors: list[Any],
) -> None:
    data: dict[str, Any] = dict(view_args)
    for name in spec.params:
        if name in data or name not in args:
            continue
        data[name] = args.getlist(name) if name in spec.list_params else args[name]
    try:
        validated = spec.params_model.model_validate(data)
    except ValueError as exc:
        for error in _errors(exc, ()):
            where = "path" if error["loc"] and error["loc"][0] in view_args else "query"
            error["loc"] = [where, *error["loc"]]
            errors.append(error)
        return
    values.update({name: getattr(validated, spec.param_fields[name]) for name in spec.params})
    for name, value in view_args.items():
        values.setdefault(name, value)


def _query_dict(args: Any, lists: frozenset[str]) -> dict[str, Any]:
    return {key: args.getlist(key) if key in lists else args[key] for key in args}


def _errors(exc: Any, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    errors = getattr(exc, "errors", None)
    if errors is None:
        return [{"loc": list(prefix), "msg": str(exc), "type": "value_error"}]
    return [
        {"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in errors(include_url=False, include_context=False, include_input=False)
    ]


def write_output(spec: ViewSpec, rv: Any) -> Any:
    """Serialise the return value by the declared type; keep status and headers."""
    status: Any = None
    headers: Any = None
    if type(rv) is tuple:
        if len(rv) == 3:
            rv, status, headers = rv
        elif len(rv) == 2:
            rv, extra = rv
            if isinstance(extra, int | str):
                status = extra
            else:
                headers = extra
    if is_response_type(type(rv)):
        return rv if status is None and headers is None else (rv, status, headers)
    adapter = spec.return_adapter
    status = status or spec.status_code
    if not spec.returns_response:
        data = rv
        if adapter is not None:
            data = adapter.dump_python(_checked(spec, rv), mode="json", by_alias=True)
        return data, status, headers or {}
    if adapter is None:
        if rv is None and (status == 204 or spec.return_type is type(None)):
            # ``-> None`` (a 204 with ``@validate(status_code=204)``): no body.
            rv = ""
        return rv if status == 200 and not headers else (rv, status, headers or {})
    body = adapter.dump_json(_checked(spec, rv), by_alias=True)
    response_class = _cv_request.get().app.response_class
    if not headers and getattr(response_class, "_fast_is_init", False) and status in STATUS_LINES:
        # The common case, a body and a registered status, skips the general
        # constructor's header handling (as jsonify does). Werkzeug's own
        # class, which an app may install, has no such path.
        return response_class._fast(body, status, "application/json")
    return response_class(body, status, headers, mimetype="application/json")


def _checked(spec: ViewSpec, rv: Any) -> Any:
    """The return value as the declared type: other objects are read by attribute."""
    declared = spec.return_type
    if isinstance(declared, type) and isinstance(rv, declared):
        return rv
    return spec.return_adapter.validate_python(rv, from_attributes=True)
