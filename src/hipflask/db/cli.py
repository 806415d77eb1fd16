"""``add_models_to_shell``: ``db`` and its models in the shell (``flask_sqlalchemy.cli``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from ..contexts.globals import current_app
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["add_models_to_shell"]


def add_models_to_shell() -> dict[str, Any]:
    """The current app's ``db`` and every model class, by class name, for the shell.

    ``SQLAlchemy(app)`` registers it as a shell context processor unless
    given ``add_models_to_shell=False``; an app that turned that off can
    register it itself, as with Flask-SQLAlchemy. ``db`` is never shadowed by
    a model, and of two models with one class name the first defined keeps it.

    :raises ConfigurationError: the app has no ``SQLAlchemy``.
    """
    db: SQLAlchemy | None = current_app.extensions.get("sqlalchemy")
    if db is None:
        raise ConfigurationError(
            "This app has no SQLAlchemy extension: create it with SQLAlchemy(app) (or"
            " db.init_app(app)) before asking for its models."
        )
    names: dict[str, Any] = {"db": db}
    for mapper in db.Model.registry.mappers:
        names.setdefault(mapper.class_.__name__, mapper.class_)
    return names
