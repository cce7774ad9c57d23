"""A national store over many years, built from the SYNTHETIC Sweden (Exempelsverige).

For each size (``--years 1,5,15``: the last N years up to 2024) the benchmark generates the
synthetic Sweden (``--kommuner`` of 290; all 290 give 5 984 DeSO, 6 160 DeSO 2025 and
3 363 RegSO), writes it in the real formats, ingests it with the real readers and measures,
through the service layer:

* ingest (target < 60 s at 15 years);
* every indicator for every level (DeSO, RegSO, kommun, country) and year (< 10 s);
* the national index with SCB's area types for all years (< 5 s);
* transitions from the first to the last year (< 5 s);
* one area page via the web, p95 (< 100 ms), ``--clients`` readers for ``--seconds``;
* peak memory of every phase (< 4 GB), store size;

and prints how time and memory grow with the years. Each phase runs in a fresh child
process, so its peak memory (max RSS, interpreter and libraries included) is its own. The
machine's load average is printed before and after: on a loaded machine the times are upper
bounds.

Run: ``python -m benchmarks bench_national`` (1, 5 and 15 years of all Sweden), or with
options ``python -m benchmarks.bench_national --years 1,5 --kommuner 290 --clients 1``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.web_common import figure, machine_load, run_python, served, temporary_folder

LAST_YEAR = 2024
#: Targets at 15 years (seconds, except memory in MB).
TARGETS = {
    "ingest": 60.0,
    "indicators": 10.0,
    "index": 5.0,
    "transitions": 5.0,
}
MEMORY_TARGET_MB = 4096.0


def _generate(out: str, years: range, kommuner: int) -> dict[str, Any]:
    from omradesbild.synthetic.national import generate_sweden
    from omradesbild.synthetic.national_files import write_sweden_files

    sweden = generate_sweden(years=years, kommuner=kommuner)
    files = write_sweden_files(sweden, Path(out))
    return {"files": {k: str(p) for k, p in files.items()}, "observations": sweden.n_observations}


def _ingest(db: str, files: dict[str, str]) -> dict[str, Any]:
    from omradesbild.demo import ingest_sweden
    from omradesbild.store import Store

    with Store(db) as store:
        reports = ingest_sweden(store, {k: Path(p) for k, p in files.items()})
    return {"rows_new": sum(r.rows_new for r in reports)}


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


def _web(db: Path, clients: int, seconds: float) -> float:
    """p95 of the area page of random RegSO (seconds)."""
    with served(db) as (base, codes):
        n, p50, p95, _, errors = run_python(
            base, "/omrade/{code}", codes, clients=clients, seconds=seconds, max_requests=10_000
        )
    print(f"    web: {n} area pages, {errors} errors, median {p50 * 1e3:.1f} ms")
    return p95


def measure(n_years: int, kommuner: int, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every phase for the last ``n_years`` years; prints each figure with its target."""
    years = range(LAST_YEAR - n_years + 1, LAST_YEAR + 1)
    folder = tmp / f"y{n_years}"
    db = str(folder / "sverige.duckdb")
    print(f"-- {n_years} year(s) {years.start}–{years.stop - 1}, {kommuner} kommuner")
    phases: dict[str, dict[str, Any]] = {}
    phases["generate"] = run_phase("generate", str(folder / "sources"), years, kommuner)
    phases["ingest"] = run_phase("ingest", db, phases["generate"]["files"])
    phases["indicators"] = run_phase("indicators", db)
    phases["index"] = run_phase("index", db)
    if n_years > 1:
        phases["transitions"] = run_phase("transitions", db, str(years.start), str(LAST_YEAR))
    for name, r in phases.items():
        print(
            f"    {name:<12} {r['seconds']:7.1f} s ({r['cpu_seconds']:6.1f} s CPU)  "
            f"peak RSS {r['peak_rss_mb']:6.0f} MB{_verdict(r['seconds'], TARGETS.get(name))}"
        )
    peak = max(r["peak_rss_mb"] for r in phases.values())
    size_mb = Path(db).stat().st_size / 1e6
    print(f"    observations generated {phases['generate']['observations']:,}; rows stored "
          f"{phases['ingest']['rows_new']:,}; store {size_mb:.0f} MB")  # fmt: skip
    print(f"    peak memory of any phase {peak:.0f} MB{_verdict(peak, MEMORY_TARGET_MB, 'MB')}")
    p95 = _web(Path(db), args.clients, args.seconds) if args.seconds > 0 else float("nan")
    if args.seconds > 0:
        print("    " + figure(f"area page p95 ({args.clients} client(s))", p95))
    return {"years": n_years, "phases": phases, "peak_mb": peak, "store_mb": size_mb, "p95": p95}


def _curve(rows: list[dict[str, Any]]) -> None:
    names = ["generate", "ingest", "indicators", "index", "transitions"]
    print("growth with the years (wall seconds; peak RSS MB; store MB; web p95 ms):")
    print(f"  {'years':>5} {'obs':>11} " + " ".join(f"{n:>11}" for n in names)
          + f" {'peak MB':>8} {'store MB':>8} {'p95 ms':>7}")  # fmt: skip
    for r in rows:
        secs = [r["phases"].get(n, {}).get("seconds", float("nan")) for n in names]
        print(f"  {r['years']:>5} {r['phases']['generate']['observations']:>11,} "
              + " ".join(f"{s:>11.1f}" for s in secs)
              + f" {r['peak_mb']:>8.0f} {r['store_mb']:>8.0f} {r['p95'] * 1e3:>7.1f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--years", default="1,5,15", help="Sizes in years, comma-separated")
    ap.add_argument("--kommuner", type=int, default=290, help="Kommuner (290: all Sweden)")
    ap.add_argument("--clients", type=int, default=1, help="Concurrent web readers")
    ap.add_argument("--seconds", type=float, default=10.0, help="Web measurement (0: skip)")
    args = ap.parse_args(sys.argv[1:])
    sizes = [int(s) for s in args.years.split(",")]
    print(f"before: {machine_load()}")
    with temporary_folder() as tmp:
        rows = [measure(n, args.kommuner, Path(tmp), args) for n in sizes]
    _curve(rows)
    print(f"after: {machine_load()}")


if __name__ == "__main__":
    main()
