"""The security headers every response carries, computed once per application.

A browser only defends a page the way the server asks it to. These headers ask
it not to guess content types (MIME sniffing turns an uploaded text file into
script), not to let other sites frame the page (clickjacking), not to leak
full URLs to other origins in ``Referer``, not to share a browsing context
group with cross-origin popups (cross-window attacks, XS-Leaks), and, on
HTTPS, never to fall back to plain HTTP (SSL stripping).

Everything that can be known at start-up is: :meth:`HeaderPolicy.from_config`
validates the settings, renders every header value and keeps two ready tuples,
one for plain HTTP responses and one for HTTPS responses. Per response,
:meth:`HeaderPolicy.apply` costs one set built from the response's own header
names and one set comparison; only a Content Security Policy with a nonce is
assembled per response, by one ``str.join``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING
from typing import Any

from hipflask.errors import ConfigurationError
from hipflask.wrappers.locations import LOCATION_NAMES
from hipflask.wrappers.locations import locations_to_uri
from hipflask.wrappers.sendable import check_sendable

_first = itemgetter(0)

#: Headers whose values the framework makes: a response's constructor's (its
#: type is checked when the view gives one), the session's cookie and its
#: ``Vary``, the cache-safety finisher's ``Cache-Control``. A response with
#: no other header is not scanned for values no server can send
#: (:mod:`hipflask.wrappers.sendable`): a session's cookie is most of what
#: such a scan would read, on every response that carries one.
_FRAMEWORK_NAMES = frozenset(
    {"content-type", "content-length", "set-cookie", "vary", "cache-control"}
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from werkzeug.datastructures import Headers

__all__ = ["DEFAULT_HSTS_MAX_AGE", "MANAGED_HEADERS", "HeaderPolicy", "make_nonce"]

#: One year, the shortest max-age browsers' HSTS preload lists accept.
DEFAULT_HSTS_MAX_AGE = 31_536_000

_CSP = "Content-Security-Policy"
_CSP_LOWER = _CSP.lower()

# Where a nonce marker ends up in the rendered policy; it is split on this
# string once, and the per-response nonce is joined back in.
_NONCE_SLOT = "{nonce}"
_NONCE_MARKERS = frozenset({"{nonce}", "'nonce-{nonce}'"})
_NONCE_SOURCE = "'nonce-{nonce}'"
_NONCE_DIRECTIVES = frozenset(
    {"default-src", "script-src", "script-src-elem", "style-src", "style-src-elem"}
)

# X-Frame-Options value -> the CSP frame-ancestors source that says the same.
# Browsers that know CSP ignore X-Frame-Options when frame-ancestors is
# present, so the two must agree or DENY would silently become SAMEORIGIN.
_FRAME_ANCESTORS = {"SAMEORIGIN": "'self'", "DENY": "'none'"}

_REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
_OPENER_POLICIES = frozenset(
    {"unsafe-none", "same-origin-allow-popups", "same-origin", "noopener-allow-popups"}
)

_DIRECTIVE_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
# Anything outside printable ASCII: CR and LF above all (response splitting),
# but also other control characters and non-ASCII text, which servers encode
# differently or reject.
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
# ';' would start a new directive inside a source list and ',' a second
# policy; braces only ever belong to the nonce marker.
_CSP_FORBIDDEN = frozenset(";,{}")

# Config key -> HeaderPolicy keyword argument.
_SETTINGS = {
    "SECURITY_HEADERS": "enabled",
    "CONTENT_SECURITY_POLICY": "content_security_policy",
    "HSTS_MAX_AGE": "hsts_max_age",
    "HSTS_INCLUDE_SUBDOMAINS": "hsts_include_subdomains",
    "HSTS_PRELOAD": "hsts_preload",
    "FRAME_OPTIONS": "frame_options",
    "REFERRER_POLICY": "referrer_policy",
    "CROSS_ORIGIN_OPENER_POLICY": "cross_origin_opener_policy",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY": "content_security_policy_report_only",
    "X_CONTENT_TYPE_OPTIONS": "content_type_options",
    "PERMISSIONS_POLICY": "permissions_policy",
    "DOCUMENT_POLICY": "document_policy",
    "EXTRA_SECURITY_HEADERS": "extra_headers",
}

#: Every header name a policy may set, for code that replaces one policy's
#: headers with another's (a per-view policy).
MANAGED_HEADERS = frozenset(
    {
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
        _CSP_LOWER,
        "content-security-policy-report-only",
        "cross-origin-opener-policy",
        "strict-transport-security",
        "permissions-policy",
        "document-policy",
    }
)

_Pair = tuple[str, str]


def make_nonce() -> str:
    """Return a fresh Content Security Policy nonce.

    128 random bits, as the CSP specification asks: an attacker who injects
    markup must not be able to guess the nonce that lets a script run.
    """
    return secrets.token_urlsafe(16)


_BODY_NAMES = frozenset({"content-type", "content-length"})


class _Bundle:
    """The headers for one kind of response (plain or HTTPS), ready to add."""

    __slots__ = ("entries", "names", "pairs", "with_body")

    def __init__(self, pairs: Sequence[_Pair]) -> None:
        self.pairs = tuple(pairs)
        self.entries = tuple((name.lower(), (name, value)) for name, value in pairs)
        self.names = frozenset(lower for lower, _ in self.entries)
        #: Whether the pairs go unchanged after a response's own two headers
        #: (an extra header may name Content-Type; it is then left out).
        self.with_body = self.names.isdisjoint(_BODY_NAMES)


class HeaderPolicy:
    """The response headers an application adds, decided once at start-up.

    Build it with :meth:`from_config`; the keyword arguments of the
    constructor mirror the settings for code that builds a policy by hand.
    A setting that is malformed, or whose value could inject a header, raises
    :class:`~hipflask.errors.ConfigurationError` naming the setting.
    """

    __slots__ = (
        "_csp_lower",
        "_csp_name",
        "_csp_pieces",
        "_csp_without_frame",
        "_plain",
        "_secure",
        "is_enabled",
        "needs_nonce",
    )

    def __init__(
        self,
        *,
        enabled: bool = True,
        content_security_policy: str | Mapping[str, str | Sequence[str]] | None = None,
        hsts_max_age: int | None = DEFAULT_HSTS_MAX_AGE,
        hsts_include_subdomains: bool = False,
        hsts_preload: bool = False,
        frame_options: str | None = "SAMEORIGIN",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        cross_origin_opener_policy: str | None = "same-origin",
        content_security_policy_report_only: bool = False,
        content_type_options: bool = True,
        permissions_policy: str | Mapping[str, str | Sequence[str]] | None = None,
        document_policy: str | Mapping[str, str | Sequence[str]] | None = None,
        extra_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        # Settings are checked even when the policy is off: a mistake is
        # reported the day it is made, not the day the policy is turned on.
        self.is_enabled: bool = _require_bool("SECURITY_HEADERS", enabled)
        frame = _frame_options(frame_options)
        csp = _render_csp(content_security_policy, _FRAME_ANCESTORS[frame] if frame else None)
        # What to send instead when a view sets its own X-Frame-Options: the
        # policy's frame-ancestors would override the view's stricter choice
        # in every browser that knows CSP (clickjacking protection weakened).
        self._csp_without_frame = _render_csp(content_security_policy, None)
        referrer = _referrer_policy(referrer_policy)
        opener = _choice("CROSS_ORIGIN_OPENER_POLICY", cross_origin_opener_policy, _OPENER_POLICIES)
        hsts = _hsts(hsts_max_age, hsts_include_subdomains, hsts_preload)

        uses_nonce = csp is not None and _NONCE_SLOT in csp
        # Report-only asks browsers to report violations without blocking:
        # the way to roll out a policy without breaking the site first.
        report_only = _require_bool(
            "CONTENT_SECURITY_POLICY_REPORT_ONLY", content_security_policy_report_only
        )
        self._csp_name = _CSP + "-Report-Only" if report_only else _CSP
        self._csp_lower = self._csp_name.lower()
        common: list[_Pair] = []
        if _require_bool("X_CONTENT_TYPE_OPTIONS", content_type_options):
            common.append(("X-Content-Type-Options", "nosniff"))
        if referrer is not None:
            common.append(("Referrer-Policy", referrer))
        if frame is not None:
            common.append(("X-Frame-Options", frame))
        if csp is not None and not uses_nonce:
            common.append((self._csp_name, csp))
        if opener is not None:
            common.append(("Cross-Origin-Opener-Policy", opener))
        for name, policy in (
            ("Permissions-Policy", permissions_policy),
            ("Document-Policy", document_policy),
        ):
            rendered = _structured_policy(name, policy)
            if rendered is not None:
                common.append((name, rendered))
        common.extend(_extra_headers(extra_headers))
        secure = common if hsts is None else [*common, ("Strict-Transport-Security", hsts)]

        if not self.is_enabled:
            common = secure = []
            uses_nonce = False
        self.needs_nonce: bool = uses_nonce
        self._csp_pieces = tuple(csp.split(_NONCE_SLOT)) if csp and uses_nonce else None
        self._plain = _Bundle(common)
        self._secure = _Bundle(secure)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HeaderPolicy:
        """Build the policy from an application's configuration.

        Only the keys present are read; a missing key keeps the secure
        default, so an empty mapping gives the full default policy.
        """
        options = {arg: config[key] for key, arg in _SETTINGS.items() if key in config}
        return cls(**options)

    def headers_for(self, is_secure: bool) -> tuple[tuple[str, str], ...]:
        """Return the precomputed headers for a plain or an HTTPS response.

        ``Strict-Transport-Security`` is only in the HTTPS tuple: browsers
        ignore it over plain HTTP, where a man in the middle could forge or
        strip it, and on a plain-HTTP development server it would only pin
        ``localhost`` to HTTPS. When the Content Security
        Policy uses a nonce it is not in these tuples, because its value
        changes with every response; :meth:`apply` adds it.
        """
        return (self._secure if is_secure else self._plain).pairs

    def bare_pairs(self) -> tuple[tuple[_Pair, ...], tuple[_Pair, ...]] | None:
        """What :meth:`apply` adds after a response's own two headers, plain and HTTPS.

        For a response that carries only ``Content-Type`` and
        ``Content-Length`` (what its constructor set), :meth:`apply` appends
        a fixed tuple; callers that serve many such responses take it once
        and append it themselves. ``None`` when :meth:`apply` must run: the
        policy makes a fresh nonce per response, or names one of those two
        headers itself.
        """
        if type(self).apply is not HeaderPolicy.apply:
            # A subclass decides per response.
            return None
        if not self.is_enabled:
            return (), ()
        if self._csp_pieces is not None or not (self._plain.with_body and self._secure.with_body):
            return None
        return self._plain.pairs, self._secure.pairs

    def apply(
        self,
        headers: Headers | list[tuple[str, str]],
        is_secure: bool,
        nonce: str | None = None,
    ) -> str | None:
        """Add each policy header the response has not set itself.

        A view that sends its own ``X-Frame-Options`` or
        ``Content-Security-Policy`` (say, a page meant to be embedded) keeps
        it; names are compared case-insensitively. A ``Location`` or
        ``Content-Location`` among the response's own headers is made
        ASCII-safe on the way (:mod:`hipflask.wrappers.locations`), with the
        policy on or off.

        :param nonce: the nonce templates were given for this response. It
            must come from :func:`make_nonce`. When the policy needs one and
            none is given, a fresh one nobody knows is used, so inline
            scripts and styles stay blocked instead of allowed.
        :returns: the nonce put in the policy header, or ``None`` when this
            call added no header with a nonce: the caller learns that the
            response carries one (see :func:`hipflask.security.cache.keep_nonce_private`)
            without a test of its own on every response.
        """
        if not self.is_enabled:
            present = set(map(str.lower, map(_first, headers)))
            if not present <= _FRAMEWORK_NAMES:
                check_sendable(headers)
            # Any number of headers may hold one: a streamed 201 has only
            # Content-Type and its Location.
            if not LOCATION_NAMES.isdisjoint(present):
                locations_to_uri(headers)
            return None
        bundle = self._secure if is_secure else self._plain
        if (
            len(headers) == 2
            and bundle.with_body
            and type(headers) is list
            and (headers[0][0] == "Content-Type" and headers[1][0] == "Content-Length")
        ):
            # Most responses: only the two headers their constructor set.
            headers.extend(bundle.pairs)
            if self._csp_pieces is not None:
                nonce = nonce or make_nonce()
                headers.append((self._csp_name, nonce.join(self._csp_pieces)))
                return nonce
            return None
        # All in C (a comprehension is a Python frame on every response).
        present = set(map(str.lower, map(_first, headers)))
        if not present <= _FRAMEWORK_NAMES:
            # A header the app set itself, perhaps echoing the client's input.
            check_sendable(headers)
        if not present.isdisjoint(LOCATION_NAMES):
            # This pass sees every finished response's own headers, so the
            # URLs are made ASCII-safe here rather than looked for again.
            locations_to_uri(headers)
        if present.isdisjoint(bundle.names):
            headers.extend(bundle.pairs)
        else:
            headers.extend(self._missing(bundle, present))
        if self._csp_pieces is not None and self._csp_lower not in present:
            nonce = nonce or make_nonce()
            headers.extend(((self._csp_name, nonce.join(self._csp_pieces)),))
            return nonce
        return None

    def _missing(self, bundle: _Bundle, present: set[str]) -> list[_Pair]:
        """The policy headers the response lacks, respecting its own frame choice."""
        missing = [pair for name, pair in bundle.entries if name not in present]
        if "x-frame-options" in present and self._csp_lower not in present:
            missing = [pair for pair in missing if pair[0] != self._csp_name]
            if self._csp_without_frame is not None and self._csp_pieces is None:
                missing.append((self._csp_name, self._csp_without_frame))
        return missing


def _require_bool(setting: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"{setting} must be True or False, not {value!r}. A string such as"
            " 'false' would count as true; convert it when reading the environment."
        )
    return value


def _require_text(setting: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{setting} must be a string (or None to send no header), not {type(value).__name__}."
        )
    bad = _UNPRINTABLE.search(value)
    if bad is not None:
        raise ConfigurationError(
            f"{setting} contains the character {bad.group()!r}. Header values"
            " must be printable ASCII: a CR or LF would end the header early and"
            " let the rest of the value inject headers of its own (response"
            " splitting). Remove the character."
        )
    return value


def _choice(setting: str, value: object, choices: frozenset[str]) -> str | None:
    if value is None:
        return None
    return _one_of(setting, _require_text(setting, value), choices)


def _one_of(setting: str, text: str, choices: frozenset[str]) -> str:
    value = text.strip().lower()
    if value not in choices:
        raise ConfigurationError(
            f"{setting} = {text!r} is not a value browsers understand; use one"
            f" of {', '.join(sorted(choices))}, or None to send no header."
        )
    return value


def _referrer_policy(value: object) -> str | None:
    if value is None:
        return None
    # A comma-separated list is valid: browsers use the last value they know,
    # which lets a new policy be listed after an older fallback.
    text = _require_text("REFERRER_POLICY", value)
    return ", ".join(
        _one_of("REFERRER_POLICY", part, _REFERRER_POLICIES) for part in text.split(",")
    )


def _frame_options(value: object) -> str | None:
    if value is None:
        return None
    text = _require_text("FRAME_OPTIONS", value).strip().upper()
    if text not in _FRAME_ANCESTORS:
        raise ConfigurationError(
            f"FRAME_OPTIONS = {value!r} is not supported; use 'SAMEORIGIN', 'DENY'"
            " or None. To allow framing by named sites, set FRAME_OPTIONS to None"
            " and list them in CONTENT_SECURITY_POLICY's frame-ancestors"
            " (ALLOW-FROM is ignored by current browsers)."
        )
    return text


def _hsts(max_age: object, include_subdomains: object, preload: object) -> str | None:
    subdomains = _require_bool("HSTS_INCLUDE_SUBDOMAINS", include_subdomains)
    is_preload = _require_bool("HSTS_PRELOAD", preload)
    if max_age is not None and (
        isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0
    ):
        raise ConfigurationError(
            f"HSTS_MAX_AGE must be a number of seconds (0 or more) or None,"
            f" not {max_age!r}. 0 tells browsers to forget an earlier HSTS"
            " header; None sends none."
        )
    if is_preload and (max_age is None or max_age < DEFAULT_HSTS_MAX_AGE or not subdomains):
        # A preload header the lists reject gives no protection while
        # looking as if it did.
        raise ConfigurationError(
            "HSTS_PRELOAD needs HSTS_MAX_AGE of at least"
            f" {DEFAULT_HSTS_MAX_AGE} and HSTS_INCLUDE_SUBDOMAINS = True;"
            " browsers' preload lists accept nothing less."
        )
    if max_age is None:
        return None
    value = f"max-age={max_age}"
    if subdomains:
        value += "; includeSubDomains"
    if is_preload:
        value += "; preload"
    return value


def _render_csp(value: object, frame_ancestors: str | None) -> str | None:
    """Render the policy, adding ``frame-ancestors`` unless the user wrote one."""
    if value is None:
        directives: dict[str, list[str]] = {}
    elif isinstance(value, str):
        directives = _parse_csp_text(value)
    elif isinstance(value, Mapping):
        directives = _parse_csp_mapping(value)
    else:
        raise ConfigurationError(
            "CONTENT_SECURITY_POLICY must be None, a policy string or a dict of"
            f" directive -> sources, not {type(value).__name__}."
        )
    if frame_ancestors is not None and "frame-ancestors" not in directives:
        directives["frame-ancestors"] = [frame_ancestors]
    if not directives:
        return None
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def _parse_csp_text(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in _require_text("CONTENT_SECURITY_POLICY", value).split(";"):
        tokens = part.split()
        if tokens:
            _add_directive(directives, tokens[0], tokens[1:])
    return directives


def _parse_csp_mapping(value: Mapping[Any, Any]) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for name, sources in value.items():
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(name, str) or not isinstance(sources, (list, tuple)):
            raise ConfigurationError(
                f"CONTENT_SECURITY_POLICY[{name!r}] = {sources!r}: directives must"
                " be strings mapped to a string or a list of strings"
                " (an empty list for a directive without sources)."
            )
        tokens: list[str] = []
        for source in sources:
            if not isinstance(source, str):
                raise ConfigurationError(
                    f"CONTENT_SECURITY_POLICY[{name!r}] holds {source!r}; every"
                    " source must be a string such as \"'self'\"."
                )
            setting = f"CONTENT_SECURITY_POLICY[{name!r}]"
            tokens.extend(_require_text(setting, source).split())
        _add_directive(directives, _require_text("CONTENT_SECURITY_POLICY", name), tokens)
    return directives


def _add_directive(directives: dict[str, list[str]], name: str, sources: list[str]) -> None:
    key = name.lower()
    if _DIRECTIVE_NAME.match(key) is None:
        raise ConfigurationError(
            f"CONTENT_SECURITY_POLICY has {name!r}, which is not a directive"
            " name; directives are words like 'script-src' separated by ';'."
        )
    if key in directives:
        # Browsers silently ignore a repeated directive: the second list,
        # perhaps the stricter one, would never apply.
        raise ConfigurationError(
            f"CONTENT_SECURITY_POLICY names {key!r} twice; browsers use only the"
            " first. Merge the sources into one directive."
        )
    directives[key] = [_source(key, source) for source in sources]


def _source(directive: str, source: str) -> str:
    if source in _NONCE_MARKERS:
        if directive not in _NONCE_DIRECTIVES:
            raise ConfigurationError(
                f"CONTENT_SECURITY_POLICY puts the {{nonce}} marker in {directive!r};"
                " nonces only apply to script-src, style-src, their -elem"
                " variants and default-src."
            )
        return _NONCE_SOURCE
    if not _CSP_FORBIDDEN.isdisjoint(source):
        raise ConfigurationError(
            f"CONTENT_SECURITY_POLICY's {directive!r} has the source {source!r}."
            " ';' would start another directive and ',' another policy, and"
            " braces are only allowed in the {nonce} marker; percent-encode"
            " them in URLs."
        )
    return source


def _structured_policy(name: str, value: object) -> str | None:
    """Render ``Permissions-Policy`` / ``Document-Policy`` from a string or a dict.

    A dict maps a feature to its allowlist, as Flask-Talisman takes it:
    ``{"geolocation": "()", "camera": ["self", '"https://a.example"']}``.
    """
    if value is None:
        return None
    setting = name.upper().replace("-", "_")
    if isinstance(value, str):
        text = _require_text(setting, value).strip()
        return text or None
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{setting} must be a string or a dict, not {value!r}.")
    parts = []
    for feature, allow in value.items():
        if not isinstance(feature, str) or _DIRECTIVE_NAME.match(feature) is None:
            raise ConfigurationError(f"{setting} has {feature!r}, which is not a feature name.")
        if isinstance(allow, (list, tuple)):
            allow = "(" + " ".join(str(item) for item in allow) + ")"
        parts.append(f"{feature}={_require_text(setting, str(allow))}")
    return ", ".join(parts) or None


def _extra_headers(pairs: object) -> list[_Pair]:
    if not isinstance(pairs, (list, tuple)):
        raise ConfigurationError(
            f"EXTRA_SECURITY_HEADERS must be a list of (name, value) pairs, not {pairs!r}."
        )
    checked: list[_Pair] = []
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise ConfigurationError(
                f"EXTRA_SECURITY_HEADERS holds {pair!r}; each entry is a (name, value) pair."
            )
        name = _require_text("EXTRA_SECURITY_HEADERS", pair[0])
        if _DIRECTIVE_NAME.match(name.lower()) is None:
            raise ConfigurationError(f"EXTRA_SECURITY_HEADERS has {name!r}, not a header name.")
        checked.append((name, _require_text("EXTRA_SECURITY_HEADERS", pair[1])))
    return checked
