"""The one place where optional imports fail, with the install command to run."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it.

    Core modules never import an extra at import time; features that need one
    call this where they are first used, so a missing package is one clear line
    instead of a traceback deep inside an import.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra) from exc


def is_installed(module: str) -> bool:
    """Tell whether an optional dependency can be imported, without failing."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
