"""JSON encoding and decoding for an app: ``app.json``.

orjson is used when it is installed and the settings allow it (it is several
times faster than the stdlib and ``jsonify`` sits on the hot path of JSON
APIs); otherwise the stdlib ``json`` module is used with the same type support.
"""

from __future__ import annotations

import dataclasses
import decimal
import enum
import json
import typing as t
import uuid
from datetime import date
from datetime import datetime
from datetime import timezone
from http import HTTPStatus
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.http import http_date
from werkzeug.utils import get_content_type

from . import strict

if TYPE_CHECKING:
    from ..wrappers.response import Response

_orjson: Any
try:  # pragma: no cover - depends on the environment
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

#: The orjson options, computed once: unsorted and sorted keys. No
#: OPT_NON_STR_KEYS: orjson sorts such keys as strings and accepts mixes the
#: stdlib refuses; refused there, the stdlib decides. Subclasses and
#: dataclasses pass through to the default hook, which writes them as Flask does.
_ORJSON_UNSORTED = (
    0
    if _orjson is None
    else _orjson.OPT_PASSTHROUGH_DATETIME
    | _orjson.OPT_PASSTHROUGH_SUBCLASS
    | _orjson.OPT_PASSTHROUGH_DATACLASS
)
_ORJSON_SORTED = 0 if _orjson is None else _ORJSON_UNSORTED | _orjson.OPT_SORT_KEYS
#: The same, ending the output with the newline Flask's response bodies end with.
_ORJSON_LINE = {
    False: 0 if _orjson is None else _ORJSON_UNSORTED | _orjson.OPT_APPEND_NEWLINE,
    True: 0 if _orjson is None else _ORJSON_SORTED | _orjson.OPT_APPEND_NEWLINE,
}


def _default(o: Any) -> Any:
    """Turn the types JSON lacks into JSON values, the way Flask users expect."""
    if isinstance(o, date):
        if isinstance(o, datetime) and o.tzinfo is None:
            o = o.replace(tzinfo=timezone.utc)
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    if isinstance(o, enum.Enum):
        # orjson writes a member's value and offers no way to refuse it;
        # the stdlib path does the same, so installing orjson changes nothing.
        return o.value
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _orjson_default(o: Any) -> Any:
    # orjson's own forms differ from the stdlib's for these, so they are
    # passed through to here (OPT_PASSTHROUGH_*) and given the stdlib's:
    # a dict subclass is written through its ``items()`` (a MultiDict's first
    # value per key, not its lists), other builtin subclasses as their base
    # value, a dataclass as ``asdict`` in sorted key order, dates as HTTP dates.
    if isinstance(o, dict):
        return dict(o.items())
    if isinstance(o, str):
        return str.__str__(o)
    if isinstance(o, int):
        return int.__int__(o)
    if isinstance(o, (list, tuple)):
        return list(o)
    return _default(o)


def json_response(
    provider: JSONProvider, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Response:
    """``provider.response(*args, **kwargs)``, for ``jsonify``.

    Passing ``**kwargs`` on copies the keywords into two new dicts, 2% of a
    JSON request; this reads them where they are when the provider's
    ``response`` is :meth:`JSONProvider.response`. A ``response`` of the
    provider's own (a subclass's, or one set on the instance) is called as
    Flask's ``jsonify`` calls it.
    """
    if getattr(provider.response, "__func__", None) is not JSONProvider.response:
        return provider.response(*args, **kwargs)
    # The two usual calls, jsonify(key=value, ...) and jsonify(data), read
    # here: a further call would cost a third of what this saves.
    if not args:
        return provider._make(kwargs or None)
    if len(args) == 1 and not kwargs:
        return provider._make(args[0])
    return provider._make(_response_data(args, kwargs))


def _response_data(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The data ``response(*args, **kwargs)`` writes (see :meth:`JSONProvider.response`)."""
    if args and kwargs:
        # Flask's wording, so a ported test matching on it keeps passing.
        raise TypeError("app.json.response() takes either args or kwargs, not both")
    if not args:
        return kwargs or None
    if len(args) == 1:
        return args[0]
    return list(args)


def _response_class() -> type[Response]:
    from ..wrappers.response import Response

    return Response


class JSONProvider:
    """The interface an app's JSON provider implements.

    Subclass it and set ``app.json_provider_class`` (before creating the app) or
    assign ``app.json`` to change how every ``jsonify``, ``request.get_json`` and
    ``dict`` return value is handled.
    """

    def __init__(self, app: Any) -> None:
        self._app = app

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize data as JSON text."""
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize JSON text or bytes."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: t.IO[str], **kwargs: Any) -> None:
        """Serialize data as JSON and write it to a text file."""
        fp.write(self.dumps(obj, **kwargs))

    def load(self, fp: t.IO[t.AnyStr], **kwargs: Any) -> Any:
        """Deserialize JSON read from a text or binary file."""
        return self.loads(fp.read(), **kwargs)

    def dump_bytes(self, obj: Any) -> bytes:
        """Serialize straight to bytes; responses need bytes, so skip a decode."""
        return self.dumps(obj).encode()

    def _body(self, obj: Any) -> bytes:
        # A provider of the app's own writes the body exactly as its dumps
        # does, as Flask's base provider does.
        return self.dump_bytes(obj)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Build a JSON response the way ``jsonify`` does.

        One positional argument is the data; several are a list; keyword
        arguments are a dict. Mixing the two is a :class:`TypeError`.
        """
        return self._make(_response_data(args, kwargs))

    def _make(self, obj: Any) -> Response:
        # The app's response class, as Flask's jsonify uses: a subclass an
        # app installs (extra headers, a custom JSON module) applies here too,
        # and so does its default_status, read now (it may be assigned late).
        app = self._app
        response_class = app.response_class if app is not None else _response_class()
        body = self._body(obj)
        # Not derived from hipflask's, or with an __init__ (extra headers …) or
        # a default status of its own: build it through the class, with the
        # arguments Flask gives it (the text and the mimetype).
        if (
            not getattr(response_class, "_fast_is_init", False)
            or response_class.default_status != 200
        ):
            return response_class(body.decode(), mimetype=self.mimetype)
        header = self.mimetype_header
        if self.mimetype != "application/json":
            # Set on the instance or a subclass (``app.json.mimetype = ...``).
            header = get_content_type(self.mimetype, "utf-8")
        return response_class._fast(body, 200, header)

    mimetype: str = "application/json"
    mimetype_header: str = "application/json"


_UTF8_BOM = b"\xef\xbb\xbf"


class DefaultJSONProvider(JSONProvider):
    """Stdlib or orjson encoding with Flask's type support and settings.

    ``sort_keys`` (default True) and ``compact`` (None: compact unless debug)
    mirror Flask's provider attributes; orjson is used when it can honour them
    and ``ensure_ascii`` is off.
    """

    sort_keys: bool = True
    compact: bool | None = None
    #: Off by default (unlike the stdlib): UTF-8 output is valid JSON, smaller,
    #: and lets the orjson fast path serve it.
    ensure_ascii: bool = False
    default: t.Callable[[Any], Any] = staticmethod(_default)

    def _use_orjson(self) -> bool:
        if _orjson is None or self.ensure_ascii or self.default is not _default:
            return False
        if type(self).dumps is not DefaultJSONProvider.dumps:
            # A subclass's own dumps writes every JSON response, as in Flask.
            return False
        compact = self.compact
        if compact is not None:
            return compact
        app = self._app
        return app is None or not app.debug

    def _make(self, obj: Any) -> Response:
        # The usual jsonify: orjson writes the body with its newline in one
        # call, straight into a response built without the constructor.
        app = self._app
        compact = self.compact
        if (
            _orjson is not None
            and not self.ensure_ascii
            and self.default is _default
            and type(self).dump_bytes is DefaultJSONProvider.dump_bytes
            and type(self).dumps is DefaultJSONProvider.dumps
            and self.mimetype == "application/json"
            # _use_orjson, inlined.
            and (compact if compact is not None else app is None or not app.config["DEBUG"])
        ):
            response_class = app.response_class if app is not None else _response_class()
            if (
                getattr(response_class, "_fast_is_init", False)
                and response_class.default_status == 200
            ):
                try:
                    body = _orjson.dumps(
                        obj, default=_orjson_default, option=_ORJSON_LINE[bool(self.sort_keys)]
                    )
                except TypeError:
                    pass  # what orjson refuses takes the general path below
                else:
                    return response_class._fast(body, 200, self.mimetype_header)
        return super()._make(obj)

    def _body(self, obj: Any) -> bytes:
        # Flask's default provider ends every JSON response body with a
        # newline (terminals and curl print the next prompt on its own line);
        # tests compare bytes.
        body = self.dump_bytes(obj)
        return body if body.endswith(b"\n") else body + b"\n"

    def _is_compact(self) -> bool:
        if self.compact is not None:
            return self.compact
        return not (self._app is not None and self._app.debug)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize with the provider's settings; keyword arguments override them."""
        if not kwargs and self._use_orjson():
            try:
                return self._orjson_dumps(obj).decode()
            except TypeError:
                # What orjson refuses (non-string keys, big integers) is the
                # stdlib's to write or refuse, as in dump_bytes.
                kwargs["separators"] = (",", ":")
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        if "allow_nan" in kwargs:
            return json.dumps(obj, **kwargs)
        try:
            return json.dumps(obj, allow_nan=False, **kwargs)
        except ValueError:
            # NaN or an infinity: "NaN" is not JSON; write null, as orjson does.
            return json.dumps(strict.without_non_finite(obj), allow_nan=False, **kwargs)

    def _orjson_dumps(self, obj: Any) -> bytes:
        if _orjson is None:  # pragma: no cover - guarded by _use_orjson
            raise RuntimeError("orjson is not installed")
        option = _ORJSON_SORTED if self.sort_keys else _ORJSON_UNSORTED
        result: bytes = _orjson.dumps(obj, default=_orjson_default, option=option)
        return result

    def dump_bytes(self, obj: Any) -> bytes:
        """Serialize to bytes; with orjson this skips a str round trip."""
        if self._use_orjson():
            try:
                return _orjson.dumps(  # type: ignore[no-any-return]
                    obj,
                    default=_orjson_default,
                    option=_ORJSON_SORTED if self.sort_keys else _ORJSON_UNSORTED,
                )
            except TypeError:
                pass  # what orjson refuses (non-string keys, ...) falls back below
        options: dict[str, Any] = (
            {"separators": (",", ":")} if self._is_compact() else {"indent": 2}
        )
        text = self.dumps(obj, **options)
        try:
            data = text.encode()
        except UnicodeEncodeError:
            # A lone surrogate cannot be UTF-8; as a \u escape it is valid JSON.
            data = self.dumps(obj, ensure_ascii=True, **options).encode()
        return data if self._is_compact() else data + b"\n"

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize; orjson when installed and no options were given.

        Without options, input that cannot be written back as JSON is a
        ``ValueError`` whichever parser runs (see :mod:`hipflask.json.strict`).
        """
        if kwargs:
            return json.loads(s, **kwargs)
        if _orjson is not None and not strict.has_long_integer(s):
            if isinstance(s, bytes) and s[:3] == _UTF8_BOM:
                # The stdlib reads bytes that start with one, as Flask does.
                s = s[3:]
            value = _orjson.loads(s)
            strict.check_depth(s, value)
            return value
        return strict.loads(s)


__all__ = ["DefaultJSONProvider", "HTTPStatus", "JSONProvider"]
