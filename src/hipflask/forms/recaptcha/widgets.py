"""The reCAPTCHA widget (Flask-WTF's ``flask_wtf.recaptcha.widgets``).

It renders Google's script and the ``g-recaptcha`` box; the browser puts the
user's answer into the ``g-recaptcha-response`` form field (or JSON key).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from wtforms.widgets import html_params

from ...contexts.globals import current_app

__all__ = ["RECAPTCHA_DIV_CLASS_DEFAULT", "RECAPTCHA_SCRIPT_DEFAULT", "RecaptchaWidget"]

DEFAULT_SCRIPT = "https://www.google.com/recaptcha/api.js"
DEFAULT_DIV_CLASS = "g-recaptcha"
#: Flask-WTF's names for them.
RECAPTCHA_SCRIPT_DEFAULT = DEFAULT_SCRIPT
RECAPTCHA_DIV_CLASS_DEFAULT = DEFAULT_DIV_CLASS


class RecaptchaWidget:
    """Renders Google's script tag and the ``g-recaptcha`` box."""

    def recaptcha_html(self, public_key: str, nonce: Any = None, **kwargs: Any) -> Markup:
        config = current_app.config
        custom = config.get("RECAPTCHA_HTML")
        if custom:
            return Markup(custom)  # noqa: S704 - the app's own HTML, from its config
        script = config.get("RECAPTCHA_SCRIPT") or DEFAULT_SCRIPT
        params = config.get("RECAPTCHA_PARAMETERS")
        if params:
            script = f"{script}?{urlencode(params)}"
        if callable(nonce):
            nonce = nonce()
        nonce_attr = Markup(' nonce="{}"').format(nonce) if nonce else ""
        kwargs.setdefault("class", config.get("RECAPTCHA_DIV_CLASS") or DEFAULT_DIV_CLASS)
        data_attrs = {**(config.get("RECAPTCHA_DATA_ATTRS") or {}), "sitekey": public_key}
        for name, value in data_attrs.items():
            kwargs.setdefault(f"data-{name}", value)
        # html_params escapes the attribute values it renders; format escapes
        # the script's URL, quotes included. The single quotes are Flask-WTF's.
        return Markup("\n<script src='{}' async defer{}></script>\n<div {}></div>\n").format(
            script,
            nonce_attr,
            Markup(html_params(**kwargs)),  # noqa: S704
        )

    def __call__(self, field: Any, error: Any = None, **kwargs: Any) -> Markup:
        config = current_app.config
        if not config.get("RECAPTCHA_ENABLED", True):
            return Markup("<!-- recaptcha disabled -->")
        public_key = config.get("RECAPTCHA_PUBLIC_KEY")
        if not public_key:
            raise RuntimeError(
                "RECAPTCHA_PUBLIC_KEY is not set: set it to the site key of the reCAPTCHA site."
            )
        kwargs.setdefault("id", field.id)
        return self.recaptcha_html(public_key, nonce=getattr(field, "nonce", None), **kwargs)
