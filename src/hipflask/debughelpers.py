"""Debug-mode errors that explain common mistakes (``flask.debughelpers``)."""

from __future__ import annotations

from .core.debughelpers import FormDataRoutingRedirect as FormDataRoutingRedirect
from .core.debughelpers import UnexpectedUnicodeError as UnexpectedUnicodeError
from .templating.loaders import (
    explain_template_loading_attempts as explain_template_loading_attempts,
)
from .wrappers.debugfiles import DebugFilesKeyError as DebugFilesKeyError
from .wrappers.debugfiles import attach_enctype_error_multidict as attach_enctype_error_multidict
