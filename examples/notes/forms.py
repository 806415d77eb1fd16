"""The demo's forms: Flask-WTF's API, CSRF tokens included."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Regexp

from hipflask.forms import FlaskForm

#: The shortest password a user may choose, on the form and on the command line.
MIN_PASSWORD_LENGTH = 10


class SignupForm(FlaskForm):
    username = StringField(
        "User name",
        validators=[
            DataRequired(),
            Length(min=3, max=40),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="Letters, digits, '.', '_' and '-' only."),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        "Repeat the password", validators=[EqualTo("password", message="The passwords differ.")]
    )


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


class NoteForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    body = TextAreaField("Note", validators=[Length(max=10_000)])


class DeleteForm(FlaskForm):
    """An empty form: its CSRF token is what protects the delete button."""
