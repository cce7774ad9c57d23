"""What the web benchmarks share: options, the store, the server, the clients, the figures.

``bench_web``, ``bench_web_flood`` and ``bench_web_mixed`` take the same server options
(:func:`add_server_options`), build or reuse a store (:func:`store_for`), run uvicorn on a
free loopback port until it is warm (:func:`served`) and print each figure with its target
(:func:`figure`) and the machine's load while they ran (:func:`machine_load`).

Clients can wait between requests (``--think``, seconds, exponentially distributed around the
mean: a person reading a page). With ``--think 0`` every client sends its next request as soon
as the last is answered (a closed loop): that measures the server's saturation, not what a
visitor sees, because on a small machine the queue of waiting clients then sets the latency.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.common import REPO, demo_store, shared_data

#: n, p50 s, p95 s, max s, errors
Result = tuple[int, float, float, float, int]

#: How long the server may take to become warm (seconds): every area page is prepared at
#: start-up, and the machine is shared.
START_TIMEOUT_S = 1800.0

#: The target of every read's p95 (seconds).
P95_TARGET_S = 0.100


def add_server_options(
    ap: argparse.ArgumentParser,
    *,
    clients: int = 20,
    seconds: float = 10.0,
    think: float = 0.0,
    store: str = "all 3 363 RegSO from the real data",
) -> None:
    """The options every web benchmark takes: ``--db``, ``--clients``, ``--seconds``,
    ``--workers`` and ``--think``."""
    ap.add_argument("--db", type=Path, help=f"An existing store (default: build {store})")
    ap.add_argument("--clients", type=int, default=clients, help="Concurrent readers")
    ap.add_argument("--seconds", type=float, default=seconds, help="Per measurement")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument(
        "--think",
        type=float,
        default=think,
        help="Mean think time of a reader between requests, seconds (exponential; "
        "0: closed loop, the next request at once)",
    )


def build_store(db: Path) -> None:
    """SCB key + the 11 DeSO tables (all 3 363 RegSO), through the command line."""
    data = shared_data()
    tables = [str(p) for p in sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))]
    exe = [sys.executable, "-m", "omradesbild.cli.main"]
    key = str(data / "scb/koppling-deso2018-regso2020.csv")
    for cmd in (["ingest", "scb-key", key], ["ingest", "scb-xlsx", *tables]):
        subprocess.run([*exe, *cmd, "--db", str(db)], check=True, stdout=subprocess.DEVNULL)


def store_for(args: argparse.Namespace, tmp: Path, *, demo: bool = False) -> Path:
    """``--db``, else a store built into ``tmp``: the synthetic city (``demo``) or all RegSO."""
    if args.db is not None:
        return Path(args.db)
    if demo:
        return demo_store(tmp)
    t = time.perf_counter()
    db = tmp / "regso.duckdb"
    build_store(db)
    print(f"store built in {time.perf_counter() - t:.1f} s")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db: Path, port: int, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """uvicorn with the app factory on 127.0.0.1:``port`` (``env`` added to ours)."""
    full = {**os.environ, **(env or {}), "OMRADESBILD_DB": str(db),
            "PYTHONPATH": str(REPO / "src")}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "omradesbild.web.app:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(cmd, env=full)


def server_config(workers: int) -> str:
    """uvicorn's version and the event loop / HTTP implementations it picks ("auto")."""
    import importlib.util

    import uvicorn

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return (
        f"uvicorn {uvicorn.__version__}, {workers} worker(s), loop {loop}, http {http}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s) shared with the client"
    )


def machine_load() -> str:
    """The load average (1, 5, 15 min) and the CPUs: how busy the machine was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPU(s)"


def wait_ready(
    base: str, proc: subprocess.Popen[bytes], timeout: float = 300.0, *, until: str = "warm"
) -> None:
    """Wait until the server answers and ``/api/status`` says ``until``: ``ready`` (the
    default level and the start page computed) or ``warm`` (every area page prepared too)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(f"{base}/api/status", timeout=2)
            if r.status_code == 200 and r.json().get(until):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def wait_idle(base: str, *, limit_ms: float = 20.0, timeout: float = 60.0) -> float:
    """Wait until three consecutive small requests answer within ``limit_ms``; seconds waited."""
    t0 = time.monotonic()
    fast = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get("/api/status")  # open the keep-alive connection
        while fast < 3 and time.monotonic() - t0 < timeout:
            t = time.perf_counter()
            client.get("/api/status")
            fast = fast + 1 if (time.perf_counter() - t) * 1000 < limit_ms else 0
            if fast < 3:
                time.sleep(0.2)
    return time.monotonic() - t0


@contextmanager
def served(
    db: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """A warm server on the store: ``(base URL, RegSO codes)``; stopped at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, workers, env)
    try:
        t0 = time.perf_counter()
        wait_ready(base, proc, START_TIMEOUT_S, until="ready")
        print(f"server ready (start page computed) after {time.perf_counter() - t0:.1f} s")
        wait_ready(base, proc, START_TIMEOUT_S)
        print(f"server warm (every area page prepared) after {time.perf_counter() - t0:.1f} s")
        codes = [a["area_code"] for a in httpx.get(f"{base}/api/areas?level=regso").json()]
        yield base, codes
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def think(rng: random.Random, mean: float) -> None:
    """Sleep an exponentially distributed time of ``mean`` seconds (none for 0)."""
    if mean > 0:
        time.sleep(rng.expovariate(1.0 / mean))


def summary(times: Sequence[float], errors: int = 0) -> Result:
    """n, median, p95 (nearest rank), max and errors of request durations in seconds."""
    ts = sorted(times)
    if not ts:
        return 0, math.nan, math.nan, math.nan, errors
    p95 = ts[min(len(ts) - 1, math.ceil(0.95 * len(ts)) - 1)]
    return len(ts), statistics.median(ts), p95, ts[-1], errors


def figure(label: str, value_s: float, target_s: float = P95_TARGET_S) -> str:
    """``label: 123.4 ms (target < 100 ms: OK/SLOW)``."""
    ok = value_s < target_s
    return f"{label}: {value_s * 1e3:.1f} ms (target < {target_s * 1e3:.0f} ms: " + (
        "OK)" if ok else "SLOW)"
    )


def run_python(
    base: str,
    url: str,
    codes: list[str],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    accept: str = "text/html",
    think_s: float = 0.0,
) -> Result:
    """``clients`` threads with keep-alive httpx clients in this process, each requesting
    ``url`` (``{code}``: a random RegSO) and waiting ``think_s`` on average between."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]

    def client(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(base_url=base, timeout=30) as c:
            deadline = time.monotonic() + seconds  # from when this client is ready
            think(rng, think_s)  # the readers do not all start at once
            while time.monotonic() < deadline:
                with lock:
                    if counter[0] >= max_requests:
                        return
                    counter[0] += 1
                t = time.perf_counter()
                try:
                    r = c.get(url.format(code=rng.choice(codes)), headers={"accept": accept})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    times.append(dt)
                    errors[0] += not ok
                think(rng, think_s)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return summary(times, errors[0])


@contextmanager
def bench_store(args: argparse.Namespace, *, demo: bool = False) -> Iterator[tuple[Path, Path]]:
    """``(store, folder)``: the store of :func:`store_for` and a temporary folder, removed at
    the end."""
    with tempfile.TemporaryDirectory(prefix="omradesbild-bench-") as folder:
        tmp = Path(folder)
        yield store_for(args, tmp, demo=demo), tmp


@contextmanager
def machine_watch(label: str = "") -> Iterator[None]:
    """Print the machine's load before and after the block (``<label>: machine before: …``)."""
    prefix = f"{label}: " if label else ""
    print(f"{prefix}machine before: {machine_load()}")
    yield
    print(f"{prefix}machine after: {machine_load()}")
