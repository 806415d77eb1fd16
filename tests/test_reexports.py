"""A type checker sees every Flask-world name as exported, as it sees Flask's.

A ported app checked with ``mypy --strict`` (``no_implicit_reexport``) or
pyright's strict mode writes ``from hipflask import Flask``. Both checkers take
a name a module imports as private to it unless it is imported as itself
(``from .m import X as X``) or listed in ``__all__``: ``from .m import
Hipflask as Flask`` works at run time and fails the app's type check with
"does not explicitly export attribute". Read from the source, as the checkers
read it.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_public_api import FLASK_MODULE_NAMES
from tests.test_public_api import FLASK_TOP_LEVEL
from tests.test_public_api_suites import SUITE_MODULE_NAMES

# Names a type checker is not asked about: the package's submodules.
_SUBMODULES = {"json", "signals"}

_PINNED = sorted(
    {("hipflask", name) for name in FLASK_TOP_LEVEL if name not in _SUBMODULES}
    | {
        (f"hipflask.{module}", name)
        for module, names in FLASK_MODULE_NAMES.items()
        for name in names
    }
    | {(module, name) for module, names in SUITE_MODULE_NAMES.items() for name in names}
)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those under ``if`` and ``try``."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _statements(node.body)
            yield from _statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _statements(block)
            for handler in node.handlers:
                yield from _statements(handler.body)


def _exports(module: str) -> dict[str, bool]:
    """Each name the module binds, and whether a type checker counts it as exported."""
    loaded = importlib.import_module(module)
    assert loaded.__file__ is not None
    tree = ast.parse(Path(loaded.__file__).read_text())
    bound: dict[str, bool] = {}
    for node in _statements(tree.body):
        if isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                bound[name] = alias.asname == alias.name
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[node.name] = True
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update((target.id, True) for target in targets if isinstance(target, ast.Name))
    return bound | dict.fromkeys(_literal_all(tree.body), True)


def _literal_all(body: list[ast.stmt]) -> Iterator[str]:
    """The names ``__all__`` lists as written, the way a type checker reads it.

    mypy reads only the string literals of ``__all__``: names added through
    ``*other_list`` exist at run time yet are not exported to it.
    """
    for node in _statements(body):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                value = node.value
                if isinstance(value, ast.List | ast.Tuple):
                    for element in value.elts:
                        if isinstance(element, ast.Constant) and isinstance(element.value, str):
                            yield element.value


@pytest.mark.parametrize(("module", "name"), _PINNED)
def test_a_pinned_name_is_exported_for_type_checkers(module: str, name: str) -> None:
    exports = _exports(module)

    assert exports.get(name, True), (
        f"{module} imports {name!r} under another name: write the import as"
        f" '{name} as {name}' (defining {name} where it comes from if need be)."
    )
