"""``FlaskForm``: a WTForms form that reads the current request and carries a CSRF token.

A ``FlaskForm`` needs no ``request.form`` argument: built inside a view, it
takes its data from the request when the request is a submission (``POST``,
``PUT``, ``PATCH``, ``DELETE``), uploaded files included, and from a JSON
object body (``null`` being a submission without fields; its values reach
the fields as the text a form post carries). It has a hidden
``csrf_token`` field whose token is tied to the session
(:mod:`hipflask.security.csrf`), so ``form.validate_on_submit()`` fails for
a forged submission even in an app without ``CSRFProtect``.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from markupsafe import Markup
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import BooleanField
from wtforms import FileField
from wtforms import Form
from wtforms import ValidationError
from wtforms.csrf.core import CSRF
from wtforms.meta import DefaultMeta
from wtforms.widgets import HiddenInput

from ..contexts.globals import current_app
from ..contexts.globals import g
from ..contexts.globals import request
from ..contexts.globals import session
from ..wrappers.jsonerrors import JSONBadRequest
from ..wrappers.jsonform import json_form_data
from .csrf import generate_csrf
from .csrf import setting
from .csrf import validate_csrf
from .decimals import refuse_unusable_decimals
from .names import FieldNames
from .names import without_deep_names
from .names import without_excess_entries
from .names import without_unreadable_indices
from .uploads import place_uploads
from .uploads import split_uploads

__all__ = ["SUBMIT_METHODS", "FlaskForm"]

logger = logging.getLogger("hipflask.forms.csrf")

#: Methods whose requests are form submissions.
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_Auto = object()


def _is_submitted() -> bool:
    return bool(request) and request.method in SUBMIT_METHODS


class _SessionCSRF(CSRF):
    """WTForms' CSRF hook, backed by the session-bound tokens of :mod:`.csrf`."""

    meta: Any

    def setup_form(self, form: Any) -> Any:
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return generate_csrf(secret_key=self.meta.csrf_secret, token_key=self.meta.csrf_field_name)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if g.get("csrf_valid", False):
            # CSRFProtect already checked this request's token.
            return
        try:
            validate_csrf(
                field.data,
                self.meta.csrf_secret,
                self.meta.csrf_time_limit,
                self.meta.csrf_field_name,
            )
        except ValidationError as exc:
            logger.info(exc.args[0])
            raise


class FlaskForm(Form):
    """A form bound to the current request, with CSRF protection built in.

    Turn CSRF off for one form with ``FlaskForm(meta={"csrf": False})`` or a
    ``class Meta: csrf = False``; for every form with ``WTF_CSRF_ENABLED``.
    ``Meta.locales`` translates the messages only with ``WTF_I18N_ENABLED =
    False``, as in Flask-WTF, where the setting hands them to Flask-Babel.
    """

    class Meta(DefaultMeta):
        csrf_class = _SessionCSRF
        csrf_context = session

        @cached_property
        def csrf(self) -> bool:  # type: ignore[override]
            return bool(setting("WTF_CSRF_ENABLED"))

        @cached_property
        def csrf_secret(self) -> Any:  # type: ignore[override]  # a setting, read late
            return setting("WTF_CSRF_SECRET_KEY")

        @cached_property
        def csrf_field_name(self) -> str:  # type: ignore[override]
            return str(setting("WTF_CSRF_FIELD_NAME"))

        @cached_property
        def csrf_time_limit(self) -> Any:
            return setting("WTF_CSRF_TIME_LIMIT")

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _Auto:
                return formdata
            if not _is_submitted():
                return None
            if request.files:
                return CombinedMultiDict((request.files, request.form))
            if request.form:
                return request.form
            if request.is_json:
                data = request.get_json()
                if data is None:
                    # ``null``: a submission without fields, as in Flask-WTF.
                    return ImmutableMultiDict()
                if not isinstance(data, dict):
                    raise JSONBadRequest("The JSON body of a form submission must be an object.")
                return json_form_data(data, FieldNames(form, BooleanField, form.meta))
            return None

        def get_translations(self, form: Any) -> Any:
            # WTF_I18N_ENABLED (on by default) is Flask-WTF's switch to
            # Flask-Babel's locale, which is not offered here: messages stay
            # in English, as Flask-WTF leaves them without Flask-Babel.
            # Turned off, WTForms' own translations follow Meta.locales.
            if current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return super().get_translations(form)

    def __init__(self, formdata: Any = _Auto, **kwargs: Any) -> None:
        # Outside an app context the settings cannot be read; fail clearly.
        current_app._get_current_object()
        super().__init__(formdata=formdata, **kwargs)

    def process(
        self,
        formdata: Any = None,
        obj: Any = None,
        data: Any = None,
        extra_filters: Any = None,
        **kwargs: Any,
    ) -> None:
        """Process the submission as WTForms does, with uploads reaching file fields only.

        A file posted under a text, number or date field would fail in that
        field's parser or validators (a 500); it is that field's error
        instead, see :mod:`hipflask.forms.uploads`. So is a signaling NaN
        given to a decimal field, or a number with too many digits
        (:mod:`hipflask.forms.decimals`). A name
        nested deeper than any form goes (a tree's, see
        :func:`~hipflask.forms.names.without_deep_names`) is not followed, nor
        one that would make more entries holding a list than a form has
        (:func:`~hipflask.forms.names.without_excess_entries`), nor one whose
        list index WTForms would fail to read
        (:func:`~hipflask.forms.names.without_unreadable_indices`).
        """
        formdata = without_deep_names(self.meta.wrap_formdata(self, formdata), self, self.meta)
        formdata = without_unreadable_indices(formdata, self, self.meta)
        formdata, files = split_uploads(
            without_excess_entries(formdata, self, self.meta),
            lambda: FieldNames(self, FileField, self.meta),
        )
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        if files is not None:
            place_uploads(self, files)
        refuse_unusable_decimals(self)

    def is_submitted(self) -> bool:
        """Whether this request is a submission (``POST``, ``PUT``, ``PATCH``, ``DELETE``)."""
        return _is_submitted()

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """``is_submitted()`` and ``validate()``: the one call most views make."""
        return self.is_submitted() and self.validate(extra_validators=extra_validators)

    def hidden_tag(self, *fields: Any) -> Markup:
        """Render the hidden fields (the CSRF token among them), or only those named."""
        chosen = fields or tuple(self)
        rendered: list[Markup] = []
        for item in chosen:
            field = getattr(self, item, None) if isinstance(item, str) else item
            if field is None or not isinstance(field.widget, HiddenInput):
                continue
            rendered.append(Markup(field()))  # noqa: S704 - WTForms escapes what it renders
        return Markup("\n").join(rendered)
