"""Which of a :class:`~hipflask.limiter.Limiter`'s limits a request counts against.

Flask-Limiter's precedence, worked out per request: the application
limits, then a view's own limits, else its blueprint's (with those it
inherits from the blueprints it is nested in), else the defaults;
exemptions, request filters and the meta limits applied on top. Kept apart
from the counting so the rules read without the store. The answer is a
plan: the hits to count now, those whose deduction waits for the response
(``deduct_when``), and the meta hits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any

from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.security.cors import is_preflight
from hipflask.security.ratelimit import Hit

from .declarations import view_name
from .nesting import NOTHING
from .rules import ExemptionScope
from .rules import is_static_endpoint

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hipflask.security.ratelimit import RateLimitStore
    from hipflask.wrappers.request import Request

    from .endpoints import EndpointLimits
    from .nesting import BlueprintRules
    from .nesting import Inherited
    from .rules import Limit

__all__ = ["LimiterPlan", "Plan"]

#: The hits to count now, the deferred ones with their ``deduct_when``, the meta ones.
Plan = tuple[list[Hit], list[tuple[Hit, Callable[[Any], bool]]], list[Hit]]


class LimiterPlan:
    """The part of :class:`~hipflask.limiter.Limiter` that picks a request's limits."""

    enabled: bool
    _store: RateLimitStore | None
    _key_func: Callable[[], str] | None
    _prefix: str
    _defaults_key: str
    _view_attr: str
    _endpoints: EndpointLimits
    _defaults: list[Limit]
    _application: list[Limit]
    _meta: list[Limit]
    _blueprints: BlueprintRules
    _exempt_views: dict[str, ExemptionScope]
    _request_filters: list[Callable[[], bool]]

    if TYPE_CHECKING:

        def _identity(self, req: Request) -> str: ...

    def _filtered(self) -> bool:
        return any(check() for check in self._request_filters)

    def _plan(self, req: Request, *, own: bool = False) -> Plan:
        """The limits that apply to this request, as hits, the deferred ones and the meta ones.

        ``own``: include the view's own limits too (an explicit
        :meth:`check`); the gate leaves them to the view's wrapper.
        """
        if not self.enabled or is_preflight(req.method, req.headers):
            return [], [], []
        identity = self._identity(req)
        if is_static_endpoint(identity) or self._filtered():
            return [], [], []
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        # Worked out once for the whole plan: a dictionary lookup per request.
        inherited = self._inherited(req.blueprints)
        declared = self._declared(
            identity, list(req.blueprints), own=own, method=req.method, inherited=inherited
        )
        for limit, scope in declared:
            self._collect(limit, scope, hits, deferred)
        defaults = self._defaults
        if defaults and any(limit is defaults[0] for limit, _scope in declared):
            # Counted here: a limit met later in this request (a helper the
            # endpoint has just learnt, one learnt meanwhile by another
            # request) must not count them again.
            request_state().extensions[self._defaults_key] = True
        return hits, deferred, self._meta_hits(req, identity, inherited)

    def _meta_hits(
        self, req: Request, identity: str, inherited: Inherited | None = None
    ) -> list[Hit]:
        # ``identity``: the caller's, so the app's identifier runs once.
        if not self._meta or ExemptionScope.META in self._lifted(
            identity, req.blueprints, inherited
        ):
            return []
        return [
            hit
            for limit in self._meta
            for hit in limit.hits(self._key_func, "meta", self._prefix)  # type: ignore[arg-type]
        ]

    def _inherited(self, blueprints: Sequence[str]) -> Inherited:
        """What the request's innermost blueprint gets, its own and from its ancestors.

        See :mod:`~hipflask.limiter.nesting`. Callers that need it more than
        once in a request pass it on rather than look it up again.
        """
        if not blueprints:
            return NOTHING
        return self._blueprints.inherited(current_app.blueprints, blueprints[0])

    def _lifted(
        self, endpoint: str | None, blueprints: Sequence[str], inherited: Inherited | None = None
    ) -> ExemptionScope:
        """The exemptions of a view and of its blueprint (its ancestors' with ``DESCENDENTS``)."""
        view = current_app.view_functions.get(endpoint) if endpoint else None
        lifted = (
            self._exempt_views.get(view_name(view), ExemptionScope.NONE)
            if view
            else ExemptionScope.NONE
        )
        if inherited is None:
            inherited = self._inherited(blueprints)
        return lifted | inherited.lifted

    def _keeps_own(self, view: Any) -> bool:
        """Whether the limits written on ``view`` itself count: not when it is exempt."""
        return view is None or not self._is_exempt(view)

    def _is_exempt(self, func: Any) -> bool:
        """Whether ``@limiter.exempt`` is on ``func``, so its own limits count for nothing.

        With any flags but ``ExemptionScope.NONE``, as in Flask-Limiter, and
        whichever decorator is above: the limits written on an exempt view
        function (a class's ``decorators`` included) or on an exempt method
        of a class-based view. The view then gets its blueprint's limits,
        else the defaults, as a view without limits would, less what a
        view's flags lift (a method's lift nothing else). Limits on other
        methods, in helpers and in ``with`` blocks still count.
        """
        if not self._exempt_views:
            return False
        return bool(self._exempt_views.get(view_name(func), ExemptionScope.NONE))

    def _declared(
        self,
        endpoint: str | None,
        blueprints: list[str],
        *,
        own: bool = True,
        method: str | None = None,
        inherited: Inherited | None = None,
    ) -> list[tuple[Limit, str]]:
        """Flask-Limiter's precedence: application limits, then the view's own
        limits, else its blueprint's, else the defaults; exemptions lift the
        application and default ones. ``own=False`` is the gate's share: it
        leaves out the view's own limits and the defaults kept beside them,
        which the view's wrapper counts.

        Given the request's ``method``, written limits declared for other
        methods only do not replace the defaults. A blueprint's limits are
        counted per view, under the view's endpoint, as Flask-Limiter keys
        them; ``shared_limit`` on a blueprint gives one budget.

        ``endpoint`` is the request's identity (:meth:`identify_request`):
        one that names no view (a path) finds no limits or exemptions of
        a view, and gets the blueprint's limits or the defaults, as in
        Flask-Limiter."""
        view = current_app.view_functions.get(endpoint) if endpoint else None
        if inherited is None:
            inherited = self._inherited(blueprints)
        lifted = self._lifted(endpoint, blueprints, inherited)
        declared: list[tuple[Limit, str]] = []
        if ExemptionScope.APPLICATION not in lifted:
            # The endpoint, as Flask-Limiter passes it: a callable scope reads
            # it, and a plain Limit put among them (not shared) keeps a budget
            # per endpoint; the application limits' own "global" scope names
            # one budget for all.
            declared += [(limit, endpoint or "") for limit in self._application]
        if not endpoint:
            return declared
        written = self._endpoints.written(endpoint, view, method, own=self._keeps_own(view))
        # By method only: a limit's callable may need what the view's
        # decorators set up (a verified JWT), so the gate does not call it.
        applies = any(method is None or limit.applies_to(method) for limit in written)
        if not applies and method is not None and self._endpoints.replaced(endpoint, method):
            # Limits met in the view's helpers stand in for the blueprint's
            # and the defaults, and count themselves where they are written.
            return declared
        own = own or not applies
        beside = self._beside(written, blueprints, inherited)
        if not written:
            written = inherited.limits
        # The blueprint's limits kept beside the view's own are the gate's,
        # as a blueprint's limits always are here.
        declared += [(limit, endpoint) for limit in beside]
        if not own:
            return declared
        use_defaults = ExemptionScope.DEFAULT not in lifted
        if written:
            declared += [(limit, endpoint) for limit in written]
            use_defaults = use_defaults and (
                (not self._applying(written, method) and not beside)
                or not _replaces_defaults((*written, *beside), method)
            )
        if use_defaults:
            declared += [(limit, endpoint) for limit in self._defaults]
        return declared

    def _beside(
        self, written: list[Limit], blueprints: Sequence[str], inherited: Inherited | None = None
    ) -> list[Limit]:
        """The blueprint's limits that still apply beside a view's own limits.

        ``override_defaults=False`` on every one of the view's limits keeps
        what it would replace: the defaults, and for a view in a blueprint
        the blueprint's limits too (Flask-Limiter: "the meaning of the
        parameter extends to any parents"). Those blueprint limits, declared
        with ``override_defaults=True``, then replace the defaults in turn,
        as in Flask-Limiter.
        """
        if not written or any(limit.override_defaults for limit in written):
            return []
        return (self._inherited(blueprints) if inherited is None else inherited).limits

    @staticmethod
    def _applying(written: list[Limit], method: str | None) -> bool:
        return any(limit.usable(method) for limit in written)

    def _own_plan(self, req: Request, wrapper: Callable[..., Any]) -> Plan:
        """The hits of the limits written on the view (or method, or helper) being called.

        With ``override_defaults=False`` the defaults are counted here too,
        after the decorators above, as Flask-Limiter counts them; but only
        when the gate left them here (it saw these limits on the registered
        view or its class), so a limit in a helper the view calls adds no
        second count of the defaults.
        """
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        scope = self._identity(req)
        if not scope:
            # No identity: counted as a request that matched no route, by the
            # gate's application limits alone.
            return hits, deferred, []
        written: list[Limit] = getattr(wrapper, self._view_attr)
        if self._is_exempt(wrapper):
            # Written on an exempt view or method, dropped (see _is_exempt):
            # the gate counted what applies in their place.
            return hits, deferred, []
        if self._counts_defaults(req, scope, written):
            # First, as Flask-Limiter counts them: of equal windows, the
            # default's is the one the headers describe.
            for limit in self._defaults:
                self._collect(limit, scope, hits, deferred)
        for limit in written:
            self._collect(limit, scope, hits, deferred)
        return hits, deferred, self._meta_hits(req, scope)

    def _collect(
        self,
        limit: Limit,
        scope: str,
        hits: list[Hit],
        deferred: list[tuple[Hit, Callable[[Any], bool]]],
    ) -> None:
        for hit in limit.hits(self._key_func, scope, self._prefix):  # type: ignore[arg-type]
            hits.append(hit)
            if limit.deduct_when is not None:
                deferred.append((replace(hit, deduct=True), limit.deduct_when))

    def _counts_defaults(self, req: Request, scope: str, written: list[Limit]) -> bool:
        """Whether a limit's wrapper or block counts the defaults with ``written``.

        Only when the gate left them to it, and once per request (a limit on
        ``dispatch_request`` and one on ``get`` both run). The view the
        identity names is the one whose limits say so, as Flask-Limiter
        looks it up: another endpoint's when the identifier gives one, none
        for a path. Limits written outside that view and its class are
        learnt here for the endpoint's next requests.
        """
        view = current_app.view_functions.get(scope)
        registered = self._endpoints.written(scope, view, req.method, own=self._keeps_own(view))
        if any(limit.applies_to(req.method) for limit in registered):
            # Kept beside the view's limits, or in place of limits whose
            # callables gave none (read only now, after the decorators above).
            # With none of them for this method, the gate counted the defaults.
            beside = self._beside(registered, req.blueprints)
            # Kept only when none of these limits, nor the blueprint limits
            # kept beside them, replaces them.
            wanted = not _replaces_defaults((*written, *beside), req.method) or not any(
                limit.usable(req.method) for limit in registered
            )
        else:
            # Written in a helper the view calls: learnt for the next requests.
            wanted = self._endpoints.met(scope, view, req.method, written)
        extensions = request_state().extensions
        if not wanted or self._defaults_key in extensions:
            return False
        if ExemptionScope.DEFAULT in self._lifted(scope, req.blueprints):
            return False
        extensions[self._defaults_key] = True
        return True

    def _block_hits(self, declared: Limit) -> tuple[Request, Plan] | None:
        if not self.enabled or self._store is None:
            return None
        req = request._get_current_object()  # type: ignore[attr-defined]
        identity = self._identity(req)
        if not identity:
            return None
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        if self._counts_defaults(req, identity, [declared]):
            for limit in self._defaults:
                self._collect(limit, identity, hits, deferred)
        hits += declared.hits(self._key_func, f"{identity}:block", self._prefix)  # type: ignore[arg-type]
        return (req, (hits, deferred, self._meta_hits(req, identity))) if hits else None


def _replaces_defaults(limits: Sequence[Limit], method: str | None) -> bool:
    """Whether any of ``limits`` replaces the defaults (``override_defaults=True``).

    The defaults are kept beside limits only when all of them say
    ``override_defaults=False``, as in Flask-Limiter: a view's or a nested
    blueprint's limit that replaces them wins over one that keeps them. A
    limit whose callable gave no limit for this request is absent, and
    replaces nothing.
    """
    return any(
        limit.override_defaults
        and (method is None or not limit.applies_to(method) or limit.current_items() is not None)
        for limit in limits
    )
