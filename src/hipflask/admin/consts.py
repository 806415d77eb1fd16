"""Menu icon types and the any-host URL variable, at ``flask_admin.consts``'s import path."""

from __future__ import annotations

__all__ = [
    "ADMIN_ROUTES_HOST_VARIABLE",
    "ADMIN_ROUTES_HOST_VARIABLE_NAME",
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

#: The URL variable that stands for the request's host under ``Admin(host="*")``;
#: Flask-Admin's name, so ``url_for("admin.index", admin_routes_host=...)``
#: builds a link to the admin on another host, as it does there.
ADMIN_ROUTES_HOST_VARIABLE_NAME = "admin_routes_host"
#: The same variable as the host part of a rule.
ADMIN_ROUTES_HOST_VARIABLE = f"<{ADMIN_ROUTES_HOST_VARIABLE_NAME}>"
