"""``Limiter``: Flask-Limiter's API over the gate and :mod:`hipflask.security.ratelimit`.

Application, default and blueprint limits are a gate check at
``ORDER_RATE_LIMIT``: after the host check, the CORS preflight and the
cross-origin refusal (a refused or preflight request costs no budget),
before CSRF, authentication and the view, so a flood is turned away before
any of them does work. A view's own ``@limiter.limit`` is counted when its
decorated function is called, as Flask-Limiter does: after the decorators
written above it (``@jwt_required()``, ``@login_required``), so a key
function may read the signed-in user (defaults kept beside those limits
go with them). The finisher adds the rate-limit
headers and makes the deductions ``deduct_when`` deferred until the
response was known. An app that never creates a ``Limiter`` registers
nothing and pays nothing.

The class is put together from one part per concern, each in its own
module: what ``limit`` and ``exempt`` declare
(:mod:`~hipflask.limiter.declarations`), which limits a request counts
against (:mod:`~hipflask.limiter.plan`), counting them and what the count
does to the response (:mod:`~hipflask.limiter.counting`), and what the
limiter can tell about its limits (:mod:`~hipflask.limiter.inspection`).
This one reads the arguments and the ``RATELIMIT_*`` settings.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import cast

from hipflask.security.gate import ORDER_RATE_LIMIT
from hipflask.security.gate import ORDER_RATE_LIMIT_HEADERS
from hipflask.security.ratelimit import RateLimitStore
from hipflask.security.ratelimit import parse_limits

from .counting import LimiterCounting
from .declarations import LimiterDeclarations
from .endpoints import EndpointLimits
from .inspection import LimiterInspection
from .nesting import BlueprintRules
from .plan import LimiterPlan
from .rules import HeaderNames
from .rules import Limit
from .rules import as_limits
from .rules import logger
from .util import get_remote_address

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Any

    from hipflask.core.app import Hipflask

    from .rules import ExemptionScope
    from .rules import RequestLimit

__all__ = ["Limiter"]

#: Arguments whose falsy value gives way to the setting, as in Flask-Limiter.
_FALSY_DEFERS = frozenset({"APPLICATION_COST", "DEFAULTS_COST"})


def _is_app(value: object) -> bool:
    return hasattr(value, "view_functions") and hasattr(value, "config")


class Limiter(LimiterDeclarations, LimiterCounting, LimiterPlan, LimiterInspection):
    """Rate limits for an app, as Flask-Limiter declares them.

    ``Limiter(key_func, app=app, default_limits=[...])`` and the older
    ``Limiter(app, default_limits=[...])`` (an app first, counting per
    client address) both work. Arguments win over ``RATELIMIT_*`` settings;
    ``storage_options`` is merged with ``RATELIMIT_STORAGE_OPTIONS`` instead.
    ``meta_limits`` bound how often a client may breach the others before
    it is shut out; ``auto_check=False`` leaves counting to :meth:`check`.
    """

    #: Where breaches (INFO) and a limit's problems (ERROR, WARNING) are
    #: logged: the ``hipflask.limiter`` logger, Flask-Limiter's ``logger``
    #: attribute under this package's name.
    logger: logging.Logger = logger

    def __init__(
        self,
        key_func_or_app: Callable[[], str] | Hipflask | None = None,
        /,
        *,
        key_func: Callable[[], str] | None = None,
        app: Hipflask | None = None,
        default_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        default_limits_per_method: bool | None = None,
        default_limits_exempt_when: Callable[[], bool] | None = None,
        default_limits_deduct_when: Callable[[Any], bool] | None = None,
        default_limits_cost: int | Callable[[], int] | None = None,
        application_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        application_limits_per_method: bool | None = None,
        application_limits_exempt_when: Callable[[], bool] | None = None,
        application_limits_deduct_when: Callable[[Any], bool] | None = None,
        application_limits_cost: int | Callable[[], int] | None = None,
        meta_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        on_meta_breach: Callable[[RequestLimit], Any] | None = None,
        headers_enabled: bool | None = None,
        header_name_mapping: dict[HeaderNames, str] | None = None,
        strategy: str | None = None,
        storage_uri: str | None = None,
        storage_options: dict[str, Any] | None = None,
        swallow_errors: bool | None = None,
        fail_on_first_breach: bool | None = None,
        on_breach: Callable[[RequestLimit], Any] | None = None,
        in_memory_fallback: Sequence[str] | None = None,
        in_memory_fallback_enabled: bool | None = None,
        retry_after: str | None = None,
        key_prefix: str = "",
        request_identifier: Callable[..., str] | None = None,
        enabled: bool = True,
        auto_check: bool = True,
    ) -> None:
        # The tutorials' older form passes the app first; the current one
        # passes the key function first (or by name).
        if _is_app(key_func_or_app):
            app = cast("Hipflask", key_func_or_app)
        elif key_func_or_app is not None:
            key_func = cast("Callable[[], str]", key_func_or_app)
        self.app = app
        self._key_func: Callable[[], str] | None = key_func
        self._request_identifier: Callable[[], str] | None = None
        self._args: dict[str, Any] = {
            "DEFAULT": default_limits,
            "DEFAULTS_PER_METHOD": default_limits_per_method,
            "DEFAULTS_EXEMPT_WHEN": default_limits_exempt_when,
            "DEFAULTS_DEDUCT_WHEN": default_limits_deduct_when,
            "DEFAULTS_COST": default_limits_cost,
            "APPLICATION": application_limits,
            "APPLICATION_PER_METHOD": application_limits_per_method,
            "APPLICATION_EXEMPT_WHEN": application_limits_exempt_when,
            "APPLICATION_DEDUCT_WHEN": application_limits_deduct_when,
            "APPLICATION_COST": application_limits_cost,
            "REQUEST_IDENTIFIER": request_identifier,
            "META": meta_limits,
            "ON_META_BREACH_CALLBACK": on_meta_breach,
            "HEADERS_ENABLED": headers_enabled,
            "STRATEGY": strategy,
            "STORAGE_URI": storage_uri,
            "STORAGE_OPTIONS": storage_options,
            "SWALLOW_ERRORS": swallow_errors,
            "FAIL_ON_FIRST_BREACH": fail_on_first_breach,
            "ON_BREACH_CALLBACK": on_breach,
            "IN_MEMORY_FALLBACK": in_memory_fallback,
            "IN_MEMORY_FALLBACK_ENABLED": in_memory_fallback_enabled,
            "HEADER_RETRY_AFTER_VALUE": retry_after,
            "KEY_PREFIX": key_prefix or None,
        }
        self._header_mapping = dict(header_name_mapping or {})
        self.enabled = enabled
        #: Whether :meth:`init_app` has set the limiter up for an app (and
        #: limits are on), as Flask-Limiter's attribute tells.
        self.initialized = False
        self.auto_check = auto_check
        self._blueprints = BlueprintRules()
        self._exempt_views: dict[str, ExemptionScope] = {}
        self._request_filters: list[Callable[[], bool]] = []
        self._defaults: list[Limit] = []
        self._application: list[Limit] = []
        self._meta: list[Limit] = []
        self._prefix = ""
        self._store: RateLimitStore | None = None
        # Its own key in the request state: an app may have several limiters.
        self._state_key = f"limiter.{id(self):x}"
        self._checked_key = f"{self._state_key}.checked"
        # Set once a limit's wrapper or block counted the defaults, so a
        # second one in the same request does not count them again.
        self._defaults_key = f"{self._state_key}.defaults"
        # Where a decorated view keeps this limiter's limits: on the function
        # itself, so each app made by a factory has its own declarations.
        self._view_attr = f"_hipflask_limits_{id(self):x}"
        self._endpoints = EndpointLimits(self._view_attr, self._limit_in, self._is_exempt)
        if app is not None:
            self.init_app(app)

    # -- set-up ------------------------------------------------------------------

    def init_app(self, app: Hipflask) -> None:
        """Read the ``RATELIMIT_*`` settings and register the check and its finisher."""
        config = app.config
        for name in (
            "DEFAULT", "APPLICATION", "KEY_PREFIX", "STORAGE_OPTIONS", "IN_MEMORY_FALLBACK",
            "DEFAULTS_EXEMPT_WHEN", "DEFAULTS_DEDUCT_WHEN", "ON_BREACH_CALLBACK", "META",
            "ON_META_BREACH_CALLBACK", "APPLICATION_EXEMPT_WHEN", "APPLICATION_DEDUCT_WHEN",
            "REQUEST_IDENTIFIER",
        ):  # fmt: skip
            config.setdefault(f"RATELIMIT_{name}", None)
        config.setdefault("RATELIMIT_ENABLED", self.enabled)
        config.setdefault("RATELIMIT_STORAGE_URI", config.get("RATELIMIT_STORAGE_URL", "memory://"))
        config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
        config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        config.setdefault("RATELIMIT_SWALLOW_ERRORS", False)
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False)
        config.setdefault("RATELIMIT_FAIL_ON_FIRST_BREACH", True)
        config.setdefault("RATELIMIT_DEFAULTS_PER_METHOD", False)
        config.setdefault("RATELIMIT_DEFAULTS_COST", 1)
        config.setdefault("RATELIMIT_APPLICATION_PER_METHOD", False)
        config.setdefault("RATELIMIT_APPLICATION_COST", 1)
        config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
        for header in HeaderNames:
            config.setdefault(f"RATELIMIT_HEADER_{header.name}", header.value)
        setting = self._setting
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        app.extensions.setdefault("limiter", set()).add(self)
        _register_commands(app)
        if not self.enabled:
            return
        self._key_func = self._key_func or config.get("RATELIMIT_KEY_FUNC") or get_remote_address
        self._request_identifier = setting(config, "REQUEST_IDENTIFIER")
        self._headers_enabled = bool(setting(config, "HEADERS_ENABLED"))
        self._headers = {
            header: self._header_mapping.get(header) or config[f"RATELIMIT_HEADER_{header.name}"]
            for header in HeaderNames
        }
        self._retry_as_date = setting(config, "HEADER_RETRY_AFTER_VALUE") == "http-date"
        self._prefix = setting(config, "KEY_PREFIX") or ""
        self._on_breach = setting(config, "ON_BREACH_CALLBACK")
        self._on_meta_breach = setting(config, "ON_META_BREACH_CALLBACK")
        # Failing open is the app's choice: a bad callable limit is then
        # logged and skipped, as Flask-Limiter swallows the error.
        strict = not setting(config, "SWALLOW_ERRORS")
        self._defaults = as_limits(
            setting(config, "DEFAULT"),
            strict=strict,
            per_method=bool(setting(config, "DEFAULTS_PER_METHOD")),
            exempt_when=setting(config, "DEFAULTS_EXEMPT_WHEN"),
            deduct_when=setting(config, "DEFAULTS_DEDUCT_WHEN"),
            cost=setting(config, "DEFAULTS_COST"),
        )
        self._application = as_limits(
            setting(config, "APPLICATION"),
            strict=strict,
            scope="global",
            shared=True,
            per_method=bool(setting(config, "APPLICATION_PER_METHOD")),
            exempt_when=setting(config, "APPLICATION_EXEMPT_WHEN"),
            deduct_when=setting(config, "APPLICATION_DEDUCT_WHEN"),
            cost=setting(config, "APPLICATION_COST"),
        )
        # One budget of breaches per client across the whole app, as
        # Flask-Limiter keys them.
        self._meta = as_limits(setting(config, "META"), strict=strict, scope="meta", shared=True)
        # Both, the setting's over the argument's, as Flask-Limiter merges
        # them: a key prefix set in the config keeps its meaning beside a
        # connection option passed in code.
        storage_options = {
            **(self._args["STORAGE_OPTIONS"] or {}),
            **(config.get("RATELIMIT_STORAGE_OPTIONS") or {}),
        }
        self._store = RateLimitStore(
            setting(config, "STORAGE_URI"),
            setting(config, "STRATEGY"),
            storage_options,
            swallow_errors=bool(setting(config, "SWALLOW_ERRORS")),
            fallback=bool(setting(config, "IN_MEMORY_FALLBACK_ENABLED")),
            fallback_items=_fallback_items(setting(config, "IN_MEMORY_FALLBACK")),
            fail_on_first_breach=bool(setting(config, "FAIL_ON_FIRST_BREACH")),
        )
        # Close the async driver's connections when an ASGI server shuts down
        # (appended directly: init_app may run after the first request).
        if self._aclose not in app.after_serving_funcs:
            app.after_serving_funcs.append(self._aclose)
        name = self._state_key
        if self.auto_check:
            app.gate.add_check(
                name, self._gate_check, order=ORDER_RATE_LIMIT, check_async=self._gate_check_async
            )
        app.gate.add_finisher(
            name, self._finish, order=ORDER_RATE_LIMIT_HEADERS, finisher_async=self._finish_async
        )
        self.initialized = True

    async def _aclose(self) -> None:
        """Close the store's async connections (an ``after_serving`` hook)."""
        await self._store.aclose()  # type: ignore[union-attr]  # registered once it exists

    def _setting(self, config: Any, name: str) -> Any:
        value = self._args.get(name)
        if name in _FALSY_DEFERS and not value:
            # ``application_limits_cost=0`` is no argument to Flask-Limiter
            # (it reads ``argument or setting``): a ported app gets the setting.
            value = None
        return value if value is not None else config.get(f"RATELIMIT_{name}")

    def reset(self) -> None:
        """Forget every counter in the store.

        A store that cannot be cleared as a whole (Memcached) logs a warning
        and keeps its counters, as in Flask-Limiter, rather than fail the
        test or command that asked.
        """
        if self._store is None:
            return
        try:
            self._store.reset()
        except NotImplementedError:
            logger.warning("This rate-limit storage cannot be reset; its counters are kept.")
        else:
            logger.info("Rate-limit storage reset: every counter cleared.")


def _fallback_items(
    entries: Sequence[str | Callable[[], str] | Limit] | str | None,
) -> list[Any] | Callable[[], list[Any]]:
    """The in-memory fallback's limits: parsed now, or per request when any is a callable.

    Flask-Limiter takes strings, callables returning one and ``Limit``
    objects there. A string that is not a limit fails at start-up, as a
    declared limit does; a callable's value is read, and parsed, each time
    the fallback counts a request.
    """
    if entries is None:
        return []
    if isinstance(entries, str):
        entries = [entries]
    providers = [entry.limit_provider if isinstance(entry, Limit) else entry for entry in entries]
    static = [item for each in providers if isinstance(each, str) for item in parse_limits(each)]
    dynamic = [each for each in providers if not isinstance(each, str)]
    if not dynamic:
        return static

    def current() -> list[Any]:
        found = list(static)
        for provider in dynamic:
            value = provider()
            if value:
                found += parse_limits(value)
        return found

    return current


def _register_commands(app: Hipflask) -> None:
    """Add ``hipflask limiter ...`` to the app's commands, once per app."""
    from .commands import cli

    if "limiter" not in app.cli.commands:
        app.cli.add_command(cli, "limiter")
