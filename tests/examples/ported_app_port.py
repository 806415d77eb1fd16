"""Make the hipflask port of the example app: its files with the import lines renamed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ORIGINAL = Path(__file__).parent / "ported_app"

# DESIGN.md's import map, longest names first so ``flask_wtf.file`` is not read as ``flask``.
IMPORT_MAP = (
    ("flask_wtf", "hipflask.forms"),
    ("flask_limiter", "hipflask.limiter"),
    ("flask_cors", "hipflask.cors"),
    ("flask_login", "hipflask.login"),
    ("flask_principal", "hipflask.principal"),
    ("flask_jwt_extended", "hipflask.jwt"),
    ("flask_sqlalchemy", "hipflask.db"),
    ("flask_migrate", "hipflask.db.migrate"),
    ("flask_session", "hipflask.sessions"),
    ("flask_talisman", "hipflask.talisman"),
    ("flask", "hipflask"),
)
_IMPORT_LINE = re.compile(r"^(\s*)(from|import) (\S+)", re.MULTILINE)


def _rename_module(module: str) -> str:
    for flask_name, hipflask_name in IMPORT_MAP:
        if module == flask_name or module.startswith(flask_name + "."):
            return hipflask_name + module[len(flask_name) :]
    return module


def rename_imports(source: str) -> str:
    """The port: rewrite the module named by each ``import``/``from`` line, nothing else."""

    def replace(match: re.Match[str]) -> str:
        indent, keyword, module = match.groups()
        return f"{indent}{keyword} {_rename_module(module)}"

    return _IMPORT_LINE.sub(replace, source)


def write_port(target: Path) -> Path:
    """Copy the Flask app and its tests to ``target``, renaming the imports of every module."""
    shutil.copytree(ORIGINAL, target, ignore=shutil.ignore_patterns("__pycache__", "uploads"))
    for path in target.rglob("*.py"):
        path.write_text(rename_imports(path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


class Adjustment:
    """A change the port needs beyond the rename, each one a documented difference.

    ``documented`` is the wording of docs/porting.rst that tells users to make it.
    """

    def __init__(self, path: str, old: str, new: str, documented: str) -> None:
        self.path = path
        self.old = old
        self.new = new
        self.documented = documented

    def apply(self, root: Path) -> None:
        target = root / self.path
        source = target.read_text(encoding="utf-8")
        if source.count(self.old) != 1:
            raise LookupError(f"{self.path}: the text to adjust is not there once: {self.old!r}")
        target.write_text(source.replace(self.old, self.new), encoding="utf-8")


ADJUSTMENTS = (
    Adjustment(
        "flask_app/config.py",
        '    SERVER_NAME = "localhost.localdomain"\n',
        '    SERVER_NAME = "localhost.localdomain"\n    LOGIN_THROTTLE = False\n',
        "sets ``LOGIN_THROTTLE = False`` in its test config",
    ),
    Adjustment(
        "flask_app/config.py",
        "    LOGIN_THROTTLE = False\n",
        "    LOGIN_THROTTLE = False\n    LOGIN_REGISTRY_STORE = None\n",
        "or ``LOGIN_REGISTRY_STORE = None`` in the test config",
    ),
    Adjustment(
        "tests/test_api.py",
        "    assert response.status_code == 422\n"
        '    assert response.get_json() == {"msg": "Only non-refresh tokens are allowed"}',
        "    assert response.status_code == 401\n"
        '    assert response.get_json() == {"msg": "Only non-refresh tokens are allowed"}',
        "Flask-JWT-Extended's 422 for a token that is readable but wrong is a 401",
    ),
    Adjustment(
        "tests/test_auth.py",
        '        assert client.post("/auth/login", data=data).status_code == 302\n',
        '        assert client.post("/auth/login", data=data).status_code == 302\n'
        '        token = csrf_token(client.get("/index"))\n',
        "take a fresh CSRF token after logging in",
    ),
)


def write_adjusted_port(target: Path) -> Path:
    """The port as a user ends up with it: the rename, then the documented adjustments."""
    write_port(target)
    for adjustment in ADJUSTMENTS:
        adjustment.apply(target)
    return target
