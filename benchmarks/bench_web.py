"""Benchmark of the web app: 20 concurrent clients against all 3 363 RegSO (loopback only).

Run: ``python -m benchmarks.bench_web`` (options ``--clients``, ``--seconds``,
``--max-requests``, ``--db``, ``--loadgen``, ``--workers``). Builds a store from the real SCB
key and the 11 DeSO tables (``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``) unless
``--db`` is given, starts uvicorn in a subprocess on 127.0.0.1 (a free port), warms the
caches, then loads one endpoint at a time with ``--clients`` concurrent keep-alive
connections, for at most ``--seconds`` and ``--max-requests`` per endpoint. The area
endpoints pick a random RegSO per request (most are first visits: computed, then cached).
Prints p50/p95/max per endpoint (target p95 < 100 ms), the load generator and the server
configuration, and stops the server.

Load generator: Debian's ``wrk`` (C, ``apt-get install wrk``) when it is on PATH, so that
the client costs the 2 shared cores little; otherwise (or ``--loadgen python``) threads
with httpx in this process, which spend much of the CPU themselves and so measure higher.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
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

#: Endpoint name -> URL (``{code}``: a random RegSO per request).
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


def start_server(db: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
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
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, env=env)


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


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    """Wait until the server answers and has finished its start-up precomputation."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(f"{base}/api/status", timeout=2)
            if r.status_code == 200 and r.json().get("warm"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


Result = tuple[int, float, float, float, int]  # n, p50 s, p95 s, max s, errors


def _url(name: str, code: str) -> str:
    return ENDPOINTS[name].format(code=code)


def _accept(name: str) -> str:
    return "text/html" if "page" in name else "application/json"


def run_python(
    base: str, name: str, codes: list[str], *, clients: int, seconds: float, max_requests: int
) -> Result:
    """``clients`` threads with keep-alive httpx clients in this process."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(base_url=base, timeout=30) as c:
            while time.monotonic() < deadline:
                with lock:
                    if counter[0] >= max_requests:
                        return
                    counter[0] += 1
                url = _url(name, rng.choice(codes))
                t = time.perf_counter()
                try:
                    ok = c.get(url, headers={"accept": _accept(name)}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    times.append(dt)
                    errors[0] += not ok

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    times.sort()
    if not times:
        return 0, math.nan, math.nan, math.nan, errors[0]
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return len(times), statistics.median(times), p95, times[-1], errors[0]


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
    print(f"worst p95 {worst * 1e3:.1f} ms (target < 100 ms): {'OK' if worst < 0.1 else 'SLOW'}")
    return worst


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", type=Path, help="An existing store (default: build one)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=8.0, help="Per endpoint")
    ap.add_argument("--max-requests", type=int, default=20_000, help="Per endpoint")
    ap.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = ap.parse_args(argv)
    wrk = shutil.which("wrk")
    loadgen = args.loadgen if args.loadgen != "auto" else ("wrk" if wrk else "python")
    if loadgen == "wrk" and wrk is None:
        raise SystemExit("wrk not found: apt-get install wrk (or --loadgen python)")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "regso.duckdb"
            t = time.perf_counter()
            build_store(db)
            print(f"store built in {time.perf_counter() - t:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db, port, args.workers)
        try:
            t_ready = time.perf_counter()
            wait_ready(base, proc)
            status = httpx.get(f"{base}/api/status").json()
            print(
                f"server ready and precomputed in {time.perf_counter() - t_ready:.1f} s "
                f"({status['pages_prepared']} area pages prepared)"
            )
            t = time.perf_counter()
            codes = [a["area_code"] for a in httpx.get(f"{base}/api/areas?level=regso").json()]
            # Warm up: the first requests compute (and cache) indicators, index and intervals
            # (each worker process has its own cache, so repeat for every worker).
            for _ in range(2 * args.workers):
                for url in ENDPOINTS.values():
                    httpx.get(base + url.format(code=codes[1]), timeout=300).raise_for_status()
            print(f"{len(codes)} RegSO; warm-up {time.perf_counter() - t:.1f} s")
            print(f"server: {server_config(args.workers)}")
            print(
                f"load: {loadgen}" + (f" ({wrk}, 2 threads)" if loadgen == "wrk" else " (httpx)")
                + f", {args.clients} keep-alive clients per endpoint, at most "
                f"{args.seconds:g} s and {args.max_requests} requests each"
            )  # fmt: skip
            codes_file = Path(tmp) / "codes.txt"
            codes_file.write_text("\n".join(codes) + "\n")
            script = Path(tmp) / "bench.lua"
            script.write_text(WRK_SCRIPT)
            results: dict[str, Result] = {}
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
                    results[name] = run_python(base, name, codes, clients=args.clients,
                                               seconds=args.seconds,
                                               max_requests=args.max_requests)  # fmt: skip
            report(results)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
