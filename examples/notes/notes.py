"""The notes pages: list with search and pages, create, edit, delete, and the admin view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select

from hipflask import Blueprint
from hipflask import abort
from hipflask import current_app
from hipflask import flash
from hipflask import redirect
from hipflask import render_template
from hipflask import request
from hipflask import safe_redirect
from hipflask import url_for
from hipflask.login import current_user
from hipflask.login import login_required
from hipflask.login import roles_required

from .forms import DeleteForm
from .forms import NoteForm
from .models import Note
from .models import User
from .models import db

bp = Blueprint("notes", __name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")
# Every page of the notes blueprint needs a login; the admin pages the role too.
bp.before_request(login_required(lambda: None))
roles_required("admin")(admin)


def _search(query: Select[Any], text: str) -> Select[Any]:
    if not text:
        return query
    # Bound parameters: the search text stays data, whatever it contains.
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    return query.where(or_(Note.title.ilike(pattern), Note.body.ilike(pattern)))


def owned_note(note_id: int) -> Note:
    """The note, if it is the current user's (or they are an admin); else 404."""
    note = db.get_or_404(Note, note_id)
    if note.owner_id != current_user.id and not current_user.is_admin:
        # 404 rather than 403: another user's note ids are nobody's business.
        abort(404)
    return note


@bp.get("/")
def index() -> Any:
    text = request.args.get("q", "").strip()[:100]
    query = _search(select(Note).where(Note.owner_id == current_user.id), text)
    page = db.paginate(
        query.order_by(Note.updated.desc(), Note.id.desc()),
        per_page=current_app.config["NOTES_PER_PAGE"],
        max_per_page=50,
    )
    return render_template(
        "notes/index.html", page=page, q=text, form=NoteForm(), delete_form=DeleteForm()
    )


@bp.post("/notes")
def create() -> Any:
    form = NoteForm()
    if form.validate_on_submit():
        db.session.add(Note(owner_id=current_user.id, title=form.title.data, body=form.body.data))
        db.session.commit()
        flash("Note saved.", "success")
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{field.capitalize()}: {error}", "error")
    return redirect(url_for("notes.index"))


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id: int) -> Any:
    note = owned_note(note_id)
    form = NoteForm(obj=note)
    if form.validate_on_submit():
        note.title = form.title.data
        note.body = form.body.data
        db.session.commit()
        flash("Note updated.", "success")
        return redirect(url_for("notes.index"))
    for field, errors in form.errors.items():
        for error in errors:
            flash(f"{field.capitalize()}: {error}", "error")
    return render_template("notes/edit.html", form=form, note=note)


@bp.post("/notes/<int:note_id>/delete")
def delete(note_id: int) -> Any:
    note = owned_note(note_id)
    if DeleteForm().validate_on_submit():
        db.session.delete(note)
        db.session.commit()
        flash("Note deleted.", "info")
    # Back to the page the button was on; only a path on this site is followed.
    return safe_redirect(request.form.get("back", ""), url_for("notes.index"))


@admin.get("/notes")
def all_notes() -> Any:
    text = request.args.get("q", "").strip()[:100]
    query = _search(select(Note).join(User), text).order_by(Note.id.desc())
    page = db.paginate(query, per_page=current_app.config["NOTES_PER_PAGE"] * 2, max_per_page=50)
    return render_template("notes/admin.html", page=page, q=text, delete_form=DeleteForm())
