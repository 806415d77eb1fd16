"""Rule and map classes, and how a route's methods are decided.

The URL map is Werkzeug's :class:`~werkzeug.routing.Map` so that code written
against Flask's ``app.url_map`` (``iter_rules``, ``converters``,
``strict_slashes``) keeps working; hipflask adds a compiled matcher in front of
it (see :mod:`hipflask.routing.matcher`).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from werkzeug.routing import Map as _WerkzeugMap
from werkzeug.routing import Rule as Rule
from werkzeug.routing import RuleFactory


class Map(_WerkzeugMap):
    """Werkzeug's URL map, counting the rule factories added to it.

    The compiled matcher is rebuilt when the map changes (``url_map.add`` is
    public API and works at any time); comparing this counter tells it so
    without listing every rule on every request.
    """

    #: Bumped by every :meth:`add`; Werkzeug's map only ever grows.
    additions = 0

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a rule (or a factory of rules), as Werkzeug's map does."""
        super().add(rulefactory)
        self.additions += 1


def route_methods(
    view_func: Callable[..., Any] | None,
    methods: Iterable[str] | str | None,
    provide_automatic_options: bool | None,
    config_default: bool,
) -> tuple[set[str], bool]:
    """Decide a rule's methods and whether OPTIONS is answered automatically.

    Methods come from the argument, else the view's ``methods`` attribute, else
    GET. A bare string is refused: ``methods="POST"`` would otherwise be read as
    the methods P, O, S and T.
    """
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError(
            "Allowed methods must be a list of strings, for example:"
            ' @app.route(..., methods=["POST"])'
        )
    result = {item.upper() for item in methods}
    result |= set(getattr(view_func, "required_methods", ()))
    if provide_automatic_options is None:
        provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
    if provide_automatic_options is None:
        provide_automatic_options = "OPTIONS" not in result and config_default
    if provide_automatic_options:
        result.add("OPTIONS")
    return result, provide_automatic_options
