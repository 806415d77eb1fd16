"""A Flask tutorial's sign-in app, written for Flask, Flask-WTF, Flask-Limiter and Flask-CORS.

``test_tutorial_login.py`` runs this file as it is under Flask, and again
with its imports renamed (``flask`` -> ``hipflask``, ``flask_wtf`` ->
``hipflask.forms``, ``flask_limiter`` -> ``hipflask.limiter``, ``flask_cors``
-> ``hipflask.cors``) under hipflask: porting is a rename, nothing else.
The limiter is created in the older tutorials' form, with the app first.
"""

from flask import Flask
from flask import flash
from flask import get_flashed_messages
from flask import redirect
from flask import render_template_string
from flask import session
from flask import url_for
from flask_cors import CORS
from flask_limiter import Limiter
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired

app = Flask(__name__)
app.config["SECRET_KEY"] = "you-will-never-guess-but-please-use-the-environment"
csrf = CSRFProtect(app)
limiter = Limiter(app, default_limits=["200 per day", "50 per hour"])
CORS(app)

USERS = {"alice": generate_password_hash("wonderland")}

LOGIN_PAGE = """
<h1>{{ title }}</h1>
{% for message in get_flashed_messages() %}<p class="flash">{{ message }}</p>{% endfor %}
<form action="" method="post" novalidate>
    {{ form.hidden_tag() }}
    <p>{{ form.username.label }}<br>{{ form.username(size=32) }}
    {% for error in form.username.errors %}<span class="error">[{{ error }}]</span>{% endfor %}</p>
    <p>{{ form.password.label }}<br>{{ form.password(size=32) }}
    {% for error in form.password.errors %}<span class="error">[{{ error }}]</span>{% endfor %}</p>
    <p>{{ form.remember_me() }} {{ form.remember_me.label }}</p>
    <p>{{ form.submit() }}</p>
</form>
"""


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember_me = BooleanField("Remember Me")
    submit = SubmitField("Sign In")


@app.route("/")
def index():
    messages = " ".join(get_flashed_messages())
    return f"Hello, {session.get('user', 'stranger')}! {messages}".strip()


@app.route("/login", methods=["GET", "POST"])
@limiter.limit("3 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        known = USERS.get(form.username.data)
        if known is None or not check_password_hash(known, form.password.data):
            flash("Invalid username or password")
            return redirect(url_for("login"))
        session["user"] = form.username.data
        flash(f"Welcome, {form.username.data}")
        return redirect(url_for("index"))
    return render_template_string(LOGIN_PAGE, title="Sign In", form=form)


@app.route("/logout", methods=["POST"])
def logout():
    session.pop("user", None)
    return redirect(url_for("index"))


@app.route("/api/ping", methods=["POST"])
@csrf.exempt
def ping():
    return {"pong": True}


@app.errorhandler(CSRFError)
def handle_csrf_error(e):
    return render_template_string("<h1>CSRF</h1><p>{{ reason }}</p>", reason=e.description), 400
