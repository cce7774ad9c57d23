"""Benchmark: one client floods the method explorer and the exports while 20 read area pages.

Run: ``python -m benchmarks.bench_web_flood`` (options ``--seconds``, ``--clients``,
``--db``, ``--workers``, ``--think``, ``--draws``, ``--connections``, ``--unlimited``; the
shared ones in :mod:`benchmarks.web_common`). Builds the store of
:mod:`benchmarks.bench_web` (all 3 363 RegSO) unless ``--db`` is given, starts uvicorn as
``bench_web`` does, waits until it is warm, then measures ``/omrade/{code}`` (a random RegSO
per request) with ``--clients`` keep-alive readers (each waiting ``--think`` seconds on
average between pages, default 1 s) twice: alone, and while one more client
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
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path

import httpx

from benchmarks.web_common import (
    P95_TARGET_S,
    Result,
    add_server_options,
    bench_store,
    machine_watch,
    run_python,
    served,
    server_config,
    wait_idle,
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
    think_s: float = 0.0,
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
        base, "/omrade/{code}", codes, clients=clients, seconds=seconds, max_requests=10**6,
        think_s=think_s,
    )  # fmt: skip
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
    verdict = "OK" if p95 < P95_TARGET_S else "SLOW"
    return (
        f"{label:<28} n={n:>5} p50 {p50 * 1e3:6.1f} ms  p95 {p95 * 1e3:6.1f} ms "
        f"(target < {P95_TARGET_S * 1e3:.0f} ms: {verdict})  max {mx * 1e3:7.1f} ms  "
        f"errors {err}{flood_part}"
    )


def run_server(db: Path, env: dict[str, str], args: argparse.Namespace, label: str) -> None:
    with served(db, workers=args.workers, env=env) as (base, codes):
        httpx.post(
            f"{base}/api/index/explore",
            json={"method": "scb-omradestyp", "level": "regso"},
            timeout=300,
        )  # the explorer's first computation, outside the measurement
        with machine_watch(label):
            run = partial(measure, base, codes, clients=args.clients, seconds=args.seconds,
                          think_s=args.think)  # fmt: skip
            alone, _ = run(draws=None)
            print(line(f"{label}: area page alone", alone, Counter()))
            flooded, seen = run(draws=args.draws, connections=args.connections)
            print(line(f"{label}: area page flooded", flooded, seen))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_server_options(ap, seconds=15.0, think=1.0)
    ap.add_argument("--draws", type=int, default=100, help="Monte-Carlo draws per explore")
    ap.add_argument("--connections", type=int, default=8, help="The flooder's connections")
    ap.add_argument("--unlimited", action="store_true", help="Also run without the limit")
    args = ap.parse_args(argv)
    with bench_store(args) as (db, _):
        print(f"server: {server_config(args.workers)}; readers: {args.clients} httpx threads, "
              f"think time {args.think:g} s (exponential mean; 0: closed loop); flooder: "
              f"{args.connections} connections, no think time")  # fmt: skip
        run_server(db, {}, args, "rate limit on (default)")
        if args.unlimited:
            run_server(db, {"OMRADESBILD_RATE_LIMIT_PER_MINUTE": "0"}, args, "rate limit off")


if __name__ == "__main__":
    main()
