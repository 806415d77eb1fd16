"""Sign-up, login and logout pages (``hipflask.login`` and ``hipflask.forms``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hipflask import Blueprint
from hipflask import flash
from hipflask import redirect
from hipflask import render_template
from hipflask import request
from hipflask import url_for
from hipflask.login import login_required
from hipflask.login import login_user
from hipflask.login import logout_user
from hipflask.login import safe_next_url
from hipflask.login import verify_login
from hipflask.security import check_password_hash

from .forms import LoginForm
from .forms import SignupForm
from .models import User
from .models import db

bp = Blueprint("auth", __name__)

#: The same words for an unknown user and a wrong password: no account list by trial.
BAD_LOGIN = "Wrong user name or password."


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    form = SignupForm()
    if form.validate_on_submit():
        if find_user(form.username.data) is not None:
            form.username.errors.append("That name is taken.")
        else:
            user = User(username=form.username.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("notes.index"))
    _flash_errors(form)
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        # One hash check either way: an unknown name takes as long as a bad password.
        if verify_login(user, form.password.data, check=check_password_hash) and user:
            user.check_password(form.password.data)  # upgrades an old hash
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.username}.", "success")
            # ``next`` is honoured only when it is a path on this site.
            return redirect(safe_next_url(url_for("notes.index")))
        flash(BAD_LOGIN, "error")
    else:
        _flash_errors(form)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


def _flash_errors(form: Any) -> None:
    if request.method != "POST":
        return
    for field, errors in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        name = label.text if label is not None else field
        for error in errors:
            flash(f"{name}: {error}", "error")
