"""A Flask app with nine extensions ports to hipflask by renaming its imports.

``ported_app/`` holds a Flask application in the style of the Flask
Mega-Tutorial (app factory, blueprints, Flask-SQLAlchemy, Flask-Migrate,
Flask-Login, Flask-WTF, Flask-Principal, Flask-JWT-Extended, Flask-Limiter,
Flask-CORS, Flask-Session on Redis, Flask-Talisman) and the pytest suite its
author would write. The port is the same files with each ``flask...``
import renamed to its ``hipflask...`` home, plus the few adjustments
docs/porting.rst tells users to make (``ADJUSTMENTS``, each with its
reason). The port's suite must pass under hipflask over WSGI and over ASGI,
chosen with ``HIPFLASK_TEST_PROTOCOL`` exactly as a user would; the Flask
original runs too when every extension it imports is installed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.examples.ported_app_port import ADJUSTMENTS
from tests.examples.ported_app_port import ORIGINAL
from tests.examples.ported_app_port import rename_imports
from tests.examples.ported_app_port import write_adjusted_port
from tests.redis_helper import require_redis

import hipflask

SOURCE_ROOT = Path(hipflask.__file__).resolve().parent.parent
FLASK_EXTENSIONS = (
    "flask_cors",
    "flask_jwt_extended",
    "flask_limiter",
    "flask_login",
    "flask_migrate",
    "flask_principal",
    "flask_session",
    "flask_sqlalchemy",
    "flask_talisman",
    "flask_wtf",
)
_SUMMARY = re.compile(r"^(\d+) passed in [\d.]+s", re.MULTILINE)


def run_suite(root: Path, redis_prefix: str, protocol: str | None = None) -> str:
    """Run the app's suite in ``root`` as its author would, and return pytest's output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE_ROOT), env.get("PYTHONPATH", "")])
    env["TEST_SESSION_KEY_PREFIX"] = f"{redis_prefix}:"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The pytest plugins installed for hipflask's own suite (hypothesis,
    # schemathesis, xdist, ...) are not the app's: loading them is most of
    # this run's start-up time, and the app's suite uses none of them.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env.pop("HIPFLASK_TEST_PROTOCOL", None)
    if protocol is not None:
        env["HIPFLASK_TEST_PROTOCOL"] = protocol
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = _SUMMARY.search(output)
    assert summary is not None, output[-3000:]
    assert int(summary.group(1)) >= 40
    return output


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    return [
        (before, after)
        for before, after in zip(old.splitlines(), new.splitlines(), strict=True)
        if before != after
    ]


def test_the_rename_changes_import_lines_only() -> None:
    changed = []
    for path in sorted(ORIGINAL.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        changed += changed_lines(source, rename_imports(source))

    assert len(changed) > 50
    for before, after in changed:
        assert re.match(r"\s*(from|import) flask", before), before
        assert re.match(r"\s*(from|import) hipflask", after), after
        assert re.sub(r"hipflask(\.\w+)*", "", after) == re.sub(r"flask\w*(\.\w+)*", "", before)


def test_every_adjustment_names_its_documented_difference() -> None:
    porting = (Path(__file__).parents[2] / "docs" / "porting.rst").read_text(encoding="utf-8")

    for adjustment in ADJUSTMENTS:
        assert " ".join(adjustment.documented.split()) in " ".join(porting.split())


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_the_port_passes_its_suite_under_hipflask(
    tmp_path: Path, redis_prefix: str, protocol: str
) -> None:
    port = write_adjusted_port(tmp_path / "port")

    run_suite(port, redis_prefix, protocol)


def test_the_flask_original_passes_its_suite(tmp_path: Path, redis_prefix: str) -> None:
    missing = [name for name in FLASK_EXTENSIONS if importlib.util.find_spec(name) is None]
    if missing:
        # The dev extra installs them: in CI their absence is a broken install.
        message = f"the Flask original needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    require_redis()

    run_suite(ORIGINAL, redis_prefix)
