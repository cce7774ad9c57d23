"""Benchmark of ``omradesbild report``: the static site on the real data and the demo city.

Run: ``python benchmarks/bench_reports.py`` (``--skip-real``, ``--skip-demo``, ``--draws``).
Builds a store from the real files (``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``, as
the tests do), then the site for all 3 363 RegSO (national tables; target < 60 s), for
Stockholm (0180) at RegSO and DeSO 2018 and for Göteborg (1480); and the site of the
synthetic city. Prints total time (wall-clock, and the process CPU time, the steadier figure
on a shared machine), data time, render time per profile and overview size. Each row after
the first reuses what the service layer has cached for the store (a level's indicators, the
references), as the web app does; a single ``omradesbild report`` computes them afresh.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import demo_store, real_store


def _row(label: str, store: Any, out: Path, **kw: Any) -> None:
    """Load one level's picture, build its site and print the timings."""
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city

    t0, c0 = time.perf_counter(), time.process_time()
    data = load_city(store, **kw)
    t_data = time.perf_counter() - t0
    res = build_site(data, out)
    cpu = time.process_time() - c0
    n = max(len(res.profiles), 1)
    print(
        f"{label:<34} profiles={len(res.profiles):>5}  total={t_data + res.seconds:6.1f} s  "
        f"(CPU {cpu:5.1f} s)  data={t_data:5.1f} s  render={res.seconds:5.1f} s  "
        f"per profile={1000 * res.seconds / n:5.1f} ms  overview={res.overview_mb:5.2f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--draws", type=int, default=500)
    args = ap.parse_args()

    from omradesbild.store import Store

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_real:
            db = real_store(tmp)
            runs: list[tuple[str, dict[str, Any]]] = [
                ("real: all RegSO (national)", {"level": "regso"}),
                ("real: Stockholm RegSO", {"level": "regso", "kommun": "0180"}),
                ("real: Stockholm DeSO 2018", {"level": "deso", "kommun": "0180"}),
                ("real: Göteborg RegSO", {"level": "regso", "kommun": "1480"}),
                (
                    "real: Stockholm RegSO, English",
                    {"level": "regso", "kommun": "0180", "lang": "en"},
                ),
            ]
            with Store(db, read_only=True) as store:
                for i, (label, kw) in enumerate(runs):
                    _row(label, store, tmp / f"site{i}", draws=args.draws, **kw)
        if not args.skip_demo:
            with Store(demo_store(tmp), read_only=True) as store:
                _row("demo: Exempelstad RegSO", store, tmp / "sd", draws=args.draws)
                _row("demo: Exempelstad DeSO", store, tmp / "sd2", level="deso", draws=args.draws)


if __name__ == "__main__":
    main()
