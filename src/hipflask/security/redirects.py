"""The one check for redirect targets that come from the request.

An open redirect (``/login?next=https://evil.example``) lends this site's
name to a phishing page: the link the victim checks points here, and after
signing in they land on a copy of the site that asks for the password again.
Every target taken from the request (a ``next`` parameter, a form field, a
header) must therefore stay on this site.

The check judges a target the way a browser resolves it (the WHATWG URL
standard), not the way a naive parser reads it. Browsers:

* remove tabs and newlines anywhere (``/\\t/evil.example`` becomes
  ``//evil.example``), and trim spaces and control characters at both ends;
* treat ``\\`` as ``/`` in http(s) URLs, so ``/\\evil.example`` and
  ``\\\\evil.example`` are protocol-relative, like ``//evil.example`` and
  ``///evil.example``;
* accept a scheme without slashes (``https:evil.example``,
  ``http:/evil.example``), and run ``javascript:`` and ``data:`` targets;
* map full-width and ideographic dots and slashes in host names to ASCII.

So a target passes only when it is a path on this site: no scheme, no
authority, no control or whitespace character, no look-alike dot or slash,
at most 2 KiB, and the same holds after undoing percent-encoding (a target
that a later step decodes once more must not turn into one of the above).
Anything else is refused, and the caller redirects to its fallback.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import unquote

from werkzeug.utils import redirect as _redirect

from ..contexts.globals import _current_app_or_none

if TYPE_CHECKING:
    from ..wrappers.response import Response

__all__ = ["MAX_TARGET_LENGTH", "is_safe_redirect_target", "safe_redirect"]

#: Longest target accepted, in bytes of UTF-8. Real paths are far shorter;
#: a huge target is a probe for parser differences or a header-size attack.
MAX_TARGET_LENGTH = 2048

# A scheme as the URL standard reads it: a letter, then letters, digits, + - .
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# C0 controls, space and DEL, which browsers strip or which split headers.
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# Characters that IDNA maps to "." or that NFKC maps to "/" or "\".
_LOOKALIKES = frozenset("\u3002\uff0e\uff61\uff0f\uff3c\u2215\u2044\ufe68\uff20")
# How many rounds of percent-decoding are judged (%252F%252F is two).
_DECODE_ROUNDS = 3


def _is_safe_form(target: str) -> bool:
    """Judge one spelling of a target, as a browser would resolve it."""
    if not target or _CONTROL.search(target) is not None:
        # Tabs, CR and LF are removed by the browser (and CR/LF would split
        # a Location header); any other control character has no place here.
        return False
    if not _LOOKALIKES.isdisjoint(target):
        return False
    path = target.replace("\\", "/")
    if path.startswith("//"):
        # Protocol-relative: //evil, ///evil, /\evil, \\evil.
        return False
    if _SCHEME.match(path) is not None:
        # https:evil, http:/evil, javascript:, data:, and any other scheme.
        return False
    # Only the path may not contain "//": after dot-segment removal
    # (/..//evil.example) a path that starts with "//" reads as a host to
    # any code that builds a URL from it. The query and fragment may.
    end = min((i for i in (path.find("?"), path.find("#")) if i >= 0), default=len(path))
    return "//" not in path[:end]


def is_safe_redirect_target(target: str) -> bool:
    """Whether ``target`` is a path on this site, safe to put in a ``Location`` header.

    Relative paths (``/account``, ``account?tab=2``, ``#top``) pass; absolute
    and protocol-relative URLs, other schemes and every disguise of them do
    not, even ones that point back at this host: a same-site absolute URL is
    indistinguishable from a forged ``Host`` header's.
    """
    if not isinstance(target, str):
        return False
    if len(target.encode("utf-8", "surrogatepass")) > MAX_TARGET_LENGTH:
        return False
    current = target
    for _ in range(_DECODE_ROUNDS + 1):
        normalized = unicodedata.normalize("NFKC", current)
        if not (_is_safe_form(current) and _is_safe_form(normalized)):
            return False
        decoded = unquote(current, errors="replace") if "%" in current else current
        if decoded == current:
            return True
        current = decoded
    # Still changing after every round: encoded more deeply than any real
    # link is, and no telling what the last decoding would give.
    return False


def safe_redirect(target: str | None, fallback: str = "/", code: int = 302) -> Response:
    """A redirect to ``target`` when it is a path on this site, else to ``fallback``.

    For targets taken from the request::

        return safe_redirect(request.args.get("next"), url_for("index"))

    ``fallback`` is the developer's own URL and is used as given.
    """
    location = target if target is not None and is_safe_redirect_target(target) else fallback
    app = _current_app_or_none()
    response_class = app.response_class if app is not None else None
    if response_class is None:
        from ..wrappers.response import Response as response_class
    response: Response = _redirect(location, code, Response=response_class)  # type: ignore[assignment]
    return response
