"""The data endpoints in hipflask: the Flask data app with its imports renamed."""

from __future__ import annotations

from datetime import timedelta

import redis

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
    SQLALCHEMY_DATABASE_URI=user_database("hipflask"),
    SESSION_TYPE="redis",
    SESSION_REDIS=redis.Redis.from_url(REDIS_URL),
    SESSION_KEY_PREFIX=session_prefix("hipflask"),
    PERMANENT_SESSION_LIFETIME=timedelta(minutes=10),
)
db = SQLAlchemy(app)
Session(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))


@app.get("/db/<int:id>")
def user(id: int) -> Response:
    row = User.query.get(id)
    return jsonify(id=row.id, name=row.name)


@app.get("/server-session")
def counter() -> Response:
    session["counter"] = session.get("counter", 0) + 1
    return jsonify(counter=session["counter"])
