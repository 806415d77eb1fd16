"""Flask-Login's signals, in the suite's own namespace.

Each is sent with the app as sender; the ones about a user pass ``user=``.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

#: A user logged in (``user=``).
user_logged_in = signals.signal("logged-in")
#: A user logged out (``user=``, still ``current_user`` while receivers run).
user_logged_out = signals.signal("logged-out")
#: A user was loaded from the remember-me cookie (``user=``).
user_loaded_from_cookie = signals.signal("loaded-from-cookie")
#: A user was loaded by the ``request_loader`` (``user=``).
user_loaded_from_request = signals.signal("loaded-from-request")
#: ``confirm_login`` made the login fresh again.
user_login_confirmed = signals.signal("login-confirmed")
#: An anonymous user reached a view needing a login.
user_unauthorized = signals.signal("unauthorized")
#: A non-fresh login reached a view needing a fresh one.
user_needs_refresh = signals.signal("needs-refresh")
#: The logged-in user is being loaded for this request.
user_accessed = signals.signal("accessed")
#: A user was loaded by the deprecated ``header_loader`` (``user=``); reached
#: as ``user_loaded_from_header``, which warns as Flask-Login 0.6 does.
_user_loaded_from_header = signals.signal("loaded-from-header")
#: Session protection changed the session (client address or browser changed).
session_protected = signals.signal("session-protected")

_DEPRECATED = {"user_loaded_from_header": "user_loaded_from_request"}


def deprecated(name: str) -> object:
    """A deprecated signal by its Flask-Login name, with Flask-Login's warning."""
    import warnings

    warnings.warn(
        f"{name!r} is deprecated (it goes in Flask-Login 0.7); use {_DEPRECATED[name]!r}.",
        DeprecationWarning,
        stacklevel=3,
    )
    return _user_loaded_from_header


def __getattr__(name: str) -> object:
    if name in _DEPRECATED:
        return deprecated(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "session_protected",
    "signals",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]
