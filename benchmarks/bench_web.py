"""Benchmark of the web app: 20 concurrent clients against all 3 363 RegSO (loopback only).

Run: ``python benchmarks/bench_web.py`` (options ``--clients``, ``--seconds``,
``--max-requests``, ``--db``). Builds a store from the real SCB key and the 11 DeSO tables
(``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``) unless ``--db`` is given, starts uvicorn
in a subprocess on 127.0.0.1 (a free port), warms the caches, then drives the clients for a
bounded time and number of requests against the area page and the API. Prints p50/p95/max
per endpoint (target p95 < 100 ms) and stops the server.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks.common import REPO, shared_data

ENDPOINTS = {
    "area page": "/omrade/{code}",
    "api area": "/api/areas/{code}",
    "api index": "/api/index?level=regso",
    "api values": "/api/indicators/values?level=regso&indicator=low_econ_standard",
    "api areas": "/api/areas?level=regso",
}


def build_store(db: Path) -> None:
    """SCB key + the 11 DeSO tables, through the command line."""
    data = shared_data()
    tables = [str(p) for p in sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))]
    exe = [sys.executable, "-m", "omradesbild.cli.main"]
    key = str(data / "scb/koppling-deso2018-regso2020.csv")
    for cmd in (["ingest", "scb-key", key], ["ingest", "scb-xlsx", *tables]):
        subprocess.run([*exe, *cmd, "--db", str(db)], check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMRADESBILD_DB": str(db), "PYTHONPATH": str(REPO / "src")}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "omradesbild.web.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/levels", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def run(base: str, codes: list[str], *, clients: int, seconds: float, max_requests: int) -> None:
    times: dict[str, list[float]] = {k: [] for k in ENDPOINTS}
    errors: dict[str, int] = {k: 0 for k in ENDPOINTS}
    lock = threading.Lock()
    counter = [0]
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        names = list(ENDPOINTS)
        with httpx.Client(base_url=base, timeout=30) as c:
            while time.monotonic() < deadline:
                with lock:
                    if counter[0] >= max_requests:
                        return
                    counter[0] += 1
                name = rng.choice(names)
                url = ENDPOINTS[name].format(code=rng.choice(codes))
                t = time.perf_counter()
                r = c.get(url, headers={"accept": "text/html" if "page" in name else "*/*"})
                dt = time.perf_counter() - t
                with lock:
                    times[name].append(dt)
                    if r.status_code != 200:
                        errors[name] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    total = sum(len(v) for v in times.values())
    print(f"{clients} clients, {total} requests in {wall:.1f} s ({total / wall:.0f} req/s)")
    print(f"{'endpoint':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    worst = 0.0
    for name, v in times.items():
        if not v:
            continue
        v.sort()
        p95 = v[min(len(v) - 1, int(0.95 * len(v)))]
        worst = max(worst, p95)
        print(
            f"{name:<12} {len(v):>6} {statistics.median(v) * 1e3:>8.1f} {p95 * 1e3:>8.1f} "
            f"{v[-1] * 1e3:>8.1f} {errors[name]:>7}"
        )
    print(f"worst p95 {worst * 1e3:.1f} ms (target < 100 ms): {'OK' if worst < 0.1 else 'SLOW'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="An existing store (default: build one)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--max-requests", type=int, default=20_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "regso.duckdb"
            t = time.perf_counter()
            build_store(db)
            print(f"store built in {time.perf_counter() - t:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db, port)
        try:
            wait_ready(base, proc)
            t = time.perf_counter()
            codes = [a["area_code"] for a in httpx.get(f"{base}/api/areas?level=regso").json()]
            # Warm up: the first requests compute (and cache) indicators, index and intervals.
            for url in ("/api/index?level=regso", f"/omrade/{codes[0]}", f"/api/areas/{codes[0]}"):
                httpx.get(base + url, timeout=300).raise_for_status()
            for url in ENDPOINTS.values():
                httpx.get(base + url.format(code=codes[1]), timeout=300).raise_for_status()
            print(f"{len(codes)} RegSO; warm-up {time.perf_counter() - t:.1f} s")
            run(
                base,
                codes,
                clients=args.clients,
                seconds=args.seconds,
                max_requests=args.max_requests,
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
