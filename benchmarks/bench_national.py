"""A national store over many years, built from the SYNTHETIC Sweden (Exempelsverige).

For each size (``--years 1,5,15``: the last N years up to 2024) the benchmark generates the
synthetic Sweden (``--kommuner`` of 290; all 290 give 5 984 DeSO, 6 160 DeSO 2025 and
3 363 RegSO), writes it in the real formats, ingests it with the real readers and measures,
through the service layer:

* ingest (target < 60 s at 15 years);
* every indicator for every level (DeSO, RegSO, kommun, country) and year (< 10 s);
* the national index with SCB's area types for all years (< 5 s);
* transitions from the first to the last year (< 5 s);
* the web server's start-up (until it reports itself warm) and its peak memory;
* the start page (lägesbild) and the area page of random RegSO via the web, p95 of each
  (< 100 ms), ``--clients`` concurrent readers (20) for ``--seconds`` each;
* peak memory of every phase (< 4 GB), store size;

and prints how time and memory grow with the years (wall and CPU seconds, peak memory). Each
phase runs in a fresh child process, so its peak memory (max RSS, interpreter and libraries
included) is its own. The machine's load average is printed after every phase: on a loaded
machine the wall times are upper bounds and the CPU times the steadier figure.

Run: ``python -m benchmarks bench_national`` (1, 5 and 15 years of all Sweden), or with
options ``python -m benchmarks bench_national --years 1,5 --kommuner 290 --clients 20``;
``--skip indicators,index,transitions`` leaves phases out (the web needs none of them);
``--keep DIR`` keeps the generated files and stores under ``DIR/y<years>/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import os
import queue
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.web_common import (
    figure,
    free_port,
    machine_load,
    run_python,
    start_server,
    wait_ready,
)

LAST_YEAR = 2024
#: Targets at 15 years (seconds, except memory in MB).
TARGETS = {
    "ingest": 60.0,
    "indicators": 10.0,
    "index": 5.0,
    "transitions": 5.0,
}
MEMORY_TARGET_MB = 4096.0
#: The phases ``--skip`` may leave out (generate and ingest make the store the others use).
SKIPPABLE = {"indicators", "index", "transitions", "web"}


def _generate(out: str, years: range, kommuner: int) -> dict[str, Any]:
    from omradesbild.synthetic.national import generate_sweden
    from omradesbild.synthetic.national_files import write_sweden_files

    sweden = generate_sweden(years=years, kommuner=kommuner)
    files = write_sweden_files(sweden, Path(out))
    counts = sweden.observation_counts()
    return {
        "files": {k: str(p) for k, p in files.items()},
        "observations": counts.model_cells,
        "counts": dataclasses.asdict(counts) | {"stored": counts.stored},
    }


def _ingest(db: str, files: dict[str, str]) -> dict[str, Any]:
    from omradesbild.demo import ingest_sweden
    from omradesbild.store import Store

    with Store(db) as store:
        reports = ingest_sweden(store, {k: Path(p) for k, p in files.items()})
    return {
        "rows_new": sum(r.rows_new for r in reports if r.kind == "demo-observations"),
        "area_rows": sum(r.rows_new for r in reports if r.kind != "demo-observations"),
    }


def _indicators(db: str) -> dict[str, Any]:
    from omradesbild.services.pipeline import area_indicators
    from omradesbild.store import Store

    rows = {}
    with Store(db, read_only=True) as store:
        for level in ("deso", "regso", "kommun", "country"):
            rows[level] = len(area_indicators(store, level=level))
    return {"rows": rows}


def _index(db: str) -> dict[str, Any]:
    from omradesbild.services.followup.area_types import area_classes
    from omradesbild.store import Store

    with Store(db, read_only=True) as store:
        classes = area_classes(store, level="regso")
    return {"rows": len(classes), "periods": int(classes["period"].nunique())}


def _transitions(db: str, first: str, last: str) -> dict[str, Any]:
    from omradesbild.services.followup.area_types import transitions
    from omradesbild.store import Store

    with Store(db, read_only=True) as store:
        moves = transitions(store, level="regso", period_from=first, period_to=last).moves
    return {"rows": len(moves)}


_PHASES = {
    "generate": _generate,
    "ingest": _ingest,
    "indicators": _indicators,
    "index": _index,
    "transitions": _transitions,
}


def _child(name: str, args: tuple[Any, ...], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    # The libraries load before the clock starts: the phase times the work, not the imports.
    import omradesbild.demo
    import omradesbild.services.followup.area_types
    import omradesbild.synthetic.national_files  # noqa: F401

    t0 = time.perf_counter()
    c0 = time.process_time()
    result = _PHASES[name](*args)
    result["seconds"] = time.perf_counter() - t0
    result["cpu_seconds"] = time.process_time() - c0
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def run_phase(name: str, *args: Any) -> dict[str, Any]:
    """Run one phase in a fresh (spawned) process: its result, seconds and peak RSS."""
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_child, args=(name, args, q))
    p.start()
    while True:
        try:
            result = q.get(timeout=1.0)
            break
        except queue.Empty:
            if not p.is_alive():
                raise SystemExit(f"phase {name} failed with exit code {p.exitcode}") from None
    p.join()
    return result  # type: ignore[no-any-return]


def _verdict(value: float, target: float | None, unit: str = "s") -> str:
    if target is None:
        return ""
    return f"  (target < {target:g} {unit} at 15 years: {'OK' if value < target else 'MISSED'})"


#: The pages timed via the web (``{code}``: a random RegSO).
PAGES = {"start page": "/", "area page": "/omrade/{code}"}
#: How long the server may take to start and precompute (seconds).
SERVER_START_TIMEOUT = 1800.0


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a running process (Linux ``VmHWM``), MB; NaN elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "")
    return int(line.split()[1]) / 1024 if line else float("nan")


def _web(db: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Server start-up (until warm) and peak memory; p95 (seconds) of every page in PAGES."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = start_server(db, port)
    out: dict[str, Any] = {}
    try:
        wait_ready(base, proc, timeout=SERVER_START_TIMEOUT, until="ready")
        out["ready_s"] = time.perf_counter() - t0
        wait_ready(base, proc, timeout=SERVER_START_TIMEOUT)
        out["startup_s"] = time.perf_counter() - t0
        codes = [a["area_code"] for a in httpx.get(f"{base}/api/areas?level=regso").json()]
        for url in PAGES.values():  # the first request of a page computes what it caches
            httpx.get(base + url.format(code=codes[0]), timeout=600).raise_for_status()
        for name, url in PAGES.items():
            n, p50, p95, _, errors = run_python(
                base, url, codes, clients=args.clients, seconds=args.seconds,
                max_requests=100_000, think_s=args.think,
            )  # fmt: skip
            print(f"    web {name}: {n} requests, {errors} errors, median {p50 * 1e3:.1f} ms")
            out[name] = p95
        out["server_peak_mb"] = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"    web server ready (start page computed) after {out['ready_s']:.1f} s, "
          f"warm (every area page prepared) after {out['startup_s']:.1f} s, "
          f"peak RSS {out['server_peak_mb']:.0f} MB; {machine_load()}")  # fmt: skip
    return out


def _print_counts(generated: dict[str, int], ingested: dict[str, int]) -> None:
    """The model's cells and the stored observations, with every difference named.

    stored = cells − extra cells not written − crime cells with no report + not-geocoded
    counts (see :meth:`~omradesbild.synthetic.national.SyntheticSweden.observation_counts`).
    """
    g = generated
    print(
        f"    observations generated {g['model_cells']:,} cells of the model (both DeSO "
        f"versions, {g['suppressed_stored']:,} suppressed cells written as '..' and stored as "
        f"missing-value rows, zero crime counts included)\n"
        f"      - {g['extra_not_written']:,} extra-variable cells not written (DeSO 2018 only; "
        f"they are not published for DeSO 2025)\n"
        f"      - {g['crime_cells_without_report']:,} DeSO × year × offence with no report "
        f"(no row in the Police's extract)\n"
        f"      + {g['crime_not_geocoded']:,} not-geocoded crime counts per kommun\n"
        f"      = {g['stored']:,} expected; observations stored {ingested['rows_new']:,} "
        f"(besides {ingested['area_rows']:,} area, link and code-rule rows)"
    )
    if ingested["rows_new"] != g["stored"]:
        print(f"    MISMATCH: {g['stored'] - ingested['rows_new']:+,} observations unexplained")


def measure(n_years: int, kommuner: int, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every phase for the last ``n_years`` years; prints each figure with its target."""
    years = range(LAST_YEAR - n_years + 1, LAST_YEAR + 1)
    folder = tmp / f"y{n_years}"
    db = str(folder / "sverige.duckdb")
    print(f"-- {n_years} year(s) {years.start}–{years.stop - 1}, {kommuner} kommuner")
    calls: dict[str, tuple[Any, ...]] = {
        "generate": (str(folder / "sources"), years, kommuner),
        "ingest": (db,),
        "indicators": (db,),
        "index": (db,),
        "transitions": (db, str(years.start), str(LAST_YEAR)),
    }
    if n_years == 1:
        del calls["transitions"]
    phases: dict[str, dict[str, Any]] = {}
    for name, call in calls.items():
        if name in args.skip:
            continue
        if name == "ingest":
            call = (*call, phases["generate"]["files"])
        r = phases[name] = run_phase(name, *call)
        print(
            f"    {name:<12} {r['seconds']:7.1f} s ({r['cpu_seconds']:6.1f} s CPU)  "
            f"peak RSS {r['peak_rss_mb']:6.0f} MB{_verdict(r['seconds'], TARGETS.get(name))}"
            f"  [load {os.getloadavg()[0]:.1f}]"
        )
    size_mb = Path(db).stat().st_size / 1e6
    _print_counts(phases["generate"]["counts"], phases["ingest"])
    print(f"    store {size_mb:.0f} MB")
    web = _web(Path(db), args) if "web" not in args.skip else {}
    peak = max([r["peak_rss_mb"] for r in phases.values()] + [web.get("server_peak_mb", 0.0)])
    print(f"    peak memory of any phase {peak:.0f} MB{_verdict(peak, MEMORY_TARGET_MB, 'MB')}")
    for name in PAGES:
        if name in web:
            print(f"    {figure(f'{name} p95 ({args.clients} clients)', web[name])}")
    return {"years": n_years, "phases": phases, "peak_mb": peak, "store_mb": size_mb, "web": web}


def _curve(rows: list[dict[str, Any]]) -> None:
    names = ["generate", "ingest", "indicators", "index", "transitions"]
    print("growth with the years (wall s / CPU s per phase; peak RSS MB; store MB; p95 ms):")
    print(f"  {'years':>5} {'obs':>11} " + " ".join(f"{n:>13}" for n in names)
          + f" {'peak MB':>8} {'store MB':>8} {'start p95':>9} {'area p95':>8}")  # fmt: skip
    nan = float("nan")
    for r in rows:
        cells = [
            f"{p.get('seconds', nan):.1f}/{p.get('cpu_seconds', nan):.1f}"
            for p in (r["phases"].get(n, {}) for n in names)
        ]
        start, area = (r["web"].get(name, nan) * 1e3 for name in PAGES)
        print(f"  {r['years']:>5} {r['phases']['generate']['observations']:>11,} "
              + " ".join(f"{c:>13}" for c in cells)
              + f" {r['peak_mb']:>8.0f} {r['store_mb']:>8.0f} {start:>9.1f}"
              + f" {area:>8.1f}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--years", default="1,5,15", help="Sizes in years, comma-separated")
    ap.add_argument("--kommuner", type=int, default=290, help="Kommuner (290: all Sweden)")
    ap.add_argument("--clients", type=int, default=20, help="Concurrent web readers")
    ap.add_argument("--seconds", type=float, default=10.0, help="Per page measured via the web")
    ap.add_argument(
        "--think", type=float, default=0.0,
        help="Mean think time of a reader between requests, s (0: the next request at once)",
    )  # fmt: skip
    ap.add_argument(
        "--skip", default="", type=lambda v: {x.strip() for x in v.split(",") if x.strip()},
        help="Phases left out, comma-separated: indicators, index, transitions, web",
    )  # fmt: skip
    ap.add_argument(
        "--keep", type=Path, default=None, metavar="DIR",
        help="Write the generated files and stores under DIR and keep them (default: a "
        "temporary folder, removed at the end)",
    )  # fmt: skip
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    unknown = args.skip - SKIPPABLE
    if unknown:
        ap.error(f"--skip {', '.join(sorted(unknown))}: only {', '.join(sorted(SKIPPABLE))}")
    sizes = [int(s) for s in args.years.split(",")]
    print(f"before: {machine_load()}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        rows = [measure(n, args.kommuner, args.keep, args) for n in sizes]
    else:
        with tempfile.TemporaryDirectory(prefix="omradesbild-national-") as tmp:
            rows = [measure(n, args.kommuner, Path(tmp), args) for n in sizes]
    _curve(rows)
    print(f"after: {machine_load()}")


if __name__ == "__main__":
    main()
