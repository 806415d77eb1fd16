"""The data endpoints in hipflask with ``async def`` views, for the ASGI row.

The primary-key read awaits ``db.async_session`` (aiosqlite) and the session
is opened and saved through redis.asyncio, so the event loop never waits.
"""

from __future__ import annotations

from datetime import timedelta

from apps.data_setup import session_prefix
from apps.data_setup import user_database
from common import REDIS_URL
from common import SECRET_KEY
from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.sessions import Session

app = Hipflask(__name__)
app.secret_key = SECRET_KEY
app.config.update(
    SQLALCHEMY_DATABASE_URI=user_database("hipflask-asgi"),
    SESSION_TYPE="redis",
    SESSION_REDIS=REDIS_URL,
    SESSION_KEY_PREFIX=session_prefix("hipflask-asgi"),
    PERMANENT_SESSION_LIFETIME=timedelta(minutes=10),
)
db = SQLAlchemy(app)
Session(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))


@app.get("/db/<int:id>")
async def user(id: int) -> Response:
    row = await db.async_session.get(User, id)
    return jsonify(id=row.id, name=row.name)


@app.get("/server-session")
async def counter() -> Response:
    session["counter"] = session.get("counter", 0) + 1
    return jsonify(counter=session["counter"])
