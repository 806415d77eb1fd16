"""A store that failed: one 503 for every feature that keeps its state in a store.

Sessions, the login registry and the JWT blocklist each answer a failing
store with a 503 of their own class. They share this base so that the
pipeline can treat them alike wherever the failure happens: before the
view, or while the response is finished (a session saved, a token revoked
after the view answered), where any other error becomes a 500. Either way
the app's ``errorhandler(503)`` answers, and what the view had answered is
not sent.
"""

from __future__ import annotations

import logging

from werkzeug.exceptions import ServiceUnavailable

__all__ = ["StoreUnavailable", "log_failure"]


class StoreUnavailable(ServiceUnavailable):
    """A store a feature needs failed: a 503, answered by the app's error handlers."""


def log_failure(
    logger: logging.Logger, what: str, exc: BaseException, outcome: str = "answering 503"
) -> None:
    """Log a store failure in one line: ``what``, the error's class and its message.

    The client is told only that the service is unavailable; the operator
    needs to know why (a refused connection, a wrong password). A SQL
    error's own text would carry the statement's parameters (a session's
    record, a token's id), so its driver's error is logged instead. The
    traceback stays out of the line; it is the 503's ``__cause__``.
    ``outcome`` ends the line: what the request did about it, a 503 unless
    the failed work could be skipped (a session's renewal).
    """
    reason = getattr(exc, "orig", None) or exc
    logger.warning("%s failed (%s: %s); %s.", what, type(exc).__name__, reason, outcome)
