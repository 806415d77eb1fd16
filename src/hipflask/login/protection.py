"""Session protection: a login whose session moved to another browser or address.

Each login records a digest of the client's address and browser
(``session["_id"]``). A request whose digest differs makes the login stale
(``"basic"``) or ends it (``"strong"``), so a session cookie copied to
another machine is worth less to whoever copied it. What is digested is
the manager's ``_session_identifier_generator`` (Flask-Login's hook),
:func:`session_identifier` unless an app replaced it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from . import signals
from .remember import OPERATION

if TYPE_CHECKING:
    from .login_manager import LoginManager


def session_identifier() -> str:
    """A digest of the client's address and browser, for session protection.

    The default of ``LoginManager._session_identifier_generator``, which an
    app may replace (Flask-Login's hook).
    """
    agent = request.headers.get("User-Agent", "")
    base = f"{request.remote_addr}|{agent}"
    return hashlib.sha512(base.encode("utf-8", "replace")).hexdigest()


#: Flask-Login's name, which test suites import to give a forged session
#: the value session protection expects.
_create_identifier = session_identifier


def protection_failed(manager: LoginManager) -> bool:
    """Apply session protection to this request; ``True`` when it ended the login.

    Only a session holding a login is looked at: an anonymous one is
    nobody's stolen login.
    """
    mode = current_app.config.get("SESSION_PROTECTION", manager.session_protection)
    if not mode or "_user_id" not in session:
        return False
    if session.get("_id") == manager._session_identifier_generator():
        return False
    app = current_app._get_current_object()
    if mode == "strong":
        from .utils import _end_session_login

        _end_session_login(manager)
        setattr(g, OPERATION, "clear")
        signals.session_protected.send(app)
        return True
    # Each request from the other browser or address is reported, not
    # only the one that made the login stale, as Flask-Login does: a
    # receiver auditing stolen sessions sees every use.
    if session.get("_fresh"):
        session["_fresh"] = False
    signals.session_protected.send(app)
    return False


__all__ = ["protection_failed", "session_identifier"]
