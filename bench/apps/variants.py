"""Fresh copies of the hipflask bench app with one default switched off.

Each variant row measures what one secure default costs: the same module as
``hipflask_app`` (or ``hipflask_asgi_app``) loaded again under another name,
so it has an app object of its own, with one setting changed. Everything
else stays a real app's configuration: secret key set, other defaults on.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


def fresh_app(module: str, **config: Any) -> Any:
    """A new app from ``apps/<module>.py`` with ``config`` applied over its own."""
    spec = importlib.util.spec_from_file_location(f"apps._fresh_{module}", _HERE / f"{module}.py")
    if spec is None or spec.loader is None:  # pragma: no cover - the file is ours
        raise ImportError(module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    app = loaded.app
    for key, value in config.items():
        if key == "secret_key":
            app.secret_key = value
        else:
            app.config[key] = value
    return app
