"""``hipflask routes``: the app's URL rules as a table.

Columns are Endpoint, Methods and Rule (plus Host or Subdomain when the app
matches on them), as in Flask. ``HEAD`` and ``OPTIONS``, which every rule
answers automatically, are hidden unless ``--all-methods`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import click

from ..contexts import globals as _globals
from ..core.commands import with_appcontext

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

__all__ = ["SORT_KEYS", "format_routes", "routes_command"]

#: What ``--sort`` accepts; ``match`` is the order the rules were added in.
SORT_KEYS: tuple[str, ...] = ("endpoint", "methods", "domain", "rule", "match")

_AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})


def _domain_getter(app: Any, rules: list[Any]) -> tuple[str, Callable[[Any], str]] | None:
    # As in Flask, the column appears only when some rule has a host or subdomain.
    if app.url_map.host_matching:
        if any(rule.host for rule in rules):
            return "Host", lambda rule: rule.host or ""
        return None
    if any(rule.subdomain for rule in rules):
        return "Subdomain", lambda rule: rule.subdomain or ""
    return None


def format_routes(app: Any, sort: str = "endpoint", all_methods: bool = False) -> list[str]:
    """The lines ``hipflask routes`` prints: header, rule line, one row per URL rule.

    Laid out as Flask's command lays them out, every column padded to its
    width (the last one too), so a ported test comparing the output holds.
    Rows are sorted by the text of the chosen column, ties staying in
    match order; ``domain`` without a Host or Subdomain column is ``match``.
    """
    rules = list(app.url_map.iter_rules())
    if not rules:
        return ["No routes were registered."]
    hidden: frozenset[str] = frozenset() if all_methods else _AUTOMATIC_METHODS
    domain = _domain_getter(app, rules)
    headers: list[str] = ["Endpoint", "Methods"]
    sorts = ["endpoint", "methods"]
    if domain is not None:
        headers.append(domain[0])
        sorts.append("domain")
    headers.append("Rule")
    sorts.append("rule")
    rows: list[Sequence[str]] = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted(set(rule.methods or ()) - hidden))]
        if domain is not None:
            row.append(domain[1](rule))
        row.append(rule.rule)
        rows.append(row)
    if sort in sorts:
        column = sorts.index(sort)
        rows.sort(key=lambda row: row[column])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    table = [headers, ["-" * width for width in widths], *rows]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(SORT_KEYS),
    default="endpoint",
    show_default=True,
    help="Order of the rows; 'match' is the order the rules were registered in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods."""
    for line in format_routes(_cv_app.get().app, sort, all_methods):
        click.echo(line)
