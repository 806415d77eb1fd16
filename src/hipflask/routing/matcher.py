"""A compiled URL matcher that answers the common case without binding the map.

Werkzeug's matcher needs a per-request ``MapAdapter`` and walks a state
machine; most requests hit a static path or one simple dynamic rule. This
matcher is built once from the map: static paths by dict lookup, dynamic
rules by one precompiled regex each, indexed by their first path segment.

Dynamic rules are tried in the order Werkzeug's state machine would reach
them (a depth-first walk: static segments before converters, converters by
Werkzeug's weights, ties in registration order), so the first regex that
matches is the rule Werkzeug picks. The order is derived from the parts
Werkzeug compiled for each rule; if a Werkzeug version lacks them, the
matcher stays off and every request goes to Werkzeug.

It answers with a *match*, or with :data:`NOT_FOUND` when no rule's pattern
matches the path at all (no static entry, no dynamic regex): then Werkzeug
would answer 404 too, and a scanner's stream of missing URLs costs no map
binding. Anything else it is not certain about (a method mismatch, a
converter refusing a value or raising, rules with defaults, redirects, aliases, host or
subdomain matching, merged slashes) returns ``None`` and the caller asks
Werkzeug, so errors, ``Allow`` headers and redirects are exactly Werkzeug's.
Every rule also leaves a *marker* on its slash sibling (``/a`` for ``/a/``;
``/a/`` for a rule with ``strict_slashes=False``), because Werkzeug answers
that path from this rule (a redirect or a loose match) before trying rules
that come later.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.routing import AnyConverter
from werkzeug.routing import Map

if TYPE_CHECKING:
    from werkzeug.routing import BaseConverter
    from werkzeug.routing import Rule

_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


class _NotFound:
    """The type of :data:`NOT_FOUND`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"


#: What :meth:`Matcher.match` answers when no rule can match the path.
NOT_FOUND = _NotFound()

# (rule, methods or None, deferred) — deferred entries are matched here only
# to learn that Werkzeug must decide.
_Entry = tuple["Rule | None", "frozenset[str] | None", bool]
# A rule's position in Werkzeug's depth-first walk: one item per part.
_Key = tuple[tuple[Any, ...], ...]
# After a state's own rules and its static and dynamic transitions.
_SIBLING = (2,)


class _Dynamic:
    __slots__ = ("deferred", "methods", "pattern", "rule", "variables")

    def __init__(
        self,
        rule: Rule | None,
        pattern: re.Pattern[str],
        variables: tuple[tuple[str, str, BaseConverter], ...],
        deferred: bool,
    ) -> None:
        self.rule = rule
        self.pattern = pattern
        # (argument name, regex group, converter), flattened once: building
        # the values is the hot loop of every dynamic request.
        self.variables = variables
        self.methods = (
            frozenset(rule.methods) if rule is not None and rule.methods is not None else None
        )
        self.deferred = deferred


class _Walk:
    """Werkzeug's state machine, reduced to the order it tries transitions in.

    At each state Werkzeug tries the static transition, then the dynamic
    ones sorted by weight, equal weights in the order they were added.
    """

    def __init__(self) -> None:
        self._added: dict[tuple[str, ...], dict[str, int]] = {}

    def key(self, rule: Rule) -> _Key:
        key: list[tuple[Any, ...]] = []
        state: tuple[str, ...] = ()
        for part in rule._parts[1:]:  # the first part is the (empty) domain
            ident = repr(part)
            if part.static:
                key.append((0,))
            else:
                added = self._added.setdefault(state, {})
                key.append((1, part.weight, added.setdefault(ident, len(added))))
            state = (*state, ident)
        return tuple(key)


def _merged(path: str) -> str:
    """``path`` with each run of slashes outside its ``<variables>`` made one.

    Werkzeug serves a rule written with ``//`` (``"/api/" + "/items"``) at
    the merged path when the map merges slashes, its default.
    """
    pieces: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(path):
        pieces.append(_SLASHES.sub("/", path[position : found.start()]))
        pieces.append(found.group())
        position = found.end()
    pieces.append(_SLASHES.sub("/", path[position:]))
    return "".join(pieces)


_SLASHES = re.compile("/{2,}")


# Werkzeug's own converters: their regexes never reach past a segment
# boundary unless the converter spans segments (``path``) by design.
_BUILT_IN = frozenset(Map.default_converters.values())
# One piece of a converter regex that matches the same text whether it is
# tried on its own segment (as Werkzeug does) or inside the whole path: a
# character class, ``\d`` or ``\w``, or a plain character, with a quantifier.
_CONTAINED_PIECE = re.compile(
    r"(?:(?P<class>\[\^?[^\]\\]+\])|\\[dw.\-_]|[A-Za-z0-9_\-])"
    r"(?:[+*?]|\{\d+(?:,\d*)?\})?\??"
)


def _is_contained(converter: BaseConverter) -> bool:
    """Whether ``converter``'s regex matches in the whole path what it matches alone.

    Werkzeug matches a segment's regex against that segment only, so a
    converter's ``.+``, ``[^.]+``, ``^...$`` or look-behind stops at the
    segment's slashes; inside one pattern for the whole path it would not.
    Werkzeug's converters and regexes made of classes without ``/`` (the
    default ``[^/]+``, ``[0-9a-f]+``, ``[a-z]{2}``) are safe; any other is
    left to Werkzeug.
    """
    if type(converter) in _BUILT_IN:
        # ``any('a/b', c)`` is the exception: Werkzeug never matches "a/b".
        return type(converter) is not AnyConverter or "/" not in converter.regex
    regex = converter.regex
    position = 0
    while position < len(regex):
        piece = _CONTAINED_PIECE.match(regex, position)
        if piece is None:
            return False
        members = piece["class"]
        if members is not None and re.match(members, "/") is not None:
            return False
        position = piece.end()
    return position > 0


def _sibling(rule: Rule, key: _Key, path: str) -> tuple[str, _Key] | None:
    """The slash sibling of ``path`` that Werkzeug answers from ``rule``, and its place."""
    if path.endswith("/"):
        if path == "/":
            return None
        return path[:-1], (*key[:-1], _SIBLING)
    if not rule.strict_slashes:
        return f"{path}/", (*key, _SIBLING)
    return None


class Matcher:
    """Route matching compiled from a URL map; see the module docstring."""

    __slots__ = (
        "_dynamic_default",
        "_dynamic_index",
        "_enabled",
        "_size",
        "_static",
        "additions",
        "first_static",
        "url_map",
    )

    def __init__(self, url_map: Map, subdomain_matching: bool = False) -> None:
        #: The map this matcher was built from, and its addition count then
        #: (``None`` for a map that does not count them): see :meth:`is_current`.
        self.url_map = url_map
        self.additions: int | None = getattr(url_map, "additions", None)
        self._size = _rule_count(url_map)
        self._static: dict[str, list[_Entry]] = {}
        #: ``path -> (rule, methods)`` for each static path whose first rule
        #: :meth:`match` would answer with, for any method in ``methods``
        #: (``None``: every method): a caller that matches in line asks
        #: here first, and calls :meth:`match` on a miss. A path with a NUL
        #: is never here.
        self.first_static: dict[str, tuple[Rule, frozenset[str] | None]] = {}
        self._dynamic_index: dict[str, list[_Dynamic]] = {}
        self._dynamic_default: list[_Dynamic] = []
        # Werkzeug never matches build-only rules.
        rules = [rule for rule in url_map.iter_rules() if not rule.build_only]
        self._enabled = not (
            url_map.host_matching
            or url_map.default_subdomain
            or subdomain_matching
            or any(rule.subdomain for rule in rules)
            or not all(hasattr(rule, "_parts") for rule in rules)
        )
        if self._enabled:
            self._compile(rules)

    def _compile(self, rules: list[Rule]) -> None:
        endpoints_with_defaults = {r.endpoint for r in rules if r.defaults}
        walk = _Walk()
        # (rank, order, entry): a state's own rules before the markers.
        static: dict[str, list[tuple[int, int, _Entry]]] = {}
        dynamic: list[tuple[_Key, int, int, str | None, _Dynamic]] = []
        for order, rule in enumerate(rules):
            path = rule.rule
            merges = rule.merge_slashes is not False and "//" in path
            if merges:
                # Served at the merged path: a marker there hands it to Werkzeug.
                path = _merged(path)
            deferred = bool(
                not all(_is_contained(converter) for converter in rule._converters.values())
                or rule.endpoint in endpoints_with_defaults
                or rule.redirect_to is not None
                or rule.alias
                or rule.websocket
                or merges
            )
            key = walk.key(rule)
            targets: list[tuple[str, _Key, Rule | None, bool]] = [(path, key, rule, deferred)]
            sibling = _sibling(rule, key, path)
            if sibling is not None:
                targets.append((sibling[0], sibling[1], None, True))
            for rank, (path, path_key, target, is_deferred) in enumerate(targets):
                if "<" not in path:
                    methods = frozenset(rule.methods) if rule.methods is not None else None
                    entry = (target, methods, is_deferred)
                    static.setdefault(path, []).append((rank, order, entry))
                    continue
                compiled, first = self._compile_dynamic(rule, path, target, is_deferred)
                dynamic.append((path_key, rank, order, first, compiled))
        for path, entries in static.items():
            entries.sort(key=lambda item: (item[0], item[1]))
            self._static[path] = [item[2] for item in entries]
            owner, methods, deferred = entries[0][2]
            # A path with a NUL is refused before routing (serve.NUL_IN_PATH,
            # null-byte injection); the one-frame paths ask this table before
            # checking for one, so a route with a NUL in it is left out.
            if owner is not None and not deferred and "//" not in path and "\x00" not in path:
                self.first_static[path] = (owner, methods)
        dynamic.sort(key=lambda item: (item[0], item[1], item[2]))
        self._dynamic_default = [item[4] for item in dynamic if item[3] is None]
        for item in dynamic:
            first = item[3]
            if first is not None and first not in self._dynamic_index:
                self._dynamic_index[first] = [
                    other[4] for other in dynamic if other[3] in (first, None)
                ]

    @staticmethod
    def _compile_dynamic(
        rule: Rule, path: str, target: Rule | None, deferred: bool
    ) -> tuple[_Dynamic, str | None]:
        pattern: list[str] = ["^"]
        variables: list[tuple[str, str, BaseConverter]] = []
        position = 0
        for found in _VARIABLE.finditer(path):
            converter = rule._converters[found["name"]]
            # A name of the pattern's own: it holds only converter regexes
            # without groups (see _is_contained).
            group = f"_hipflask_{len(variables)}"
            pattern.append(re.escape(path[position : found.start()]))
            regex = converter.regex
            if not _is_contained(converter):
                # Matched by Werkzeug (the rule is deferred): here only a
                # pattern that matches whatever Werkzeug's might, slashes
                # included (after a ``path`` part Werkzeug lets it span them).
                regex = "[\\s\\S]*"
            pattern.append(f"(?P<{group}>{regex})")
            variables.append((found["name"], group, converter))
            position = found.end()
        pattern.append(re.escape(path[position:]))
        # \Z, not $: "$" also matches before a final newline, so "/users/42\n"
        # (from %0A) would match "<int:id>" where Werkzeug, anchoring with \Z,
        # answers 404.
        pattern.append(r"\Z")
        first_segment = path.lstrip("/").split("/", 1)[0]
        first = None if "<" in first_segment else first_segment
        compiled = _Dynamic(
            target,
            re.compile("".join(pattern)),
            tuple(variables),
            deferred,
        )
        return compiled, first

    def is_current(self, url_map: Map) -> bool:
        """Whether ``url_map`` still holds the rules this matcher was built from.

        ``app.url_map.add(rule)`` is public API that bypasses ``add_url_rule``
        (and works after the first request); a matcher built before it would
        answer :data:`NOT_FOUND` for the new rule's paths, or the wrong rule.
        Werkzeug's map only ever grows, so its size tells; hipflask's own map
        counts additions, which is cheaper to compare.
        """
        if url_map is not self.url_map:
            return False
        additions = getattr(url_map, "additions", None)
        if additions is not None:
            return additions == self.additions  # type: ignore[no-any-return]
        return self._size == _rule_count(url_map)

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, Any]] | _NotFound | None:
        """``(rule, view_args)`` or :data:`NOT_FOUND` when certain, else ``None``."""
        if not self._enabled or "//" in path:
            return None
        entries = self._static.get(path)
        if entries is not None:
            for rule, methods, deferred in entries:
                if deferred:
                    return None
                if methods is None or method in methods:
                    return rule, {}  # type: ignore[return-value]
            return None
        second = path.find("/", 1)
        first = path[1:second] if second != -1 else path[1:]
        for candidate in self._dynamic_index.get(first, self._dynamic_default):
            found = candidate.pattern.match(path)
            if found is None:
                continue
            if candidate.deferred:
                return None
            if candidate.methods is not None and method not in candidate.methods:
                return None
            values: dict[str, Any] = {}
            try:
                for name, group, converter in candidate.variables:
                    values[name] = converter.to_python(found[group])
            except Exception:
                # Werkzeug answers a ValidationError with 404 rather than
                # trying the next rule, and raises any other error (a
                # converter's ``abort(404)`` for an unknown object) from its
                # match, which records an HTTP error as the routing error.
                return None
            return candidate.rule, values  # type: ignore[return-value]
        # Every rule that could match this path was tried (the index holds
        # the rules of this first segment plus those starting with a
        # variable, markers for slash redirects included): none matched.
        return NOT_FOUND


def _rule_count(url_map: Map) -> int:
    return sum(1 for _rule in url_map.iter_rules())
