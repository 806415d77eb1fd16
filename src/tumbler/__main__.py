"""``python -m tumbler``: the same as the ``tumbler`` command."""

from __future__ import annotations

from .cli.main import main

main()
