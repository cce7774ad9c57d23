"""Ingest and query speed on the real data in ``../shared/data``.

Targets (2-core machine): all 11 national SCB xlsx tables (5 984 DeSO each) in under 10 s and
at most 0.35 x the time pandas with openpyxl needs only to read the same files (both measured
in the same run, ``--repeat`` times each, medians of wall-clock and of process-CPU time; the
CPU ratio is the steadier one on a loaded machine); the 7 crime files in under 5 s, peak
memory under 1 GB; one variable for all DeSO in one year in under 50 ms. Each phase runs in a
fresh child process so that its peak memory (max RSS, including the interpreter and
libraries) is measured on its own; each xlsx ingest goes into a fresh store.

Run: ``python -m benchmarks bench_ingest [--repeat N]``.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import int_options, shared_data, timed

TARGETS = {"scb_xlsx": 10.0, "crime": 5.0}
#: Ingest of the xlsx tables over pandas+openpyxl only reading them.
RATIO_TARGET = 0.35


def _phase(name: str, db: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from omradesbild.store import Store
    from omradesbild.store.ingest import ingest_files, ingest_parsed, kommun_names

    data = shared_data()
    store = Store(db) if name != "openpyxl_read" else None
    t0, cpu0 = time.perf_counter(), time.process_time()
    if name == "openpyxl_read":
        import pandas as pd

        files = sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))
        frames = [pd.read_excel(f, engine="openpyxl", sheet_name=None) for f in files]
        reports = []
        rows = sum(len(df) for sheets in frames for df in sheets.values())
    elif name == "scb_key":
        from omradesbild.store.ingest import parse_scb_key

        reports = ingest_files(
            store, [data / "scb/koppling-deso2018-regso2020.csv"], parse_scb_key, kind="scb-key"
        )
    elif name == "scb_xlsx":
        from omradesbild.store.ingest import parse_scb_xlsx

        files = sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))
        reports = ingest_files(store, files, parse_scb_xlsx, kind="scb-xlsx")
    elif name == "crime":
        from omradesbild.sources.crime import read_crime_csv

        names = kommun_names(store)
        files = sorted((data / "crime").glob("*.csv"))
        parsed = [read_crime_csv(f, kommun_codes=names) for f in files]
        reports = ingest_parsed(store, parsed, kind="crime")
    else:  # pragma: no cover
        raise ValueError(name)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if store is not None:
        store.close()
        rows = sum(r.rows_in for r in reports)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "phase": name,
            "seconds": elapsed,
            "cpu_seconds": cpu,
            "files": len(reports) or len(files),
            "rows_in": rows,
            "rows_new": sum(r.rows_new for r in reports),
            "peak_rss_mb": rss_mb,
        }
    )


def run_phase(name: str, db: str) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_phase, args=(name, db, q))
    p.start()
    result = None
    while result is None:  # stop waiting as soon as the child has died without an answer
        try:
            result = q.get(timeout=1)
        except queue.Empty:
            if not p.is_alive():
                break
    p.join()
    if p.exitcode != 0 or result is None:
        raise SystemExit(f"phase {name} failed with exit code {p.exitcode}")
    return result  # type: ignore[no-any-return]


def query_timing(db: str, repeats: int = 50) -> dict[str, float]:
    from omradesbild.store import Store

    store = Store(db, read_only=True)
    runs = timed(
        lambda: store.variable_values("pop_total", "2022", area_version="deso2018"), repeats
    )
    store.close()
    assert len(runs.result) == 5984, len(runs.result)
    times = sorted(runs.walls)
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(0.95 * len(times)) - 1] * 1000,
        "max_ms": times[-1] * 1000,
    }


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _xlsx_ratio(tmp: str, repeat: int) -> tuple[list[dict[str, float]], str]:
    """Ingest of the xlsx tables (each into a fresh store holding SCB's key) and the
    pandas+openpyxl read of the same files, alternated ``repeat`` times; the last store."""
    ingests: list[dict[str, float]] = []
    reads: list[dict[str, float]] = []
    db = ""
    for k in range(repeat):
        db = os.path.join(tmp, f"bench{k}.duckdb")
        run_phase("scb_key", db)
        ingests.append(run_phase("scb_xlsx", db))
        reads.append(run_phase("openpyxl_read", db))
    for label, runs in (("ingest scb_xlsx", ingests), ("openpyxl read", reads)):
        print(
            f"{label:<16} {runs[0]['files']:>2} files  median {_median(runs, 'seconds'):6.2f} s "
            f"wall, {_median(runs, 'cpu_seconds'):6.2f} s CPU  (walls "
            + ", ".join(f"{r['seconds']:.2f}" for r in runs)
            + "; CPUs "
            + ", ".join(f"{r['cpu_seconds']:.2f}" for r in runs)
            + ")"
        )
    wall = _median(ingests, "seconds") / _median(reads, "seconds")
    cpu = _median(ingests, "cpu_seconds") / _median(reads, "cpu_seconds")
    verdict = "OK" if max(wall, cpu) <= RATIO_TARGET else "MISSED"
    print(
        f"ingest / pandas+openpyxl read: {wall:.2f} wall, {cpu:.2f} CPU  "
        f"target <= {RATIO_TARGET}: {verdict}  (load average {os.getloadavg()[0]:.1f})"
    )
    return ingests, db


def main() -> None:
    args, _ = int_options(__doc__, repeat=3).parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        ingests, db = _xlsx_ratio(tmp, args.repeat)
        results = [{**ingests[-1], "seconds": _median(ingests, "seconds")}]
        results.append(run_phase("crime", db))
        for r in results:
            target = TARGETS.get(str(r["phase"]))
            verdict = ""
            if target is not None:
                ok = r["seconds"] < target and r["peak_rss_mb"] < 1024
                verdict = f"  target < {target:.0f} s, < 1024 MB: {'OK' if ok else 'MISSED'}"
            print(
                f"ingest {r['phase']:<9} {r['files']:>2} files {r['rows_in']:>8} rows "
                f"{r['seconds']:7.2f} s  peak RSS {r['peak_rss_mb']:6.0f} MB{verdict}"
            )
        q = query_timing(db)
        ok = q["p95_ms"] < 50
        print(
            f"query one variable, all 5 984 DeSO, one year: median {q['median_ms']:.1f} ms, "
            f"p95 {q['p95_ms']:.1f} ms  target < 50 ms: {'OK' if ok else 'MISSED'}"
        )
        print(
            f"size of the store after ingest: {Path(db).stat().st_size / 1e6:.1f} MB",
        )
        if "--json" in sys.argv:
            print(json.dumps({"phases": results, "query": q}))


if __name__ == "__main__":
    main()
