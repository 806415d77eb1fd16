"""Bulk actions on list rows, at Flask-Admin's path (``flask_admin.actions``).

An action is a view method marked with :func:`action`; the list page posts
the chosen action's name and the selected row ids to ``action_view``. The
post carries the admin form's CSRF token and is refused without it: an
action deletes or changes many rows at once, the first target of a forged
request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wtforms.fields import HiddenField

from ..contexts.globals import request
from ..core.helpers import redirect
from . import babel
from .form import BaseForm
from .helpers import flash_errors
from .helpers import get_redirect_target

__all__ = ["ActionsMixin", "action"]


def action(name: str, text: str, confirmation: str | None = None) -> Callable[[Any], Any]:
    """Mark a method ``f(self, ids)`` as the bulk action ``name``.

    :param text: the label in the actions menu.
    :param confirmation: a question the page asks before posting, if any.
    """

    def wrap(f: Any) -> Any:
        f._action = (name, text, confirmation)
        return f

    return wrap


class ActionsMixin:
    """Collect a view's actions and run the one a list page posts."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, str]] = []
        self._actions_data: dict[str, tuple[Callable[..., Any], str, str | None]] = {}

    def init_actions(self) -> None:
        """Gather the methods marked with :func:`action` (called by the constructor)."""
        self._actions = []
        self._actions_data = {}
        # Look on the class: reading every attribute of the instance would run
        # properties that need a request.
        for attribute in dir(type(self)):
            marker = getattr(getattr(type(self), attribute, None), "_action", None)
            if marker is None:
                continue
            name, text, confirmation = marker
            self._actions.append((name, text))
            self._actions_data[name] = (getattr(self, attribute), text, confirmation)

    def is_action_allowed(self, name: str) -> bool:
        """Whether action ``name`` is offered and accepted for this request."""
        return True

    def get_actions_list(self) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """The allowed actions as ``(name, label)`` and their confirmation questions."""
        actions: list[tuple[str, str]] = []
        confirmations: dict[str, str] = {}
        for name, text in self._actions:
            if not self.is_action_allowed(name):
                continue
            actions.append((name, babel.gettext(text)))
            confirmation = self._actions_data[name][2]
            if confirmation:
                confirmations[name] = babel.gettext(confirmation)
        return actions, confirmations

    def handle_action(self, return_view: str | None = None) -> Any:
        """Check the posted form (CSRF token included), run the action, go back.

        An unknown or disallowed action name runs nothing and goes back
        without a message, as in Flask-Admin (the list offers only the
        allowed ones); a form without a valid token is refused with a
        flashed message. The form is checked by the view's ``validate_form``
        when it has one, as Flask-Admin does, so an override of it covers
        actions too.
        """
        form = self._make_action_form()
        validate_form = getattr(self, "validate_form", None)
        is_valid = validate_form(form) if validate_form is not None else form.validate_on_submit()
        if is_valid:
            name = str(form.action.data or "")
            handler = self._actions_data.get(name)
            if handler is not None and self.is_action_allowed(name):
                response = handler[0](request.form.getlist("rowid"))
                if response is not None:
                    return response
        else:
            flash_errors(form, message=babel.gettext("Failed to perform action. %(error)s"))
        if return_view:
            target = self.get_url("." + return_view)  # type: ignore[attr-defined]
        else:
            # The view's default page: ``index_view`` on model views.
            default = getattr(self, "_default_view", None) or "index_view"
            target = get_redirect_target() or self.get_url("." + default)  # type: ignore[attr-defined]
        return redirect(target)

    def _make_action_form(self) -> Any:
        make = getattr(self, "action_form", None)
        if make is not None:
            return make()
        return _ActionForm()


class _ActionForm(BaseForm):
    """The actions form of views that are not model views."""

    action = HiddenField()
    url = HiddenField()
