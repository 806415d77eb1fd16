"""Testing tools: the test client, the CLI runner and real servers on loopback.

``flask.testing``'s names are here too (``FlaskClient``, ``FlaskCliRunner``,
``EnvironBuilder``), so a ported test suite keeps its imports.
"""

from __future__ import annotations

from .client import FlaskClient as FlaskClient
from .client import HipflaskClient as HipflaskClient
from .environ import EnvironBuilder as EnvironBuilder
from .runner import FlaskCliRunner as FlaskCliRunner
from .runner import HipflaskCliRunner as HipflaskCliRunner
