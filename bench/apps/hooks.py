"""The request hooks a typical Flask app registers, for the ``*-hooks`` rows.

Most real apps are not hook-free: a database extension closes its session in
``teardown_appcontext`` (Flask's tutorial closes ``g.db`` there), a login
extension loads the user before the view and touches the response after it.
These rows add one of each, doing what such hooks do on a request that needs
no database: a ``before_request`` that sets ``g.user``, an
``after_request`` that returns the response, and the tutorial's
``teardown_appcontext``. Compared with the same framework's row without
hooks, they give what a hook-using app pays for its hooks.
"""

from __future__ import annotations

from typing import Any


def add_hooks(app: Any, g: Any) -> Any:
    """Register the three hooks on ``app`` (Flask's or hipflask's); return ``app``."""

    @app.before_request
    def load_user() -> None:
        g.user = None

    @app.after_request
    def after(response: Any) -> Any:
        return response

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    return app
