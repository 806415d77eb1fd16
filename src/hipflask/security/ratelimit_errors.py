"""The errors of a rate-limit setting the ``limits`` library refuses.

Flask-Limiter lets ``limits`` raise: a bad ``RATELIMIT_STRATEGY`` or
``RATELIMIT_STORAGE_URI`` is a :class:`limits.errors.ConfigurationError`,
and a limit string it cannot parse a :class:`ValueError`. An app or a test
written against it catches those, so hipflask's errors for the same settings
are those classes too, as well as hipflask's
:class:`~hipflask.errors.ConfigurationError` with a message saying what to
write instead.

Imported only where ``limits`` is already required (its classes are bases
here), so :mod:`hipflask.security.ratelimit` still imports without the
``limiter`` extra.
"""

from __future__ import annotations

from limits.errors import ConfigurationError as LimitsConfigurationError

from hipflask.errors import ConfigurationError

__all__ = ["RateLimitConfigurationError", "RateLimitStringError"]


class RateLimitConfigurationError(ConfigurationError, LimitsConfigurationError):
    """A rate-limit store or strategy setting that cannot be used."""


class RateLimitStringError(ConfigurationError, ValueError):
    """A rate limit that is not written as one (``"5 per minute"``, ``"100/day"``)."""
