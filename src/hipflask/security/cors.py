"""Cross-Origin Resource Sharing: which other sites may read which responses.

A browser keeps a page on ``https://evil.example`` from reading responses of
``https://api.example`` unless the API says, with ``Access-Control-*``
headers, that this origin may. This module turns one set of CORS options
(Flask-CORS's names) into a :class:`CorsPolicy`, checked once at start-up,
and answers two questions per request: the headers of a preflight answer,
and the headers to add to an actual response. It knows nothing about
applications or protocols; :mod:`hipflask.cors` wires it into the gate.

The one combination refused at start-up is a wildcard origin with
credentials: reflecting every ``Origin`` while allowing cookies lets any
site on the web read a logged-in user's data, which is the CORS
misconfiguration behind most real CORS breaches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hipflask.errors import ConfigurationError

__all__ = [
    "DEFAULT_METHODS",
    "CorsConfigurationError",
    "CorsPolicy",
    "CorsResource",
    "is_preflight",
    "parse_resources",
]

#: Flask-CORS's default for ``methods``.
DEFAULT_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")

_OPTIONS = frozenset(
    {
        "origins",
        "methods",
        "allow_headers",
        "expose_headers",
        "supports_credentials",
        "max_age",
        "send_wildcard",
        "vary_header",
        "automatic_options",
        "always_send",
        "resources",
        "intercept_exceptions",
        "allow_private_network",
    }
)
# A regex is told from a literal origin by characters a literal never has.
_REGEX_HINT = re.compile(r"[\\*^$+?()\[\]{}|]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


class CorsConfigurationError(ConfigurationError, ValueError):
    """A malformed or unsafe CORS setting, refused at start-up.

    Also a :class:`ValueError`, which is what Flask-CORS raises for a bad
    setting: an app or a test written against it that expects one (``except
    ValueError``, ``pytest.raises(ValueError)``) keeps working.
    """


def is_preflight(method: str, headers: Any) -> bool:
    """Tell a CORS preflight from a plain ``OPTIONS`` request.

    Only a browser's preflight carries ``Access-Control-Request-Method``; a
    plain ``OPTIONS`` (a client asking what a URL allows) is an ordinary
    request and is treated as one.
    """
    return method == "OPTIONS" and headers.get("Access-Control-Request-Method") is not None


def _as_list(value: Any, setting: str, *, split: bool = False) -> list[Any]:
    """A setting as a list; with ``split``, ``"GET, POST"`` is two entries, as in Flask-CORS."""
    if value is None:
        return []
    if isinstance(value, str) and split and not _REGEX_HINT.search(value):
        return [item for item in (part.strip() for part in value.split(",")) if item]
    if isinstance(value, (str, re.Pattern)):
        return [value]
    if isinstance(value, Iterable):
        return list(value)
    raise CorsConfigurationError(
        f"CORS {setting} must be a string, a regex or a list of them, not {value!r}."
    )


def _patterns(
    value: Any, setting: str, *, split: bool = False
) -> tuple[tuple[str | re.Pattern[str], ...], bool]:
    """Compile origins or header names: literals stay strings, regexes compile."""
    items: list[str | re.Pattern[str]] = []
    wildcard = False
    for item in _as_list(value, setting, split=split):
        if isinstance(item, re.Pattern):
            items.append(item)
        elif isinstance(item, str):
            if item in ("*", ".*"):
                wildcard = True
            elif _REGEX_HINT.search(item):
                try:
                    items.append(re.compile(item, re.IGNORECASE))
                except re.error as exc:
                    raise CorsConfigurationError(
                        f"CORS {setting} entry {item!r} is not a valid regular expression: {exc}."
                    ) from exc
            else:
                items.append(item.rstrip("/").lower())
        else:
            raise CorsConfigurationError(f"CORS {setting} entries must be strings, not {item!r}.")
    return tuple(items), wildcard


#: Two origins no app names: a regex matching both allows any site, whatever
#: its spelling ('.+', r'https?://.*'), which credentials must not be given to.
_UNRELATED_SITES = ("https://attacker.invalid", "http://unrelated.invalid:8080")


def _matches_unrelated_sites(patterns: tuple[str | re.Pattern[str], ...]) -> bool:
    return any(
        not isinstance(pattern, str)
        and all(pattern.fullmatch(site) is not None for site in _UNRELATED_SITES)
        for pattern in patterns
    )


def _matches(value: str, patterns: tuple[str | re.Pattern[str], ...]) -> bool:
    lower = value.lower()
    for pattern in patterns:
        if isinstance(pattern, str):
            if pattern == lower:
                return True
        elif pattern.fullmatch(value) is not None:
            return True
    return False


def _header_list(value: Any, setting: str) -> str | None:
    """A list of names as a header value: sorted, or a string as it is written.

    Flask-CORS sends them so; either way each name must be a token.
    """
    names = [str(name).strip() for name in _as_list(value, setting, split=True)]
    if isinstance(value, str) and not value.strip().isprintable():
        # The string itself is sent: a CR or LF between its names would end
        # the header there, whatever the names are.
        names.append(value)
    for name in names:
        if _TOKEN.match(name) is None:
            raise CorsConfigurationError(
                f"CORS {setting} has {name!r}, which is not a header name (a CR or LF"
                " would inject headers of its own)."
            )
    if not names:
        return None
    return value.strip() if isinstance(value, str) else ", ".join(sorted(names))


@dataclass(frozen=True)
class CorsPolicy:
    """One resource's CORS options, validated and rendered once."""

    origins: tuple[str | re.Pattern[str], ...]
    any_origin: bool
    methods: str
    method_set: frozenset[str]
    allow_headers: tuple[str | re.Pattern[str], ...]
    any_header: bool
    expose_headers: str | None
    supports_credentials: bool
    max_age: str | None
    send_wildcard: bool
    vary_header: bool
    allow_private_network: bool
    always_send: bool
    automatic_options: bool
    intercept_exceptions: bool

    @classmethod
    def from_options(cls, **options: Any) -> CorsPolicy:
        """Build a policy from Flask-CORS's keyword options.

        Unknown names are refused: a misspelt ``supports_credential`` would
        silently leave the policy different from what the author believes.
        """
        unknown = set(options) - _OPTIONS
        if unknown:
            raise CorsConfigurationError(
                f"Unknown CORS option(s) {sorted(unknown)}; the options are"
                f" {', '.join(sorted(_OPTIONS))}."
            )
        origins, any_origin = _patterns(options.get("origins", "*"), "origins")
        credentials = bool(options.get("supports_credentials", False))
        if credentials and not any_origin and _matches_unrelated_sites(origins):
            raise CorsConfigurationError(
                "A CORS origins regex matches any site (it matched both"
                f" {_UNRELATED_SITES[0]} and {_UNRELATED_SITES[1]}), together with"
                " supports_credentials=True: every site on the web could then read"
                " your users' logged-in responses. Anchor it to your own hosts, for"
                r" example r'https://(www\.)?example\.com'."
            )
        if any_origin and credentials:
            raise CorsConfigurationError(
                "CORS allows any origin ('*') together with supports_credentials=True:"
                " every site on the web could then read your users' logged-in"
                " responses. List the origins that may call with credentials, for"
                " example origins=['https://app.example.com']."
            )
        allow, any_header = _patterns(
            options.get("allow_headers", "*"), "allow_headers", split=True
        )
        methods_option = options.get("methods", DEFAULT_METHODS)
        methods = [str(m).strip().upper() for m in _as_list(methods_option, "methods", split=True)]
        # Each a token, as it is echoed in a header; a string is sent as written.
        rendered_methods = _header_list(methods_option, "methods") or ""
        return cls(
            origins=origins,
            any_origin=any_origin,
            methods=rendered_methods.upper(),
            method_set=frozenset(methods),
            allow_headers=allow,
            any_header=any_header,
            expose_headers=_header_list(options.get("expose_headers"), "expose_headers"),
            supports_credentials=credentials,
            max_age=_max_age(options.get("max_age")),
            send_wildcard=bool(options.get("send_wildcard", False)),
            vary_header=bool(options.get("vary_header", True)),
            allow_private_network=bool(options.get("allow_private_network", False)),
            always_send=bool(options.get("always_send", True)),
            automatic_options=bool(options.get("automatic_options", True)),
            intercept_exceptions=bool(options.get("intercept_exceptions", True)),
        )

    def allows_origin(self, origin: str | None) -> bool:
        """Whether a response for this resource may be shared with ``origin``."""
        if not origin:
            return False
        return self.any_origin or _matches(origin, self.origins)

    def _allow_origin_value(self, origin: str) -> str:
        if self.any_origin and self.send_wildcard and not self.supports_credentials:
            return "*"
        return origin

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """The headers to add to an actual (non-preflight) response.

        Without an ``Origin`` (a same-origin page, curl, a cache filling
        itself), ``always_send`` still marks a public resource as public
        (``*``). A resource limited to listed origins names none of them:
        no browser needs it, and it would hand the list to anyone asking.
        """
        headers: list[tuple[str, str]] = []
        if not origin:
            if self.always_send and self.any_origin:
                headers.append(("Access-Control-Allow-Origin", "*"))
                if self.expose_headers:
                    headers.append(("Access-Control-Expose-Headers", self.expose_headers))
            return headers
        if self.allows_origin(origin):
            headers.append(("Access-Control-Allow-Origin", self._allow_origin_value(origin)))
            if self.supports_credentials:
                headers.append(("Access-Control-Allow-Credentials", "true"))
            if self.expose_headers:
                headers.append(("Access-Control-Expose-Headers", self.expose_headers))
        return headers

    def preflight_headers(
        self,
        origin: str | None,
        request_method: str | None,
        request_headers: str | None,
        private_network: str | None = None,
    ) -> list[tuple[str, str]]:
        """The headers of a preflight answer; none when the origin is not allowed.

        A refused preflight still gets an ordinary empty answer: the browser
        then blocks the actual request itself, and an attacker learns nothing
        a missing header would not tell.
        """
        if not (origin and self.allows_origin(origin)):
            return []
        if request_method is not None and request_method.upper() not in self.method_set:
            return []
        headers = [("Access-Control-Allow-Origin", self._allow_origin_value(origin))]
        if self.supports_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        names = [name.strip() for name in (request_headers or "").split(",")]
        # Only well-formed names are echoed back: the value is copied into a
        # response header, and a CR/LF in it would split the response.
        allowed = [
            name
            for name in names
            if _TOKEN.match(name) and (self.any_header or _matches(name, self.allow_headers))
        ]
        if allowed:
            headers.append(("Access-Control-Allow-Headers", ", ".join(allowed)))
        headers.append(("Access-Control-Allow-Methods", self.methods))
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", self.max_age))
        # Private Network Access: a public page may reach a server on the
        # user's network (a router, localhost) only when the server opts in;
        # asked and not allowed, the answer is an explicit "false".
        if private_network == "true":
            granted = "true" if self.allow_private_network else "false"
            headers.append(("Access-Control-Allow-Private-Network", granted))
        return headers


def _max_age(value: Any) -> str | None:
    """``max_age`` as Flask-CORS takes it (seconds, a digit string or a timedelta)."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CorsConfigurationError(f"CORS max_age must be seconds (an int), not {value!r}.")
    return str(value)


@dataclass(frozen=True)
class CorsResource:
    """A path pattern and the policy for the URLs it matches.

    ``rank`` orders the resources that may match one path, lowest first.
    """

    pattern: re.Pattern[str]
    policy: CorsPolicy
    rank: tuple[int, int, int, int] = (1, 1, 0, 0)

    def matches(self, path: str) -> bool:
        """Whether this resource's pattern covers ``path``."""
        return self.pattern.match(path) is not None


def _path_pattern(path: object) -> re.Pattern[str]:
    if isinstance(path, re.Pattern):
        return path
    if not isinstance(path, str):
        raise CorsConfigurationError(
            f"CORS resources entries must be path regexes (strings), not {path!r}."
        )
    if path == "*":
        # Flask-CORS's spelling of every path, as "*" is every origin.
        path = ".*"
    if _REGEX_HINT.search(path) is None:
        # No regex characters (a dot is no sign: it is in file names), so
        # "/feed.json" is that path, as Flask-CORS compares it.
        return re.compile(f"{re.escape(path)}\\Z")
    text = path
    if "/*" in text and ".*" not in text:
        # Flask-CORS matches "/api/*" as a regex prefix: /api, /api/x, and
        # /apiary too. Here a final "/*" covers the path itself and what is
        # below it, but no longer names; an inner one is any one level.
        below = text.endswith("/*")
        text = text.removesuffix("/*") if below else text
        text = text.replace("/*", "/.*") + ("(?:/.*)?" if below else "")
    try:
        return re.compile(f"(?:{text})\\Z" if not text.endswith("$") else text)
    except re.error as exc:
        raise CorsConfigurationError(
            f"CORS resource {path!r} is not a valid path regular expression: {exc}."
        ) from exc


def _path_rank(path: str | re.Pattern[str]) -> tuple[int, int, int, int]:
    """Where a resource is tried, in Flask-CORS's order.

    Literal paths come first, then compiled regexes, then regexes written as
    strings; within each, more slashes first, then longer: ``/api/me`` wins
    over ``/api/*``, and ``/api/v1/*`` over ``/api/*``.
    """
    if isinstance(path, re.Pattern):
        return (1, 0, -path.pattern.count("/"), -len(path.pattern))
    text = ".*" if path == "*" else path
    kind = (1, 1) if _REGEX_HINT.search(text) else (0, 0)
    return (*kind, -text.count("/"), -len(text))


def parse_resources(resources: Any, defaults: Mapping[str, Any]) -> tuple[CorsResource, ...]:
    """Turn Flask-CORS's ``resources`` argument into ordered resources.

    ``resources`` is a path regex, a list of them, or a dict of path regex ->
    per-resource options overriding ``defaults``. They are tried in
    Flask-CORS's order (:func:`_path_rank`).
    """
    if resources is None:
        resources = r"/*"
    if isinstance(resources, (str, re.Pattern)):
        items: list[tuple[Any, Mapping[str, Any]]] = [(resources, {})]
    elif isinstance(resources, Mapping):
        items = []
        for path, options in resources.items():
            if not isinstance(options, Mapping):
                raise CorsConfigurationError(
                    f"CORS resources[{path!r}] must be a dict of options, not {options!r}."
                )
            items.append((path, options))
    elif isinstance(resources, Iterable):
        items = [(path, {}) for path in resources]
    else:
        raise CorsConfigurationError(
            f"CORS resources must be a path regex, a list or a dict, not {resources!r}."
        )

    built = []
    for path, options in items:
        pattern = _path_pattern(path)
        merged = {k: v for k, v in defaults.items() if k not in ("resources",)}
        merged.update(options)
        policy = CorsPolicy.from_options(**merged)
        built.append(CorsResource(pattern, policy, _path_rank(path)))
    return tuple(sorted(built, key=lambda resource: resource.rank))
