"""Flask-WTF's documented usage, strictly typed, through hipflask.forms."""

from __future__ import annotations

from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from hipflask import Flask
from hipflask import redirect
from hipflask import render_template
from hipflask import url_for
from hipflask.forms import CSRFProtect
from hipflask.forms import FlaskForm
from hipflask.forms import RecaptchaField
from hipflask.forms.csrf import CSRFError
from hipflask.forms.csrf import generate_csrf
from hipflask.forms.file import FileAllowed
from hipflask.forms.file import FileField
from hipflask.forms.file import FileRequired

csrf = CSRFProtect()


class RegistrationForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=3, max=25)])
    email = StringField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField("Repeat", validators=[EqualTo("password")])
    age = IntegerField("Age", validators=[Optional(), NumberRange(min=13)])
    colour = SelectField("Colour", choices=[("r", "Red"), ("g", "Green")])
    accept_tos = BooleanField("I accept the terms", validators=[DataRequired()])
    submit = SubmitField("Register")

    def validate_username(self, field: StringField) -> None:
        if field.data == "admin":
            raise ValidationError("That name is taken.")


class UploadForm(FlaskForm):
    photo = FileField(validators=[FileRequired(), FileAllowed(["jpg", "png"], "Images only")])


class SignupForm(FlaskForm):
    recaptcha = RecaptchaField()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"
    csrf.init_app(app)

    @app.route("/register", methods=["GET", "POST"])
    def register() -> BaseResponse | str:
        form = RegistrationForm()
        if form.validate_on_submit():
            name: str | None = form.username.data
            print(name, form.age.data, form.data)
            return redirect(url_for("register"))
        errors: dict[str, list[str]] = {k: list(v) for k, v in form.errors.items()}
        print(errors, form.is_submitted())
        return render_template("register.html", form=form, token=generate_csrf())

    @app.route("/webhook", methods=["POST"])
    @csrf.exempt
    def webhook() -> str:
        return "ok"

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return str(error.description), 400

    return app
