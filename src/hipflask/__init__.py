"""hipflask: Flask's API on a protocol-neutral core, secure by default.

Port a Flask app by changing ``from flask import ...`` to
``from hipflask import ...``; ``Flask`` is an alias of :class:`Hipflask`.
"""

from __future__ import annotations

from markupsafe import Markup as Markup
from markupsafe import escape as escape
from werkzeug.exceptions import HTTPException as HTTPException
from werkzeug.routing import BuildError as BuildError

# Flask's submodules are attributes of the package after ``import flask``, so
# code that reaches them that way (``flask.sessions.SessionInterface``) ports
# too. ``hipflask.cli`` is left to an explicit import: it loads the servers.
from . import app as app
from . import blueprints as blueprints
from . import config as config
from . import ctx as ctx
from . import globals as globals
from . import helpers as helpers
from . import json as json
from . import logging as logging
from . import sessions as sessions
from . import signals as signals
from . import templating as templating
from . import typing as typing
from . import wrappers as wrappers
from .contexts.ctx import after_this_request as after_this_request
from .contexts.ctx import copy_current_request_context as copy_current_request_context
from .contexts.ctx import has_app_context as has_app_context
from .contexts.ctx import has_request_context as has_request_context
from .contexts.globals import current_app as current_app
from .contexts.globals import g as g
from .contexts.globals import request as request
from .contexts.globals import session as session
from .contexts.streams import stream_with_context as stream_with_context
from .core.app import Flask as Flask
from .core.app import Hipflask as Hipflask
from .core.blueprints import Blueprint as Blueprint
from .core.config import Config as Config
from .core.files import send_file as send_file
from .core.files import send_from_directory as send_from_directory
from .core.flashing import flash as flash
from .core.flashing import get_flashed_messages as get_flashed_messages
from .core.helpers import abort as abort
from .core.helpers import jsonify as jsonify
from .core.helpers import make_response as make_response
from .core.helpers import redirect as redirect
from .core.helpers import url_for as url_for
from .security.redirects import safe_redirect as safe_redirect
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_request_exception as got_request_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import template_rendered as template_rendered
from .templating.render import get_template_attribute as get_template_attribute
from .templating.render import render_template as render_template
from .templating.render import render_template_string as render_template_string
from .templating.render import stream_template as stream_template
from .templating.render import stream_template_string as stream_template_string
from .wrappers.request import Request as Request
from .wrappers.response import Response as Response

__version__ = "0.1.0"
