"""What a typical Flask app registers on every request, for the ``*-hooks`` rows.

Most real apps are not hook-free. A login extension (Flask-Login, or
``hipflask.login`` in the port) registers its own response hook and loads the
user on demand; a database extension closes its session in
``teardown_appcontext`` (Flask's tutorial closes ``g.db`` there); the app
itself often sets something on ``g`` before each view. These rows add all
three to the bench app, doing what they do on a request that logs nobody in
and opens no database: the endpoints and their checks are unchanged.
Compared with the same framework's row without them, they give what a
hook-using app pays for its hooks, and against Flask's row with the same
hooks, the ratio such an app gets.
"""

from __future__ import annotations

from typing import Any


def add_hooks(app: Any, g: Any, login_manager_class: Any) -> Any:
    """Register the login manager and two hooks on ``app``; return ``app``."""
    login_manager = login_manager_class(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> None:
        return None

    @app.before_request
    def start() -> None:
        g.user = None

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    return app
