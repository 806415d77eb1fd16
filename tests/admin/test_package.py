"""The admin package: its public names and its small companion modules."""

from __future__ import annotations

import hipflask.admin
from hipflask.admin import babel
from hipflask.admin import consts
from hipflask.admin.theme import Bootstrap4Theme
from hipflask.admin.theme import BootstrapTheme
from hipflask.admin.theme import Theme


def test_public_names() -> None:
    assert sorted(hipflask.admin.__all__) == [
        "Admin",
        "AdminIndexView",
        "BaseView",
        "expose",
        "expose_plugview",
        "has_default_access",
    ]


def test_babel_substitutes_variables_only() -> None:
    assert babel.gettext("Hello %(name)s", name="<b>") == "Hello <b>"
    assert babel.gettext("100% sure") == "100% sure"
    assert babel.ngettext("%(num)d item", "%(num)d items", 1) == "1 item"
    assert babel.ngettext("%(num)d item", "%(num)d items", 3) == "3 items"
    assert babel.lazy_gettext("Home") == "Home"
    assert babel.Translations().ngettext("a", "b", 2) == "b"


def test_themes_keep_flask_admins_settings() -> None:
    theme = Bootstrap4Theme(base_template="mine.html", swatch="flatly", fluid=True)

    assert isinstance(theme, BootstrapTheme)
    assert isinstance(theme, Theme)
    assert (theme.base_template, theme.swatch, theme.fluid) == ("mine.html", "flatly", True)
    assert Bootstrap4Theme().base_template == "admin/base.html"


def test_icon_type_names() -> None:
    assert (consts.ICON_TYPE_GLYPH, consts.ICON_TYPE_FONT_AWESOME) == ("glyph", "fa")
    assert (consts.ICON_TYPE_IMAGE, consts.ICON_TYPE_IMAGE_URL) == ("image", "image-url")
