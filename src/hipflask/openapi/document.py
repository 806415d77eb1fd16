"""Build the OpenAPI 3.1 document of an app from what it already declares.

Each URL rule gives a path (converters give the path parameters' schemas) and
its methods the operations (with a 404 when it has path parameters, which a
converter may refuse); for each operation the view (or the resource's
method) tells the rest:

* a typed view (:mod:`hipflask.core.typed`): body, query parameters, the
  success response's schema and the 422;
* a ``reqparse`` parser the method uses: its arguments as query parameters
  or body properties, and the 400;
* ``marshal_with``: the response schema of its fields;
* ``@doc``: summary, tags, more responses, security.

The suites it reads are recognised by what they attach to functions, so this
package depends on none of them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from ..core.typed import ViewSpec
from ..core.typed import view_spec
from .decorators import DOC_ATTRIBUTE
from .schemas import Components
from .schemas import converter_schema
from .schemas import parse_rule

__all__ = ["openapi_document", "security_schemes"]

#: What :mod:`hipflask.restful` attaches: the API serving a view, a marshal schema.
_API_ATTRIBUTE = "__hipflask_restful_api__"
_MARSHAL_ATTRIBUTE = "__hipflask_marshal_schema__"

_QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD", "OPTIONS"})
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def security_schemes(app: Any) -> dict[str, Any]:
    """The session cookie and bearer JWT schemes operations may name in ``security``."""
    return {
        "cookieAuth": {
            "type": "apiKey",
            "in": "cookie",
            "name": str(app.config.get("SESSION_COOKIE_NAME") or "session"),
            "description": "The signed session cookie set at login.",
        },
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token: 'Authorization: Bearer <token>'.",
        },
    }


def openapi_document(
    app: Any,
    *,
    title: str | None = None,
    version: str | None = None,
    description: str | None = None,
    exclude: Iterable[str] = (),
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app`` as a JSON-ready dict."""
    config = app.config
    info: dict[str, Any] = {
        "title": title or config.get("OPENAPI_TITLE") or app.name,
        "version": version or config.get("OPENAPI_VERSION") or "0.1.0",
    }
    description = description or config.get("OPENAPI_DESCRIPTION")
    if description:
        info["description"] = description
    builder = _Builder(app, frozenset(exclude))
    paths = builder.paths()
    document: dict[str, Any] = {"openapi": "3.1.0", "info": info, "paths": paths}
    document["components"] = {
        "schemas": builder.components.schemas,
        "securitySchemes": security_schemes(app),
    }
    security = config.get("OPENAPI_SECURITY")
    if security:
        document["security"] = [{name: []} for name in security]
    return document


class _Builder:
    def __init__(self, app: Any, exclude: frozenset[str]) -> None:
        self.app = app
        self.exclude = exclude | {"static"}
        self.components = Components()
        self.operation_ids: set[str] = set()

    def paths(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint in self.exclude:
                continue
            view = self.app.view_functions.get(rule.endpoint)
            if view is None:
                continue
            path, variables = parse_rule(rule.rule)
            item = paths.setdefault(path, {})
            for method in sorted(set(rule.methods or ()) - _IGNORED_METHODS):
                if method.lower() in item:
                    continue
                operation = self.operation(rule.endpoint, view, method, variables)
                if operation is not None:
                    item[method.lower()] = operation
            if not item:
                del paths[path]
        return paths

    def operation(
        self,
        endpoint: str,
        view: Callable[..., Any],
        method: str,
        variables: list[tuple[str, str, str | None]],
    ) -> dict[str, Any] | None:
        handler = _handler(view, method)
        if handler is None:
            return None
        options = {**_attr(view, DOC_ATTRIBUTE, {}), **_attr(handler, DOC_ATTRIBUTE, {})}
        if options.get("exclude"):
            return None
        is_api = getattr(view, _API_ATTRIBUTE, None) is not None
        op: dict[str, Any] = {"operationId": self._operation_id(endpoint, method)}
        _describe(op, handler, view, options)
        path_names = {name for name, _conv, _args in variables}
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": self._path_schema(converter, args),
            }
            for name, converter, args in variables
        ]
        responses: dict[str, Any] = {}
        spec = view_spec(handler)
        if spec is not None:
            self._typed(op, spec, path_names, parameters, responses)
        parser = options.get("parser") or _find_parser(handler)
        if parser is not None:
            self._parser(op, parser, method, parameters, responses)
        status = str(spec.status_code) if spec is not None else "200"
        self._responses(responses, options.get("responses") or {}, handler, is_api, status)
        if variables and "404" not in responses:
            # A path value its converter refuses (``abc`` for ``<int:id>``)
            # matches no rule: the URL is answered with a 404.
            responses["404"] = (
                _json_response("Not found", _ref("Error"))
                if is_api
                else {"description": "Not found"}
            )
        if parameters:
            op["parameters"] = parameters
        op["responses"] = dict(sorted(responses.items()))
        if "security" in options:
            op["security"] = [{name: []} for name in options["security"]]
        return op

    def _path_schema(self, converter: str, args: str | None) -> dict[str, Any]:
        """A custom converter may describe its values with an ``openapi_schema`` dict."""
        converter_class = self.app.url_map.converters.get(converter)
        custom = getattr(converter_class, "openapi_schema", None)
        if isinstance(custom, dict):
            return dict(custom)
        return converter_schema(converter, args)

    @staticmethod
    def _responses(
        responses: dict[str, Any],
        documented: dict[Any, str],
        handler: Any,
        is_api: bool,
        status: str = "200",
    ) -> None:
        """Success from ``marshal_with`` (at the 2xx codes ``@doc`` names, or at
        ``status``, the one ``@validate`` sets), then errors."""
        success = {str(code): text for code, text in documented.items() if str(code)[0] == "2"}
        marshal_schema = _attr(handler, _MARSHAL_ATTRIBUTE, None)
        if not any(code.startswith("2") for code in responses):
            for code in success or {status: "Success"}:
                text = success.get(code, "Success")
                if code == "204":
                    responses[code] = {"description": text}
                elif marshal_schema is not None or is_api:
                    responses[code] = _json_response(text, marshal_schema or {})
                else:
                    responses[code] = {"description": text}
        for code, text in documented.items():
            key = str(code)
            if key in responses:
                continue
            error_body = is_api and not key.startswith("2")
            responses[key] = (
                _json_response(text, _ref("Error")) if error_body else {"description": text}
            )

    def _operation_id(self, endpoint: str, method: str) -> str:
        base = f"{endpoint.replace('.', '_')}_{method.lower()}"
        candidate = base
        index = 1
        while candidate in self.operation_ids:
            index += 1
            candidate = f"{base}_{index}"
        self.operation_ids.add(candidate)
        return candidate

    def _typed(
        self,
        op: dict[str, Any],
        spec: ViewSpec,
        path_names: set[str],
        parameters: list[dict[str, Any]],
        responses: dict[str, Any],
    ) -> None:
        schema_of = self.components.schema_of
        for name, (hint, default) in spec.params.items():
            if name in path_names:
                continue
            parameter: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": default is inspect.Parameter.empty,
                "schema": schema_of(hint),
            }
            parameters.append(parameter)
        for hint in spec.query_models.values():
            # The model's own schema, with the models and enums it refers to
            # added to the components its fields' ``$ref`` point to.
            model_schema = self.components.object_schema(hint.__origin__)
            required = set(model_schema.get("required", ()))
            for name, prop in model_schema.get("properties", {}).items():
                parameters.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        if spec.body_name is not None:
            op["requestBody"] = {
                "required": spec.body_required,
                "content": {"application/json": {"schema": schema_of(spec.body_type)}},
            }
        status = str(spec.status_code)
        if spec.return_adapter is not None:
            responses[status] = _json_response(
                "Success", schema_of(spec.return_type, mode="serialization")
            )
        elif spec.status_code == 204:
            responses[status] = {"description": "No content"}
        responses["422"] = _json_response("Input validation failed", _ref("ValidationError"))
        if spec.body_name is not None:
            responses["415"] = _json_response("The body is not JSON or a form", _ref("Error"))

    def _parser(
        self,
        op: dict[str, Any],
        parser: Any,
        method: str,
        parameters: list[dict[str, Any]],
        responses: dict[str, Any],
    ) -> None:
        properties: dict[str, Any] = {}
        required: list[str] = []
        form = False
        for arg in getattr(parser, "args", ()):
            locations = [arg.location] if isinstance(arg.location, str) else list(arg.location)
            schema = arg.schema() if hasattr(arg, "schema") else {}
            in_query = "args" in locations or ("values" in locations and method in _QUERY_METHODS)
            if "headers" in locations:
                parameters.append(
                    {"name": arg.name, "in": "header", "required": arg.required, "schema": schema}
                )
            elif in_query:
                parameters.append(
                    {"name": arg.name, "in": "query", "required": arg.required, "schema": schema}
                )
            elif method not in _QUERY_METHODS and {"json", "form", "values"} & set(locations):
                form = form or bool({"form", "values"} & set(locations))
                properties[arg.name] = schema
                if arg.required:
                    required.append(arg.name)
        if properties:
            body: dict[str, Any] = {"type": "object", "properties": properties}
            if required:
                body["required"] = required
            content = {"application/json": {"schema": body}}
            if form:
                content["application/x-www-form-urlencoded"] = {"schema": body}
            op["requestBody"] = {"required": bool(required), "content": content}
        responses["400"] = _json_response("Invalid arguments", _ref("Error"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _handler(view: Callable[..., Any], method: str) -> Callable[..., Any] | None:
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    handler = getattr(view_class, method.lower(), None)
    if handler is None and method == "HEAD":
        handler = getattr(view_class, "get", None)
    if handler is None and "dispatch_request" in vars(view_class):
        return getattr(view_class, "dispatch_request", None)
    return handler


def _attr(func: Any, name: str, default: Any) -> Any:
    """An attribute of ``func`` or of any function it wraps."""
    seen = 0
    while func is not None and seen < 20:
        value = getattr(func, name, None)
        if value is not None:
            return value
        func = getattr(func, "__wrapped__", None)
        seen += 1
    return default


def _describe(op: dict[str, Any], handler: Any, view: Any, options: dict[str, Any]) -> None:
    docstring = inspect.getdoc(handler) or (
        inspect.getdoc(view) if getattr(view, "view_class", None) is None else None
    )
    if docstring:
        summary, _, rest = docstring.partition("\n")
        op["summary"] = summary.strip()
        if rest.strip():
            op["description"] = rest.strip()
    for key in ("summary", "description", "tags", "deprecated"):
        if key in options:
            op[key] = options[key]
    if "tags" not in op:
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            op["tags"] = [view_class.__name__]


def _find_parser(handler: Any) -> Any:
    """A request parser the handler's code uses (a module-level or enclosing one)."""
    func = inspect.unwrap(handler)
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    scope = dict(getattr(func, "__globals__", {}))
    for name, cell in zip(code.co_freevars, getattr(func, "__closure__", None) or (), strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for name in (*code.co_names, *code.co_freevars):
        candidate = scope.get(name)
        if callable(getattr(candidate, "parse_args", None)) and isinstance(
            getattr(candidate, "args", None), list
        ):
            return candidate
    return None
