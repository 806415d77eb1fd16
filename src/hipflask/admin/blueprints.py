"""The blueprint of an admin view: its rules, static files included, on ``Admin(host=...)``.

A blueprint's rules take no host of their own in a host-matching app, so
without this a view answered on the app's default host and built its
stylesheet's URL for an empty host. ``host="*"`` puts every rule on a host
variable (Flask-Admin's ``admin_routes_host``) that the views never see and
that links fill in with the host of the current request, unless the link
names another.
"""

from __future__ import annotations

from typing import Any

from ..contexts.ctx import has_request_context
from ..contexts.globals import request
from ..core.blueprints import Blueprint
from ..core.blueprints import BlueprintSetupState
from .consts import ADMIN_ROUTES_HOST_VARIABLE_NAME

__all__ = ["ANY_HOST_VARIABLE", "HostBlueprint", "HostBlueprintSetupState"]


#: The URL variable that stands for the request's host under ``Admin(host="*")``:
#: Flask-Admin's ``admin_routes_host``, which links to another host name.
ANY_HOST_VARIABLE = ADMIN_ROUTES_HOST_VARIABLE_NAME


class HostBlueprintSetupState(BlueprintSetupState):
    """Adds the blueprint's ``host`` to each rule it registers, unless the rule names one."""

    def add_url_rule(
        self, rule: str, endpoint: str | None = None, view_func: Any = None, **options: Any
    ) -> None:
        host = getattr(self.blueprint, "host", None)
        if host is not None:
            options.setdefault("host", host)
        super().add_url_rule(rule, endpoint, view_func, **options)


class HostBlueprint(Blueprint):
    """A view's blueprint whose every rule, its static files included, is on ``host``.

    With ``Admin(host=...)`` the static route needs the host too: without it,
    a host-matching app builds the stylesheet's URL for an empty host.
    """

    def __init__(self, *args: Any, host: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.host = host
        if host is not None and host.strip() == "*":
            # Any host: the rules match it as a variable the views never see,
            # and links to them are built for the host of the current request.
            self.host = f"<{ANY_HOST_VARIABLE}>"
            self.url_value_preprocessor(_drop_any_host)
            self.url_defaults(_add_any_host)

    def make_setup_state(
        self, app: Any, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        return HostBlueprintSetupState(self, app, options, first_registration)


def _drop_any_host(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values is not None:
        values.pop(ANY_HOST_VARIABLE, None)


def _add_any_host(endpoint: str, values: dict[str, Any]) -> None:
    if has_request_context():
        values.setdefault(ANY_HOST_VARIABLE, request.host)
