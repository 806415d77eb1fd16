"""reCAPTCHA fields (Flask-WTF's ``flask_wtf.recaptcha``), against Google's documented API.

The widget renders Google's script and the ``g-recaptcha`` box; the browser
puts the user's answer into the ``g-recaptcha-response`` form field (or JSON
key), and the validator has Google check it (:mod:`.validators` says how).
The field, validator and widget live in ``fields``, ``validators`` and
``widgets``, the modules Flask-WTF apps import them from.
"""

from __future__ import annotations

from .fields import RecaptchaField as RecaptchaField
from .validators import DEFAULT_VERIFY_SERVER as DEFAULT_VERIFY_SERVER
from .validators import RECAPTCHA_ERROR_CODES as RECAPTCHA_ERROR_CODES
from .validators import Recaptcha as Recaptcha
from .validators import post_form as post_form
from .widgets import RecaptchaWidget as RecaptchaWidget

__all__ = [
    "DEFAULT_VERIFY_SERVER",
    "RECAPTCHA_ERROR_CODES",
    "Recaptcha",
    "RecaptchaField",
    "RecaptchaWidget",
    "post_form",
]
