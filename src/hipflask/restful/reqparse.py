"""Request argument parsing: ``flask_restful.reqparse``.

::

    parser = reqparse.RequestParser()
    parser.add_argument("rate", type=int, required=True, help="Rate: {error_msg}")
    args = parser.parse_args()      # a 400 {"message": {"rate": ...}} when bad

Arguments are read from the locations given (by default the JSON body, the
form and the query string). Unlike Flask-RESTful on current Werkzeug, a form
post to a parser whose locations include ``json`` works: the JSON location is
simply empty when the body is not JSON, instead of a 415.
"""

from __future__ import annotations

import copy as _copy
import decimal
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import MutableSequence
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from ..contexts.globals import current_app
from ..contexts.globals import request as _request
from ..wrappers.decimals import is_out_of_range
from ..wrappers.decimals import range_rule
from ..wrappers.jsonerrors import JSONBadRequest
from .errors import abort

__all__ = ["Argument", "Namespace", "RequestParser"]

_FRIENDLY_LOCATIONS = {
    "json": "the JSON body",
    "form": "the post body",
    "args": "the query string",
    "values": "the post body or the query string",
    "headers": "the HTTP headers",
    "cookies": "the request's cookies",
    "files": "an uploaded file",
}


class Namespace(dict[str, Any]):
    """The parsed arguments: a dict whose keys are also attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def _text(value: Any) -> str:
    return str(value)


class Argument:
    """One argument of a :class:`RequestParser`; see :meth:`RequestParser.add_argument`."""

    def __init__(
        self,
        name: str,
        default: Any = None,
        dest: str | None = None,
        required: bool = False,
        ignore: bool = False,
        type: Callable[..., Any] = _text,
        location: str | Iterable[str] = ("json", "values"),
        choices: Iterable[Any] = (),
        action: str = "store",
        help: str | None = None,
        operators: Iterable[str] = ("=",),
        case_sensitive: bool = True,
        store_missing: bool = True,
        trim: bool = False,
        nullable: bool = True,
    ) -> None:
        self.name = name
        self.default = default
        self.dest = dest
        self.required = required
        self.ignore = ignore
        self.location = location
        self.type = type
        self.choices = choices
        self.action = action
        self.help = help
        self.case_sensitive = case_sensitive
        self.operators = operators
        self.store_missing = store_missing
        self.trim = trim
        self.nullable = nullable

    def _locations(self) -> list[str]:
        return [self.location] if isinstance(self.location, str) else list(self.location)

    def source(self, request: Any) -> Any:
        """The values of this argument's locations, merged (a JSON body stays a dict)."""
        locations = self._locations()
        if len(locations) == 1:
            value = _location(request, locations[0])
            if value is not None:
                return value
            return MultiDict()
        values: MultiDict[str, Any] = MultiDict()
        for location in locations:
            value = _location(request, location)
            if value is None:
                continue
            if hasattr(value, "items"):
                # A JSON list adds each of its items, as the query string's
                # repeated keys do: ``{"tag": ["a", "b"]}`` is two tags.
                values.update(value)
        return values

    def convert(self, value: Any, op: str) -> Any:
        """Apply ``type``: called with (value, name, op), (value, name) or (value)."""
        if value is None:
            if not self.nullable:
                raise ValueError("Must not be null!")
            return None
        if self.type is decimal.Decimal:
            return _finite_decimal(value)
        if isinstance(value, FileStorage) and self.type is FileStorage:
            # An upload is already what was asked for; calling the class
            # again would wrap it and lose its name and content type.
            return value
        for args in ((value, self.name, op), (value, self.name), (value,)):
            try:
                return self.type(*args)
            except TypeError:
                if len(args) == 1:
                    raise
        raise TypeError("unreachable")  # pragma: no cover

    def schema(self) -> dict[str, Any]:
        """This argument's JSON Schema, for the OpenAPI document."""
        return argument_schema(self)

    def handle_validation_error(self, error: Exception, bundle_errors: bool) -> Any:
        """Answer 400 for this argument, or hand the message back when bundling."""
        error_msg = str(error)
        message = self.help.format(error_msg=error_msg) if self.help else error_msg
        if bundle_errors or current_app.config.get("BUNDLE_ERRORS", False):
            # The parser collects the ValueErrors it is handed back. A type
            # failing otherwise (``int`` of a JSON list: a TypeError) is a bad
            # argument all the same; Flask-RESTful hands that exception object
            # to the resource as the argument's value.
            if not isinstance(error, ValueError):
                error = ValueError(error_msg)
            return error, {self.name: message}
        abort(400, message={self.name: message})
        return None  # pragma: no cover - abort raises

    def parse(self, request: Any, bundle_errors: bool = False) -> tuple[Any, Any]:
        """``(value, found)``; with bundling, ``(ValueError, {name: message})`` on error."""
        source = self.source(request)
        results: list[Any] = []
        for operator in self.operators:
            name = self.name + operator.replace("=", "", 1)
            if name not in source:
                continue
            if hasattr(source, "getlist"):
                values = source.getlist(name)
            else:
                raw = source.get(name)
                values = (
                    raw if isinstance(raw, MutableSequence) and self.action == "append" else [raw]
                )
            for value in values:
                failed = self._one(value, operator, results)
                if failed is not None:
                    return self.handle_validation_error(failed, bundle_errors)  # type: ignore[no-any-return]
        if not results and self.required:
            where = " or ".join(_FRIENDLY_LOCATIONS.get(loc, loc) for loc in self._locations())
            error = ValueError(f"Missing required parameter in {where}")
            return self.handle_validation_error(error, bundle_errors)  # type: ignore[no-any-return]
        if not results:
            # Found means a value was kept: one that failed conversion and was
            # ignored (``ignore=True``), or an empty JSON list, leaves the
            # argument missing, so ``store_missing=False`` leaves its key out.
            default = self.default() if callable(self.default) else self.default
            return default, False
        if self.action == "append":
            return results, True
        if self.action == "store" or len(results) == 1:
            return results[0], True
        return results, True

    def sent_names(self, request: Any) -> set[str]:
        """The names (with operator suffixes) this argument finds in its own locations.

        What ``parse_args(strict=True)`` counts as known: a name sent only
        where this argument does not read it (``page`` in the JSON body for a
        query-string argument) is not this argument's, and is refused.
        """
        source = self.source(request)
        names = (self.name + operator.replace("=", "", 1) for operator in self.operators)
        return {name for name in names if name in source}

    def _one(self, value: Any, operator: str, results: list[Any]) -> Exception | None:
        if self.trim and isinstance(value, str):
            value = value.strip()
        choices = self.choices
        if not self.case_sensitive and isinstance(value, str):
            value = value.lower()
            choices = [c.lower() if isinstance(c, str) else c for c in choices]
        try:
            value = self.convert(value, operator)
        except Exception as exc:  # every type's failure is the client's bad input
            if self.ignore:
                return None
            return exc
        if choices and not _is_choice(value, choices):
            return ValueError(f"{value} is not a valid choice")
        results.append(value)
        return None


def _finite_decimal(value: Any) -> decimal.Decimal:
    """``value`` as a ``Decimal`` that arithmetic can use, or ``ValueError``.

    decimal's own refusal reads ``[<class 'decimal.ConversionSyntax'>]``,
    which tells the client about the module, not the value. ``NaN``,
    ``Infinity`` and an exponent past the context's range are valid
    ``Decimal`` text but no amount: the first arithmetic on a signalling
    NaN or on ``1e999999999`` raises in the resource, a 500. More digits
    before the point or after it than ``int()`` reads from text (4300) are
    refused too (:mod:`hipflask.wrappers.decimals`): ``int()`` of
    ``1e999999`` takes half a minute of CPU, ``f"{value:f}"`` of
    ``1e-9999999999`` ten billion zeros.
    """
    text = str(value)
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{text} is not a valid decimal number")
    if is_out_of_range(number):
        raise ValueError(f"{text} is out of range: {range_rule()}")
    return number


def _is_choice(value: Any, choices: Iterable[Any]) -> bool:
    """Whether ``value`` is one of ``choices``; a value a set cannot hold is not.

    A type that keeps JSON values as sent passes a list or an object here,
    and ``in`` a set of choices raises ``TypeError`` for it: the client's bad
    value, not a 500.
    """
    try:
        return value in choices
    except TypeError:
        return False


def _location(request: Any, location: str) -> Any:
    if location == "json":
        # Empty, not a 415, when the body is not JSON: a parser reading both
        # JSON and form data must accept a form post.
        if not request.is_json:
            return None
        # A body that claims to be JSON and is not (or is not an object) is
        # the client's error: a 400, never arguments silently read as missing.
        value = request.get_json()
        if not isinstance(value, dict):
            raise JSONBadRequest("The JSON body must be an object.")
        return value
    value = getattr(request, location, None)
    if callable(value):
        value = value()
    return value


class RequestParser:
    """Declare arguments once, then :meth:`parse_args` in each request.

    ``bundle_errors=True`` (or the ``BUNDLE_ERRORS`` setting) reports every bad
    argument in one 400 instead of stopping at the first.
    """

    def __init__(
        self,
        argument_class: type[Argument] = Argument,
        namespace_class: type[dict[str, Any]] = Namespace,
        trim: bool = False,
        bundle_errors: bool = False,
    ) -> None:
        self.args: list[Argument] = []
        self.argument_class = argument_class
        self.namespace_class = namespace_class
        self.trim = trim
        self.bundle_errors = bundle_errors

    def add_argument(self, *args: Any, **kwargs: Any) -> RequestParser:
        """Add an argument (an :class:`Argument` or its constructor's arguments)."""
        if len(args) == 1 and isinstance(args[0], self.argument_class):
            self.args.append(args[0])
        else:
            self.args.append(self.argument_class(*args, **kwargs))
        if self.trim and self.argument_class is Argument:
            self.args[-1].trim = kwargs.get("trim", self.trim)
        return self

    def parse_args(self, req: Any = None, strict: bool = False, http_error_code: int = 400) -> Any:
        """Parse the current request (or ``req``); ``strict`` refuses unknown arguments."""
        if req is None:
            req = _request
        namespace = self.namespace_class()
        errors: dict[str, str] = {}
        for arg in self.args:
            value, found = arg.parse(req, self.bundle_errors)
            if isinstance(value, ValueError):
                errors.update(found)
                found = None
            if found or arg.store_missing:
                namespace[arg.dest or arg.name] = value
        if errors:
            abort(http_error_code, message=errors)
        if strict:
            # Known means read by an argument *from one of its locations*; the
            # names sent are those of the default locations (JSON body, form,
            # query string), as Flask-RESTful collects them.
            known: set[str] = set()
            for arg in self.args:
                known |= arg.sent_names(req)
            unknown = [key for key in self.argument_class("").source(req) if key not in known]
            if unknown:
                raise BadRequest(f"Unknown arguments: {', '.join(unknown)}")
        return namespace

    def copy(self) -> RequestParser:
        """An independent copy, to extend or change for another endpoint."""
        parser = type(self)(self.argument_class, self.namespace_class)
        parser.args = _copy.deepcopy(self.args)
        parser.trim = self.trim
        parser.bundle_errors = self.bundle_errors
        return parser

    def replace_argument(self, name: str, *args: Any, **kwargs: Any) -> RequestParser:
        """Replace the argument called ``name`` with a new definition."""
        new_arg = self.argument_class(name, *args, **kwargs)
        for index, arg in enumerate(self.args):
            if arg.name == new_arg.name:
                del self.args[index]
                self.args.append(new_arg)
                break
        return self

    def remove_argument(self, name: str) -> RequestParser:
        """Drop the argument called ``name``."""
        for index, arg in enumerate(self.args):
            if arg.name == name:
                del self.args[index]
                break
        return self


def argument_schema(arg: Argument) -> dict[str, Any]:
    """The JSON Schema of one argument's value, for the OpenAPI document."""
    schema = dict(_type_schema(arg.type))
    choices = list(arg.choices)
    if choices and all(isinstance(c, str | int | float | bool) for c in choices):
        schema["enum"] = choices
    if arg.help and "{" not in arg.help:
        schema["description"] = arg.help
    if arg.default is not None and not callable(arg.default):
        schema["default"] = arg.default
    if arg.action == "append":
        return {"type": "array", "items": schema}
    return schema


def _type_schema(kind: Any) -> dict[str, Any]:
    from . import inputs

    simple: dict[Any, dict[str, Any]] = {
        _text: {"type": "string"},
        str: {"type": "string"},
        int: {"type": "integer"},
        float: {"type": "number"},
        decimal.Decimal: {"type": "number"},
        inputs.boolean: {"type": "boolean"},
        inputs.natural: {"type": "integer", "minimum": 0},
        inputs.positive: {"type": "integer", "minimum": 1},
        inputs.date: {"type": "string", "format": "date"},
        inputs.datetime_from_iso8601: {"type": "string", "format": "date-time"},
        inputs.datetime_from_rfc822: {"type": "string"},
        inputs.iso8601interval: {"type": "string", "description": "ISO 8601 interval"},
        inputs.url: {"type": "string", "format": "uri"},
    }
    if kind in simple:
        return simple[kind]
    if isinstance(kind, inputs.int_range):
        return {"type": "integer", "minimum": kind.low, "maximum": kind.high}
    if isinstance(kind, inputs.regex):
        return {"type": "string", "pattern": kind.pattern}
    return {}
