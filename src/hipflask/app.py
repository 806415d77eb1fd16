"""The application class, at Flask's import path (``flask.app``)."""

from __future__ import annotations

from .core.app import Flask as Flask
from .core.app import Hipflask as Hipflask
