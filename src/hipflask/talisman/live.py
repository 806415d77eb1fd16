"""Talisman's options as attributes, and policy dicts that apply themselves when changed.

Flask-Talisman reads its options on every response, so code written for it
sets them on the instance after ``init_app`` (``talisman.force_https =
False``) or changes them in place
(``talisman.content_security_policy["img-src"] = "*"``). hipflask turns the
options into the header policy's settings once; an attribute or a dict that
says when it changed lets that happen again, rather than checking the
options on every response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError

__all__ = ["POLICY_OPTIONS", "LiveAttributes", "LivePolicy", "LiveSources", "live_options"]

_log = logging.getLogger("hipflask.talisman")

#: ``hipflask.talisman.ALLOW_FROM`` (that module imports this one).
_ALLOW_FROM = "ALLOW-FROM"

#: The options whose value may be a dict that code changes in place.
POLICY_OPTIONS = (
    "content_security_policy",
    "permissions_policy",
    "document_policy",
    "feature_policy",
)


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """A mutating method that applies the change, or undoes it when it is refused."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = self._snapshot()
        result = method(self, *args, **kwargs)
        self._changed(before)
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class LiveSources(list[Any]):
    """A list held in a :class:`LivePolicy` (a directive's sources), live as the dict is.

    Flask-Talisman reads the policy on every response, so code appends to
    these lists (``talisman.content_security_policy["img-src"].append(...)``);
    unseen, the change never reached the header.
    """

    def __init__(self, value: Iterable[Any], on_change: Callable[[], None]) -> None:
        super().__init__(value)
        self._on_change = on_change

    def _snapshot(self) -> list[Any]:
        return list(self)

    def _changed(self, before: list[Any]) -> None:
        try:
            self._on_change()
        except ConfigurationError:
            list.__setitem__(self, slice(None), before)
            raise

    append = _checked(list.append)
    extend = _checked(list.extend)
    insert = _checked(list.insert)
    remove = _checked(list.remove)
    pop = _checked(list.pop)
    clear = _checked(list.clear)
    sort = _checked(list.sort)
    reverse = _checked(list.reverse)
    __setitem__ = _checked(list.__setitem__)
    __delitem__ = _checked(list.__delitem__)
    __iadd__ = _checked(list.__iadd__)
    __imul__ = _checked(list.__imul__)


class LivePolicy(dict[str, Any]):
    """A copy of a policy dict that applies every change as it is made, or refuses it.

    A copy, not the dict given: Flask-Talisman hands out its module's
    ``DEFAULT_CSP_POLICY`` itself, so a change made through one app reached
    every app of the process.

    A change is checked where it is made, not at the next request: a value
    the header policy refuses (a line break, a ``;`` in a CSP source) raises
    :class:`~hipflask.errors.ConfigurationError` from the assignment itself,
    with the line that made it in the traceback, and the dict is put back as
    it was, as a refused attribute keeps its previous value. Logged and
    kept instead, it left the old headers in place while the dict read back
    the new value, and held back every later change, a stricter one
    included. Checking at the next request would cost every request a
    comparison and report the mistake far from where it was made.
    ``on_change`` raises to refuse.

    Lists in it (a directive's sources) are copied as :class:`LiveSources`,
    so a change made through the dict (``policy["img-src"].append(...)``)
    is seen; a list kept from before it was given is not the dict's.
    """

    def __init__(self, value: Mapping[str, Any], on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        super().__init__({key: self._live(item) for key, item in value.items()})

    def _live(self, value: Any) -> Any:
        if isinstance(value, list):
            return LiveSources(value, self._on_change)
        return value

    def _snapshot(self) -> dict[str, Any]:
        return dict(self)

    def _changed(self, before: dict[str, Any]) -> None:
        try:
            self._on_change()
        except ConfigurationError:
            dict.clear(self)
            dict.update(self, before)
            raise

    @_checked
    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, self._live(value))

    __delitem__ = _checked(dict.__delitem__)
    pop = _checked(dict.pop)
    popitem = _checked(dict.popitem)
    clear = _checked(dict.clear)

    def __ior__(self, other: Any) -> LivePolicy:  # type: ignore[override,misc]
        self.update(other)
        return self

    @_checked
    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            dict.__setitem__(self, key, self._live(value))

    @_checked
    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            dict.__setitem__(self, key, self._live(default))
        return self[key]


def live_options(options: dict[str, Any], on_change: Callable[[], None]) -> dict[str, Any]:
    """``options`` with each policy given as a dict made a :class:`LivePolicy`.

    One that already is this object's is kept, not copied: code that read
    ``talisman.content_security_policy`` before setting another option
    still holds the dict that is applied.
    """
    for name in _dict_options(options):
        value = options[name]
        if not (isinstance(value, LivePolicy) and value._on_change == on_change):
            options[name] = LivePolicy(value, on_change)
    return options


def _dict_options(options: Mapping[str, Any]) -> Iterable[str]:
    return [name for name in POLICY_OPTIONS if isinstance(options.get(name), Mapping)]


def _awaits_partner(name: str, value: Any) -> bool:
    """Whether setting option ``name`` to ``value`` may be half of a pair of assignments.

    Report-only needs its report URI, ``ALLOW_FROM`` its origin; set one at
    a time, the first is refused until the second follows.
    """
    if name == "content_security_policy_report_only":
        return bool(value)
    return name == "frame_options" and value == _ALLOW_FROM


class LiveAttributes:
    """The options of a Talisman object read and set as its attributes.

    The class using it names its options, normalises them and applies them
    to its app (raising :class:`~hipflask.errors.ConfigurationError` for
    options it refuses).
    """

    _option_names: frozenset[str] = frozenset()
    options: dict[str, Any]
    #: Whether options set as attributes wait for the other half of a pair.
    _pending = False

    @staticmethod
    def _normalize_options(options: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _apps(self) -> list[Any]:
        """The apps the options are applied to."""
        raise NotImplementedError

    def _apply_everywhere(self) -> None:
        """Apply the options to every app, or refuse them for all."""
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        """An option read as an attribute (``talisman.force_https``), as in Flask-Talisman."""
        options = self.__dict__.get("options")
        if options is not None and name in self._option_names:
            return options[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        """An option set as an attribute after ``init_app`` reaches the headers.

        Flask-Talisman reads its attributes on every response, so code
        written for it (a test suite turning ``force_https`` off) sets them
        late; see :meth:`_reapply` for options that only make sense together.

        :raises ~hipflask.errors.ConfigurationError: a value refused on its
            own (``frame_options="ALLOWALL"``, a CR in a header value): no
            later assignment could make it apply, and kept, it would hold
            back every change after it. The option keeps its previous value.
        """
        if name not in self._option_names:
            object.__setattr__(self, name, value)
            return
        previous = self.options
        changed = self._normalize_options({**self.options, name: value})
        self.options = live_options(changed, self._policy_changed)
        # What an assignment names is written even when its value is the
        # one written before: the app may have changed the setting since.
        assigned: set[str] = self.__dict__.setdefault("_assigned", set())
        is_new = name not in assigned
        assigned.add(name)
        if not self._apps() or self._pending or _awaits_partner(name, value):
            self._reapply()
            return
        try:
            self._apply_everywhere()
        except ConfigurationError:
            object.__setattr__(self, "options", previous)
            if is_new:
                assigned.discard(name)
            raise

    def _policy_changed(self) -> None:
        """A policy dict was changed in place: apply it now, or refuse the change.

        Refused like an attribute set on its own (see :class:`LivePolicy`),
        but while a pair of attributes is half set, when a failure cannot be
        told apart from the pair's own and is logged.
        """
        if not self._apps():
            return
        if self._pending:
            self._reapply()
            return
        self._apply_everywhere()

    def _reapply(self) -> None:
        """Apply options changed after ``init_app``, once they make sense together.

        Set one at a time, they pass through combinations that do not
        (``content_security_policy_report_only`` before its report URI,
        ``frame_options=ALLOW_FROM`` before its origin): those are logged and
        the headers stay as they were, rather than refusing the first of two
        assignments that belong together.
        """
        if not self._apps():
            return
        try:
            self._apply_everywhere()
        except ConfigurationError as exc:
            self._pending = True
            _log.warning("Talisman options not applied yet, the previous ones stay: %s", exc)
