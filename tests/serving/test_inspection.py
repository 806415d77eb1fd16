"""The start-up checks run on the app in a child process, which answers and exits."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask import Hipflask
from hipflask.cli.discovery import NoAppException
from hipflask.cli.discovery import load_target
from hipflask.errors import ConfigurationError
from hipflask.errors import MissingExtraError
from hipflask.serving.inspection import AppFacts
from hipflask.serving.inspection import AppLoadFailed
from hipflask.serving.inspection import StartupChecks
from hipflask.serving.inspection import in_child
from hipflask.serving.inspection import inspect_app

KEY = "7d1e5a8c2f6b0d4e9a3c7f1b5d8e2a4c8e2a6f0b9d3e7a1c5f8b2d6e0a4c9f3b"

CHECKS = StartupChecks(host="127.0.0.1", tls=False, proxy=False, insecure_http=False)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "project"
    folder.mkdir()
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith("inspected_"):
            del sys.modules[name]


def _loader(folder: Path, module: str, expression: str = "app"):  # type: ignore[no-untyped-def]
    def load() -> tuple[Hipflask, str | None, str | None]:
        target = f"{module}:{expression}"
        return load_target(target, str(folder)), target, str(folder)

    return load


def _write(folder: Path, module: str, body: str) -> None:
    source = "from hipflask import Hipflask\n" + textwrap.dedent(body)
    (folder / f"{module}.py").write_text(source, encoding="utf-8")


def test_the_facts_come_back_and_the_app_stays_in_the_child(project: Path) -> None:
    _write(
        project,
        "inspected_plain",
        f"""
        import os
        LOADED_IN = os.getpid()
        app = Hipflask("shop")
        app.secret_key = "{KEY}"

        @app.get("/")
        async def index():
            return "hi"
        """,
    )

    facts = inspect_app(_loader(project, "inspected_plain"), CHECKS)

    assert facts == AppFacts(
        name="shop",
        import_target="inspected_plain:app",
        sys_path_entry=str(project),
        trusted_hosts=["localhost", "127.0.0.1"],
        host_names=["localhost", "127.0.0.1"],
        interface="asgi",
        counters=[],
    )
    assert "inspected_plain" not in sys.modules  # never imported here


def test_facts_made_of_the_apps_own_str_classes_come_back_as_plain_str(project: Path) -> None:
    # A config library may hand back a str subclass; the serving process
    # takes no class of the app's from the child, so the facts are plain str.
    _write(
        project,
        "inspected_strs",
        f"""
        class Setting(str):
            pass

        app = Hipflask(Setting("shop"))
        app.secret_key = "{KEY}"
        app.config["TRUSTED_HOSTS"] = [Setting("shop.test"), Setting("127.0.0.1")]
        """,
    )

    facts = inspect_app(_loader(project, "inspected_strs"), CHECKS)

    assert facts.name == "shop"
    assert facts.trusted_hosts is None  # the app's own are kept
    assert facts.host_names == ["shop.test", "127.0.0.1"]
    assert all(type(value) is str for value in [facts.name, *facts.host_names])
    assert "inspected_strs" not in sys.modules


def test_a_refusal_in_the_child_is_raised_here_with_its_class(project: Path) -> None:
    _write(project, "inspected_keyless", 'app = Hipflask("shop")\n')

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        inspect_app(_loader(project, "inspected_keyless"), CHECKS)


def test_a_refusal_class_of_the_apps_own_arrives_without_importing_the_app(
    project: Path,
) -> None:
    # Unpickled as it is, the class would be imported by name here, and with
    # it the app's module, in the process that must never import it.
    _write(
        project,
        "inspected_own_error",
        """
        from hipflask.errors import ConfigurationError

        class DatabaseUrlMissing(ConfigurationError):
            pass

        def create_app():
            raise DatabaseUrlMissing("DATABASE_URL is not set: export it before serving.")
        """,
    )

    with pytest.raises(ConfigurationError, match="DATABASE_URL is not set") as raised:
        inspect_app(_loader(project, "inspected_own_error", "create_app()"), CHECKS)

    assert "inspected_own_error" not in sys.modules
    assert type(raised.value).__module__.startswith("hipflask.")


HOLDING_APP_OBJECTS = """
from hipflask.errors import ConfigurationError

class Settings:
    source = ".env"

class SettingsRefused(ConfigurationError):
    def __init__(self, settings):
        super().__init__(f"DATABASE_URL is not set in {settings.source}.")
        self.settings = settings
        self.setting = "DATABASE_URL"

def refused_by_own_class():
    raise SettingsRefused(Settings())

def refused_by_hipflask_class():
    refusal = ConfigurationError("DATABASE_URL is not set in .env.")
    refusal.settings = Settings()
    refusal.setting = "DATABASE_URL"
    raise refusal
"""


@pytest.mark.parametrize("factory", ["refused_by_own_class", "refused_by_hipflask_class"])
def test_a_refusal_holding_the_apps_objects_arrives_without_importing_the_app(
    project: Path, monkeypatch: pytest.MonkeyPatch, factory: str
) -> None:
    # Served from the project's folder, the app's module is importable here,
    # and unpickling one of its objects would import it in the process that
    # must never import it.
    monkeypatch.syspath_prepend(str(project))
    _write(project, "inspected_holding", HOLDING_APP_OBJECTS)

    with pytest.raises(ConfigurationError) as raised:
        inspect_app(_loader(project, "inspected_holding", f"{factory}()"), CHECKS)

    assert "inspected_holding" not in sys.modules
    assert str(raised.value) == "DATABASE_URL is not set in .env."
    assert raised.value.setting == "DATABASE_URL"  # type: ignore[attr-defined]
    assert raised.value.settings is None  # type: ignore[attr-defined]


def test_a_refusal_class_that_does_not_pickle_keeps_its_message() -> None:
    def load() -> tuple[Hipflask, str | None, str | None]:
        class Local(ConfigurationError):
            pass

        raise Local("set SHOP_MODE to 'prod' or 'staging'")

    with pytest.raises(ConfigurationError, match="set SHOP_MODE"):
        inspect_app(load, CHECKS)


def test_a_missing_extra_arrives_as_itself(project: Path) -> None:
    # Still an ImportError for a caller of serve_app that guards an optional
    # server with `except ImportError`, and still naming the extra.
    _write(
        project,
        "inspected_extra",
        """
        from hipflask._extras import require

        def create_app():
            require("inspected_not_installed", "db")
        """,
    )

    with pytest.raises(MissingExtraError, match=r"pip install 'hipflask\[db\]'") as raised:
        inspect_app(_loader(project, "inspected_extra", "create_app()"), CHECKS)

    assert (raised.value.module, raised.value.extra) == ("inspected_not_installed", "db")


def test_a_target_that_does_not_load_is_the_discovery_error(project: Path) -> None:
    with pytest.raises(NoAppException, match="inspected_missing"):
        inspect_app(_loader(project, "inspected_missing"), CHECKS)


def test_an_import_error_is_discoverys_message_with_the_traceback(project: Path) -> None:
    _write(project, "inspected_broken", "app = Hipflask(undefined_name)\n")

    with pytest.raises(NoAppException) as raised:
        inspect_app(_loader(project, "inspected_broken"), CHECKS)

    assert "NameError: name 'undefined_name' is not defined" in str(raised.value)
    assert "inspected_broken.py" in str(raised.value)


def test_any_other_error_loading_the_app_reports_its_traceback() -> None:
    def load() -> tuple[Hipflask, str | None, str | None]:
        raise RuntimeError("the database was not there")

    with pytest.raises(AppLoadFailed) as raised:
        inspect_app(load, CHECKS)

    message = str(raised.value)
    assert message.startswith("The app failed to load:")
    assert "RuntimeError: the database was not there" in message
    assert "test_inspection.py" in message


CHATTY = """
import sys
print("connecting to the database")
print("no DATABASE_URL: using SQLite", file=sys.stderr)
app = Hipflask("chatty")
"""


@pytest.mark.parametrize("key", [KEY, ""], ids=["checked", "refused"])
def test_what_the_app_prints_reaches_streams_that_are_not_descriptors(
    project: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    # click's CliRunner, pytest's capsys: this process's sys.stdout and
    # sys.stderr are Python objects, and the child's writes would go into
    # its own copies of them, lost.
    _write(project, "inspected_chatty", CHATTY + f"app.secret_key = {key!r}\n")

    with contextlib.suppress(ConfigurationError):
        inspect_app(_loader(project, "inspected_chatty"), CHECKS)

    printed = capsys.readouterr()
    assert printed.out == "connecting to the database\n"
    assert printed.err == "no DATABASE_URL: using SQLite\n"


PRINTS_THEN_DIES = """
import os
from hipflask.serving.inspection import AppLoadFailed, in_child

def load():
    print("loading", flush=True)
    os._exit(3)

try:
    in_child(load)
except AppLoadFailed:
    print("refused")
"""


def test_what_the_app_prints_to_descriptors_shows_as_it_is_written() -> None:
    # A descriptor is shared with the child: what the app printed shows even
    # when the child dies before it can answer.
    done = subprocess.run(
        [sys.executable, "-c", PRINTS_THEN_DIES], capture_output=True, text=True, timeout=60
    )

    assert done.stdout == "loading\nrefused\n", done.stderr


def test_threads_and_exit_handlers_the_app_starts_do_not_hold_the_checks(
    project: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "atexit-ran"
    _write(
        project,
        "inspected_busy",
        f"""
        import atexit, pathlib, threading, time
        threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon
        atexit.register(pathlib.Path({str(marker)!r}).touch)
        app = Hipflask("busy")
        app.secret_key = "{KEY}"
        """,
    )
    started = time.monotonic()

    facts = inspect_app(_loader(project, "inspected_busy"), CHECKS)

    assert facts.name == "busy"
    assert time.monotonic() - started < 30
    assert not marker.exists()


def test_a_process_the_app_starts_while_loading_does_not_hold_the_checks(
    project: Path, tmp_path: Path
) -> None:
    # A helper forked at import inherits the answer's pipe: waiting for the
    # pipe to close would wait for the helper.
    helper_pid = tmp_path / "helper.pid"
    _write(
        project,
        "inspected_forking",
        f"""
        import os, pathlib, time
        helper = os.fork()
        if helper == 0:
            time.sleep(20)
            os._exit(0)
        pathlib.Path({str(helper_pid)!r}).write_text(str(helper))
        app = Hipflask("forking")
        app.secret_key = "{KEY}"
        """,
    )
    started = time.monotonic()
    try:
        facts = inspect_app(_loader(project, "inspected_forking"), CHECKS)
        elapsed = time.monotonic() - started
    finally:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(helper_pid.read_text()), signal.SIGKILL)

    assert facts.name == "forking"
    assert elapsed < 10


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_processes_the_app_starts_while_loading_end_with_the_check(
    project: Path, tmp_path: Path
) -> None:
    # Left running, such a helper is orphaned and does the app's background
    # work beside the workers' own helpers, with nothing left to stop it.
    helper_pid = tmp_path / "helper.pid"
    _write(
        project,
        "inspected_helper",
        f"""
        import multiprocessing, pathlib, time
        helper = multiprocessing.get_context("fork").Process(
            target=time.sleep, args=(30,), daemon=True
        )
        helper.start()
        pathlib.Path({str(helper_pid)!r}).write_text(str(helper.pid))
        app = Hipflask("helped")
        app.secret_key = "{KEY}"
        """,
    )
    try:
        inspect_app(_loader(project, "inspected_helper"), CHECKS)
        pid = int(helper_pid.read_text())
        deadline = time.monotonic() + 5
        while _is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _is_running(pid)
    finally:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(helper_pid.read_text()), signal.SIGKILL)


def test_only_the_checking_child_answers_when_the_app_forks_and_carries_on() -> None:
    # Both processes of a fork at import run on into the checks: the copy's
    # answer, written first, would be taken for the child's.
    def load() -> AppFacts:
        checking = os.getpid()
        copy = os.fork()
        if copy:
            os.waitpid(copy, 0)  # the copy has run to its end
        name = "checked" if os.getpid() == checking else "copy"
        return AppFacts(name, None, None, None, [], "wsgi", [])

    assert in_child(load).name == "checked"


def test_a_child_that_dies_is_reported() -> None:
    def die() -> AppFacts:
        os._exit(3)

    with pytest.raises(AppLoadFailed, match="exit status 3"):
        in_child(die)


def test_an_interrupted_check_ends_the_child(tmp_path: Path) -> None:
    # Ctrl+C (or a supervisor's SIGINT) reaching this process alone: the
    # child must not go on loading the app, orphaned, once serve has given up.
    child_pid = tmp_path / "child.pid"

    def load_slowly() -> AppFacts:
        child_pid.write_text(str(os.getpid()))
        time.sleep(30)
        os._exit(0)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            in_child(load_slowly)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    pid = int(child_pid.read_text())
    try:
        with pytest.raises(ChildProcessError):  # ended and reaped: no orphan, no zombie
            os.waitpid(pid, os.WNOHANG)
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def test_the_child_leaves_this_process_alone() -> None:
    threads = threading.active_count()

    def change_here() -> AppFacts:
        os.environ["HIPFLASK_INSPECTED"] = "1"
        raise ConfigurationError("refused")

    with pytest.raises(ConfigurationError, match="refused"):
        in_child(change_here)
    assert "HIPFLASK_INSPECTED" not in os.environ
    assert threading.active_count() == threads


SIGTERMED = """
import os, pathlib, signal, sys, threading, time
from hipflask.serving.inspection import in_child

record = pathlib.Path(sys.argv[1])

def load_slowly():
    record.write_text(str(os.getpid()))
    time.sleep(30)
    os._exit(0)

def terminate_when_loading():
    while not record.exists() or not record.read_text():  # created, then written
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=terminate_when_loading, daemon=True).start()
in_child(load_slowly)
"""


def test_a_sigterm_during_the_check_ends_the_child_too(tmp_path: Path) -> None:
    # A supervisor stopping serve while it checks the app: Python's default
    # SIGTERM would end this process with no clean-up, orphaning the child.
    record = tmp_path / "child.pid"
    done = subprocess.run(
        [sys.executable, "-c", SIGTERMED, str(record)], capture_output=True, timeout=60
    )

    assert done.returncode == 128 + signal.SIGTERM, done.stderr.decode()
    pid = int(record.read_text())
    deadline = time.monotonic() + 10
    while _is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _is_running(pid)


INTERRUPTED_AT_EXIT = """
import os, sys
from hipflask.serving.inspection import AppFacts, in_child

serving = os.getpid()

class BlockedTerminal:
    # Ctrl+C while the terminal (paused, or a full pipe) blocks the flush.
    def write(self, text):
        return len(text)

    def flush(self):
        raise KeyboardInterrupt

def load():
    sys.stdout = BlockedTerminal()
    return AppFacts("shop", None, None, None, [], "wsgi", [])

try:
    in_child(load)
except KeyboardInterrupt:
    pass
if os.getpid() != serving:
    os.write(2, b"the checking child ran on as the serving process")
"""


def test_an_interrupt_as_the_child_ends_does_not_let_it_run_on() -> None:
    # Escaping the child's last lines, the interrupt would return into the
    # caller's code in the child: its except clauses, its atexit handlers.
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_AT_EXIT], capture_output=True, timeout=60
    )

    assert b"ran on" not in done.stderr, done.stderr.decode()


def test_processes_this_process_started_survive_the_check() -> None:
    # The child inherits this process's record of its multiprocessing
    # helpers; stopping "the app's" helpers must not stop the caller's own.
    helper = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    helper.start()
    try:
        in_child(lambda: AppFacts("shop", None, None, None, [], "wsgi", []))
        time.sleep(0.2)
        assert helper.is_alive()
    finally:
        helper.kill()
        helper.join()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_a_fork_that_fails_leaves_no_pipe_open(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process limit reached: serve_app raises, and a caller that tries
    # again must not lose two descriptors each time.
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    before = len(os.listdir("/proc/self/fd"))

    with pytest.raises(BlockingIOError):
        in_child(lambda: AppFacts("shop", None, None, None, [], "wsgi", []))

    assert len(os.listdir("/proc/self/fd")) == before
