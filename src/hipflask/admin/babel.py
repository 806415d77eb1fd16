"""Translation hooks at Flask-Admin's import path (``flask_admin.babel``).

The admin's own strings are English. These functions keep Flask-Admin's
signatures so that views and templates calling ``gettext``/``_gettext`` port
unchanged; they only substitute the ``%(name)s`` variables. An app that wants
translations renders its own templates through its translation layer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Translations", "gettext", "lazy_gettext", "ngettext"]


def gettext(string: str, **variables: Any) -> str:
    """Return ``string`` with its ``%(name)s`` variables filled in."""
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Pick the singular or plural form by ``num``; ``%(num)d`` is available to both."""
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def lazy_gettext(string: str, **variables: Any) -> str:
    """Same as :func:`gettext`: without a catalogue there is nothing to defer."""
    return gettext(string, **variables)


class Translations:
    """The translations object Flask-Admin hands to WTForms: messages unchanged."""

    def gettext(self, string: str) -> str:
        return string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural
