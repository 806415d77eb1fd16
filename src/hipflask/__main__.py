"""``python -m hipflask``: the same as the ``hipflask`` command."""

from __future__ import annotations

from .cli.main import main

main()
