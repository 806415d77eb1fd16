"""Flask-SQLAlchemy's API on SQLAlchemy 2: ``from hipflask.db import SQLAlchemy``.

::

    from hipflask import Hipflask
    from hipflask.db import SQLAlchemy

    app = Hipflask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///project.db"
    db = SQLAlchemy(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80), unique=True, nullable=False)

Needs the ``db`` extra (``pip install 'hipflask[db]'``).
"""

from __future__ import annotations

from typing import Any

from .._extras import require

require("sqlalchemy", extra="db")

from .extension import DatabaseContextError as DatabaseContextError  # noqa: E402
from .extension import SQLAlchemy as SQLAlchemy  # noqa: E402
from .model import Model as Model  # noqa: E402
from .pagination import Pagination as Pagination  # noqa: E402
from .query import Query as Query  # noqa: E402
from .record_queries import get_recorded_queries as get_recorded_queries  # noqa: E402
from .session import Session as Session  # noqa: E402
from .track_modifications import before_models_committed as before_models_committed  # noqa: E402
from .track_modifications import models_committed as models_committed  # noqa: E402

__all__ = [
    "DatabaseContextError",
    "Model",
    "Pagination",
    "Query",
    "SQLAlchemy",
    "Session",
    "before_models_committed",
    "get_recorded_queries",
    "models_committed",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # Flask-SQLAlchemy names its release (deprecated there); here it is
        # hipflask's, read from the loaded package on use.
        import sys

        return sys.modules[__name__.partition(".")[0]].__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
