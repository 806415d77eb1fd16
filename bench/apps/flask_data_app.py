"""The data endpoints with Flask, Flask-SQLAlchemy and Flask-Session (Redis)."""

from __future__ import annotations

from datetime import timedelta

import redis
from flask import Flask
from flask import Response
from flask import jsonify
from flask import session
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy

from apps.data_setup import session_prefix
from apps.data_setup import user_database
from common import REDIS_URL
from common import SECRET_KEY

app = Flask(__name__)
app.secret_key = SECRET_KEY
app.config.update(
    SQLALCHEMY_DATABASE_URI=user_database("flask"),
    SESSION_TYPE="redis",
    SESSION_REDIS=redis.Redis.from_url(REDIS_URL),
    SESSION_KEY_PREFIX=session_prefix("flask"),
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
