"""The app's development methods: the development server, the test client and runner.

A mixin of :class:`~hipflask.core.app.Hipflask` only. These are Flask's API
on the app object, yet what they hand the app to lives in layers above the
core (:mod:`hipflask.serving`, :mod:`hipflask.testing`): they import it
lazily, on call, and this module is the one the layers contract lets do so,
so the rest of the core cannot start reaching up by accident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..contexts.ctx import RequestContext
    from ..testing.client import HipflaskClient
    from ..testing.runner import HipflaskCliRunner
    from ..wrappers.response import Response

__all__ = ["DevelopmentMethods"]


class DevelopmentMethods:
    """Flask's development methods of the app (a base of :class:`~hipflask.core.app.Hipflask`).

    ``self`` is always the app, which the type checker cannot see through a
    mixin (hence the ``arg-type`` ignores where the app is handed on).
    """

    test_client_class: type[Any] | None = None
    test_cli_runner_class: type[Any] | None = None

    response_class: type[Response]
    request_context: Callable[[dict[str, Any]], RequestContext]

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context built from ``EnvironBuilder`` arguments, for tests.

        Arguments that cannot make a request (a malformed base URL, a query
        string given twice) raise the builder's ``ValueError``, as in Flask:
        the mistake is in the test, not in anything a client sent.
        """
        builder = self._environ_builder(*args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def _environ_builder(self, *args: Any, **kwargs: Any) -> Any:
        """An ``EnvironBuilder`` whose base URL follows ``SERVER_NAME`` and friends."""
        from ..testing.environ import EnvironBuilder

        return EnvironBuilder(self, *args, **kwargs)  # type: ignore[arg-type]

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> HipflaskClient:
        """A test client driving this app through the real adapter path.

        ``protocol="asgi"`` drives the ASGI adapter instead of WSGI.
        """
        cls = self.test_client_class
        if cls is None:
            from ..testing.client import HipflaskClient

            cls = HipflaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)  # type: ignore[arg-type]

    def test_cli_runner(self, **kwargs: Any) -> HipflaskCliRunner:
        """A click test runner that invokes commands with this app loaded."""
        cls = self.test_cli_runner_class
        if cls is None:
            from ..testing.runner import HipflaskCliRunner

            cls = HipflaskCliRunner
        return cls(self, **kwargs)  # type: ignore[arg-type]

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app with the development server (see :mod:`hipflask.serving`)."""
        from ..serving.devserver import run_app

        run_app(self, host=host, port=port, debug=debug, load_dotenv=load_dotenv, **options)  # type: ignore[arg-type]
