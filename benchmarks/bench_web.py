"""Benchmark of the web app: 20 concurrent clients against all 3 363 RegSO (loopback only).

Run: ``python -m benchmarks.bench_web`` (options ``--clients``, ``--seconds``,
``--max-requests``, ``--db``, ``--loadgen``, ``--workers``, ``--think``: see
:mod:`benchmarks.web_common`). Builds a store from the real SCB
key and the 11 DeSO tables (``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``) unless
``--db`` is given, starts uvicorn in a subprocess on 127.0.0.1 (a free port), warms the
caches, then loads one endpoint at a time with ``--clients`` concurrent keep-alive
connections, for at most ``--seconds`` and ``--max-requests`` per endpoint. The area
endpoints pick a random RegSO per request (the area pages are prepared at start-up).
The start page (``/``, the lägesbild of the kommun with the most RegSO, computed at
start-up) is timed once on its first load, and so is the start page of another kommun
(computed on that request), each against its target (< 1 s); then ``/`` is loaded like the
others. Prints p50/p95/max per
endpoint and each p95 with its target (< 100 ms), the load
generator, the server configuration and the machine's load average, and stops the server.

Load generator: Debian's ``wrk`` (C, ``apt-get install wrk``) when it is on PATH, so that
the client costs the 2 shared cores little; otherwise (or ``--loadgen python``) threads
with httpx in this process, which spend much of the CPU themselves and so measure higher.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from benchmarks.web_common import (
    Result,
    add_server_options,
    bench_store,
    figure,
    machine_watch,
    run_python,
    served,
    server_config,
    wait_idle,
)

#: Endpoint name -> URL (``{code}``: a random RegSO per request).
ENDPOINTS = {
    "start page": "/",
    "area page": "/omrade/{code}",
    "api area": "/api/areas/{code}",
    "api index": "/api/index?level=regso",
    "api values": "/api/indicators/values?level=regso&indicator=low_econ_standard",
    "api areas": "/api/areas?level=regso",
}


#: Item 1 of the web app: the start page loads in under a second (seconds).
START_PAGE_TARGET_S = 1.0


def _accept(name: str) -> str:
    return "text/html" if "page" in name else "application/json"


WRK_SCRIPT = r"""
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local pattern = os.getenv("BENCH_PATTERN")
local accept = os.getenv("BENCH_ACCEPT")
local per_thread = tonumber(os.getenv("BENCH_MAX_PER_THREAD"))
local seen = 0
local bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
function request()
  local path = string.gsub(pattern, "{code}", codes[math.random(#codes)])
  -- as browsers and httpx do: accept gzip (large JSON tables are served compressed)
  return wrk.format("GET", path, {["Accept"] = accept, ["Accept-Encoding"] = "gzip"})
end
function response(status, headers, body)
  seen = seen + 1
  if status ~= 200 then bad = bad + 1 end
  if seen >= per_thread then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.3f %.3f %d\n", summary.requests,
    latency:percentile(50), latency:percentile(95), latency.max,
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    base: str,
    name: str,
    codes_file: Path,
    script: Path,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
) -> Result:
    """One ``wrk`` run (2 threads, ``clients`` connections); latencies from wrk's histogram."""
    threads = min(2, clients)
    env = {
        **os.environ,
        "BENCH_CODES": str(codes_file),
        "BENCH_PATTERN": ENDPOINTS[name],
        "BENCH_ACCEPT": _accept(name),
        "BENCH_MAX_PER_THREAD": str(max(1, max_requests // threads)),
    }
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
           "--timeout", "30s", "-s", str(script), base]  # fmt: skip
    out = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    n, p50, p95, mx, err = line.split()[1:]
    return int(n), float(p50) / 1e6, float(p95) / 1e6, float(mx) / 1e6, int(err)


def report(results: dict[str, Result]) -> float:
    print(f"{'endpoint':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    worst = 0.0
    for name, (n, p50, p95, mx, err) in results.items():
        worst = max(worst, p95) if n else worst
        print(f"{name:<12} {n:>6} {p50 * 1e3:>8.1f} {p95 * 1e3:>8.1f} {mx * 1e3:>8.1f} {err:>7}")
    for name, (n, _, p95, _, _) in results.items():
        print(figure(f"{name} p95", p95) if n else f"{name}: no request answered (SLOW)")
    if all(r[0] for r in results.values()):
        print(figure("worst p95", worst))
    return worst if all(r[0] for r in results.values()) else float("inf")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_server_options(ap, seconds=8.0)
    ap.add_argument("--max-requests", type=int, default=20_000, help="Per endpoint")
    ap.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = ap.parse_args(argv)
    wrk = shutil.which("wrk")
    loadgen = args.loadgen if args.loadgen != "auto" else ("wrk" if wrk else "python")
    if loadgen == "wrk" and wrk is None:
        raise SystemExit("wrk not found: apt-get install wrk (or --loadgen python)")
    if loadgen == "wrk" and args.think:
        raise SystemExit("--think needs --loadgen python (wrk sends back to back)")
    with bench_store(args) as (db, tmp):
        t_ready = time.perf_counter()
        with served(db, workers=args.workers) as (base, codes):
            status = httpx.get(f"{base}/api/status").json()
            print(
                f"server ready and precomputed in {time.perf_counter() - t_ready:.1f} s "
                f"({status['pages_prepared']} area pages prepared)"
            )
            # The start page (its kommun's lägesbild) is computed at start-up: its first load
            # is what a visitor gets. Another kommun's is computed on its first request.
            for label, url in (
                ("start page, first load", "/"),
                ("start page of another kommun, first load (its lägesbild computed)",
                 f"/?kommun={codes[-1][:4]}"),
            ):  # fmt: skip
                t = time.perf_counter()
                r = httpx.get(base + url, headers={"Accept": "text/html"}, timeout=300)
                r.raise_for_status()
                print(figure(label, time.perf_counter() - t, START_PAGE_TARGET_S))
            t = time.perf_counter()
            # Warm up: the first requests compute (and cache) indicators, index and intervals
            # (each worker process has its own cache, so repeat for every worker).
            for _ in range(2 * args.workers):
                for url in ENDPOINTS.values():
                    httpx.get(base + url.format(code=codes[1]), timeout=300).raise_for_status()
            print(f"{len(codes)} RegSO; warm-up {time.perf_counter() - t:.1f} s")
            print(f"server: {server_config(args.workers)}")
            print(
                f"load: {loadgen}" + (f" ({wrk}, 2 threads)" if loadgen == "wrk" else " (httpx)")
                + f", {args.clients} keep-alive clients per endpoint, think time "
                f"{args.think:g} s, at most {args.seconds:g} s and {args.max_requests} "
                "requests each"
            )  # fmt: skip
            codes_file = tmp / "codes.txt"
            codes_file.write_text("\n".join(codes) + "\n")
            script = tmp / "bench.lua"
            script.write_text(WRK_SCRIPT)
            results: dict[str, Result] = {}
            with machine_watch():
                for name in ENDPOINTS:
                    # Each endpoint at steady state: let work queued by the previous endpoint's
                    # load finish (requests abandoned by the load generator still run).
                    drained = wait_idle(base)
                    print(f"  ({name}: server idle after {drained:.1f} s)")
                    if loadgen == "wrk":
                        results[name] = run_wrk(base, name, codes_file, script,
                                                clients=args.clients, seconds=args.seconds,
                                                max_requests=args.max_requests)  # fmt: skip
                    else:
                        results[name] = run_python(
                            base, ENDPOINTS[name], codes, clients=args.clients,
                            seconds=args.seconds, max_requests=args.max_requests,
                            accept=_accept(name), think_s=args.think,
                        )  # fmt: skip
            report(results)


if __name__ == "__main__":
    main()
