"""Configuration, at Flask's import path (``flask.config``)."""

from __future__ import annotations

from .core.config import Config as Config
from .core.config import ConfigAttribute as ConfigAttribute
