"""Benchmark of areal crosswalks on synthetic polygons (no real data, no network).

Run: ``python -m benchmarks bench_harmonize`` or ``python -m benchmarks.bench_harmonize``.

* ``build_crosswalk``: 5 984 DeSO-like areas (a Voronoi tessellation of random points over
  Sweden's extent in EPSG:3006) onto 1 000 target polygons (another tessellation over a
  slightly smaller box, so some sources lie partly outside every target). Target < 5 s.
* ``apply_crosswalk``: the stored crosswalk applied to 50 variables × 15 years over 6 000
  areas (4.5 million values). Target < 1 s.
* tobler's ``area_interpolate`` on the same inputs (if tobler is installed), with the
  agreement of the interpolated totals: max absolute difference and correlation.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks.common import int_options, timed
from omradesbild.harmonize.apply import apply_crosswalk
from omradesbild.harmonize.areal import build_crosswalk

#: Sweden's extent in EPSG:3006 (SWEREF 99 TM), metres.
SWEDEN_BOX = (265_000.0, 6_130_000.0, 920_000.0, 7_680_000.0)


def voronoi_layer(n: int, box: tuple[float, float, float, float], *, seed: int, prefix: str) -> Any:
    """``n`` Voronoi cells of random points, clipped to ``box`` (EPSG:3006)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    pts = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    clip = shapely.box(*box)
    # order the cells like the points that generated them
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(pts, predicate="within")
    order = np.empty(n, dtype=np.int64)
    order[pi] = ci
    geoms = shapely.intersection(cells[order], clip)
    codes = [f"{prefix}{i:05d}" for i in range(n)]
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs="EPSG:3006")


def long_values(codes: list[str], n_vars: int, n_years: int, *, seed: int) -> pd.DataFrame:
    """Random counts for every area, variable and year, in long form."""
    rng = np.random.default_rng(seed)
    n = len(codes) * n_vars * n_years
    return pd.DataFrame(
        {
            "area_code": np.repeat(np.asarray(codes, dtype=object), n_vars * n_years),
            "variable": np.tile(
                np.repeat(np.asarray([f"v{j:02d}" for j in range(n_vars)], dtype=object), n_years),
                len(codes),
            ),
            "period": np.tile(
                np.asarray([str(2010 + y) for y in range(n_years)], dtype=object),
                len(codes) * n_vars,
            ),
            "value": rng.poisson(500, n).astype(float),
        }
    )


def bench_apply(args: argparse.Namespace, src: Any, tgt: Any, cw: pd.DataFrame) -> dict[str, float]:
    """Time ``apply_crosswalk`` on ``--apply-areas`` areas × variables × years."""
    src_a = src if args.apply_areas == args.sources else None
    if src_a is None:
        src_a = voronoi_layer(args.apply_areas, SWEDEN_BOX, seed=3, prefix="S")
        cw_a = build_crosswalk(
            src_a, tgt, from_level="deso", from_version="v1", to_level="custom", to_version="v2"
        )
    else:
        cw_a = cw
    links = cw_a[["from_code", "to_code", "weight"]]
    vals = long_values(list(src_a["area_code"]), args.variables, args.years, seed=4)
    t_first = timed(lambda: apply_crosswalk(vals, links, kind="extensive")).best
    apply = timed(lambda: apply_crosswalk(vals, links, kind="extensive"), args.repeat)
    cat = vals.astype({c: "category" for c in ("area_code", "variable", "period")})
    t_cat = timed(lambda: apply_crosswalk(cat, links, kind="extensive"), args.repeat).best
    print(
        f"apply_crosswalk: {len(vals):,} values ({args.apply_areas} areas × {args.variables} "
        f"variables × {args.years} years) -> {len(apply.result):,} rows: {apply.best:.3f} s "
        f"best of {args.repeat}, median {apply.median:.3f} s wall, {apply.median_cpu:.3f} s CPU "
        f"(first call {t_first:.3f} s; with categorical key columns {t_cat:.3f} s) "
        f"(target < 1 s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return {
        "apply_s": apply.best,
        "apply_median_s": apply.median,
        "apply_median_cpu_s": apply.median_cpu,
        "apply_first_call_s": t_first,
        "apply_categorical_s": t_cat,
    }


def compare_tobler(
    args: argparse.Namespace,
    src: Any,
    pop: np.ndarray,
    tgt: Any,
    one: pd.DataFrame,
    ours: pd.Series,
    t_build: float,
) -> dict[str, float]:
    """tobler's ``area_interpolate`` of ``pop`` over ``src`` against ours (if installed)."""
    try:
        from tobler.area_weighted import area_interpolate
    except ImportError:
        print("tobler not installed: pip install tobler (skipping the comparison)")
        return {}
    src_pop = src.assign(pop=pop)
    # tobler's allocate_total=True divides by the covered part of each source, which is our
    # renormalise=True; allocate_total=False divides by the whole source area, our default.
    cw_norm = build_crosswalk(
        src,
        tgt,
        from_level="deso",
        from_version="v1",
        to_level="custom",
        to_version="v2",
        renormalise=True,
    )
    ours_norm = apply_crosswalk(one, cw_norm, kind="extensive").set_index("area_code")["value"]
    figures: dict[str, float] = {}
    for allocate_total, mine, label in (
        (True, ours_norm, "renormalise=True"),
        (False, ours, "renormalise=False"),
    ):
        interpolate = partial(
            area_interpolate,
            src_pop,
            tgt,
            extensive_variables=["pop"],
            allocate_total=allocate_total,
        )
        tobler = timed(interpolate, args.repeat)
        tob = tobler.result
        tob_v = pd.Series(tob["pop"].to_numpy(dtype=float), index=tgt["area_code"].to_numpy())
        mine_v = mine.reindex(tob_v.index).fillna(0.0)
        diff = float(np.max(np.abs(mine_v.to_numpy() - tob_v.to_numpy())))
        corr = float(np.corrcoef(mine_v.to_numpy(), tob_v.to_numpy())[0, 1])
        tag = "tobler_alloc_total" if allocate_total else "tobler_no_alloc"
        figures[f"{tag}_s"] = tobler.best
        figures[f"{tag}_max_abs_diff"] = diff
        figures[f"{tag}_correlation"] = corr
        print(
            f"tobler area_interpolate(allocate_total={allocate_total}) vs ours ({label}): "
            f"tobler {tobler.best:.3f} s, ours build {t_build:.3f} s + one-variable apply; "
            f"max |diff| over {len(tob_v)} targets {diff:.3g} "
            f"(totals {mine_v.sum():,.3f} vs {tob_v.sum():,.3f}), correlation {corr:.15f}"
        )
    return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the figures and return them."""
    parser = int_options(
        __doc__, sources=5984, targets=1000, apply_areas=6000, variables=50, years=15, repeat=3
    )
    parser.add_argument("--no-tobler", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])

    x0, y0, x1, y1 = SWEDEN_BOX
    inner = (x0 + 20_000, y0 + 40_000, x1 - 20_000, y1 - 40_000)
    src = voronoi_layer(args.sources, SWEDEN_BOX, seed=1, prefix="S")
    tgt = voronoi_layer(args.targets, inner, seed=2, prefix="T")
    figures: dict[str, float] = {}

    build = timed(
        lambda: build_crosswalk(
            src, tgt, from_level="deso", from_version="v1", to_level="custom", to_version="v2"
        ),
        args.repeat,
    )
    cw = build.result
    figures["build_s"] = build.best
    cov = cw.groupby("from_code")["weight"].sum()
    print(
        f"build_crosswalk: {args.sources} sources -> {args.targets} targets: {build.best:.3f} s "
        f"(target < 5 s); {len(cw)} links; sources fully covered: "
        f"{int((cov > 1 - 1e-9).sum())}, partly: {int((cov <= 1 - 1e-9).sum())}"
    )
    figures.update(bench_apply(args, src, tgt, cw))

    # our allocation of one variable onto the targets, for the comparison with tobler
    pop = np.random.default_rng(5).poisson(1500, len(src)).astype(float)
    one = pd.DataFrame(
        {"area_code": src["area_code"], "period": "2022", "variable": "pop", "value": pop}
    )
    ours = apply_crosswalk(one, cw, kind="extensive").set_index("area_code")["value"]
    covered = (pop * cov.reindex(src["area_code"]).fillna(0.0).to_numpy()).sum()
    figures["conservation_ratio"] = float(ours.sum() / covered)
    print(f"allocated total / covered source total: {figures['conservation_ratio']:.12f}")
    if not args.no_tobler:
        figures.update(compare_tobler(args, src, pop, tgt, one, ours, build.best))
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
