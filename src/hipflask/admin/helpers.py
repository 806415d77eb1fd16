"""Helpers for admin views and templates, at Flask-Admin's path (``flask_admin.helpers``).

Templates reach these as ``h`` (``h.is_field_error(field.errors)``). The
redirect helpers are the security-relevant ones: every ``?url=`` return target
an admin page accepts goes through :func:`get_redirect_target`, so a link
crafted as ``/admin/user/edit/?id=1&url=https://evil.test/`` cannot send a
signed-in administrator off-site after a save (open redirect, phishing).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context

from ..contexts.globals import g
from ..contexts.globals import request
from ..core.flashing import flash
from ..core.helpers import url_for
from ..forms.form import SUBMIT_METHODS
from ..security.redirects import is_safe_redirect_target

if TYPE_CHECKING:
    from jinja2.runtime import Context
    from werkzeug.datastructures import MultiDict
    from wtforms import Field
    from wtforms import Form

__all__ = [
    "flash_errors",
    "get_current_view",
    "get_form_data",
    "get_redirect_target",
    "get_render_ctx",
    "get_url",
    "is_field_error",
    "is_form_submitted",
    "is_required_form_field",
    "is_safe_url",
    "prettify_class_name",
    "resolve_ctx",
    "set_current_view",
    "validate_form_on_submit",
]

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def set_current_view(view: Any) -> None:
    """Remember the admin view handling this request (menus mark it active)."""
    g._admin_view = view


def get_current_view() -> Any | None:
    """The admin view handling this request, or ``None`` outside one."""
    return g.get("_admin_view")


def get_url(endpoint: str, **kwargs: Any) -> str:
    """``url_for`` under the name admin templates use."""
    return url_for(endpoint, **kwargs)


def is_required_form_field(field: Field) -> bool:
    """Whether a field carries a validator that flags it required (drawn with a marker)."""
    return any(getattr(v, "field_flags", {}).get("required") for v in field.validators)


def is_form_submitted() -> bool:
    """Whether this request submits a form (``POST``, ``PUT``, ``PATCH``, ``DELETE``)."""
    return bool(request) and request.method in SUBMIT_METHODS


def validate_form_on_submit(form: Form) -> bool:
    """``is_form_submitted()`` and ``form.validate()``, the usual view test."""
    return is_form_submitted() and bool(form.validate())


def get_form_data() -> MultiDict[str, Any] | None:
    """The submitted form data (files included), or ``None`` when nothing was submitted.

    Passing ``None`` (not an empty dict) to a form lets it fill itself from
    ``obj=`` on a ``GET``.
    """
    if not is_form_submitted():
        return None
    if request.files:
        from werkzeug.datastructures import CombinedMultiDict

        return CombinedMultiDict((request.files, request.form))
    return request.form


def is_field_error(errors: Any) -> bool:
    """Whether a field's ``errors`` hold a message (nested forms give lists of lists)."""
    if isinstance(errors, (list, tuple)):
        return any(is_field_error(e) if isinstance(e, (list, tuple)) else bool(e) for e in errors)
    return bool(errors)


def flash_errors(form: Form, message: str) -> None:
    """Flash each field error, formatted into ``message`` with ``%(error)s``."""
    for field_name, errors in form.errors.items():
        label = getattr(form, field_name).label.text if hasattr(form, field_name) else field_name
        for error in errors if isinstance(errors, (list, tuple)) else [errors]:
            flash(message % {"error": f"{label}: {error}"}, "error")


@pass_context
def resolve_ctx(context: Context) -> str:
    """Keep the context of the form template being rendered, for form rules' macros."""
    g._admin_render_ctx = context
    return ""


def get_render_ctx() -> Context | None:
    """The context stored by :func:`resolve_ctx`, or ``None``."""
    context: Context | None = g.get("_admin_render_ctx")
    return context


def prettify_class_name(name: str) -> str:
    """``UserRoleView`` -> ``User Role View``: the default menu name of a view."""
    return _CAMEL_BOUNDARY.sub(" ", name)


def is_safe_url(target: str) -> bool:
    """Whether ``target`` stays on this site: a local path, or an http(s) URL to this host.

    Protocol-relative (``//evil.test``), backslash and other scheme tricks are
    refused by the framework's redirect check; an absolute URL passes only
    when its host is exactly the request's host.
    """
    if not isinstance(target, str) or not target:
        return False
    if is_safe_redirect_target(target):
        return True
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return False
    local = parts._replace(scheme="", netloc="").geturl() or "/"
    return parts.netloc == request.host and is_safe_redirect_target(local)


def get_redirect_target(param_name: str = "url") -> str | None:
    """The ``param_name`` request value if it is a safe return target, else ``None``."""
    target = request.values.get(param_name)
    if target and is_safe_url(target):
        return target
    return None
