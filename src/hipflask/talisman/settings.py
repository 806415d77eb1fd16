"""Talisman's options translated into the header policy's settings.

Pure functions of the options (and of the app's own header settings): no
request, no app object. Kept apart from :class:`~hipflask.talisman.Talisman`,
which decides when to apply them and to which apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from hipflask.errors import ConfigurationError
from hipflask.security.headers import DEFAULT_HSTS_MAX_AGE

__all__ = [
    "ALLOW_FROM",
    "TALISMAN_HEADERS",
    "MissingReportUriError",
    "normalized_options",
    "policy_settings",
    "unlisted_preload",
    "with_app_settings",
]

ALLOW_FROM = "ALLOW-FROM"
# The headers Talisman sends beyond the policy's own (as its
# EXTRA_SECURITY_HEADERS): a view's options replace them as they replace the
# policy's, or the app's Feature-Policy would stand in for the view's.
TALISMAN_HEADERS = frozenset({"x-xss-protection", "x-download-options", "feature-policy"})


class MissingReportUriError(ConfigurationError, ValueError):
    """``content_security_policy_report_only`` without a report URI.

    Also a :class:`ValueError`, which Flask-Talisman raises here, so code
    that catches ``ValueError`` keeps working.
    """


def _csp(options: Mapping[str, Any]) -> dict[str, Any] | None:
    """Talisman's CSP options as the policy's ``CONTENT_SECURITY_POLICY``."""
    value = options["content_security_policy"]
    if not value:
        return None
    if isinstance(value, str):
        directives: dict[str, Any] = {}
        for part in value.split(";"):
            tokens = part.split()
            if tokens:
                directives[tokens[0]] = tokens[1:]
    else:
        directives = {
            name: sources.split() if isinstance(sources, str) else list(sources)
            for name, sources in value.items()
        }
    # The nonce goes into the named directives the policy has, never a new
    # one: a new "script-src 'nonce-...'" would override default-src for
    # scripts and block every script the policy allowed by origin
    # (Flask-Talisman's documented behaviour, and what ported apps rely on).
    wanted = {
        name.lower() for name in _directive_names(options["content_security_policy_nonce_in"])
    }
    for name, sources in directives.items():
        if name.lower() in wanted:
            directives[name] = [*sources, "{nonce}"]
    # A report-uri the policy names itself is kept, as Flask-Talisman keeps
    # it: the argument is then a fallback, and two report-uri directives
    # would leave browsers using only the first.
    report_uri = options["content_security_policy_report_uri"]
    if report_uri and "report-uri" not in {name.lower() for name in directives}:
        directives["report-uri"] = [report_uri]
    return directives


def _directive_names(nonce_in: str | Iterable[str] | None) -> list[str]:
    """``content_security_policy_nonce_in`` as a list of directive names.

    A string is taken as names separated by spaces or commas, not as its
    characters: Flask-Talisman looks directives up *in* it, so
    ``nonce_in="script-src"`` works there and must work in a port.
    """
    if not nonce_in:
        return []
    if isinstance(nonce_in, str):
        return nonce_in.replace(",", " ").split()
    return list(nonce_in)


def _feature_policy(value: str | Mapping[str, Any]) -> str:
    """Render ``feature_policy`` as Flask-Talisman does: ``feature origins; ...``.

    A feature's allowlist may be a string or a list of origins, as a CSP
    directive's may; a list (or a tuple or a set: Flask-Talisman joins
    whatever is not a string) is written space-separated, the header's own
    syntax, so ``{"camera": ["'self'", "https://a.example"]}`` allows both.
    """
    if not isinstance(value, Mapping):
        return value
    return "; ".join(f"{name} {_origins(allow)}" for name, allow in value.items())


def _origins(allow: Any) -> str:
    """A feature's allowlist as the header writes it: origins space-separated."""
    if isinstance(allow, Iterable) and not isinstance(allow, (str, bytes)):
        return " ".join(map(str, allow))
    return str(allow)


def unlisted_preload(options: Mapping[str, Any]) -> str | None:
    """The HSTS value that must gain ``; preload`` after the header policy sent it.

    The header policy refuses ``HSTS_PRELOAD`` with a max-age under a year or
    without ``includeSubDomains``, since the preload lists reject such a
    header. Flask-Talisman sends it anyway, and a port must not start
    failing: the policy sends the header without ``preload`` and Talisman
    adds it (see :meth:`Talisman._add_preload`). ``None`` when the policy can
    send the header itself.
    """
    max_age = options["strict_transport_security_max_age"]
    subdomains = bool(options["strict_transport_security_include_subdomains"])
    if (
        not options["strict_transport_security"]
        or not options["strict_transport_security_preload"]
        or (isinstance(max_age, int) and max_age >= DEFAULT_HSTS_MAX_AGE and subdomains)
    ):
        return None
    return f"max-age={max_age}; includeSubDomains" if subdomains else f"max-age={max_age}"


def _plain(value: Any) -> Any:
    """A policy dict as a plain copy, lists included.

    The settings must not share the Talisman object's live dict: a change
    made to it in place would be in the app's settings before it was
    checked, and no different from what was written before.
    """
    if isinstance(value, Mapping):
        return {
            name: list(item) if isinstance(item, list) else item for name, item in value.items()
        }
    return value


def policy_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """Translate Talisman's arguments into the header policy's settings."""
    report_only = options["content_security_policy_report_only"]
    if report_only and options["content_security_policy_report_uri"] is None:
        # A report-only policy blocks nothing; without a URI it reports to
        # nobody either, so it would do nothing at all.
        raise MissingReportUriError(
            "content_security_policy_report_only=True needs"
            " content_security_policy_report_uri: a report-only policy blocks"
            " nothing, and without a URI its reports go nowhere."
        )
    frame = options["frame_options"]
    csp = _csp(options)
    extra = []
    if frame == ALLOW_FROM:
        # ALLOW-FROM is ignored by current browsers; CSP frame-ancestors is
        # what they honour, so the allowed origin goes there instead.
        allowed = options["frame_options_allow_from"]
        if not allowed:
            raise ConfigurationError("frame_options=ALLOW_FROM needs frame_options_allow_from.")
        csp = dict(csp or {})
        csp.setdefault("frame-ancestors", [allowed])
        frame = None
        if report_only:
            # With no X-Frame-Options, a report-only frame-ancestors would
            # leave framing unprotected: it is enforced on its own.
            extra.append(("Content-Security-Policy", f"frame-ancestors {allowed}"))
    hsts = options["strict_transport_security"]
    preload = bool(options["strict_transport_security_preload"])
    if unlisted_preload(options) is not None:
        preload = False
    if options["x_xss_protection"]:
        extra.append(("X-XSS-Protection", "1; mode=block"))
    if options["force_file_save"]:
        extra.append(("X-Download-Options", "noopen"))
    if options["feature_policy"]:
        extra.append(("Feature-Policy", _feature_policy(options["feature_policy"])))
    return {
        "CONTENT_SECURITY_POLICY": csp,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": bool(report_only),
        "FRAME_OPTIONS": frame,
        "REFERRER_POLICY": options["referrer_policy"],
        "HSTS_MAX_AGE": options["strict_transport_security_max_age"] if hsts else None,
        "HSTS_INCLUDE_SUBDOMAINS": bool(options["strict_transport_security_include_subdomains"]),
        "HSTS_PRELOAD": preload,
        "X_CONTENT_TYPE_OPTIONS": bool(options["x_content_type_options"]),
        "PERMISSIONS_POLICY": _plain(options["permissions_policy"]) or None,
        "DOCUMENT_POLICY": _plain(options["document_policy"]) or None,
        "EXTRA_SECURITY_HEADERS": extra,
    }


# The header policy's settings Talisman has no argument for: the app's own
# choice stays, under a view's options too.
_APP_ONLY_SETTINGS = ("SECURITY_HEADERS", "CROSS_ORIGIN_OPENER_POLICY")


def _is_pairs(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], str)
        for pair in value
    )


def with_app_settings(
    config: Mapping[str, Any], settings: dict[str, Any], sent: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Talisman's settings on top of the header settings the app made itself.

    ``EXTRA_SECURITY_HEADERS`` is added up rather than replaced: the app's
    own headers stay beside the ones Talisman sends, which Talisman alone
    decides (so applying the options again replaces its own, never doubles
    them: ``sent`` are those it wrote there before, such as the enforced
    ``frame-ancestors`` of a report-only policy).
    ``CROSS_ORIGIN_OPENER_POLICY`` and ``SECURITY_HEADERS`` are the app's.
    """
    merged = {key: config[key] for key in _APP_ONLY_SETTINGS if key in config}
    merged.update(settings)
    own = config.get("EXTRA_SECURITY_HEADERS") or []
    if _is_pairs(own):
        earlier = set(sent)
        kept = [
            pair
            for pair in own
            if pair[0].lower() not in TALISMAN_HEADERS and tuple(pair) not in earlier
        ]
        merged["EXTRA_SECURITY_HEADERS"] = [*kept, *settings["EXTRA_SECURITY_HEADERS"]]
    else:
        # Malformed: left for the header policy to refuse, naming the setting.
        merged["EXTRA_SECURITY_HEADERS"] = own
    return merged


def normalized_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options with a max-age given as digits or a whole float made an int.

    Flask-Talisman writes the max-age into the header as it is given, so one
    read from the environment (``os.environ.get("HSTS_MAX_AGE", ...)``)
    starts there, and so does ``timedelta(days=365).total_seconds()``
    (whose ``max-age=31536000.0`` browsers then ignore); the header policy
    takes integers only. Anything else is left for the policy to refuse.
    """
    max_age = options["strict_transport_security_max_age"]
    if isinstance(max_age, str):
        digits = max_age.strip()
        if digits.isascii() and digits.isdigit():
            options["strict_transport_security_max_age"] = int(digits)
    elif isinstance(max_age, float) and max_age.is_integer() and max_age >= 0:
        options["strict_transport_security_max_age"] = int(max_age)
    return options
