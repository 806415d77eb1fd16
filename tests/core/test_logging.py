"""app.logger: its name, level, default handler, and logging of unhandled errors."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.core.logging import default_handler
from hipflask.core.logging import has_level_handler

_names = itertools.count()


@pytest.fixture
def name() -> Iterator[str]:
    """A logger name no other test uses; its logger is reset afterwards."""
    value = f"hipflask_log_test_{next(_names)}"
    yield value
    logger = logging.getLogger(value)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


@pytest.fixture
def no_root_handlers(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call to log as in a fresh process: nothing configured on the root logger.

    It must be called from the test itself: pytest installs its capturing
    handlers on the root logger after fixtures are set up.
    """
    return lambda: monkeypatch.setattr(logging.getLogger(), "handlers", [])


def test_logger_is_named_after_the_app(name: str) -> None:
    app = Hipflask(name)

    assert app.logger.name == name
    assert app.logger is logging.getLogger(name)


def test_logger_of_a_script_app_uses_the_script_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    # raising=False: a pytest-xdist worker's __main__ has no file.
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "/srv/site/manage.py", raising=False)
    app = Hipflask("__main__")

    assert app.logger.name == "manage"


def test_debug_app_logs_at_debug_level(name: str) -> None:
    app = Hipflask(name)
    app.debug = True

    assert app.logger.level == logging.DEBUG
    assert app.logger.isEnabledFor(logging.DEBUG)


def test_production_app_leaves_the_level_to_logging_config(name: str) -> None:
    app = Hipflask(name)
    app.debug = False

    assert app.logger.level == logging.NOTSET


def test_level_set_by_the_user_is_kept_in_debug(name: str) -> None:
    logging.getLogger(name).setLevel(logging.WARNING)
    app = Hipflask(name)
    app.debug = True

    assert app.logger.level == logging.WARNING


def test_default_handler_is_added_when_nothing_would_print(
    name: str, no_root_handlers: Callable[[], None]
) -> None:
    no_root_handlers()
    app = Hipflask(name)

    assert default_handler in app.logger.handlers


def test_default_handler_is_not_added_when_logging_is_configured(
    name: str, no_root_handlers: Callable[[], None]
) -> None:
    no_root_handlers()
    configured = logging.StreamHandler()
    logging.getLogger().addHandler(configured)
    app = Hipflask(name)

    assert default_handler not in app.logger.handlers
    assert has_level_handler(app.logger)


def test_handler_on_the_app_logger_itself_counts(
    name: str, no_root_handlers: Callable[[], None]
) -> None:
    no_root_handlers()
    own = logging.NullHandler()
    logging.getLogger(name).addHandler(own)
    app = Hipflask(name)

    assert app.logger.handlers == [own]


def test_handler_above_the_level_does_not_count(
    name: str, no_root_handlers: Callable[[], None]
) -> None:
    no_root_handlers()
    only_critical = logging.StreamHandler()
    only_critical.setLevel(logging.CRITICAL)
    logging.getLogger().addHandler(only_critical)
    app = Hipflask(name)

    assert default_handler in app.logger.handlers


def test_handlers_beyond_a_non_propagating_logger_do_not_count(name: str) -> None:
    logger = logging.getLogger(name)
    logger.propagate = False

    assert not has_level_handler(logger)


def test_logger_messages_reach_logging(name: str, caplog: pytest.LogCaptureFixture) -> None:
    app = Hipflask(name)

    with caplog.at_level(logging.INFO, logger=name):
        app.logger.info("cache warmed")

    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (name, logging.INFO, "cache warmed")
    ]


# -- unhandled errors ------------------------------------------------------------------------


def test_unhandled_exception_is_logged_with_the_request_path(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/orders/<int:order_id>", methods=["POST"])
    def order(order_id: int) -> str:
        raise ValueError(f"order {order_id} is corrupt")

    with caplog.at_level(logging.ERROR, logger=app.name):
        rv = client.post("/orders/7")

    assert rv.status_code == 500
    assert b"order 7 is corrupt" not in rv.data
    errors = [r for r in caplog.records if r.name == app.name]
    assert len(errors) == 1
    assert errors[0].levelno == logging.ERROR
    assert re.fullmatch(
        r"Exception on /orders/7 \[POST\] \(request id [0-9a-f]{16}\)", errors[0].getMessage()
    )
    assert errors[0].request_id in rv.get_data(as_text=True)  # type: ignore[attr-defined]
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[0] is ValueError


def test_unhandled_exception_in_an_async_view_is_logged(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/async-boom")
    async def boom() -> str:
        raise KeyError("missing")

    with caplog.at_level(logging.ERROR, logger=app.name):
        rv = client.get("/async-boom")

    assert rv.status_code == 500
    messages = [r.getMessage() for r in caplog.records if r.name == app.name]
    assert len(messages) == 1
    assert messages[0].startswith("Exception on /async-boom [GET] (request id ")


def test_handled_http_errors_are_not_logged(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    with caplog.at_level(logging.DEBUG, logger=app.name):
        rv = client.get("/no-such-page")

    assert rv.status_code == 404
    assert [r for r in caplog.records if r.name == app.name] == []


def test_exceptions_propagate_in_testing_instead_of_being_logged(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("visible to the test")

    with pytest.raises(RuntimeError, match="visible"):
        client.get("/boom")
    assert [r for r in caplog.records if r.name == app.name] == []


def test_app_logger_is_named_after_the_app() -> None:
    app = Hipflask("tests_app.web")

    assert app.logger.name == "tests_app.web"
    assert app.logger is logging.getLogger("tests_app.web")


def test_wsgi_errors_stream_is_the_servers_error_stream_during_a_request(
    protocol: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from hipflask.logging import wsgi_errors_stream

    app = Hipflask("tests_app_errors_stream")
    errors = io.StringIO()

    @app.route("/")
    def index() -> str:
        wsgi_errors_stream.write("from the view\n")
        return "ok"

    client = app.test_client(protocol=protocol)
    assert client.get("/", errors_stream=errors).status_code == 200

    # ASGI has no error stream of its own: the message goes to stderr.
    written = errors.getvalue() if protocol == "wsgi" else capsys.readouterr().err
    assert written == "from the view\n"


def test_wsgi_errors_stream_is_stderr_outside_a_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hipflask.logging import wsgi_errors_stream

    wsgi_errors_stream.write("outside\n")

    assert capsys.readouterr().err == "outside\n"


# -- the default format reads as Flask's --------------------------------------------------


def formatted(caplog: pytest.LogCaptureFixture, app: Hipflask) -> list[str]:
    """The app's records as the default handler writes them, first lines only."""
    formatter = default_handler.formatter
    assert formatter is not None
    return [formatter.format(r).splitlines()[0] for r in caplog.records if r.name == app.name]


def test_unhandled_exception_line_reads_error_in_app_as_in_flask(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    # Alerts and greps written for Flask look for "ERROR in app: Exception on".
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger=app.name):
        assert client.get("/boom").status_code == 500

    [line] = formatted(caplog, app)
    assert re.fullmatch(
        r"\[[-0-9 :,]+\] ERROR in app: Exception on /boom \[GET\] \(request id [0-9a-f]{16}\)",
        line,
    )


def test_finalizing_failure_line_reads_error_in_app_as_in_flask(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    @app.after_request
    def fails_on_errors(response: Any) -> Any:
        if response.status_code == 500:
            raise RuntimeError("after")
        return response

    with caplog.at_level(logging.ERROR, logger=app.name):
        assert client.get("/boom").status_code == 500

    lines = [line.split("] ", 1)[1] for line in formatted(caplog, app)]
    assert lines[0].startswith("ERROR in app: Exception on /boom [GET] (request id ")
    assert lines[1] == (
        "ERROR in app: Request finalizing failed with an error while handling an error"
    )


def test_a_failing_hook_on_the_gates_answer_is_logged_in_app(
    app: Hipflask, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask logs an after_request hook's failure as "ERROR in app:"; the
    # line for a failure on the gate's answer reads the same way.
    from hipflask import Response
    from hipflask.limiter import Limiter
    from hipflask.limiter.util import get_remote_address

    Limiter(get_remote_address, app=app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.after_request
    def fails_on_refusals(response: Response) -> Response:
        if response.status_code == 429:
            raise RuntimeError("hook")
        return response

    client = app.test_client(protocol=protocol)
    with caplog.at_level(logging.ERROR, logger=app.name):
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429

    [line] = formatted(caplog, app)
    assert " ERROR in app: The after_request hook " in line


def test_a_views_own_log_line_names_the_views_module(
    client: Any, app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/")
    def index() -> str:
        app.logger.warning("cache cold")
        return "ok"

    with caplog.at_level(logging.WARNING, logger=app.name):
        assert client.get("/").status_code == 200

    [line] = formatted(caplog, app)
    assert line.endswith("] WARNING in test_logging: cache cold")


def test_default_format_is_flasks() -> None:
    record = logging.LogRecord("shop", logging.ERROR, "/srv/shop/app.py", 1, "down", None, None)

    line = default_handler.format(record)

    assert re.fullmatch(r"\[[-0-9 :,]+\] ERROR in app: down", line)
