"""Benchmark of the index engine on synthetic data (no real data, no network).

Run: ``python -m benchmarks.bench_index`` (optionally ``--areas``, ``--indicators``,
``--draws``). Prints the time of a plain ``compute_index`` for 6 000 areas × 20 indicators
(target < 0.5 s) and of ``monte_carlo`` with 1 000 draws, three alternative normalisations
and per-indicator standard errors (target < 5 s, < 2 GB). Each Monte-Carlo figure is the
median of ``--repeat`` runs (wall clock and process CPU time; on a shared, loaded machine
the CPU time is the steadier figure).
"""

from __future__ import annotations

import os
import resource
import sys
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import int_options, timed
from omradesbild.index import compute_index, monte_carlo, parse_method


def synthetic(areas: int, indicators: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicators driven by one latent factor plus noise, and their standard errors."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=areas)
    cols = [f"ind{j:02d}" for j in range(indicators)]
    values = {
        c: np.round(20 + 5 * (latent if j % 5 else -latent) + rng.normal(0, 3, areas), 1)
        for j, c in enumerate(cols)
    }
    ids = [f"A{i:05d}" for i in range(areas)]
    table = pd.DataFrame({"area_code": ids, **values})
    se = pd.DataFrame({"area_code": ids, **{c: rng.uniform(0.2, 1.5, areas) for c in cols}})
    return table, se


def bench_method(indicators: int) -> Any:
    return parse_method(
        {
            "id": "bench",
            "version": "1",
            "title_sv": "bench",
            "title_en": "bench",
            "indicators": [
                {"id": f"ind{j:02d}", "direction": -1 if j % 5 == 0 else 1}
                for j in range(indicators)
            ],
            "normalisation": "zscore",
            "classification": {"kind": "mean_sd", "k": [2, 1, 0, -1], "labels": list("12345")},
        }
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the figures and return them."""
    parser = int_options(__doc__, areas=6000, indicators=20, draws=1000, repeat=3)
    args = parser.parse_args(argv)
    table, se = synthetic(args.areas, args.indicators)
    method = bench_method(args.indicators)
    compute_index(table, method=method)  # warm-up (imports, caches)
    compute_s = timed(lambda: compute_index(table, method=method), 5).median
    alts = ["zscore", "minmax", "percentrank_inc"]
    plain = timed(
        lambda: monte_carlo(table, method=method, draws=args.draws, normalisations=alts),
        args.repeat,
    )
    with_se = timed(
        lambda: monte_carlo(
            table, method=method, draws=args.draws, normalisations=alts, indicator_se=se
        ),
        args.repeat,
    )
    mc_plain_s, s_plain = plain.median, plain.result[1]
    mc_se_s, mc_se_cpu, s_se = with_se.median, with_se.median_cpu, with_se.result[1]
    tracemalloc.start()
    monte_carlo(table, method=method, draws=args.draws, normalisations=alts, indicator_se=se)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "compute_index_s": compute_s,
        "monte_carlo_s": mc_plain_s,
        "monte_carlo_with_se_s": mc_se_s,
        "monte_carlo_with_se_cpu_s": mc_se_cpu,
        "monte_carlo_with_se_traced_peak_mb": traced_peak / 1e6,
        "process_peak_rss_mb": rss_kb / 1024,
    }
    size = f"{args.areas} areas x {args.indicators} indicators"
    print(f"compute_index, {size}: {compute_s:.3f} s (median of 5; target < 0.5 s)")
    print(
        f"monte_carlo, {args.draws} draws, normalisations {alts}: {mc_plain_s:.2f} s "
        f"(median of {args.repeat}); "
        f"median 90 % rank interval {s_plain['median_rank_interval_90']:.0f}"
    )
    print(
        f"monte_carlo + indicator standard errors: {mc_se_s:.2f} s wall, {mc_se_cpu:.2f} s CPU "
        f"(median of {args.repeat}; target < 5 s); "
        f"peak numpy/python memory {traced_peak / 1e6:.0f} MB, process peak RSS "
        f"{rss_kb / 1024:.0f} MB (target < 2 GB); robust classes "
        f"{s_se['share_robust_class']:.1%}; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    figures["load_average"] = os.getloadavg()[0]
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
