"""Login throttling: failed logins are limited per user name and per address.

Guessing passwords needs many tries; after ``LOGIN_THROTTLE_PER_USER``
failures for one submitted user name, or ``LOGIN_THROTTLE_PER_ADDRESS``
from one client address, the login view answers 429 with ``Retry-After``
until the window moves on. A failure is a ``POST`` to a login view that did
not end in ``login_user()``, so a Flask-Login app is throttled without code
changes. Unknown and known user names are counted alike, so the 429 tells
an attacker nothing about which accounts exist.

The counts use the ``limits`` library (moving window); its storage URL
(``LOGIN_THROTTLE_STORAGE``) moves them to Redis for several processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import TooManyRequests

from .._extras import require

_LOGIN_SUCCEEDED = "_hipflask_login_succeeded"
_THROTTLED = "_hipflask_login_throttled"

REASON_THROTTLED = "Too many failed logins. Try again later."


class LoginThrottle:
    """The two limits and their storage, built from the settings once."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        limits = require("limits", extra="login")
        self._limiter = limits.strategies.MovingWindowRateLimiter(
            limits.storage.storage_from_string(config["LOGIN_THROTTLE_STORAGE"])
        )
        self._per_user = limits.parse(config["LOGIN_THROTTLE_PER_USER"])
        self._per_address = limits.parse(config["LOGIN_THROTTLE_PER_ADDRESS"])
        self._fields = tuple(config["LOGIN_THROTTLE_USER_FIELDS"])

    def user_name(self, request: Any) -> str | None:
        """The submitted user name (form or JSON), normalised, if any."""
        data: Any = request.form
        if not any(field in data for field in self._fields):
            data = request.get_json(silent=True) if request.is_json else None
        if not isinstance(data, Mapping):
            return None
        for field in self._fields:
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip().casefold()
        return None

    def _targets(self, name: str | None, address: str | None) -> list[tuple[Any, str, str]]:
        targets = [(self._per_address, "address", address or "unknown")]
        if name is not None:
            targets.append((self._per_user, "user", name))
        return targets

    def check(self, name: str | None, address: str | None) -> None:
        """Refuse with 429 and ``Retry-After`` once a limit is used up."""
        for item, kind, key in self._targets(name, address):
            if not self._limiter.test(item, "hipflask-login", kind, key):
                stats = self._limiter.get_window_stats(item, "hipflask-login", kind, key)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequests(REASON_THROTTLED, retry_after=retry)

    def fail(self, name: str | None, address: str | None) -> None:
        """Count one failed login."""
        for item, kind, key in self._targets(name, address):
            self._limiter.hit(item, "hipflask-login", kind, key)


__all__ = ["REASON_THROTTLED", "LoginThrottle"]
