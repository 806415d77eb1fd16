"""Instructions per request over the wire: granian's worker under callgrind, loaded by wrk.

``wire.py``'s requests per second move with whatever else the machine is
doing: the same code has measured 10% apart on two days. This runs the same
servers (granian, one worker, HTTP/1.1, the same apps and checks) under
``valgrind --tool=callgrind`` and counts the user-space instructions the
worker runs per request while wrk loads it, split by where they run:

``granian``
    the server's own Rust: the connection, parsing, TLS, and turning the
    app's status and headers into the response;
``interpreter``
    CPython and the extension modules it loads: the framework's code;
``C library``
    allocation, copies and the other C library calls of both.

A count does not depend on the machine's load, so two frameworks can be
compared on any day. It is not a time: the kernel's socket work is not
counted (it is much the same for every row), and an instruction of
granian's is not an instruction of the interpreter's. What it tells is how
much of a wire gap is a framework's own code and how much its headers cost
the server. Under callgrind the server runs some 50 times slower, so the
load is a few connections for a few seconds.

Run from the repository root::

    python bench/wire_instructions.py --frameworks hipflask,falcon --only plaintext
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import ENDPOINTS_BY_NAME
from common import FRAMEWORKS
from common import FRAMEWORKS_BY_KEY
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
from servers import make_certificate
from servers import running_server
from wire import check_load
from wire import interrupt
from wire import run_wrk
from wire import write_script

DEFAULT_FRAMEWORKS = ("hipflask", "hipflask-noheaders", "falcon", "hipflask-asgi", "starlette")
DEFAULT_ENDPOINTS = ("plaintext", "json")
DEFAULT_DURATION = 8
DEFAULT_CONNECTIONS = 4
WARMUP_SECONDS = 3
#: Under callgrind an app takes many times longer to import.
START_TIMEOUT = 180.0
PARTS = ("granian", "interpreter", "C library", "other")
_OBJECT = re.compile(r"^c?ob=\((\d+)\)(?: (.*))?$")


@dataclass(frozen=True)
class Count:
    """Instructions per request of one cell, by where they ran."""

    requests: int
    parts: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.parts.values())


def _part(shared_object: str) -> str:
    name = Path(shared_object).name
    if name.startswith("_granian"):
        return "granian"
    if name.startswith(("libpython", "python")) or ".cpython-" in name:
        return "interpreter"
    if name.startswith(("libc.so", "libm.so", "ld-linux", "libpthread")):
        return "C library"
    return "other"


def read_profile(path: Path) -> Counter[str]:
    """Instructions of one callgrind dump, summed by the shared object that ran them.

    Only a function's own cost lines count: the line after ``calls=`` is the
    callee's inclusive cost, which its own lines already hold.
    """
    names: dict[str, str] = {}
    totals: Counter[str] = Counter()
    current = "other"
    after_call = False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _OBJECT.match(line)
        if match is not None:
            number, name = match.groups()
            if name:
                names[number] = name
            if line.startswith("ob="):
                current = _part(names.get(number, ""))
            continue
        if line.startswith("calls="):
            after_call = True
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            fields = line.split()
            if len(fields) < 2:
                continue
            if after_call:
                after_call = False
                continue
            totals[current] += int(fields[1])
    return totals


def _group(server: Server) -> list[int]:
    """The server's processes: granian's main process and its worker."""
    result = subprocess.run(  # noqa: S603 - a fixed tool and our own child's id
        ["pgrep", "-g", str(server.process.pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in result.stdout.split()]


def _control(tool: str, option: str, pids: Sequence[int]) -> None:
    for pid in pids:
        # Built from a resolved tool path, a fixed option and our own children's ids.
        subprocess.run(  # noqa: S603
            [tool, option, str(pid)], capture_output=True, check=False, timeout=60
        )


def measure_cell(
    harness: Harness,
    control: str,
    server: Server,
    endpoint: Endpoint,
    seconds: int,
    connections: int,
) -> Count:
    """Load one endpoint between zeroed and dumped counters; the busiest process is the worker."""
    cookie = check_endpoint(server, endpoint)
    script = write_script(harness.folder, endpoint, cookie)
    url = server.url(endpoint)
    run_wrk(harness, url, script, WARMUP_SECONDS, connections)
    pids = _group(server)
    before = set(harness.folder.glob("cg.*"))
    _control(control, "-z", pids)
    load = run_wrk(harness, url, script, seconds, connections)
    _control(control, "-d", pids)
    check_load(endpoint, load)
    dumps = [path for path in harness.folder.glob("cg.*") if path not in before]
    if not dumps:
        raise CheckFailed("callgrind wrote no profile (is the server running under it?)")
    worker = max((read_profile(path) for path in dumps), key=lambda c: sum(c.values()))
    # Requests that wrk counted but whose last bytes were still in flight at
    # the dump are within one per connection: noise next to thousands.
    parts = {part: worker[part] / load.requests for part in PARTS}
    return Count(load.requests, parts)


def _format(rows: dict[tuple[str, str], dict[str, Count | str]], endpoints: list[str]) -> str:
    tables = []
    for scheme in sorted({scheme for scheme, _key in rows}):
        lines: list[tuple[str, list[str]]] = []
        for (row_scheme, key), cells in rows.items():
            if row_scheme != scheme:
                continue
            label = FRAMEWORKS_BY_KEY[key].label
            texts = []
            for name in endpoints:
                cell = cells.get(name, "n/a")
                if isinstance(cell, str):
                    texts.append(cell)
                    continue
                split = " / ".join(f"{cell.parts[part] / 1000:.1f}" for part in PARTS[:3])
                texts.append(f"{cell.total / 1000:.1f}k ({split})")
            lines.append((label, texts))
        tables.append(
            text_table(
                f"{scheme}: instructions per request in granian's worker, thousands"
                " (granian / interpreter / C library)",
                endpoints,
                lines,
            )
        )
    return "\n\n".join(tables)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add(
        "--frameworks",
        type=lambda v: names_option(v, list(FRAMEWORKS_BY_KEY), "framework"),
        default=list(DEFAULT_FRAMEWORKS),
        help=f"comma-separated frameworks (default: {','.join(DEFAULT_FRAMEWORKS)})",
    )
    add(
        "--only",
        type=lambda v: names_option(v, list(ENDPOINTS_BY_NAME), "endpoint"),
        default=list(DEFAULT_ENDPOINTS),
        help=f"comma-separated endpoints (default: {','.join(DEFAULT_ENDPOINTS)})",
    )
    add(
        "--schemes",
        type=lambda v: names_option(v, ["http", "https"], "scheme"),
        default=["http"],
        help="http, https or both (default: http)",
    )
    add("--duration", type=at_least(1), default=DEFAULT_DURATION, help="seconds of load")
    add("--connections", type=at_least(1), default=DEFAULT_CONNECTIONS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = Tools.find()
    if isinstance(tools, str):
        print(tools)
        return 2
    valgrind = shutil.which("valgrind")
    control = shutil.which("callgrind_control")
    if valgrind is None or control is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    frameworks: list[Framework] = [f for f in FRAMEWORKS if f.key in args.frameworks]
    endpoints = [ENDPOINTS_BY_NAME[name] for name in args.only]
    signal.signal(signal.SIGTERM, interrupt)
    rows: dict[tuple[str, str], dict[str, Count | str]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-wire-instructions-") as temp:
            folder = Path(temp)
            certificate, key = make_certificate(folder)
            wrapper = (
                valgrind,
                "--tool=callgrind",
                "--trace-children=yes",
                "--dump-instr=no",
                f"--callgrind-out-file={folder}/cg.%p",
            )
            harness = Harness(tools, folder, certificate, key, None, None, wrapper, START_TIMEOUT)
            for scheme in args.schemes:
                for framework in frameworks:
                    cells: dict[str, Count | str] = {}
                    rows[(scheme, framework.key)] = cells
                    print(f"  {framework.label} over {scheme}", file=sys.stderr)
                    try:
                        with running_server(harness, framework, scheme) as server:
                            for endpoint in endpoints:
                                if framework.unsupported(endpoint.name) is not None:
                                    continue
                                try:
                                    cells[endpoint.name] = measure_cell(
                                        harness,
                                        control,
                                        server,
                                        endpoint,
                                        args.duration,
                                        args.connections,
                                    )
                                except CheckFailed as exc:
                                    cells[endpoint.name] = "FAILED"
                                    print(f"    {endpoint.name}: {exc}", file=sys.stderr)
                    except CheckFailed as exc:
                        print(f"    server did not serve: {exc}", file=sys.stderr)
                        for endpoint in endpoints:
                            cells.setdefault(endpoint.name, "FAILED")
                    with contextlib.suppress(OSError):
                        for path in folder.glob("cg.*"):
                            path.unlink()
    except KeyboardInterrupt:
        print("interrupted: every server was stopped", file=sys.stderr)
        return 130
    print("\n" + _format(rows, [e.name for e in endpoints]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
