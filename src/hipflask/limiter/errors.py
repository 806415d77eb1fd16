"""The refusal's class where Flask-Limiter keeps it (``flask_limiter.errors``).

An app's error handlers often import it from here
(``@app.errorhandler(RateLimitExceeded)``); it is the same class as
``hipflask.limiter.RateLimitExceeded``.
"""

from __future__ import annotations

from hipflask.security.ratelimit import RateLimitExceeded as RateLimitExceeded

__all__ = ["RateLimitExceeded"]
