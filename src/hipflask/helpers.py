"""Helper functions, at Flask's import path (``flask.helpers``)."""

from __future__ import annotations

from .contexts.streams import stream_with_context as stream_with_context
from .core.files import send_file as send_file
from .core.files import send_from_directory as send_from_directory
from .core.flashing import flash as flash
from .core.flashing import get_flashed_messages as get_flashed_messages
from .core.helpers import abort as abort
from .core.helpers import get_debug_flag as get_debug_flag
from .core.helpers import get_load_dotenv as get_load_dotenv
from .core.helpers import make_response as make_response
from .core.helpers import redirect as redirect
from .core.helpers import url_for as url_for
from .core.scaffold import get_root_path as get_root_path
from .templating.render import get_template_attribute as get_template_attribute
