"""The demo's notes: a model in SQLite and sessions kept on the server.

Nothing to install or start: with no ``SQLALCHEMY_DATABASE_URI`` the database
is ``app.db`` in the instance folder, and ``SESSION_TYPE`` ``"memory"`` keeps
sessions in the process. Point ``DATABASE_URL`` at PostgreSQL or MySQL and
``SESSION_TYPE``/``SESSION_REDIS`` at Redis to scale out, with the same code.
"""

from __future__ import annotations

import os
from typing import Any

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session

db = SQLAlchemy()
bp = Blueprint("notes", __name__, url_prefix="/notes")


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200), nullable=False)


@bp.get("/")
def index() -> Any:
    page = db.paginate(db.select(Note).order_by(Note.id.desc()), per_page=10)
    return {
        "notes": [note.text for note in page.items],
        "page": page.page,
        "pages": list(page.iter_pages()),
    }


@bp.post("/")
def add() -> Any:
    text = request.form.get("text", "").strip()[:200]
    if text:
        db.session.add(Note(text=text))
        db.session.commit()
    return redirect(url_for("notes.index"))


def init_notes(app: Hipflask) -> None:
    """Add the notes pages, the database and server-side sessions to ``app``."""
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.setdefault("SESSION_TYPE", os.environ.get("SESSION_TYPE", "memory"))
    if os.environ.get("SESSION_REDIS"):
        app.config["SESSION_REDIS"] = os.environ["SESSION_REDIS"]
    db.init_app(app)
    Session(app)
    app.register_blueprint(bp)
    with app.app_context():
        db.create_all()
