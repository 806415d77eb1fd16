"""The reCAPTCHA field (Flask-WTF's ``flask_wtf.recaptcha.fields``)."""

from __future__ import annotations

from typing import Any

from wtforms import Field

from .validators import Recaptcha
from .widgets import RecaptchaWidget

__all__ = ["RecaptchaField"]


class RecaptchaField(Field):
    """A reCAPTCHA box, validated by :class:`Recaptcha` unless validators are given.

    ``nonce`` (a string, or a callable such as ``csp_nonce``) is put on the
    script tag for a Content Security Policy with nonces.
    """

    widget = RecaptchaWidget()
    recaptcha_error: str | None = None

    def __init__(
        self, label: str = "", validators: Any = None, nonce: Any = None, **kwargs: Any
    ) -> None:
        validators = validators or [Recaptcha()]
        super().__init__(label, validators, **kwargs)
        self.nonce = nonce
