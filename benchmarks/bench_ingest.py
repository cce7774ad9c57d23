"""Ingest and query speed on the real data in ``../shared/data``.

Targets (2-core machine): all 11 national SCB xlsx tables (5 984 DeSO each) in under 10 s and
the 7 crime files in under 5 s, peak memory under 1 GB; one variable for all DeSO in one year
in under 50 ms. Each phase runs in a fresh child process so that its peak memory (max RSS,
including the interpreter and libraries) is measured on its own.

Run: ``python -m benchmarks bench_ingest``.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import shared_data, timed

TARGETS = {"scb_xlsx": 10.0, "crime": 5.0}


def _phase(name: str, db: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from omradesbild.store import Store
    from omradesbild.store.ingest import ingest_files, ingest_parsed, kommun_names

    data = shared_data()
    store = Store(db)
    t0 = time.perf_counter()
    if name == "scb_key":
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
    elapsed = time.perf_counter() - t0
    store.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "phase": name,
            "seconds": elapsed,
            "files": len(reports),
            "rows_in": sum(r.rows_in for r in reports),
            "rows_new": sum(r.rows_new for r in reports),
            "peak_rss_mb": rss_mb,
        }
    )


def run_phase(name: str, db: str) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    p = ctx.Process(target=_phase, args=(name, db, q))
    p.start()
    result = q.get(timeout=600)
    p.join()
    if p.exitcode != 0:
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.duckdb")
        results = [run_phase(p, db) for p in ("scb_key", "scb_xlsx", "crime")]
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
