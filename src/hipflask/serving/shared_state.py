"""State each worker keeps to itself: refused, or flagged, when several workers serve the app.

The embedded defaults keep the login registry, the JWT blocklist, server-side
sessions and the rate-limit counters in the process's memory (``memory://``,
``SESSION_TYPE = "memory"``). That is right for one process, and wrong for
several: each worker then has its own copy, and nothing tells the user. A
logout or a revoked token would hold only in the worker that served it, and a
session would exist in one worker and be empty in the others. So
``hipflask serve --workers N`` (N > 1) refuses such an app and says which
setting to point at a store the workers share (Redis, an SQL database, or on
one machine a folder or an SQLite file).

Rate-limit and login-throttle counters are different: each worker counting on
its own loosens the limits (up to N times as many requests or guesses), but
breaks nothing, and the ``limits`` library behind them offers no one-machine
shared store, only Redis and other servers. They are flagged in the start-up
banner instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError
from ..stores.base import is_process_local_url

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = ["LocalState", "check_shared_state", "local_counters", "process_local_state"]

_SHARED_STORES = (
    "'redis://127.0.0.1:6379/0', an SQL URL ('sqlite:////var/lib/app/state.db',"
    " 'postgresql+psycopg://...') or, on one machine, 'file:///var/lib/app/state'"
)


@dataclass(frozen=True)
class LocalState:
    """One setting whose state lives in each worker's memory."""

    #: The setting, as the app's config names it.
    setting: str
    #: What it is set to, as shown to the user.
    value: str
    #: What goes wrong with several workers (``{workers}``: their number).
    consequence: str
    #: A counter (rate limits, login throttle): several workers loosen it and
    #: break nothing; the others lose state that must hold everywhere.
    counter: bool = False
    #: What to set instead.
    remedy: str = ""


#: The key Flask-JWT-Extended (and so ``hipflask.jwt``) registers its manager under.
_JWT_EXTENSION = "flask-jwt-extended"


def _is_memory(value: Any) -> bool:
    """Whether a store setting (a URL or a store object) keeps its state in this process."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return is_process_local_url(value)
    return bool(getattr(value, "process_local", False))


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else type(value).__name__


def process_local_state(app: Hipflask) -> list[LocalState]:
    """Every setting of ``app`` whose state only this process would see."""
    return list(_local_state(app))


def _local_state(app: Hipflask) -> Iterator[LocalState]:
    config = app.config
    if getattr(app, "login_manager", None) is not None:
        value = config.get("LOGIN_REGISTRY_STORE")
        if _is_memory(value):
            yield LocalState(
                "LOGIN_REGISTRY_STORE",
                _shown(value),
                "a logout, and logout_everywhere(), would hold only in the worker"
                " that served it: a copied session cookie would still log in elsewhere",
                remedy=f"a store the workers share: {_SHARED_STORES}",
            )
        value = config.get("LOGIN_THROTTLE_STORAGE")
        if config.get("LOGIN_THROTTLE") and _is_memory(value):
            yield LocalState(
                "LOGIN_THROTTLE_STORAGE",
                _shown(value),
                "each worker counts failed logins on its own, allowing up to"
                " {workers} times as many password guesses",
                counter=True,
                remedy="'redis://127.0.0.1:6379/0'",
            )
    if _JWT_EXTENSION in app.extensions:
        value = config.get("JWT_BLOCKLIST_STORE")
        if _is_memory(value):
            yield LocalState(
                "JWT_BLOCKLIST_STORE",
                _shown(value),
                "a token revoked with revoke_token(), or a refresh token used up when a"
                " refresh view issued a new one, would be refused only by the worker"
                " that saw it",
                # A ported app revokes tokens through its own loader and has
                # never heard of the built-in list: say when None is right.
                remedy=f"a store the workers share: {_SHARED_STORES}; or None if the"
                " app neither calls revoke_token() nor issues refresh tokens from a"
                " refresh view (its own token_in_blocklist_loader is asked either way)",
            )
    store = getattr(app.session_interface, "store", None)
    if store is not None and _is_memory(store):
        yield LocalState(
            "SESSION_TYPE",
            _shown(config.get("SESSION_TYPE", "memory")),
            "a session would live in the worker that made it, and be empty in the others",
            remedy="'filesystem' (one machine), 'redis' or 'sqlalchemy'",
        )
    for limiter in app.extensions.get("limiter", ()):
        if not getattr(limiter, "enabled", False):
            continue
        schemes = getattr(limiter.storage, "STORAGE_SCHEME", None) or ()
        if "memory" in schemes:
            # Limiter(storage_uri=...) wins over the setting.
            from_config = _is_memory(config.get("RATELIMIT_STORAGE_URI"))
            yield LocalState(
                "RATELIMIT_STORAGE_URI" if from_config else "Limiter(storage_uri=...)",
                "'memory://'",
                "each worker counts requests on its own, so the limits allow up to"
                " {workers} times as many",
                counter=True,
                remedy="'redis://127.0.0.1:6379/0'",
            )
            break


def check_shared_state(app: Hipflask, workers: int) -> None:
    """Refuse to start ``workers`` > 1 processes on state each would keep to itself.

    :raises ConfigurationError: naming each such setting, what would go
        wrong, and what to set instead.
    """
    if workers <= 1:
        return
    lost = [state for state in process_local_state(app) if not state.counter]
    if not lost:
        return
    lines = [
        f"Refusing to start {workers} workers: these settings keep their state in each"
        " worker's memory, and the workers would not see each other's:"
    ]
    for state in lost:
        consequence = state.consequence.format(workers=workers)
        lines.append(f"  {state.setting} = {state.value}: {consequence}.")
        lines.append(f"    Set it to {state.remedy}.")
    lines.append("Or serve one worker (--workers 1): nothing else turns this check off.")
    raise ConfigurationError("\n".join(lines))


def local_counters(app: Hipflask, workers: int) -> list[str]:
    """One line per counter that ``workers`` > 1 processes would each keep (see the module)."""
    if workers <= 1:
        return []
    return [
        f"{state.setting} = {state.value} with {workers} workers:"
        f" {state.consequence.format(workers=workers)};"
        f" for limits that hold across workers, set it to {state.remedy}."
        for state in process_local_state(app)
        if state.counter
    ]
