"""Templates: Jinja2 with Flask's behaviour.

``app.jinja_env`` is built by :func:`create_environment`; templates are found
by :class:`DispatchingJinjaLoader` (the app's folder, then each blueprint's)
and rendered by :func:`render_template` and friends, which add the context
processors' variables and send the template signals.
"""

from __future__ import annotations

from .environment import Environment as Environment
from .environment import create_environment as create_environment
from .environment import csp_nonce as csp_nonce
from .environment import select_jinja_autoescape as select_jinja_autoescape
from .loaders import DispatchingJinjaLoader as DispatchingJinjaLoader
from .render import get_template_attribute as get_template_attribute
from .render import render_template as render_template
from .render import render_template_string as render_template_string
from .render import stream_template as stream_template
from .render import stream_template_string as stream_template_string
from .render import update_template_context as update_template_context
