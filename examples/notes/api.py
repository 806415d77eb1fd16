"""The JSON API: JWT access and refresh tokens, notes as typed REST resources.

``POST /api/token`` trades a user name and password for an access token
(15 minutes) and a refresh token (30 days); ``POST /api/token/refresh``
trades a refresh token for a new pair and retires the old one, so a copied
refresh token that comes back revokes the whole login. ``DELETE
/api/token`` revokes the login's tokens. The notes resources validate their
input and output with pydantic models, which also describe them in the
OpenAPI document at ``/openapi.json`` (shown at ``/docs``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import Field
from sqlalchemy import select

from hipflask import Blueprint
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import revoke_token
from hipflask.login import verify_login
from hipflask.restful import Api
from hipflask.restful import Query
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import validate
from hipflask.security import check_password_hash

from .models import Note
from .models import User
from .models import db

bp = Blueprint("api", __name__, url_prefix="/api")
api = Api(bp)


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=10_000)


class NotePatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    body: str | None = Field(default=None, max_length=10_000)


class NoteOut(BaseModel):
    id: int
    title: str
    body: str
    created: datetime
    updated: datetime


class NotePage(BaseModel):
    items: list[NoteOut]
    page: int
    pages: int
    total: int


class PageQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)
    q: str = Field(default="", max_length=100)


def _user_id() -> int:
    return int(get_jwt_identity())


def _note_out(note: Note) -> NoteOut:
    return NoteOut(
        id=note.id, title=note.title, body=note.body, created=note.created, updated=note.updated
    )


def _own_note(note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.owner_id != _user_id():
        abort(404, message=f"Note {note_id} does not exist.")
    return note


def _pair(user_id: int) -> Tokens:
    return Tokens(
        access_token=create_access_token(identity=str(user_id), fresh=True),
        refresh_token=create_refresh_token(identity=str(user_id)),
    )


class TokenResource(Resource):
    @validate(status_code=201)
    def post(self, credentials: Credentials) -> Tokens:
        user = db.session.scalar(select(User).where(User.username == credentials.username))
        # One hash check whether or not the user exists, and one answer for both.
        if not verify_login(user, credentials.password, check=check_password_hash) or not user:
            abort(401, message="Wrong user name or password.")
        return _pair(user.id)

    @jwt_required()
    def delete(self) -> tuple[str, int]:
        revoke_token(family=True)
        return "", 204


class RefreshResource(Resource):
    @jwt_required(refresh=True)
    @validate(status_code=201)
    def post(self) -> Tokens:
        return _pair(_user_id())


class NoteListResource(Resource):
    method_decorators = [jwt_required()]  # noqa: RUF012 - Flask-RESTful's class attribute

    def get(self, params: Annotated[PageQuery, Query()]) -> NotePage:
        query = select(Note).where(Note.owner_id == _user_id())
        if params.q:
            pattern = f"%{params.q.replace('%', '').replace('_', '')}%"
            query = query.where(Note.title.ilike(pattern) | Note.body.ilike(pattern))
        page = db.paginate(
            query.order_by(Note.id.desc()),
            page=params.page,
            per_page=params.per_page,
            error_out=False,
        )
        return NotePage(
            items=[_note_out(note) for note in page.items],
            page=page.page,
            pages=page.pages,
            total=page.total or 0,
        )

    @validate(status_code=201)
    def post(self, note: NoteIn) -> NoteOut:
        created = Note(owner_id=_user_id(), title=note.title, body=note.body)
        db.session.add(created)
        db.session.commit()
        return _note_out(created)


class NoteResource(Resource):
    method_decorators = [jwt_required()]  # noqa: RUF012 - Flask-RESTful's class attribute

    def get(self, note_id: int) -> NoteOut:
        return _note_out(_own_note(note_id))

    def patch(self, note_id: int, changes: NotePatch) -> NoteOut:
        note = _own_note(note_id)
        if changes.title is not None:
            note.title = changes.title
        if changes.body is not None:
            note.body = changes.body
        db.session.commit()
        return _note_out(note)

    def delete(self, note_id: int) -> Any:
        db.session.delete(_own_note(note_id))
        db.session.commit()
        return "", 204


api.add_resource(TokenResource, "/token")
api.add_resource(RefreshResource, "/token/refresh")
api.add_resource(NoteListResource, "/notes")
api.add_resource(NoteResource, "/notes/<int:note_id>")
