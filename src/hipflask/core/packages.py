"""Where an app's package is installed, which decides where its instance folder goes.

The instance folder holds what belongs to one deployment and not to the
code: ``config.py`` with the secret key, the SQLite database, uploads. It
must be writable and must survive reinstalling the package, so:

* a package run from its source checkout (a clone, an editable install)
  keeps it beside the package: ``<project>/instance`` for
  ``<project>/flaskr/__init__.py``, where Flask's tutorial puts ``config.py``;
* an installed package gets ``<prefix>/var/<name>-instance``, outside
  ``site-packages``, which an upgrade replaces and which is often read-only.

Both rules are Flask's, so a project keeps its folder when it moves over.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import PurePath


def _namespace_location(import_name: str, locations: list[str]) -> str:
    """The part of a namespace package that holds ``import_name``."""
    spec = importlib.util.find_spec(import_name)
    if spec is not None and spec.submodule_search_locations:
        inner = PurePath(os.path.commonpath(list(spec.submodule_search_locations)))
        for location in locations:
            if inner.is_relative_to(location):
                return location
    return locations[0]


def package_path(import_name: str) -> str:
    """The folder that contains the top-level package or module of ``import_name``.

    Nothing is imported to find it. A name that cannot be found (an app
    created in an interactive session, ``__main__``) gives the working
    directory.
    """
    top = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return os.getcwd()
    locations = list(spec.submodule_search_locations or ())
    if not locations:
        return os.path.dirname(str(spec.origin))
    if spec.origin is None or spec.origin == "namespace":
        return os.path.dirname(_namespace_location(import_name, locations))
    return os.path.dirname(os.path.dirname(spec.origin))


def find_package(import_name: str) -> tuple[str | None, str]:
    """The install prefix of ``import_name`` (``None`` when not installed) and its folder."""
    path = package_path(import_name)
    prefix = os.path.abspath(sys.prefix)
    if PurePath(path).is_relative_to(prefix):
        return prefix, path
    parent, folder = os.path.split(path)
    if folder.lower() != "site-packages":
        return None, path
    grandparent, lib = os.path.split(parent)
    if lib.lower() == "lib":  # Windows: <prefix>/Lib/site-packages
        return grandparent, path
    if os.path.basename(grandparent).lower() == "lib":  # <prefix>/lib/pythonX.Y/site-packages
        return os.path.dirname(grandparent), path
    return parent, path  # <prefix>/site-packages


def instance_path_for(import_name: str, app_name: str) -> str:
    """The default instance folder of an app; see the module docstring."""
    prefix, path = find_package(import_name)
    if prefix is None:
        return os.path.join(path, "instance")
    return os.path.join(prefix, "var", f"{app_name}-instance")


__all__ = ["find_package", "instance_path_for", "package_path"]
