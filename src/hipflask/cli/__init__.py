"""Command line: ``hipflask run``, ``serve``, ``routes``, ``shell`` and ``certs``.

The names Flask apps import from ``flask.cli`` are here too.
"""

from __future__ import annotations

from ..core.commands import AppGroup as AppGroup
from ..core.commands import with_appcontext as with_appcontext
from .discovery import NoAppException as NoAppException
from .discovery import ScriptInfo as ScriptInfo
from .discovery import pass_script_info as pass_script_info
from .dotenv import load_dotenv as load_dotenv
from .main import HipflaskGroup as FlaskGroup
from .main import HipflaskGroup as HipflaskGroup
