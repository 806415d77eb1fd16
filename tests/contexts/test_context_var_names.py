"""The context variables are bound by assignment in every module that calls them.

CPython 3.11 to 3.13 compile ``name.method()`` on a module-level name that a
``from`` import bound as an attribute load (they expect a module there), so a
context variable's ``get``, ``set`` and ``reset`` would each build and drop a
bound method on the request path. ``hipflask.contexts.globals`` explains it;
this keeps a new module from bringing the import back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hipflask

_VARIABLES = {"_cv_app", "_cv_request"}


def _top_level_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_no_module_binds_a_context_variable_by_from_import() -> None:
    package = Path(hipflask.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound = _top_level_imports(tree) & _VARIABLES
        if bound:
            offenders.append(f"{path.relative_to(package)}: {sorted(bound)}")
    assert offenders == []


def test_the_assigned_names_are_the_variables_themselves() -> None:
    from hipflask.contexts import globals as context_globals
    from hipflask.core import wsgi_direct

    assert wsgi_direct._cv_app is context_globals._cv_app
    assert wsgi_direct._cv_request is context_globals._cv_request
