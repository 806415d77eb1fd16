"""The shape of a Flask-SQLAlchemy + Flask-Migrate + Flask-Session tutorial app.

Written for Flask and ported by renaming imports (``flask`` -> ``hipflask``,
``flask_sqlalchemy`` -> ``hipflask.db``, ``flask_migrate`` ->
``hipflask.db.migrate``, ``flask_session`` -> ``hipflask.sessions``).
Switch databases with ``DATABASE_URL``::

    DATABASE_URL=sqlite:///tutorial.db                                  (default)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tutorial
    DATABASE_URL=mysql://root@127.0.0.1:3306/tutorial

Run ``python app.py`` (creates the tables, then serves), or use migrations:
``hipflask --app app db init``, ``db migrate -m "users"``, ``db upgrade``.
"""

from __future__ import annotations

import os

from hipflask import Flask
from hipflask import jsonify
from hipflask import request
from hipflask import session
from hipflask.db import SQLAlchemy
from hipflask.db.migrate import Migrate
from hipflask.sessions import Session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get(
    "HIPFLASK_SECRET_KEY", "change-me-to-a-long-random-value-0123456789"
)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///tutorial.db")
app.config["SESSION_TYPE"] = os.environ.get("SESSION_TYPE", "redis")
app.config["SESSION_REDIS"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
app.config["SESSION_KEY_PREFIX"] = os.environ.get("SESSION_KEY_PREFIX", "tutorial:")

db = SQLAlchemy(app)
migrate = Migrate(app, db)
Session(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    email = db.Column(db.String(120), unique=True, nullable=False)
    city = db.Column(db.String(80), nullable=False, default="")
    posts = db.relationship("Post", backref="author", lazy=True)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)


@app.route("/register", methods=["POST"])
def register():
    user = User(
        username=request.form["username"],
        email=request.form["email"],
        city=request.form.get("city", ""),
    )
    db.session.add(user)
    db.session.commit()
    return jsonify(id=user.id), 201


@app.route("/users/<int:user_id>")
def show_user(user_id):
    user = User.query.get_or_404(user_id)
    return jsonify(username=user.username, posts=[post.title for post in user.posts])


@app.route("/cities/<city>")
def users_in(city):
    page = request.args.get("page", 1, type=int)
    users = User.query.filter_by(city=city).order_by(User.username).paginate(page=page, per_page=5)
    return jsonify(
        users=[user.username for user in users.items],
        page=users.page,
        pages=users.pages,
        next=users.next_num,
        prev=users.prev_num,
    )


@app.route("/login", methods=["POST"])
def login():
    user = User.query.filter_by(username=request.form["username"]).first_or_404()
    session.regenerate()  # a new session id at login: no fixation
    session["user_id"] = user.id
    return jsonify(ok=True)


@app.route("/me")
def me():
    user_id = session.get("user_id")
    if user_id is None:
        return jsonify(user=None)
    return jsonify(user=db.session.get(User, user_id).username)


@app.route("/logout")
def logout():
    session.clear()  # deletes the record in Redis too
    return jsonify(ok=True)


if __name__ == "__main__":
    with app.app_context():
        db.create_all()
    app.run(debug=True)
