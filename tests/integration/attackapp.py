"""A tutorial-shaped bank app that ``test_attacks.py`` attacks over real HTTP.

Servers import it as ``attackapp:app``. Every state change (a login, a
transfer) is appended to the ledger file named by ``ATTACKAPP_LEDGER``, so
the tests can prove on disk that a refused request wrote nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired

from hipflask import Hipflask
from hipflask import render_template_string
from hipflask import request
from hipflask import session
from hipflask.forms import CSRFProtect
from hipflask.forms import FlaskForm
from hipflask.security import check_password_hash
from hipflask.security import generate_password_hash
from hipflask.security import safe_redirect
from hipflask.security.csrf import rotate_csrf_secret

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("ATTACKAPP_SECRET", "attack-app-secret-key-0123456789abcdef"),
    TRUSTED_HOSTS=["127.0.0.1"],
)
csrf = CSRFProtect(app)
LEDGER = Path(os.environ.get("ATTACKAPP_LEDGER", os.devnull))
USERS = {
    "alice": generate_password_hash("alice-password"),
    "mallory": generate_password_hash("mallory-password"),
}

PAGE = """<form method="post">{{ form.hidden_tag() }}{% for f in form if f.widget.input_type
!= 'hidden' %}{{ f.label }} {{ f() }}{% endfor %}<button>Send</button></form>"""


def record(line: str) -> None:
    with LEDGER.open("a", encoding="utf-8") as ledger:
        ledger.write(line + "\n")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class TransferForm(FlaskForm):
    to = StringField("To", validators=[DataRequired()])
    amount = IntegerField("Amount", validators=[DataRequired()])


@app.route("/login", methods=["GET", "POST"])
def login() -> object:
    form = LoginForm()
    if form.validate_on_submit():
        known = USERS.get(form.username.data or "")
        if known is None or not check_password_hash(known, form.password.data or ""):
            return "Unknown user or wrong password.", 401
        # A token planted before login must not carry over (login CSRF).
        rotate_csrf_secret(session)
        session["user"] = form.username.data
        record(f"login {form.username.data}")
        return safe_redirect(request.args.get("next"), "/whoami")
    return render_template_string(PAGE, form=form)


@app.route("/transfer", methods=["GET", "POST"])
def transfer() -> object:
    user = session.get("user")
    if user is None:
        return "Sign in first.", 401
    form = TransferForm()
    if form.validate_on_submit():
        record(f"transfer {user} {form.to.data} {form.amount.data}")
        return "Sent."
    return render_template_string(PAGE, form=form)


@app.route("/whoami")
def whoami() -> str:
    return str(session.get("user", "nobody"))


@app.route("/go")
def go() -> object:
    return safe_redirect(request.args.get("next"), "/home")


@app.route("/boom")
def boom() -> str:
    raise RuntimeError("database password hunter2 in /srv/bank/models.py")
