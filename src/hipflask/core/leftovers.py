"""Name the module that read Flask's own context during a hipflask request.

A port renames ``flask`` and ``flask_*`` imports to hipflask's. One that is
missed still imports, since Flask and the extension usually stay installed,
but Flask's ``request``, ``current_app``, ``g`` and ``session`` are Flask's
own context variables, which a hipflask request never sets. The first read
fails with Flask's "Working outside of request context.", raised in the
middle of a request, with advice (push a context) that does not apply and no
word of which import is to blame. So an error raised that way gets a note
(PEP 678; Python 3.11 and later) naming the module that read Flask's context
and the import to write instead.
"""

from __future__ import annotations

import sys
from types import TracebackType

__all__ = ["FLASK_WORLD_IMPORTS", "note_flask_context_leftover"]

#: Flask-world packages and the hipflask module holding their names.
FLASK_WORLD_IMPORTS: dict[str, str] = {
    "flask": "hipflask",
    "flask_wtf": "hipflask.forms",
    "flask_limiter": "hipflask.limiter",
    "flask_cors": "hipflask.cors",
    "flask_login": "hipflask.login",
    "flask_principal": "hipflask.principal",
    "flask_jwt_extended": "hipflask.jwt",
    "flask_sqlalchemy": "hipflask.db",
    "flask_migrate": "hipflask.db.migrate",
    "flask_restful": "hipflask.restful",
    "flask_session": "hipflask.sessions",
    "flask_admin": "hipflask.admin",
    "flask_talisman": "hipflask.talisman",
}

#: The start of Flask's messages for its unbound proxies.
_UNBOUND = "Working outside of "

#: The context proxies ``flask.globals`` defines.
_PROXY_NAMES = ("request", "current_app", "g", "session", "request_ctx", "app_ctx")


def note_flask_context_leftover(exc: BaseException) -> None:
    """Add a note to ``exc`` naming the module that read Flask's context, if one did.

    Called with an error a hook or view raised. Only a ``RuntimeError`` with
    Flask's message, while ``flask`` is imported, is looked at, so other
    errors cost one type check.
    """
    if type(exc) is not RuntimeError or not str(exc).startswith(_UNBOUND):
        return
    add_note = getattr(exc, "add_note", None)
    flask_globals = sys.modules.get("flask.globals")
    if add_note is None or flask_globals is None:
        return
    reader = _reading_module(exc.__traceback__, flask_globals.__dict__)
    if reader is None:
        return
    package = reader.partition(".")[0]
    source = package if package in FLASK_WORLD_IMPORTS else "flask"
    add_note(
        f"{reader} reads Flask's own context, which hipflask does not set: a"
        f" '{source}' import left from porting the app? Change it to import from"
        f" '{FLASK_WORLD_IMPORTS[source]}' instead of '{source}' (see the import"
        " map in the porting guide)."
    )


def _reading_module(tb: TracebackType | None, flask_globals: dict[str, object]) -> str | None:
    """The last module on the traceback, outside Flask itself, that holds a Flask proxy.

    Flask's own modules hold the proxies too; when they are the only ones
    (a leftover ``url_for`` of Flask's called by the app), the last of them
    is named, and the porting advice is ``flask``'s.
    """
    proxies = {id(flask_globals[name]) for name in _PROXY_NAMES if name in flask_globals}
    found = flask_found = None
    while tb is not None:
        module_globals = tb.tb_frame.f_globals
        name = module_globals.get("__name__")
        if isinstance(name, str) and any(id(v) in proxies for v in module_globals.values()):
            if name == "flask" or name.startswith("flask."):
                flask_found = name
            else:
                found = name
        tb = tb.tb_next
    return found or flask_found
