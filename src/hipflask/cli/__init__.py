"""Command line: ``hipflask run``, ``serve``, ``routes``, ``shell`` and ``certs``.

The names Flask apps import from ``flask.cli`` are here too.
"""

from __future__ import annotations

from ..core.commands import AppGroup as AppGroup
from ..core.commands import with_appcontext as with_appcontext
from .discovery import NoAppException as NoAppException
from .discovery import ScriptInfo as ScriptInfo
from .discovery import find_app_by_string as find_app_by_string
from .discovery import find_best_app as find_best_app
from .discovery import locate_app as locate_app
from .discovery import pass_script_info as pass_script_info
from .discovery import prepare_import as prepare_import
from .dotenv import load_dotenv as load_dotenv
from .main import FlaskGroup as FlaskGroup
from .main import HipflaskGroup as HipflaskGroup
from .main import cli as cli
from .main import get_version as get_version
from .main import main as main
from .routes import routes_command as routes_command
from .run import CertParamType as CertParamType
from .run import SeparatedPathType as SeparatedPathType
from .run import run_command as run_command
from .shell import shell_command as shell_command
