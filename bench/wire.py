"""Over-the-wire benchmark: requests/s and latency under granian, loaded by wrk.

Each app runs under granian with one worker pinned to one core; wrk runs
pinned to the other core, so that server and load generator do not fight over
a CPU.  Every server is checked over the wire (the same checks as in-process)
before any load is sent, and a cell whose responses change status under load
is reported FAILED.  Plain HTTP and HTTPS are both measured; the certificate
is a throwaway one made for 127.0.0.1 in a temporary folder.

Only 127.0.0.1 is ever targeted, every wrk run is bounded by its duration and
every loop by a count, and every server the script starts is stopped.

Run from the repository root::

    python bench/wire.py
    python bench/wire.py --duration 2 --rounds 2 --schemes http --only plaintext
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import FrameType
from typing import Any

from common import ENDPOINTS
from common import ENDPOINTS_BY_NAME
from common import FRAMEWORKS
from common import FRAMEWORKS_BY_KEY
from common import RESULTS_DIR
from common import CheckFailed
from common import Endpoint
from common import Framework
from common import at_least
from common import baseline_key
from common import names_option
from common import text_table
from servers import USER_AGENT
from servers import Harness
from servers import Server
from servers import Tools
from servers import check_endpoint
from servers import make_certificate
from servers import running_server

DEFAULT_ROUNDS = 3
DEFAULT_DURATION = 3
DEFAULT_WARMUP = 1
DEFAULT_CONNECTIONS = 64
SCHEMES = ("http", "https")
WRK_GRACE = 30
RESULT_MARK = "BENCH-RESULT"

VERSIONED_PACKAGES = (
    "hipflask",
    "granian",
    "flask",
    "werkzeug",
    "falcon",
    "starlette",
    "quart",
    "orjson",
)

# wrk calls done() once at the end; its summary printed as one marked line of
# numbers (latencies in µs) is steadier to parse than the human report.
_LUA_DONE = f"""
done = function(summary, latency, requests)
  io.write(string.format("{RESULT_MARK} %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Settings:
    rounds: int
    duration: int
    warmup: int
    connections: int


# --- Load ---------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What one wrk run reported."""

    requests: int
    seconds: float
    socket_errors: int
    status_errors: int
    p50_us: float
    p99_us: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def _lua_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def write_script(folder: Path, endpoint: Endpoint, cookie: str | None) -> Path:
    """A wrk script that sends the endpoint's request and reports one result line."""
    lines = [
        f"wrk.method = {_lua_string(endpoint.method)}",
        f'wrk.headers["User-Agent"] = {_lua_string(USER_AGENT)}',
    ]
    if endpoint.body:
        lines.append(f"wrk.body = {_lua_string(endpoint.body.decode())}")
    if endpoint.content_type is not None:
        lines.append(f'wrk.headers["Content-Type"] = {_lua_string(endpoint.content_type)}')
    if cookie:
        lines.append(f'wrk.headers["Cookie"] = {_lua_string(cookie)}')
    path = folder / f"{endpoint.name}.lua"
    path.write_text("\n".join(lines) + "\n" + _LUA_DONE, encoding="utf-8")
    return path


def parse_wrk(output: str) -> Load:
    match = re.search(rf"^{RESULT_MARK}((?: [0-9.]+){{9}})\s*$", output, re.MULTILINE)
    if match is None:
        raise CheckFailed(f"wrk printed no result: {output.strip()[-200:]!r}")
    numbers = [float(part) for part in match.group(1).split()]
    requests, duration_us, connect, read, write, status, timeout, p50, p99 = numbers
    return Load(
        requests=int(requests),
        seconds=duration_us / 1_000_000,
        socket_errors=int(connect + read + write + timeout),
        status_errors=int(status),
        p50_us=p50,
        p99_us=p99,
    )


def run_wrk(harness: Harness, url: str, script: Path, seconds: int, connections: int) -> Load:
    """One wrk run against 127.0.0.1, bounded by its duration plus a grace period."""
    command = [
        harness.tools.wrk,
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--latency",
        "--script",
        str(script),
        url,
    ]
    # The command is built from constants, an absolute tool path and our own URL.
    result = subprocess.run(  # noqa: S603
        harness.tools.pinned(harness.load_cpu, command),
        capture_output=True,
        text=True,
        timeout=seconds + WRK_GRACE,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise CheckFailed(f"wrk exited {result.returncode}: {result.stderr.strip()}")
    return parse_wrk(result.stdout)


def check_load(endpoint: Endpoint, load: Load) -> None:
    """A wrong status under load fails the cell: its figure would not be comparable."""
    if load.requests == 0:
        raise CheckFailed("no request completed under load")
    expected_errors = load.requests if endpoint.expected_status >= 400 else 0
    if load.status_errors != expected_errors:
        raise CheckFailed(
            f"{load.status_errors} of {load.requests} responses under load had"
            f" an error status, expected {expected_errors}"
        )


# --- Rows and rounds ------------------------------------------------------------


@dataclass
class Cell:
    status: str = "ok"  # "ok", "failed", "n/a", "skipped"
    reason: str = ""
    loads: list[Load] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        if self.status != "ok" or not self.loads:
            return None
        return statistics.median(getattr(load, attribute) for load in self.loads)

    def fail(self, reason: str) -> None:
        self.status, self.reason = "failed", reason


@dataclass
class Row:
    framework: Framework
    scheme: str
    status: str = "ok"  # "ok", "failed", "skipped"
    reason: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)


def prepare_rows(
    frameworks: Sequence[Framework], schemes: Sequence[str], endpoints: Sequence[Endpoint]
) -> list[Row]:
    """One row per (scheme, framework); optional frameworks not installed are skipped."""
    rows = []
    for scheme in schemes:
        for framework in frameworks:
            row = Row(framework, scheme)
            if framework.requires and importlib.util.find_spec(framework.requires) is None:
                row.status = "skipped"
                row.reason = (
                    f"{framework.requires} is not installed"
                    f" (pip install {framework.requires}); row skipped"
                )
            for endpoint in endpoints:
                if row.status != "ok":
                    row.cells[endpoint.name] = Cell(row.status, row.reason)
                elif framework.unsupported(endpoint.name) is not None:
                    row.cells[endpoint.name] = Cell(
                        "n/a", str(framework.unsupported(endpoint.name))
                    )
                else:
                    row.cells[endpoint.name] = Cell()
            rows.append(row)
    return rows


def measure_server(
    harness: Harness, settings: Settings, server: Server, row: Row, endpoints: Sequence[Endpoint]
) -> None:
    """Check, warm up and load each endpoint of one server that is still standing."""
    for endpoint in endpoints:
        cell = row.cells[endpoint.name]
        if cell.status != "ok":
            continue
        try:
            cookie = check_endpoint(server, endpoint)
            script = write_script(harness.folder, endpoint, cookie)
            url = server.url(endpoint)
            if settings.warmup > 0:
                run_wrk(harness, url, script, settings.warmup, settings.connections)
            load = run_wrk(harness, url, script, settings.duration, settings.connections)
            check_load(endpoint, load)
        except CheckFailed as exc:
            cell.fail(str(exc))
        except (OSError, http.client.HTTPException, subprocess.SubprocessError) as exc:
            cell.fail(f"{type(exc).__name__}: {exc}")
        else:
            cell.loads.append(load)


def run_rounds(
    harness: Harness, settings: Settings, rows: Sequence[Row], endpoints: Sequence[Endpoint]
) -> None:
    """Start each server once per round, in a rotating order, and load it.

    Rotating the order spreads slow drifts of the machine over every row
    instead of charging them to whichever ran at that moment.  A server that
    does not come up fails its row, which later rounds then leave out.
    """
    started = time.monotonic()
    for index in range(settings.rounds):
        shift = index % max(len(rows), 1)
        for row in [*rows[shift:], *rows[:shift]]:
            if row.status != "ok":
                continue
            print(
                f"  round {index + 1}/{settings.rounds}: {row.framework.label}"
                f" over {row.scheme} ({time.monotonic() - started:.0f} s)",
                file=sys.stderr,
            )
            try:
                with running_server(harness, row.framework, row.scheme) as server:
                    measure_server(harness, settings, server, row, endpoints)
            except CheckFailed as exc:
                row.status, row.reason = "failed", f"server did not serve: {exc}"
                for cell in row.cells.values():
                    if cell.status == "ok":
                        cell.fail(row.reason)


# --- Reporting ----------------------------------------------------------------------


def _baseline(rows: Sequence[Row], scheme: str) -> list[Row]:
    """The rows a ratio may be taken against: those of the same scheme."""
    return [r for r in rows if r.scheme == scheme]


def _ratio(row: Row, name: str, candidates: Sequence[Row]) -> float | None:
    """Requests/s over the baseline's: Flask's, or Flask's data row for data endpoints."""
    key = baseline_key(name)
    baseline = next((r for r in candidates if r.framework.key == key), None)
    mine = row.cells[name].median("per_second")
    theirs = baseline.cells[name].median("per_second") if baseline else None
    if mine is None or theirs is None or theirs <= 0:
        return None
    return mine / theirs


def _status_text(cell: Cell) -> str:
    return {"failed": "FAILED", "ok": "-"}.get(cell.status, cell.status)


def _row_texts(
    row: Row, endpoints: Sequence[Endpoint], baseline: Sequence[Row]
) -> tuple[list[str], list[str]]:
    rates, latencies = [], []
    for endpoint in endpoints:
        cell = row.cells[endpoint.name]
        rate = cell.median("per_second")
        p50, p99 = cell.median("p50_us"), cell.median("p99_us")
        if rate is None or p50 is None or p99 is None:
            rates.append(_status_text(cell))
            latencies.append(_status_text(cell))
            continue
        ratio = _ratio(row, endpoint.name, baseline)
        rates.append(f"{rate:,.0f}" + (f" ({ratio:.2f}x)" if ratio is not None else ""))
        latencies.append(f"{p50 / 1000:.2f}/{p99 / 1000:.2f}")
    return rates, latencies


def format_tables(rows: Sequence[Row], endpoints: Sequence[Endpoint]) -> str:
    """Per scheme: requests/s with the ratio to Flask, then p50/p99 latency."""
    columns = [e.name for e in endpoints]
    blocks = []
    for scheme in dict.fromkeys(row.scheme for row in rows):
        baseline = _baseline(rows, scheme)
        throughput, latency = [], []
        for row in (r for r in rows if r.scheme == scheme):
            rates, latencies = _row_texts(row, endpoints, baseline)
            throughput.append((row.framework.label, rates))
            latency.append((row.framework.label, latencies))
        title = f"{scheme.upper()}: requests/s, median (x Flask's requests/s; higher is better)"
        blocks.append(text_table(title, columns, throughput))
        title = f"{scheme.upper()}: latency p50/p99 in ms, median (lower is better)"
        blocks.append(text_table(title, columns, latency))
    return "\n\n".join(blocks)


def format_problems(rows: Sequence[Row]) -> str:
    """Why a row or cell has no figure, and any socket errors seen under load."""
    lines = []
    for row in rows:
        label = f"{row.framework.label} ({row.scheme})"
        if row.status != "ok":
            lines.append(f"{row.status.upper():8} {label}: {row.reason}")
            continue
        for name, cell in row.cells.items():
            errors = sum(load.socket_errors for load in cell.loads)
            if cell.status == "failed":
                lines.append(f"FAILED   {label} /{name}: {cell.reason}")
            elif errors:
                lines.append(f"note     {label} /{name}: {errors} socket errors under load")
    return "\n".join(lines)


def _versions(tools: Tools) -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    # wrk prints its version banner with the usage text, on -v.
    wrk = subprocess.run(  # noqa: S603
        [tools.wrk, "-v"], capture_output=True, text=True, check=False, timeout=10
    )
    banner = (wrk.stdout + wrk.stderr).strip().splitlines()
    versions["wrk"] = banner[0] if banner else "unknown"
    return versions


def _cell_document(row: Row, endpoint: Endpoint, baseline: Sequence[Row]) -> dict[str, Any]:
    cell = row.cells[endpoint.name]
    return {
        "status": cell.status,
        "reason": cell.reason,
        "requests_per_second": cell.median("per_second"),
        "p50_us": cell.median("p50_us"),
        "p99_us": cell.median("p99_us"),
        "x_flask_requests_per_second": _ratio(row, endpoint.name, baseline),
        "runs": [asdict(load) for load in cell.loads],
    }


def results_document(
    harness: Harness, settings: Settings, rows: Sequence[Row], endpoints: Sequence[Endpoint]
) -> dict[str, Any]:
    """Everything needed to compare two runs later, as plain JSON data."""
    return {
        "kind": "wire",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {
            **asdict(settings),
            "server_cpu": harness.server_cpu,
            "load_cpu": harness.load_cpu,
            "server": "granian, 1 worker, HTTP/1.1",
        },
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "versions": _versions(harness.tools),
        },
        "rows": [
            {
                "key": row.framework.key,
                "label": row.framework.label,
                "interface": row.framework.interface,
                "scheme": row.scheme,
                "status": row.status,
                "reason": row.reason,
                "endpoints": {
                    e.name: _cell_document(row, e, _baseline(rows, row.scheme)) for e in endpoints
                },
            }
            for row in rows
        ],
    }


# --- Command line ----------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and latency of each framework under granian, loaded by wrk."
    )
    add = parser.add_argument
    add("--rounds", type=at_least(1), default=DEFAULT_ROUNDS, help="runs per cell")
    add("--duration", type=at_least(1), default=DEFAULT_DURATION, help="seconds per run")
    add(
        "--warmup",
        type=at_least(0),
        default=DEFAULT_WARMUP,
        help="seconds of untimed load before each run",
    )
    add("--connections", type=at_least(1), default=DEFAULT_CONNECTIONS)
    add(
        "--only",
        type=lambda v: names_option(v, list(ENDPOINTS_BY_NAME), "endpoint"),
        help="comma-separated endpoints (default: all)",
    )
    add(
        "--frameworks",
        type=lambda v: names_option(v, list(FRAMEWORKS_BY_KEY), "framework"),
        help="comma-separated frameworks (default: all)",
    )
    add(
        "--schemes",
        type=lambda v: names_option(v, list(SCHEMES), "scheme"),
        default=list(SCHEMES),
        help="http, https or both (default: both)",
    )
    add("--server-cpu", type=at_least(0), default=0, help="core granian is pinned to")
    add("--load-cpu", type=at_least(0), default=1, help="core wrk is pinned to")
    add("--json", type=Path, help="where to write the JSON results")
    return parser.parse_args(argv)


def _pinning(args: argparse.Namespace, tools: Tools) -> tuple[int | None, int | None]:
    """The cores to pin to, or none where pinning cannot work on this machine."""
    cpus = os.cpu_count() or 1
    if tools.taskset is None:
        reason = "taskset is not installed"
    elif args.server_cpu == args.load_cpu or max(args.server_cpu, args.load_cpu) >= cpus:
        reason = f"cores {args.server_cpu} and {args.load_cpu} cannot be split on {cpus} CPU(s)"
    else:
        return args.server_cpu, args.load_cpu
    print(f"{reason}: server and wrk run unpinned and share the CPUs", file=sys.stderr)
    return None, None


def interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes Ctrl-C's path, so every finally block stops its server.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = Tools.find()
    if isinstance(tools, str):
        print(tools)
        return 2
    endpoints = [ENDPOINTS_BY_NAME[n] for n in args.only] if args.only else list(ENDPOINTS)
    chosen = args.frameworks or [f.key for f in FRAMEWORKS]
    frameworks = [f for f in FRAMEWORKS if f.key in chosen]
    settings = Settings(args.rounds, args.duration, args.warmup, args.connections)
    rows = prepare_rows(frameworks, args.schemes, endpoints)
    runs = sum(cell.status == "ok" for row in rows for cell in row.cells.values())
    estimate = runs * settings.rounds * (settings.duration + settings.warmup)
    print(
        f"over the wire: {len(rows)} servers, at most about {estimate / 60:.0f} min of load"
        f" ({settings.rounds} rounds, {settings.duration} s per run,"
        f" {settings.connections} connections)",
        file=sys.stderr,
    )
    server_cpu, load_cpu = _pinning(args, tools)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-wire-") as temp:
            folder = Path(temp)
            certificate, key = make_certificate(folder)
            harness = Harness(tools, folder, certificate, key, server_cpu, load_cpu)
            run_rounds(harness, settings, rows, endpoints)
            document = results_document(harness, settings, rows, endpoints)
    except KeyboardInterrupt:
        print("interrupted: every server was stopped, no results written", file=sys.stderr)
        return 130

    print("\n" + format_tables(rows, endpoints))
    problems = format_problems(rows)
    if problems:
        print("\n" + problems)
    path = args.json
    if path is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"wire-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
