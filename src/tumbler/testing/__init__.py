"""Testing tools: the test client, the CLI runner and real servers on loopback.

``flask.testing``'s names are here too (``FlaskClient``, ``FlaskCliRunner``,
``EnvironBuilder``), so a ported test suite keeps its imports.
"""

from __future__ import annotations

from werkzeug.test import EnvironBuilder as EnvironBuilder

from .client import TumblerClient as FlaskClient
from .client import TumblerClient as TumblerClient
from .runner import TumblerCliRunner as FlaskCliRunner
from .runner import TumblerCliRunner as TumblerCliRunner
