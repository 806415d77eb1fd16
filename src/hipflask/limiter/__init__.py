"""Rate limits with Flask-Limiter's API (``flask_limiter`` -> ``hipflask.limiter``).

::

    from hipflask.limiter import Limiter
    from hipflask.limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, default_limits=["200 per day"])

    @app.post("/login")
    @limiter.limit("5 per minute")
    def login(): ...

Counting is the ``limits`` library's; it comes with the ``limiter`` extra.
"""

from __future__ import annotations

from hipflask._extras import require

require("limits", extra="limiter")

from hipflask.security.ratelimit import RateLimitExceeded as RateLimitExceeded  # noqa: E402

from .declarations import RouteLimit as RouteLimit  # noqa: E402
from .extension import Limiter as Limiter  # noqa: E402
from .rules import ApplicationLimit as ApplicationLimit  # noqa: E402
from .rules import ExemptionScope as ExemptionScope  # noqa: E402
from .rules import HeaderNames as HeaderNames  # noqa: E402
from .rules import Limit as Limit  # noqa: E402
from .rules import MetaLimit as MetaLimit  # noqa: E402
from .rules import RequestLimit as RequestLimit  # noqa: E402

__all__ = [
    "ApplicationLimit",
    "ExemptionScope",
    "HeaderNames",
    "Limit",
    "Limiter",
    "MetaLimit",
    "RateLimitExceeded",
    "RequestLimit",
    "RouteLimit",
]


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-Limiter names its release, and ported code reads it (its own
        # example app serves it); here it is hipflask's, read on use as the
        # package sets it after importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
