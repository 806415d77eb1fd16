"""Idle memory of one granian worker per framework: after import, and after warm-up.

Each app runs under granian with one worker, as in ``wire.py``.  granian forks
its worker from the supervisor, so the worker is found as the supervisor's
child, and it is the worker's memory that is read: the supervisor never
imports the app.  Two moments are measured:

* **after import**: the worker has loaded the app and its memory has stopped
  growing, and no request has been sent yet;
* **idle**: after ``--requests`` requests to every endpoint the row serves
  (each checked first, as in the other benchmarks), once the worker's memory
  has stopped changing again.

At each moment the worker's resident set (RSS) is read from
``/proc/<pid>/smaps_rollup``, with its proportional set (PSS: shared pages
divided among the processes that map them) and its unique set (USS: private
pages only, what stopping the worker would give back).  The worker is forked
from the supervisor, so its RSS counts the pages it still shares with it
(the interpreter, granian); USS leaves those out.

Only 127.0.0.1 is ever targeted and every server the script starts is stopped.
Linux only (``/proc``).  Run from the repository root::

    python bench/memory.py
    python bench/memory.py --frameworks flask,hipflask --rounds 1 --requests 100
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import http.client
import importlib.metadata
import importlib.util
import json
import os
import platform
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

from common import BASELINE_KEY
from common import BENCH_DIR
from common import ENDPOINTS
from common import FRAMEWORKS_BY_KEY
from common import RESULTS_DIR
from common import CheckFailed
from common import Endpoint
from common import Framework
from common import at_least
from common import names_option
from common import text_table
from servers import Harness
from servers import Server
from servers import Tools
from servers import check_endpoint
from servers import fetch
from servers import make_certificate
from servers import start_server
from servers import stop_server
from servers import wait_until_serving

#: Flask's app ported by renaming its imports, nothing added: unlike the
#: ``hipflask`` row it has no typed ``/api/items`` endpoint, so it loads no
#: pydantic models, and it serves exactly Flask's endpoints. Measured here
#: only: the other benchmarks compare per endpoint, where it adds nothing.
PORT_ROW = Framework(
    "hipflask-port", "hipflask (WSGI), Flask's app", "apps.hipflask_port_app", "wsgi"
)
KNOWN = {**FRAMEWORKS_BY_KEY, PORT_ROW.key: PORT_ROW}

DEFAULT_FRAMEWORKS = (
    "flask",
    "hipflask-port",
    "hipflask",
    "hipflask-asgi",
    "hipflask-asgi-sync",
    "falcon",
    "starlette",
)
DEFAULT_ROUNDS = 3
DEFAULT_REQUESTS = 300
# Memory is "settled" once this many reads in a row, POLL_SECONDS apart, agree.
POLL_SECONDS = 0.1
DEFAULT_SETTLE = 15
SETTLE_TIMEOUT = 30.0
MIB = 1024 * 1024

VERSIONED_PACKAGES = ("hipflask", "granian", "flask", "werkzeug", "falcon", "starlette", "jinja2")


@dataclass(frozen=True)
class Memory:
    """One reading of a process's memory, in bytes."""

    rss: int
    pss: int
    uss: int
    #: The worker's threads at that moment: granian's runtime and, for WSGI,
    #: its pool of blocking threads, whose stacks count in RSS.
    threads: int


@dataclass(frozen=True)
class Sample:
    """One round of one row: the worker after import, and idle after warm-up."""

    after_import: Memory
    idle: Memory
    #: Warm-up requests sent, not counting the few that checked the answers.
    warmup_requests: int


@dataclass
class Row:
    framework: Framework
    endpoints: list[Endpoint]
    status: str = "ok"  # "ok", "failed", "skipped"
    reason: str = ""
    samples: list[Sample] = field(default_factory=list)

    def median(self, moment: str, kind: str) -> float | None:
        if self.status != "ok" or not self.samples:
            return None
        return statistics.median(getattr(getattr(s, moment), kind) for s in self.samples)


# --- Reading memory -----------------------------------------------------------------


def read_memory(pid: int) -> Memory:
    """RSS, PSS and USS of one process, from its ``smaps_rollup``.

    The kernel sums every mapping for us there; USS is the private pages,
    clean and dirty.
    """
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                fields[name] = int(parts[0]) * 1024
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        threads = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
    return Memory(
        rss=fields["Rss"],
        pss=fields["Pss"],
        uss=fields["Private_Clean"] + fields["Private_Dirty"],
        threads=threads,
    )


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def find_worker(server: Server) -> int:
    """The pid of granian's worker: the supervisor's child, once it exists."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise CheckFailed(
                f"granian exited with code {server.process.returncode}: {server.log_tail()}"
            )
        children = _children(server.process.pid)
        if len(children) == 1:
            return children[0]
        if len(children) > 1:
            raise CheckFailed(f"granian has {len(children)} children, expected one worker")
        time.sleep(POLL_SECONDS)
    raise CheckFailed(f"no granian worker within {SETTLE_TIMEOUT:.0f} s: {server.log_tail()}")


def settled_memory(pid: int, reads: int) -> Memory:
    """The process's memory once ``reads`` readings in a row have the same RSS."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last = read_memory(pid)
    same = 1
    while same < reads:
        if time.monotonic() > deadline:
            raise CheckFailed(f"worker memory still changing after {SETTLE_TIMEOUT:.0f} s")
        time.sleep(POLL_SECONDS)
        current = read_memory(pid)
        same = same + 1 if current.rss == last.rss else 1
        last = current
    return last


# --- Rounds -------------------------------------------------------------------------


def warm_up(server: Server, endpoints: Sequence[Endpoint], requests: int) -> int:
    """Check each endpoint, then send it ``requests`` requests; return how many were sent."""
    sent = 0
    for endpoint in endpoints:
        cookie = check_endpoint(server, endpoint)
        for _ in range(requests):
            reply = fetch(server, endpoint, cookie)
            if reply.status != endpoint.expected_status:
                raise CheckFailed(
                    f"/{endpoint.name}: status {reply.status} during warm-up,"
                    f" expected {endpoint.expected_status}"
                )
        sent += requests
    return sent


def measure_row(harness: Harness, row: Row, requests: int, settle: int) -> Sample:
    """One fresh server: memory after import, warm-up, memory when idle again."""
    server = start_server(harness, row.framework, "http")
    try:
        worker = find_worker(server)
        # Settled before any request: the app is imported and nothing else runs.
        after_import = settled_memory(worker, settle)
        wait_until_serving(server)
        sent = warm_up(server, row.endpoints, requests)
        idle = settled_memory(worker, settle)
        if _children(server.process.pid) != [worker]:
            raise CheckFailed("the granian worker was replaced during the run")
        return Sample(after_import, idle, sent)
    finally:
        stop_server(server)


def run_rounds(
    harness: Harness, rows: Sequence[Row], rounds: int, requests: int, settle: int
) -> None:
    """Each row once per round, in a rotating order; a failure fails the row."""
    started = time.monotonic()
    for index in range(rounds):
        shift = index % max(len(rows), 1)
        for row in [*rows[shift:], *rows[:shift]]:
            if row.status != "ok":
                continue
            print(
                f"  round {index + 1}/{rounds}: {row.framework.label}"
                f" ({time.monotonic() - started:.0f} s)",
                file=sys.stderr,
            )
            try:
                row.samples.append(measure_row(harness, row, requests, settle))
            except CheckFailed as exc:
                row.status, row.reason = "failed", str(exc)
            except (OSError, http.client.HTTPException, subprocess.SubprocessError) as exc:
                row.status, row.reason = "failed", f"{type(exc).__name__}: {exc}"


def byte_compile() -> list[str]:
    """Write the bytecode caches of hipflask and the bench apps; return the folders.

    Installed packages (Flask, Falcon, Starlette...) come with theirs, written
    by pip; an editable install run with ``PYTHONDONTWRITEBYTECODE`` has none,
    and its worker would compile every module at start-up, which leaves the
    compiler's garbage in the heap and charges it to hipflask alone.
    """
    spec = importlib.util.find_spec("hipflask")
    package = list(spec.submodule_search_locations or []) if spec is not None else []
    folders = [*package, str(BENCH_DIR)]
    for folder in folders:
        compileall.compile_dir(folder, quiet=1, force=False)
    return folders


def prepare_rows(frameworks: Sequence[Framework]) -> list[Row]:
    """One row per framework, warmed on every endpoint its app serves."""
    rows = []
    for framework in frameworks:
        endpoints = [e for e in ENDPOINTS if framework.unsupported(e.name) is None]
        row = Row(framework, endpoints)
        if framework.requires and importlib.util.find_spec(framework.requires) is None:
            row.status = "skipped"
            row.reason = f"{framework.requires} is not installed; row skipped"
        rows.append(row)
    return rows


# --- Reporting ----------------------------------------------------------------------

COLUMNS = [
    ("after_import", "rss", "import RSS"),
    ("after_import", "uss", "import USS"),
    ("idle", "rss", "idle RSS"),
    ("idle", "pss", "idle PSS"),
    ("idle", "uss", "idle USS"),
]


def format_table(rows: Sequence[Row]) -> str:
    """MiB per moment and kind, medians, with idle RSS over Flask's."""
    baseline = next((r for r in rows if r.framework.key == BASELINE_KEY), None)
    flask_rss = baseline.median("idle", "rss") if baseline else None
    lines = []
    for row in rows:
        if row.status != "ok":
            lines.append((row.framework.label, [row.status.upper()] * (len(COLUMNS) + 2)))
            continue
        cells = [f"{(row.median(m, k) or 0) / MIB:.1f}" for m, k, _ in COLUMNS]
        rss = row.median("idle", "rss")
        cells.append(f"{rss / flask_rss:.2f}x" if rss and flask_rss else "-")
        cells.append(f"{row.median('idle', 'threads') or 0:.0f}")
        lines.append((row.framework.label, cells))
    title = "granian worker memory in MiB, median (lower is better)"
    return text_table(
        title, [label for _, _, label in COLUMNS] + ["idle RSS / Flask", "idle threads"], lines
    )


def results_document(
    rows: Sequence[Row], rounds: int, requests: int, settle: int
) -> dict[str, Any]:
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "kind": "memory",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {
            "rounds": rounds,
            "requests_per_endpoint": requests,
            "settle_reads": settle,
            "poll_seconds": POLL_SECONDS,
            "server": "granian, 1 worker, HTTP/1.1",
            "unit": "bytes",
        },
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "versions": versions,
        },
        "rows": [
            {
                "key": row.framework.key,
                "label": row.framework.label,
                "interface": row.framework.interface,
                "endpoints": [e.name for e in row.endpoints],
                "status": row.status,
                "reason": row.reason,
                "median": {
                    moment: {
                        kind: row.median(moment, kind) for kind in ("rss", "pss", "uss", "threads")
                    }
                    for moment in ("after_import", "idle")
                },
                "samples": [asdict(sample) for sample in row.samples],
            }
            for row in rows
        ],
    }


# --- Command line ----------------------------------------------------------------------


def _frameworks(value: str) -> list[str]:
    return names_option(value, KNOWN, "framework")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Memory of each framework's granian worker, after import and when idle."
    )
    add = parser.add_argument
    add(
        "--frameworks",
        type=_frameworks,
        default=list(DEFAULT_FRAMEWORKS),
        help=f"comma-separated frameworks (default: {','.join(DEFAULT_FRAMEWORKS)})",
    )
    add("--rounds", type=at_least(1), default=DEFAULT_ROUNDS, help="fresh servers per row")
    add(
        "--requests",
        type=at_least(0),
        default=DEFAULT_REQUESTS,
        help="warm-up requests per endpoint",
    )
    add(
        "--settle",
        type=at_least(2),
        default=DEFAULT_SETTLE,
        help=f"equal RSS reads, {POLL_SECONDS} s apart, that count as idle",
    )
    add(
        "--no-compile",
        action="store_true",
        help="do not write bytecode caches for hipflask and the apps first",
    )
    add("--json", type=Path, help="where to write the JSON results")
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes Ctrl-C's path, so every finally block stops its server.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path("/proc/self/smaps_rollup").exists():
        print("/proc/<pid>/smaps_rollup is not available (Linux 4.14+ only); nothing was measured.")
        return 2
    tools = Tools.find(with_wrk=False)
    if isinstance(tools, str):
        print(tools)
        return 2
    compiled = [] if args.no_compile else byte_compile()
    frameworks = [KNOWN[key] for key in dict.fromkeys(args.frameworks)]
    rows = prepare_rows(frameworks)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as temp:
            folder = Path(temp)
            certificate, key = make_certificate(folder)
            harness = Harness(tools, folder, certificate, key, None, None)
            run_rounds(harness, rows, args.rounds, args.requests, args.settle)
    except KeyboardInterrupt:
        print("interrupted: every server was stopped, no results written", file=sys.stderr)
        return 130

    print("\n" + format_table(rows))
    for row in rows:
        if row.status != "ok":
            print(f"{row.status.upper():8} {row.framework.label}: {row.reason}")
    path = args.json
    if path is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"memory-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = results_document(rows, args.rounds, args.requests, args.settle)
    document["settings"]["byte_compiled"] = compiled
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
