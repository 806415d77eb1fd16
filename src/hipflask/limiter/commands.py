"""``hipflask limiter``: see and reset the app's rate limits from a shell.

Flask-Limiter's ``flask limiter`` commands, registered on ``app.cli`` when a
:class:`~hipflask.limiter.Limiter` is initialised: ``config`` prints the
effective settings, ``limits`` lists each route's limits (and, with
``--key``, where that client stands), ``clear`` forgets a client's
counters, the way an operator lifts a lock-out without restarting anything.
They run in the app context with the limiter's blocking store client; no
event loop is involved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import click
from werkzeug.exceptions import HTTPException

from hipflask.contexts.globals import current_app
from hipflask.core.commands import AppGroup

if TYPE_CHECKING:
    from werkzeug.routing import Rule

    from .extension import Limiter

__all__ = ["cli"]

#: Methods every rule answers by itself; listing them adds nothing.
_IMPLIED = frozenset({"HEAD", "OPTIONS"})

cli = AppGroup("limiter", help="Show and reset the app's rate limits.")


def _limiters() -> list[Limiter]:
    found = current_app.extensions.get("limiter") or set()
    limiters = sorted(found, key=id)
    if not limiters:
        raise click.ClickException("The app has no Limiter; create one with Limiter(app, ...).")
    return limiters


def _rules(endpoint: str | None, path: str | None, method: str | None) -> list[Rule]:
    """The rules the filters select, in ``hipflask routes`` order."""
    rules = sorted(current_app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))
    if path is not None:
        adapter = current_app.url_map.bind("localhost")
        try:
            rule, _ = adapter.match(path, method=method or "GET", return_rule=True)
        except HTTPException as exc:
            raise click.ClickException(f"No route answers {method or 'GET'} {path}.") from exc
        rules = [rule]
    if endpoint is not None:
        rules = [rule for rule in rules if rule.endpoint == endpoint]
        if not rules:
            raise click.ClickException(f"No endpoint named {endpoint!r}.")
    if method is not None:
        rules = [rule for rule in rules if method in (rule.methods or ())]
    return rules


def _methods(rule: Rule, method: str | None) -> list[str]:
    if method is not None:
        return [method]
    return sorted(set(rule.methods or ()) - _IMPLIED) or ["GET"]


def _applies(limit: Any, method: str) -> bool:
    return limit.methods is None or method.lower() in limit.methods


def _state(limiter: Limiter, item: Any, identifiers: tuple[str, ...]) -> str:
    strategy = limiter.limiter
    remaining = strategy.get_window_stats(item, *identifiers).remaining
    verdict = "pass" if strategy.test(item, *identifiers) else "FAIL"
    return f"{verdict} ({remaining} of {item.amount} remaining)"


@cli.command("config")
def config_command() -> None:
    """Print each limiter's effective settings."""
    for limiter in _limiters():
        settings = limiter.describe()
        width = max(len(name) for name in settings)
        for name, value in settings.items():
            click.echo(f"{name.ljust(width)}  {value}")


@cli.command("limits")
@click.option("--endpoint", default=None, help="Only this endpoint.")
@click.option("--path", default=None, help="Only the route that answers this path.")
@click.option("--method", default=None, help="Only this HTTP method.")
@click.option("--key", default=None, help="Show where this client (key) stands.")
def limits_command(
    endpoint: str | None, path: str | None, method: str | None, key: str | None
) -> None:
    """List the rate limits of every route, or of the selected ones."""
    method = method.upper() if method else None
    printed = False
    for limiter in _limiters():
        for rule in _rules(endpoint, path, method):
            declared = limiter.limits_for(rule.endpoint)
            if not declared:
                continue
            printed = True
            click.echo(f"{rule.endpoint}  {rule.rule}")
            for kind, limit, scope in declared:
                for verb in _methods(rule, method):
                    if not _applies(limit, verb):
                        continue
                    counters = limiter.counters(limit, scope, key or "", verb)
                    if not counters:
                        click.echo(f"  {verb} {kind}: depends on the request")
                    for item, identifiers in counters:
                        state = f": {_state(limiter, item, identifiers)}" if key else ""
                        click.echo(f"  {verb} {kind}: {item}{state}")
    if not printed:
        click.echo("No rate limits apply to the selected routes.")


@cli.command("clear")
@click.option("--endpoint", default=None, help="Only this endpoint.")
@click.option("--path", default=None, help="Only the route that answers this path.")
@click.option("--method", default=None, help="Only this HTTP method.")
@click.option("--key", required=True, help="The client (key) whose counters to reset.")
@click.option("-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
def clear_command(
    endpoint: str | None, path: str | None, method: str | None, key: str, assume_yes: bool
) -> None:
    """Reset one client's counters on the selected routes (all by default)."""
    method = method.upper() if method else None
    targets: dict[tuple[str, ...], tuple[Limiter, Any, tuple[str, ...]]] = {}
    for limiter in _limiters():
        for rule in _rules(endpoint, path, method):
            for _kind, limit, scope in limiter.limits_for(rule.endpoint):
                for verb in _methods(rule, method):
                    if _applies(limit, verb):
                        for item, identifiers in limiter.counters(limit, scope, key, verb):
                            # Shared budgets appear under many routes: once each.
                            targets[(str(id(limiter)), item.key_for(*identifiers))] = (
                                limiter,
                                item,
                                identifiers,
                            )
    if not targets:
        click.echo(f"No rate limits for {key!r} on the selected routes.")
        return
    if not assume_yes:
        click.confirm(f"Reset {len(targets)} counter(s) for {key!r}?", abort=True)
    for limiter, item, identifiers in targets.values():
        limiter.limiter.clear(item, *identifiers)
    click.echo(f"Reset {len(targets)} counter(s) for {key!r}.")
