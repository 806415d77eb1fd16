"""Sphinx configuration for hipflask's documentation."""

from __future__ import annotations

project = "hipflask"
author = "The hipflask developers"
copyright = "2026, The hipflask developers"
release = "0.1.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx"]
autodoc_typehints = "description"
autodoc_member_order = "bysource"
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
exclude_patterns = ["_build", "examples"]
html_theme = "alabaster"
nitpicky = False
suppress_warnings = ["ref.python"]
