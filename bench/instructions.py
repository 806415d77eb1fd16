"""Instructions per request under callgrind: a deterministic in-process figure.

Timings on a shared or virtual machine drift by a third between runs; the
number of machine instructions a request executes does not. This runs each
app under ``valgrind --tool=callgrind`` (no server, the same drivers as
``inprocess.py``) and reports user-space instructions per request, with the
ratio to Flask's.

What it does not see: time spent in the kernel (thread wake-ups, so the
thread hand-off of sync views under ASGI is under-counted), cache misses,
and the speed of the instructions. Use it to compare code changes and rows
of one run; use ``inprocess.py`` and ``wire.py`` for time.

How: the child process checks and warms each endpoint, then brackets
``--number`` requests between two ``time.sleep(0)`` calls; callgrind dumps its
counters on entering ``time_sleep`` (``--dump-before``), so the dump that ends
a bracket holds exactly those requests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import repeat
from pathlib import Path
from typing import Any

from common import BASELINE_KEY
from common import ENDPOINTS
from common import FRAMEWORKS
from common import FRAMEWORKS_BY_KEY
from common import text_table
from drivers import AsgiDriver
from drivers import WsgiDriver

BENCH_DIR = Path(__file__).resolve().parent
WARMUP = 100


async def _run_async(call: Any, number: int) -> None:
    for _ in repeat(None, number):
        await call()


def child(key: str, endpoints: list[str], number: int) -> None:
    """Run inside callgrind: bracket ``number`` requests per endpoint."""
    framework = FRAMEWORKS_BY_KEY[key]
    app = importlib.import_module(framework.module).app
    loop = asyncio.new_event_loop()
    driver: Any = AsgiDriver(app, loop) if framework.interface == "asgi" else WsgiDriver(app)
    driver.start()
    done = []
    for endpoint in ENDPOINTS:
        if endpoint.name not in endpoints:
            continue
        if framework.unsupported(endpoint.name) is not None:
            continue  # no such route here: its 404 would pass for a figure
        cookie = None
        if endpoint.name == "session":
            cookie = driver.reply(driver.target(endpoint, None)).cookie_header()
        target = driver.target(endpoint, cookie)
        status = driver.reply(target).status
        if status != endpoint.expected_status:
            raise SystemExit(
                f"{key} {endpoint.name}: status {status}, not {endpoint.expected_status}"
            )
        for _ in range(WARMUP):
            driver.reply(target)
        gc.collect()
        call = target.__call__
        time.sleep(0)
        if framework.interface == "asgi":
            loop.run_until_complete(_run_async(call, number))
        else:
            for _ in repeat(None, number):
                call()
        time.sleep(0)
        done.append(endpoint.name)
    driver.stop()
    print(",".join(done))


def _totals(folder: Path) -> list[int]:
    files = sorted(folder.glob("cg.out.*"), key=lambda path: int(path.suffix[1:]))
    totals = []
    for path in files:
        for line in path.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                totals.append(int(line.split()[1]))
                break
    return totals


def measure(valgrind: str, key: str, endpoints: list[str], number: int) -> dict[str, float]:
    """Instructions per request for each endpoint of one row."""
    with tempfile.TemporaryDirectory(prefix="hipflask-callgrind-") as folder:
        command = [
            valgrind,
            "--tool=callgrind",
            "--dump-before=time_sleep",
            f"--callgrind-out-file={folder}/cg.out",
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            key,
            "--only",
            ",".join(endpoints),
            "--number",
            str(number),
        ]
        # Built from constants, a resolved tool path and our own arguments.
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, cwd=BENCH_DIR, check=True
        )
        names = result.stdout.strip().splitlines()[-1].split(",")
        # Dumps come in pairs per endpoint: before the bracket, then its end.
        timed = _totals(Path(folder))[1::2]
    return {name: total / number for name, total in zip(names, timed, strict=False)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="flask,hipflask,hipflask-asgi,falcon,starlette")
    parser.add_argument("--only", default=",".join(endpoint.name for endpoint in ENDPOINTS))
    parser.add_argument("--number", type=int, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    endpoints = args.only.split(",")
    if args.child:
        child(args.child, endpoints, args.number)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    keys = [key for key in args.frameworks.split(",") if key]
    unknown = [key for key in keys if key not in FRAMEWORKS_BY_KEY]
    if unknown:
        known = ", ".join(framework.key for framework in FRAMEWORKS)
        print(f"unknown framework {unknown[0]!r}; known: {known}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, float]] = {}
    for key in keys:
        print(f"  {key} …", file=sys.stderr, flush=True)
        results[key] = measure(valgrind, key, endpoints, args.number)
    baseline = results.get(BASELINE_KEY, {})
    rows = []
    for key in keys:
        cells = []
        for name in endpoints:
            value = results[key].get(name)
            if value is None:
                cells.append("n/a")
            elif name in baseline:
                cells.append(f"{value / 1000:.0f}k ({baseline[name] / value:.2f}x)")
            else:
                cells.append(f"{value / 1000:.0f}k")
        rows.append((FRAMEWORKS_BY_KEY[key].label, cells))
    title = "instructions per request (thousands; x fewer than Flask in brackets)"
    print(text_table(title, endpoints, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
