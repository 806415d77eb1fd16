"""Tagged JSON: the compact format the session cookie is written in.

JSON knows strings, numbers, booleans, null, arrays and objects. A session
holds more than that (flashed messages are tuples, a CSRF token may be bytes,
a login time is a datetime), and each must come back as the same type, not as
a string or a list. The serializer wraps such a value in a one-key object
whose key is a *tag*, for example ``{" t": [1, 2]}`` for the tuple ``(1, 2)``,
and unwraps it when loading. Tags start with a space, which keeps them out of
the way of ordinary keys; a real dict whose only key happens to be a tag is
itself tagged (``" di"``) so it cannot be mistaken for one.

Built in: ``dict`` with a tag-like key, ``tuple``, ``bytes``,
:class:`~markupsafe.Markup` (any object with ``__html__``), :class:`~uuid.UUID`
and :class:`~datetime.datetime`. Add a type by subclassing :class:`JSONTag`
and registering it::

    from collections import OrderedDict

    from hipflask.sessions.tag import JSONTag


    class TagOrderedDict(JSONTag):
        __slots__ = ("serializer",)
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)


    app.session_interface.serializer.register(TagOrderedDict, index=0)

Datetimes are written in ISO 8601 and come back exactly, microseconds and
time zone (or its absence) included; Flask writes an HTTP date, which drops
both. Cookies in Flask's form still load, as aware UTC datetimes.
"""

from __future__ import annotations

import json
from base64 import b64decode
from base64 import b64encode
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import parse_date

from ..contexts.globals import _current_app_or_none
from ..json.provider import DefaultJSONProvider

# Values JSON carries as they are.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class JSONTag:
    """One type the serializer can write and read back.

    ``key`` names the tag in the JSON (keep it short: it is in every cookie;
    start it with a space like the built-in ones). A tag without a key only
    *rewrites* a value on the way out (``dict`` and ``list`` use that to tag
    their items) and is never looked up when loading.
    """

    __slots__ = ("serializer",)

    #: The tag's name in the JSON; empty for a pass-through tag.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """Turn ``value`` into JSON-compatible data (tag nested values yourself)."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """Rebuild the value from what :meth:`to_json` produced.

        Values nested inside have already been rebuilt when this is called.
        """
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """Wrap the converted value in a one-key object named by :attr:`key`."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A dict whose only key is a registered tag, so it is not read as one.

    The key gets a ``__`` suffix on the way out and loses it on the way in.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: Any) -> Any:
        ((key, item),) = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: Any) -> Any:
        ((key, item),) = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Any other dict: kept as an object, its values tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return {key: tag(item) for key, item in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, which JSON would otherwise turn into a list."""

    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: kept as an array, its items tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, as base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Markup (anything with ``__html__``), read back as :class:`~markupsafe.Markup`.

    A flashed message marked safe must stay safe after the redirect, or the
    page would show it escaped.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        # Not an injection: the payload is only loaded after its signature
        # verified, so this text was markup when this app stored it.
        return Markup(value)  # noqa: S704


class TagUUID(JSONTag):
    """A UUID, as its 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, in ISO 8601 so that it round-trips exactly.

    Reading also accepts the HTTP-date form Flask writes, so sessions signed
    by a Flask app (with a Flask-compatible digest) keep their datetimes.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return value.isoformat()

    def to_python(self, value: Any) -> Any:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            parsed = parse_date(value)
            if parsed is None:
                raise
            return parsed


class TaggedJSONSerializer:
    """Compact JSON with type tags; the ``serializer`` of the cookie session.

    ``dumps`` and ``loads`` are what itsdangerous calls. Types that are
    neither JSON nor tagged (``date``, ``Decimal``, dataclasses) are handed to
    the current app's JSON provider, which writes them the way ``jsonify``
    does; they come back as what that wrote (usually a string), as in Flask.
    """

    __slots__ = ("_decoder", "_encoder", "_scalars_pass", "order", "tags")

    #: Tag classes every new serializer starts with, in checking order.
    default_tags: tuple[type[JSONTag], ...] = (
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    )

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        # None of the built-in tags claims a str, number, bool or None, so
        # until another tag is registered those skip the search.
        self._scalars_pass = True
        for tag_class in self.default_tags:
            self.register(tag_class)
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_encode_other
        )
        # The hook sees every object innermost first, which is exactly the
        # order untagging needs: a tag's value is rebuilt before the tag is.
        self._decoder = json.JSONDecoder(object_hook=self.untag)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag type.

        :param force: replace an existing tag with the same key instead of
            raising :class:`KeyError`.
        :param index: where to insert it in the checking order; ``None``
            appends. Tags are tried in order and the first whose ``check``
            accepts a value wins, so a tag for a subclass of ``dict``,
            ``tuple`` or ``list`` must come before the built-in ones
            (``index=0``).
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        if tag_class not in _BUILTIN_TAGS:
            self._scalars_pass = False

    def tag(self, value: Any) -> Any:
        """Convert ``value`` into JSON-compatible data, tagging as needed."""
        if self._scalars_pass and type(value) in _JSON_SCALARS:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        """Turn a tagged object back into its value; other objects pass through."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def dumps(self, value: Any) -> str:
        """Tag and serialize ``value`` to compact JSON."""
        if self._scalars_pass and type(value) is dict:
            flat = self._flat_object(value)
            if flat is not None:
                return flat
        return self._encoder.encode(self.tag(value))

    def _flat_object(self, value: dict[Any, Any]) -> str | None:
        """The JSON of a dict of plain scalars under string keys, else ``None``.

        Most sessions are just that (a user id, a token, a flag), and none of
        it needs a tag; writing it here skips the tag search and the JSON
        encoder's per-call setup. The text is what the encoder writes:
        strings through its own ``encode``, ``int.__repr__`` for integers,
        the JSON literals for booleans and ``None``. Anything else (floats,
        containers, subclasses, a dict that looks like a tag) returns
        ``None`` for the general path.
        """
        if len(value) == 1 and next(iter(value)) in self.tags:
            return None
        encode = self._encoder.encode
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                return None
            kind = type(item)
            if kind is str:
                text = _json_string(item, encode)
            elif kind is int:
                text = int.__repr__(item)
            elif kind is bool:
                text = "true" if item else "false"
            elif item is None:
                text = "null"
            else:
                return None
            parts.append(f"{_json_string(key, encode)}:{text}")
        return "{" + ",".join(parts) + "}"

    def loads(self, value: str | bytes) -> Any:
        """Parse JSON and untag every tagged object in it."""
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        # raw_decode skips decode's two whitespace scans; text it does not
        # consume whole (surrounding whitespace, trailing data, an error)
        # goes through decode, which accepts it or raises as always.
        try:
            data, end = self._decoder.raw_decode(value)
        except ValueError:
            end = -1
        if end == len(value):
            return data
        return self._decoder.decode(value)


_BUILTIN_TAGS = frozenset(TaggedJSONSerializer.default_tags)


def _json_string(text: str, encode: Callable[[str], str]) -> str:
    """``text`` as a JSON string, as ``encode`` writes it.

    ASCII letters, digits and underscores (most keys) need no escaping, so
    they are quoted as they are; anything else goes through ``encode``.
    """
    if text.isascii() and text.isidentifier():
        return f'"{text}"'
    return encode(text)


def _encode_other(value: Any) -> Any:
    """Encode a type neither JSON nor a tag knows, the way the app's JSON does."""
    app = _current_app_or_none()
    default = getattr(getattr(app, "json", None), "default", None) or DefaultJSONProvider.default
    try:
        return default(value)
    except TypeError:
        raise TypeError(
            f"Object of type {type(value).__name__} cannot be stored in the session:"
            " it is not JSON serializable and no tag handles it. Store a simpler"
            " value, or register a JSONTag for the type."
        ) from None


__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]
