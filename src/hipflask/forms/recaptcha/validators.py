"""The reCAPTCHA validator (Flask-WTF's ``flask_wtf.recaptcha.validators``).

It posts the browser's answer, with ``RECAPTCHA_PRIVATE_KEY`` and the
client's address, to the ``siteverify`` endpoint and accepts the field only
when the answer is ``{"success": true}``. A failed or unreachable
verification is a validation error on the field, never a 500.

The HTTP call is the ``http_post`` argument of :class:`Recaptcha`, so tests
(and apps behind an egress proxy) can give their own. Under ``TESTING``, or
with ``RECAPTCHA_ENABLED = False``, the validator passes without calling out,
as in Flask-WTF.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from wtforms import ValidationError

from ...contexts.globals import current_app
from ...contexts.globals import request

__all__ = [
    "DEFAULT_VERIFY_SERVER",
    "RECAPTCHA_ERROR_CODES",
    "RECAPTCHA_VERIFY_SERVER_DEFAULT",
    "Recaptcha",
    "ValidationError",
    "post_form",
]

DEFAULT_VERIFY_SERVER = "https://www.google.com/recaptcha/api/siteverify"
#: Flask-WTF's name for it.
RECAPTCHA_VERIFY_SERVER_DEFAULT = DEFAULT_VERIFY_SERVER
_TIMEOUT = 5.0
# A siteverify answer is a few hundred bytes; read no more than this.
_MAX_ANSWER = 64 * 1024

#: Error codes of the siteverify answer that point at a setup mistake,
#: with the message shown for them.
RECAPTCHA_ERROR_CODES = {
    "missing-input-secret": "The secret parameter is missing.",
    "invalid-input-secret": "The secret parameter is invalid or malformed.",
    "missing-input-response": "The response parameter is missing.",
    "invalid-input-response": "The response parameter is invalid or malformed.",
}

#: ``http_post(url, fields, timeout) -> (status, body)``
HttpPost = Callable[[str, dict[str, str], float], tuple[int, bytes]]


def post_form(url: str, fields: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """POST ``fields`` urlencoded to an ``https://`` URL; the status and (bounded) body."""
    if not url.startswith("https://"):
        # The private key travels in the body: never over plain HTTP.
        raise ValueError(f"RECAPTCHA_VERIFY_SERVER must be an https:// URL, not {url!r}.")
    data = urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - https only, above
    with urllib.request.urlopen(req, timeout=timeout) as answer:  # noqa: S310
        return int(answer.status), bytes(answer.read(_MAX_ANSWER))


class Recaptcha:
    """Validator: the field's answer must verify with Google.

    It passes without calling out under ``TESTING`` and when
    ``RECAPTCHA_ENABLED`` is ``False``: the widget then renders no box, so no
    browser can send an answer, and refusing would leave the form impossible
    to submit (offline development, a staging site without keys).
    """

    def __init__(self, message: str | None = None, http_post: HttpPost | None = None) -> None:
        # Flask-WTF 1.x's default: the text of Google's own code for no answer.
        self.message = (
            RECAPTCHA_ERROR_CODES["missing-input-response"] if message is None else message
        )
        self.http_post: HttpPost = http_post or post_form

    def __call__(self, form: Any, field: Any) -> None:
        if current_app.testing or not current_app.config.get("RECAPTCHA_ENABLED", True):
            return
        if request.is_json:
            body = request.get_json(silent=True)
            answer = body.get("g-recaptcha-response", "") if isinstance(body, dict) else ""
        else:
            answer = request.form.get("g-recaptcha-response", "")
        if not isinstance(answer, str) or not answer:
            raise ValidationError(field.gettext(self.message))
        if not self._verify(answer, request.remote_addr or ""):
            field.recaptcha_error = "incorrect-captcha-sol"
            raise ValidationError(field.gettext(self.message))

    def _verify(self, answer: str, remote_ip: str) -> bool:
        config = current_app.config
        private_key = config.get("RECAPTCHA_PRIVATE_KEY")
        if not private_key:
            raise RuntimeError(
                "RECAPTCHA_PRIVATE_KEY is not set: set it to the secret key of the"
                " reCAPTCHA site, from the environment."
            )
        server = config.get("RECAPTCHA_VERIFY_SERVER") or DEFAULT_VERIFY_SERVER
        fields = {"secret": private_key, "remoteip": remote_ip, "response": answer}
        try:
            status, body = self.http_post(server, fields, _TIMEOUT)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            current_app.logger.warning("reCAPTCHA verification failed: %s", exc)
            return False
        if status != 200:
            return False
        try:
            result = json.loads(body)
        except ValueError:
            return False
        if not isinstance(result, dict):
            return False
        if result.get("success") is True:
            return True
        for code in result.get("error-codes") or ():
            if code in RECAPTCHA_ERROR_CODES:
                raise ValidationError(RECAPTCHA_ERROR_CODES[code])
        return False
