"""How a person can run the ``hipflask`` command again, as text to paste.

A hint such as "run 'hipflask certs trust'" is useless when the script is
not on ``PATH``: in a virtual environment that was never activated (the
demo's ``.venv``), the command lives in ``.venv/bin``. Hints print what
will actually run.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["hipflask_command"]


def hipflask_command() -> str:
    """``hipflask`` when that name runs this installation, else a path that does."""
    beside = Path(sys.executable).parent / "hipflask"
    on_path = shutil.which("hipflask")
    if beside.exists():
        if on_path is not None and Path(on_path).resolve() == beside.resolve():
            return "hipflask"
        return shlex.quote(str(beside))
    if on_path is not None:
        return "hipflask"
    return f"{shlex.quote(sys.executable)} -m hipflask"
