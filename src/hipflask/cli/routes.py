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

from ..contexts.globals import _cv_app
from ..core.commands import with_appcontext

__all__ = ["SORT_KEYS", "format_routes", "routes_command"]

#: What ``--sort`` accepts; ``match`` is the order the rules were added in.
SORT_KEYS: tuple[str, ...] = ("endpoint", "methods", "domain", "rule", "match")

_AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})


def _domain_getter(app: Any) -> tuple[str, Callable[[Any], str]] | None:
    rules = list(app.url_map.iter_rules())
    if app.url_map.host_matching:
        return "Host", lambda rule: rule.host or ""
    if any(rule.subdomain for rule in rules):
        return "Subdomain", lambda rule: rule.subdomain or ""
    return None


def _sorted_rules(rules: list[Any], sort: str, domain: Callable[[Any], str] | None) -> list[Any]:
    if sort == "endpoint":
        return sorted(rules, key=lambda rule: (rule.endpoint, rule.rule))
    if sort == "rule":
        return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))
    if sort == "methods":
        return sorted(rules, key=lambda rule: (sorted(rule.methods or ()), rule.endpoint))
    if sort == "domain" and domain is not None:
        return sorted(rules, key=lambda rule: (domain(rule), rule.rule))
    return rules


def format_routes(app: Any, sort: str = "endpoint", all_methods: bool = False) -> list[str]:
    """The lines ``hipflask routes`` prints: header, rule line, one row per URL rule."""
    rules = list(app.url_map.iter_rules())
    if not rules:
        return ["No routes were registered."]
    hidden: frozenset[str] = frozenset() if all_methods else _AUTOMATIC_METHODS
    domain = _domain_getter(app)
    headers: list[str] = ["Endpoint", "Methods"]
    if domain is not None:
        headers.append(domain[0])
    headers.append("Rule")
    rows: list[Sequence[str]] = []
    for rule in _sorted_rules(rules, sort, domain[1] if domain else None):
        row = [rule.endpoint, ", ".join(sorted(set(rule.methods or ()) - hidden))]
        if domain is not None:
            row.append(domain[1](rule))
        row.append(rule.rule)
        rows.append(row)
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
    return [line.rstrip() for line in lines]


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
