"""The command-line test runner: ``app.test_cli_runner()``.

It is click's :class:`~click.testing.CliRunner`, set up so that a command
finds *this* app without any discovery: ``runner.invoke(args=["seed-db"])``
runs the ``seed-db`` command of ``app.cli`` in the app's context, and its
output, exit code and exception are on the returned result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from click.testing import CliRunner

from ..cli.discovery import ScriptInfo

if TYPE_CHECKING:
    from click.testing import Result

    from ..core.app import Hipflask

__all__ = ["HipflaskCliRunner"]


class HipflaskCliRunner(CliRunner):
    """A :class:`~click.testing.CliRunner` bound to one app.

    Keyword arguments go to :class:`~click.testing.CliRunner` (``env``,
    ``charset`` …).
    """

    def __init__(self, app: Hipflask, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> Result:
        """Invoke a command; ``cli`` defaults to ``app.cli`` and ``obj`` to this app.

        Pass ``cli=hipflask.cli.main.cli`` to run a built-in command such as
        ``routes`` against the app instead.
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            app = self.app
            kwargs["obj"] = ScriptInfo(create_app=lambda: app)
        return super().invoke(cli, args, **kwargs)


#: Flask's name, bound here: type checkers do not export an ``import X as Y`` rename.
FlaskCliRunner = HipflaskCliRunner
