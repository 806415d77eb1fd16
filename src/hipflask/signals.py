"""The request and template signals, at Flask's import path (``flask.signals``)."""

from __future__ import annotations

from .core.signals import ANY as ANY
from .core.signals import NamedSignal as NamedSignal
from .core.signals import Namespace as Namespace
from .core.signals import appcontext_popped as appcontext_popped
from .core.signals import appcontext_pushed as appcontext_pushed
from .core.signals import appcontext_tearing_down as appcontext_tearing_down
from .core.signals import before_render_template as before_render_template
from .core.signals import got_request_exception as got_request_exception
from .core.signals import message_flashed as message_flashed
from .core.signals import request_finished as request_finished
from .core.signals import request_started as request_started
from .core.signals import request_tearing_down as request_tearing_down
from .core.signals import signal as signal
from .core.signals import signals_available as signals_available
from .core.signals import template_rendered as template_rendered
