"""Benchmark: one client floods the method explorer and the exports while 20 read area pages.

Run: ``python -m benchmarks.bench_web_flood`` (options ``--seconds``, ``--clients``,
``--db``, ``--draws``, ``--connections``, ``--unlimited``). Builds the store of
:mod:`benchmarks.bench_web` (all 3 363 RegSO) unless ``--db`` is given, starts uvicorn as
``bench_web`` does, waits until it is warm, then measures ``/omrade/{code}`` (a random RegSO
per request) with ``--clients`` keep-alive readers twice: alone, and while one more client
(one address, ``--connections`` connections) sends ``POST /api/index/explore``
(``--draws`` Monte-Carlo draws) and ``GET /api/export/index.csv`` back to back as fast as
it is answered. Prints p50/p95/max of the area page in both runs (target: p95 < 100 ms
while flooded) and how many of the flooder's requests were served and how many refused
(429). With ``--unlimited`` a second server runs with ``OMRADESBILD_RATE_LIMIT_PER_MINUTE=0``
for comparison.

The readers are Python threads with httpx in this process (``wrk`` cannot run the flooder
beside them), so the figures include the client's own share of the 2 cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.bench_web import (
    Result,
    build_store,
    free_port,
    run_python,
    server_config,
    start_server,
    wait_idle,
    wait_ready,
)


def flood(base: str, stop: threading.Event, draws: int, seen: Counter[int]) -> None:
    """Explorer and export requests back to back until ``stop`` (one keep-alive
    connection; the flooder runs ``--connections`` of these from one address)."""
    body = {"method": "scb-omradestyp", "level": "regso", "draws": draws}
    with httpx.Client(base_url=base, timeout=60) as c:
        while not stop.is_set():
            for send in (
                lambda: c.post("/api/index/explore", json=body),
                lambda: c.get("/api/export/index.csv?level=regso"),
            ):
                try:
                    seen[send().status_code] += 1
                except httpx.HTTPError:
                    seen[0] += 1


def measure(
    base: str,
    codes: list[str],
    *,
    clients: int,
    seconds: float,
    draws: int | None,
    connections: int = 8,
) -> tuple[Result, Counter[int]]:
    """The area page under ``clients`` readers, with a flooder when ``draws`` is given."""
    wait_idle(base)
    stop = threading.Event()
    seen: Counter[int] = Counter()
    flooders: list[threading.Thread] = []
    if draws is not None:
        flooders = [
            threading.Thread(target=flood, args=(base, stop, draws, seen), daemon=True)
            for _ in range(connections)
        ]
        for th in flooders:
            th.start()
        time.sleep(1.0)
    result: Result = run_python(
        base, "area page", codes, clients=clients, seconds=seconds, max_requests=10**6
    )
    stop.set()
    for th in flooders:
        th.join(timeout=120)
    return result, seen


def line(label: str, result: Result, seen: Counter[int]) -> str:
    n, p50, p95, mx, err = result
    flood_part = ""
    if seen:
        served = sum(v for k, v in seen.items() if k == 200)
        flood_part = f"; flooder: {served} served, {seen.get(429, 0)} refused (429)"
    verdict = "OK" if p95 < 0.1 else "SLOW"
    return (
        f"{label:<28} n={n:>5} p50 {p50 * 1e3:6.1f} ms  p95 {p95 * 1e3:6.1f} ms  "
        f"max {mx * 1e3:7.1f} ms  errors {err}  (p95 target < 100 ms: {verdict}){flood_part}"
    )


def run_server(db: Path, env: dict[str, str], args: argparse.Namespace, label: str) -> None:
    saved = dict(os.environ)
    os.environ.update(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        proc = start_server(db, port, 1)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        wait_ready(base, proc)
        codes = [a["area_code"] for a in httpx.get(f"{base}/api/areas?level=regso").json()]
        httpx.post(
            f"{base}/api/index/explore",
            json={"method": "scb-omradestyp", "level": "regso"},
            timeout=300,
        )  # the explorer's first computation, outside the measurement
        alone, _ = measure(base, codes, clients=args.clients, seconds=args.seconds, draws=None)
        print(line(f"{label}: area page alone", alone, Counter()))
        flooded, seen = measure(
            base,
            codes,
            clients=args.clients,
            seconds=args.seconds,
            draws=args.draws,
            connections=args.connections,
        )
        print(line(f"{label}: area page flooded", flooded, seen))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", type=Path, help="An existing store (default: build one)")
    ap.add_argument("--clients", type=int, default=20, help="Readers of the area page")
    ap.add_argument("--seconds", type=float, default=15.0, help="Per measurement")
    ap.add_argument("--draws", type=int, default=100, help="Monte-Carlo draws per explore")
    ap.add_argument("--connections", type=int, default=8, help="The flooder's connections")
    ap.add_argument("--unlimited", action="store_true", help="Also run without the limit")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "regso.duckdb"
            t = time.perf_counter()
            build_store(db)
            print(f"store built in {time.perf_counter() - t:.1f} s")
        print(f"server: {server_config(1)}; readers: {args.clients} httpx threads")
        run_server(db, {}, args, "rate limit on (default)")
        if args.unlimited:
            run_server(db, {"OMRADESBILD_RATE_LIMIT_PER_MINUTE": "0"}, args, "rate limit off")


if __name__ == "__main__":
    main()
