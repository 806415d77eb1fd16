"""Forms and CSRF tokens: Flask-WTF's API on WTForms (``flask_wtf`` -> ``hipflask.forms``).

``FlaskForm`` binds a WTForms form to the current request and adds a CSRF
token tied to the session; ``CSRFProtect`` requires a token on every unsafe
request of an app. Needs the ``forms`` extra: ``pip install 'hipflask[forms]'``.
"""

from __future__ import annotations

from .._extras import require

require("wtforms", extra="forms")

from wtforms import Form as Form  # noqa: E402

from .csrf import CSRFProtect as CSRFProtect  # noqa: E402
from .form import FlaskForm as FlaskForm  # noqa: E402
from .recaptcha import Recaptcha as Recaptcha  # noqa: E402
from .recaptcha import RecaptchaField as RecaptchaField  # noqa: E402
from .recaptcha import RecaptchaWidget as RecaptchaWidget  # noqa: E402

__all__ = [
    "CSRFProtect",
    "FlaskForm",
    "Form",
    "Recaptcha",
    "RecaptchaField",
    "RecaptchaWidget",
]


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-WTF names its release; here it is hipflask's, read on use as
        # the package sets it after importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
