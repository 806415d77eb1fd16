"""Blueprints, at Flask's import path (``flask.blueprints``)."""

from __future__ import annotations

from .core.blueprints import Blueprint as Blueprint
from .core.blueprints import BlueprintSetupState as BlueprintSetupState
