"""Signals sent during the life of a request, on blinker.

Sending is skipped entirely when a signal has no receivers (the callers check
``signal.receivers`` first), so unused signals cost one attribute test.
Connect with a sender to receive only one app's signals:
``request_started.connect(func, app)``.
"""

from __future__ import annotations

from blinker import ANY as ANY
from blinker import NamedSignal as NamedSignal
from blinker import Namespace as Namespace

_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")


def signal(name: str, doc: str | None = None) -> NamedSignal:
    """Create or fetch an application-defined signal by name.

    The older spelling ``signals.signal("user-registered")`` that tutorials
    teach; equivalent to a blinker ``Namespace().signal``.
    """
    return _signals.signal(name, doc)


signals_available = True
