"""Icon type names for menu items, at Flask-Admin's import path (``flask_admin.consts``)."""

from __future__ import annotations

__all__ = [
    "ICON_TYPE_FONT_AWESOME",
    "ICON_TYPE_GLYPH",
    "ICON_TYPE_IMAGE",
    "ICON_TYPE_IMAGE_URL",
]

#: A glyph class name (rendered as ``<i class="...">``).
ICON_TYPE_GLYPH = "glyph"
#: A Font Awesome class name; the app ships the font itself.
ICON_TYPE_FONT_AWESOME = "fa"
#: An image path relative to the app's static folder.
ICON_TYPE_IMAGE = "image"
#: An image URL, used as given.
ICON_TYPE_IMAGE_URL = "image-url"
