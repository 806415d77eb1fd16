"""In-process benchmark: µs per request for every framework on the same endpoints.

Each app is called the way a server calls it, with no server and no socket:
a WSGI app with a fresh environ and ``start_response`` per request, an ASGI app
with a fresh scope and ``receive``/``send`` on one asyncio loop.  What is left
is the framework's own Python cost per request, which is what a framework can
change.  Every response is checked against the spec before anything is timed;
a row that does not answer correctly is reported FAILED with the reason.

Run from the repository root::

    python bench/inprocess.py
    python bench/inprocess.py --only plaintext,json --frameworks flask,hipflask
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

from common import ENDPOINTS
from common import ENDPOINTS_BY_NAME
from common import FRAMEWORKS
from common import FRAMEWORKS_BY_KEY
from common import RESULTS_DIR
from common import ROUND_TRIP_ENDPOINTS
from common import CheckFailed
from common import Endpoint
from common import Framework
from common import Reply
from common import baseline_key
from common import check_reply
from common import check_session_round_trip
from common import names_option
from common import text_table
from drivers import AsgiDriver
from drivers import Driver
from drivers import InFlightDriver
from drivers import WsgiDriver
from drivers import error_text
from drivers import floor_asgi
from drivers import floor_wsgi

DEFAULT_ROUNDS = 12
DEFAULT_NUMBER = 2000
DEFAULT_WARMUP = 500
#: Requests kept in flight in the second figure of each ASGI row (wire.py's
#: default number of connections).
DEFAULT_IN_FLIGHT = 64

VERSIONED_PACKAGES = (
    "hipflask",
    "flask",
    "werkzeug",
    "falcon",
    "starlette",
    "quart",
    "jinja2",
    "itsdangerous",
    "orjson",
    "python-multipart",
    "fastapi",
    "pydantic",
    "flask-restful",
)


# --- Rows and cells ---------------------------------------------------------


@dataclass
class Cell:
    """One (framework, endpoint) result: timed, failed, or not applicable."""

    status: str  # "ok", "failed", "n/a"
    reason: str = ""
    samples_us: list[float] = field(default_factory=list)
    target: Any = None
    expected_status: int = 200

    @property
    def median_us(self) -> float | None:
        if self.status != "ok" or not self.samples_us:
            return None
        return statistics.median(self.samples_us)

    def fail(self, reason: str) -> None:
        self.status = "failed"
        self.reason = reason
        self.target = None


@dataclass
class Row:
    framework: Framework
    status: str  # "ok", "failed", "skipped"
    reason: str = ""
    driver: Driver | None = None
    cells: dict[str, Cell] = field(default_factory=dict)


def _import_app(framework: Framework) -> Any:
    module = importlib.import_module(framework.module)
    app = getattr(module, "app", None)
    if app is None:
        raise CheckFailed(f"{framework.module} has no 'app'")
    return app


def load_row(framework: Framework, loop: asyncio.AbstractEventLoop) -> Row:
    """Import one framework's app and start it, or say why the row cannot run."""
    if framework.requires and importlib.util.find_spec(framework.requires) is None:
        return Row(
            framework,
            "skipped",
            f"{framework.requires} is not installed"
            f" (pip install {framework.requires}); row skipped",
        )
    try:
        app = _import_app(framework)
    except Exception as exc:
        return Row(framework, "failed", f"app does not import: {error_text(exc)}")
    driver: Driver = AsgiDriver(app, loop) if framework.interface == "asgi" else WsgiDriver(app)
    try:
        driver.start()
    except Exception as exc:
        return Row(framework, "failed", f"app does not start: {error_text(exc)}")
    return Row(framework, "ok", driver=driver)


def with_in_flight_rows(rows: Sequence[Row], in_flight: int) -> list[Row]:
    """Each ASGI row followed by a row of the same app with ``in_flight`` requests at once.

    The first row awaits one request at a time: its figure is a request's
    latency with the machine otherwise idle. The second is the cost per
    request of a server kept busy, which is what over-the-wire load measures.
    """
    result: list[Row] = []
    for row in rows:
        result.append(row)
        if in_flight < 2 or row.framework.interface != "asgi":
            continue
        framework = replace(
            row.framework,
            key=f"{row.framework.key}@{in_flight}",
            label=f"{row.framework.label} x{in_flight}",
        )
        if isinstance(row.driver, AsgiDriver):
            result.append(Row(framework, row.status, driver=InFlightDriver(row.driver, in_flight)))
        else:
            result.append(Row(framework, row.status, row.reason))
    return result


def stop_row(row: Row) -> None:
    """Shut one app down; a failing shutdown is reported, not raised."""
    if row.driver is None:
        return
    try:
        row.driver.stop()
    except Exception as exc:
        print(
            f"{row.framework.label}: shutdown failed: {error_text(exc)}",
            file=sys.stderr,
        )


def _checked_cell(driver: Driver, endpoint: Endpoint) -> Cell:
    """Build the timed target for one endpoint after checking its answers."""
    if endpoint.name in ROUND_TRIP_ENDPOINTS:
        first = driver.reply(driver.target(endpoint, None))
        second_target = driver.target(endpoint, first.cookie_header() or None)
        second = driver.reply(second_target)
        cookie = check_session_round_trip(first, second)
        # The timed request carries the first response's cookie: its counter
        # is always 1 on the way in, so every request does the full cycle.
        target = driver.target(endpoint, cookie)
        _check_status(driver.reply(target), 200)
    else:
        target = driver.target(endpoint, None)
        check_reply(endpoint, driver.reply(target))
        # A second call proves the app answers the same way twice (no state
        # left behind by the first request that only the first one avoids).
        check_reply(endpoint, driver.reply(target))
    return Cell("ok", target=target, expected_status=endpoint.expected_status)


def _check_status(reply: Reply, expected: int) -> None:
    if reply.status != expected:
        raise CheckFailed(f"status {reply.status}, expected {expected}")


def check_row(row: Row, endpoints: Sequence[Endpoint]) -> None:
    """Check every endpoint of one row; a wrong answer fails only its cell."""
    for endpoint in endpoints:
        if row.status != "ok" or row.driver is None:
            row.cells[endpoint.name] = Cell(row.status, row.reason)
            continue
        reason = row.framework.unsupported(endpoint.name)
        if reason is not None:
            row.cells[endpoint.name] = Cell("n/a", reason)
            continue
        try:
            row.cells[endpoint.name] = _checked_cell(row.driver, endpoint)
        except CheckFailed as exc:
            row.cells[endpoint.name] = Cell("failed", f"check failed: {exc}")
        except Exception as exc:
            row.cells[endpoint.name] = Cell("failed", f"app raised {error_text(exc)}")


def _take_sample(driver: Driver, cell: Cell, number: int) -> float | None:
    """One timed sample; a wrong status or an exception fails the cell."""
    try:
        micros, status = driver.sample(cell.target, number)
    except Exception as exc:
        cell.fail(f"app raised while timed: {error_text(exc)}")
        return None
    if status != cell.expected_status:
        cell.fail(f"status {status} while timed, expected {cell.expected_status}")
        return None
    return micros


def _runnable(rows: Sequence[Row]) -> Iterable[tuple[Driver, Cell]]:
    for row in rows:
        if row.driver is None:
            continue
        for cell in row.cells.values():
            if cell.status == "ok":
                yield row.driver, cell


def warm_up(rows: Sequence[Row], requests: int) -> None:
    """Run every timed target untimed first.

    Frameworks set things up lazily on first use (compiled routes, loaded
    templates, caches); that belongs to start-up, not to the first round.
    """
    if requests <= 0:
        return
    for driver, cell in list(_runnable(rows)):
        _take_sample(driver, cell, requests)


def run_rounds(
    rows: Sequence[Row],
    endpoints: Sequence[Endpoint],
    rounds: int,
    number: int,
) -> None:
    """Take one sample per cell per round, rotating the framework order.

    Interleaving spreads slow drifts of the machine (frequency scaling, a
    noisy neighbour) over every framework instead of charging them to
    whichever happened to run at that moment.
    """
    started = time.monotonic()
    for index in range(rounds):
        shift = index % max(len(rows), 1)
        order = list(rows[shift:]) + list(rows[:shift])
        for endpoint in endpoints:
            for row in order:
                cell = row.cells.get(endpoint.name)
                if row.driver is None or cell is None or cell.status != "ok":
                    continue
                micros = _take_sample(row.driver, cell, number)
                if micros is not None:
                    cell.samples_us.append(micros)
        elapsed = time.monotonic() - started
        print(f"  round {index + 1}/{rounds} done ({elapsed:.0f} s)", file=sys.stderr)


def measure_floor(
    rounds: int, number: int, loop: asyncio.AbstractEventLoop, in_flight: int
) -> dict[str, float]:
    """µs per request of this harness around a do-nothing app, per protocol."""
    endpoint = ENDPOINTS_BY_NAME["plaintext"]
    asgi = AsgiDriver(floor_asgi, loop)
    drivers: dict[str, Driver] = {"wsgi": WsgiDriver(floor_wsgi), "asgi": asgi}
    if in_flight > 1:
        drivers[f"asgi x{in_flight}"] = InFlightDriver(asgi, in_flight)
    floor: dict[str, float] = {}
    for name, driver in drivers.items():
        target = driver.target(endpoint, None)
        check_reply(endpoint, driver.reply(target))
        driver.sample(target, number)
        samples = [driver.sample(target, number)[0] for _ in range(rounds)]
        floor[name] = statistics.median(samples)
    return floor


# --- Reporting ----------------------------------------------------------------


def _ratio(row: Row, name: str, rows: Sequence[Row]) -> float | None:
    """The baseline's µs over this row's; Flask's, or Flask's data row for data endpoints."""
    key = baseline_key(name)
    baseline = next((r for r in rows if r.framework.key == key), None)
    mine = row.cells[name].median_us
    theirs = baseline.cells[name].median_us if baseline is not None else None
    if mine is None or theirs is None or mine <= 0:
        return None
    return theirs / mine


def _cell_text(cell: Cell, value: float | None, fmt: str) -> str:
    if cell.status == "ok" and value is not None:
        return format(value, fmt)
    if cell.status == "ok":
        return "-"
    return {"failed": "FAILED", "skipped": "skipped"}.get(cell.status, cell.status)


def format_tables(rows: Sequence[Row], endpoints: Sequence[Endpoint]) -> str:
    """The µs table and the ratio table, as plain text."""
    columns = [e.name for e in endpoints]
    times = [
        (
            row.framework.label,
            [_cell_text(row.cells[e.name], row.cells[e.name].median_us, ".1f") for e in endpoints],
        )
        for row in rows
    ]
    ratios = [
        (
            row.framework.label,
            [_cell_text(row.cells[e.name], _ratio(row, e.name, rows), ".2f") for e in endpoints],
        )
        for row in rows
    ]
    return "\n\n".join(
        [
            text_table("µs per request (median; lower is better)", columns, times),
            text_table(
                "x faster than Flask (Flask µs / framework µs; higher is better)",
                columns,
                ratios,
            ),
        ]
    )


def format_problems(rows: Sequence[Row]) -> str:
    """Why each FAILED or skipped row or cell has no figure."""
    lines: list[str] = []
    for row in rows:
        label = row.framework.label
        if row.status != "ok":
            lines.append(f"{row.status.upper():8} {label}: {row.reason}")
            continue
        for name, cell in row.cells.items():
            if cell.status == "failed":
                lines.append(f"FAILED   {label} /{name}: {cell.reason}")
    return "\n".join(lines)


def format_markdown(rows: Sequence[Row], endpoints: Sequence[Endpoint]) -> str:
    """One table, µs with the ratio to Flask in brackets, for the README."""
    lines = [
        "| framework | " + " | ".join(f"`{e.target}`" for e in endpoints) + " |",
        "|---|" + "---:|" * len(endpoints),
    ]
    for row in rows:
        cells = []
        for endpoint in endpoints:
            cell = row.cells[endpoint.name]
            ratio = _ratio(row, endpoint.name, rows)
            if cell.median_us is not None and ratio is not None:
                cells.append(f"{cell.median_us:.1f} ({ratio:.2f}x)")
            else:
                cells.append(_cell_text(cell, cell.median_us, ".1f"))
        lines.append(f"| {row.framework.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def results_document(
    rows: Sequence[Row],
    endpoints: Sequence[Endpoint],
    settings: dict[str, Any],
    floor: dict[str, float],
) -> dict[str, Any]:
    """Everything needed to compare two runs later, as plain JSON data."""
    return {
        "kind": "inprocess",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": settings,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "versions": _versions(),
        },
        "harness_floor_us": floor,
        "rows": [
            {
                "key": row.framework.key,
                "label": row.framework.label,
                "interface": row.framework.interface,
                "status": row.status,
                "reason": row.reason,
                "endpoints": {
                    e.name: {
                        "status": row.cells[e.name].status,
                        "reason": row.cells[e.name].reason,
                        "median_us": row.cells[e.name].median_us,
                        "x_faster_than_flask": _ratio(row, e.name, rows),
                        "samples_us": row.cells[e.name].samples_us,
                    }
                    for e in endpoints
                },
            }
            for row in rows
        ],
    }


# --- Command line ---------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _core(value: str) -> int:
    core = int(value)
    usable = sorted(os.sched_getaffinity(0))
    if core not in usable:
        raise argparse.ArgumentTypeError(f"core {core} is not one this process may use: {usable}")
    return core


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="In-process µs/request of each framework on the spec's endpoints."
    )
    parser.add_argument("--rounds", type=_positive, default=DEFAULT_ROUNDS, help="samples per cell")
    parser.add_argument(
        "--number", type=_positive, default=DEFAULT_NUMBER, help="requests per sample"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help="untimed requests per cell before the first round",
    )
    parser.add_argument(
        "--only",
        type=lambda v: names_option(v, list(ENDPOINTS_BY_NAME), "endpoint"),
        help="comma-separated endpoints (default: all)",
    )
    parser.add_argument(
        "--frameworks",
        type=lambda v: names_option(v, list(FRAMEWORKS_BY_KEY), "framework"),
        help="comma-separated frameworks (default: all)",
    )
    parser.add_argument(
        "--in-flight",
        type=_positive,
        default=DEFAULT_IN_FLIGHT,
        help="requests in flight in each ASGI row's second figure (1: sequential only)",
    )
    parser.add_argument(
        "--cpu",
        type=_core,
        default=None,
        help="pin the process (the ASGI rows' worker threads too) to this core, as"
        " wire.py pins its server; default: not pinned",
    )
    parser.add_argument("--json", type=Path, help="where to write the JSON results")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check every response, time nothing; exit 1 if any check fails",
    )
    return parser.parse_args(argv)


def report_checks(rows: Sequence[Row], endpoints: Sequence[Endpoint]) -> int:
    """Print one line per row and return 1 if any checked cell failed.

    Skipped rows (an optional framework that is not installed) and "n/a"
    cells do not count as failures; everything else must answer correctly.
    """
    failed = False
    width = max([len(row.framework.label) for row in rows] + [16])
    for row in rows:
        statuses = [row.cells[e.name].status for e in endpoints]
        failed = failed or "failed" in statuses
        verdict = "FAILED" if "failed" in statuses else row.status
        counts = f"{statuses.count('ok')}/{len(endpoints)} endpoints pass"
        if "n/a" in statuses:
            counts += f", {statuses.count('n/a')} n/a"
        print(f"{row.framework.label:{width}} {verdict:8} {counts}")
    problems = format_problems(rows)
    if problems:
        print("\n" + problems)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    endpoints = [ENDPOINTS_BY_NAME[n] for n in args.only] if args.only else ENDPOINTS
    chosen = args.frameworks or [f.key for f in FRAMEWORKS]
    frameworks = [f for f in FRAMEWORKS if f.key in chosen]
    if args.cpu is not None:
        # Sync views under ASGI hand each request between the loop and a
        # worker thread: on one core (a server worker pinned per core) that
        # hand-off costs far less than across two, so say which was measured.
        os.sched_setaffinity(0, {args.cpu})

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    rows = with_in_flight_rows(
        [load_row(framework, loop) for framework in frameworks], args.in_flight
    )
    try:
        for row in rows:
            check_row(row, endpoints)
        if args.check_only:
            return report_checks(rows, endpoints)
        pinned = "not pinned" if args.cpu is None else f"pinned to core {args.cpu}"
        print(
            f"in-process: {args.rounds} rounds x {args.number} requests per sample,"
            f" {args.warmup} warm-up requests per cell, ASGI rows also with"
            f" {args.in_flight} requests in flight; {pinned}",
            file=sys.stderr,
        )
        warm_up(rows, args.warmup)
        run_rounds(rows, endpoints, args.rounds, args.number)
        floor = measure_floor(args.rounds, args.number, loop, args.in_flight)
    finally:
        for row in rows:
            stop_row(row)
        loop.close()

    print("\n" + format_tables(rows, endpoints))
    floors = ", ".join(
        f"{name.upper().replace(' X', ' x')} {micros:.2f} µs" for name, micros in floor.items()
    )
    print(f"\nharness floor (a do-nothing app through the same calls): {floors}")
    problems = format_problems(rows)
    if problems:
        print("\n" + problems)
    if args.markdown:
        print("\n" + format_markdown(rows, endpoints))

    settings = {
        "rounds": args.rounds,
        "number": args.number,
        "warmup": args.warmup,
        "in_flight": args.in_flight,
        "cpu": args.cpu,
    }
    document = results_document(rows, endpoints, settings, floor)
    path = args.json
    if path is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"inprocess-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
