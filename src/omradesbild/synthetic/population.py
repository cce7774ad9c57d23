"""Population and SCB statistics of the SYNTHETIC city, per DeSO and year.

Every statistic is a smooth function of the latent deprivation ``d`` plus area-specific
offsets (:class:`~omradesbild.synthetic.helpers.AreaOffsets`); counts are split into
categories by largest-remainder rounding so that parts sum exactly to their totals. The
order of the draws is fixed: changing it changes the city.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.random import Generator

from omradesbild.sources.base import OBS_COLUMNS, SCB_MISSING_MARKERS
from omradesbild.synthetic.constants import (
    AGE_BANDS,
    AGE_BASE,
    AGE_TILT,
    AGE_URBAN,
    EXTRA_VARIABLES,
    SCB_TABLES,
    VARIABLE_UNITS,
)
from omradesbild.synthetic.helpers import AreaOffsets, allocate, logistic, softmax

Columns = dict[str, np.ndarray]

#: Variables in which a few very small counts are suppressed as SCB's "..".
_SUPPRESSIBLE: tuple[str, ...] = (
    "persons_house_ovriga",
    "unemployed_16_64",
    "edu_missing_25_64",
    "dwellings_tenure_missing",
    "persons_house_specialbostad",
)


def population(
    rng: Generator,
    letter: np.ndarray,
    police_role: np.ndarray,
    years: tuple[int, ...],
    *,
    n_split: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Population per DeSO and year, and which central DeSO grow fast and split in 2025.

    ``n_split`` DeSO split (default: 3–5, drawn from the generator).

    Returns
    -------
    pop, split_mask
        Integer counts ``(n_deso, n_years)`` and a boolean per DeSO.
    """
    n_deso, n_y = len(letter), len(years)
    t_first = years[0]
    tt = np.asarray(years, dtype=float)
    n_split = int(rng.integers(3, 6)) if n_split is None else n_split
    split_cand = np.flatnonzero((letter == "C") & (police_role == None))  # noqa: E711
    split_idx = np.sort(rng.choice(split_cand, size=min(n_split, len(split_cand)), replace=False))
    split_mask = np.zeros(n_deso, dtype=bool)
    split_mask[split_idx] = True
    growth = rng.normal(0.006, 0.006, n_deso)
    p0 = rng.uniform(900.0, 2_200.0, n_deso)
    growth[split_mask] = rng.uniform(0.045, 0.06, split_mask.sum())
    p0[split_mask] = rng.uniform(1_500.0, 1_700.0, split_mask.sum())
    pop_f = p0[:, None] * np.exp(growth[:, None] * (tt[None, :] - t_first))
    pop_f *= np.exp(rng.normal(0.0, 0.01, (n_deso, n_y)))
    pop_f = np.where(split_mask[:, None], pop_f, np.clip(pop_f, 720.0, 2_680.0))
    return np.round(pop_f).astype(np.int64), split_mask


@dataclass(frozen=True)
class _Base:
    """What every statistic is built from (arrays of shape ``(n_deso, n_years)``)."""

    off: AreaOffsets
    pop: np.ndarray
    dep: np.ndarray
    h: np.ndarray  # share living in small houses (småhus)
    urban: np.ndarray  # 1 in the inner city
    tt: np.ndarray  # the years, shape (n_years,)


def _ages(b: _Base, cols: Columns) -> dict[str, np.ndarray]:
    """Age bands; returns the age groups other tables need."""
    off, pop, dep, h, urban = b.off, b.pop, b.dep, b.h, b.urban
    n_deso, n_y = pop.shape
    young = 0.22 * dep + off(0.12) + 0.15 * (h - 0.5)
    logits = (
        np.log(AGE_BASE)[None, None, :]
        + young[:, :, None] * AGE_TILT[None, None, :]
        + (0.9 * urban)[:, :, None] * AGE_URBAN[None, None, :]
    )
    shares = softmax(logits.reshape(-1, len(AGE_BANDS)))
    ages = allocate(pop.reshape(-1), shares).reshape(n_deso, n_y, len(AGE_BANDS))
    for k, (_, var, _, _) in enumerate(AGE_BANDS):
        cols[var] = ages[:, :, k]
    band_lo = np.array([b[2] for b in AGE_BANDS])
    pop_20_64 = ages[:, :, (band_lo >= 20) & (band_lo < 65)].sum(axis=2)
    pop_25_64 = ages[:, :, (band_lo >= 25) & (band_lo < 65)].sum(axis=2)
    pop_20plus = ages[:, :, band_lo >= 20].sum(axis=2)
    b15 = ages[:, :, int(np.flatnonzero(band_lo == 15)[0])]
    pop_16_64 = np.round(0.8 * b15).astype(np.int64) + pop_20_64
    cols["pop_20_64"] = pop_20_64
    return {
        "pop_20_64": pop_20_64,
        "pop_25_64": pop_25_64,
        "pop_20plus": pop_20plus,
        "pop_16_64": pop_16_64,
    }


def _background(b: _Base, cols: Columns) -> None:
    """Swedish/foreign background and birth region."""
    off, pop, dep = b.off, b.pop, b.dep
    foreign_share = logistic(-1.3 + 1.1 * dep + off(0.25))
    foreign = np.round(pop * foreign_share).astype(np.int64)
    cols["pop_foreign_background"] = foreign
    cols["pop_swedish_background"] = pop - foreign
    abroad = np.round(foreign * np.clip(0.70 + off(0.04), 0.55, 0.85)).astype(np.int64)
    europe_share = logistic(0.3 - 0.5 * dep + off(0.2))
    europe = np.round(abroad * europe_share).astype(np.int64)
    cols["pop_born_sweden"] = pop - abroad
    cols["pop_born_europe_excl_sweden"] = europe
    cols["pop_born_rest_of_world"] = abroad - europe


def _education(b: _Base, cols: Columns, pop_25_64: np.ndarray) -> None:
    """Education level of the 25–64-year-olds."""
    off, dep, h, urban = b.off, b.dep, b.h, b.urban
    n_deso, n_y = dep.shape
    edu_logits = np.stack(
        [
            -1.9 + 0.55 * dep + off(0.15),
            np.zeros_like(dep) + 0.2 * (h - 0.5),
            -0.9 - 0.1 * dep + off(0.1),
            -0.2 - 0.55 * dep + 0.4 * urban + off(0.2),
            -3.8 + 0.6 * dep + off(0.2),
        ],
        axis=2,
    )
    edu = allocate(pop_25_64.reshape(-1), softmax(edu_logits.reshape(-1, 5))).reshape(
        n_deso, n_y, 5
    )
    for k, (_, var) in enumerate(SCB_TABLES["000005MO"].columns):
        cols[var] = edu[:, :, k]


def _income(b: _Base, cols: Columns, pop_20plus: np.ndarray, t_last: int) -> None:
    """Net income of the 20+ (fixed prices of the last year)."""
    off, dep, tt = b.off, b.dep, b.tt
    year_fac = 1.0 + 0.01 * (tt[None, :] - t_last)
    median = np.clip(305.0 - 38.0 * dep + off(12.0), 170.0, 480.0) * year_fac
    mean_ratio = 1.06 + 0.07 * np.clip(-dep, 0, None) + np.abs(off(0.03))
    cols["income_net_median_tkr"] = np.round(median, 1)
    cols["income_net_mean_tkr"] = np.round(median * mean_ratio, 1)
    cols["income_persons_20plus"] = pop_20plus - np.round(
        pop_20plus * np.clip(0.02 + off(0.006), 0.0, 0.05)
    ).astype(np.int64)


def _economic_standard(b: _Base, cols: Columns) -> None:
    """Shares with low and high economic standard."""
    off, pop, dep, urban = b.off, b.pop, b.dep, b.urban
    cols["low_econ_standard_pct"] = np.round(100 * logistic(-2.3 + 0.85 * dep + off(0.15))).astype(
        np.int64
    )
    cols["high_econ_standard_pct"] = np.round(
        100 * logistic(-1.7 - 0.8 * dep + 0.3 * urban + off(0.15))
    ).astype(np.int64)
    cols["persons_econ_standard"] = pop - np.round(
        pop * np.clip(0.02 + off(0.006), 0.0, 0.05)
    ).astype(np.int64)


def _labour(b: _Base, cols: Columns, pop_16_64: np.ndarray, pop_20_64: np.ndarray) -> None:
    """Labour market status of the 16–64-year-olds; social assistance 20–64."""
    off, dep, urban = b.off, b.dep, b.urban
    emp_rate = logistic(1.4 - 0.5 * dep + off(0.1) - 0.4 * urban * 0.5)
    unemp_rate = logistic(-3.2 + 0.6 * dep + off(0.1))
    lf = np.round(pop_16_64 * (emp_rate + (1 - emp_rate) * unemp_rate * 1.2)).astype(np.int64)
    lf = np.minimum(lf, pop_16_64)
    unemployed = np.round(lf * unemp_rate).astype(np.int64)
    cols["employed_16_64"] = lf - unemployed
    cols["unemployed_16_64"] = unemployed
    cols["labour_force_16_64"] = lf
    cols["outside_labour_force_16_64"] = pop_16_64 - lf
    cols["pop_16_64"] = pop_16_64
    cols["ekbist_or_longterm_unemployed_20_64"] = np.round(
        pop_20_64 * logistic(-3.6 + 0.9 * dep + off(0.15))
    ).astype(np.int64)


def _households(b: _Base, cols: Columns) -> np.ndarray:
    """Households by type; returns the number of households."""
    off, pop, dep, h, urban = b.off, b.pop, b.dep, b.h, b.urban
    n_deso, n_y = pop.shape
    hh_size = np.clip(1.95 + 0.22 * dep + 0.55 * h - 0.25 * urban + off(0.06), 1.5, 3.3)
    n_hh = np.round(pop / hh_size).astype(np.int64)
    hh_logits = np.stack(
        [
            -0.6 + 1.3 * h + 0.1 * dep,
            -0.4 + 0.5 * h - 0.2 * dep + off(0.1),
            -2.2 + 0.45 * dep + off(0.1),
            0.35 - 0.9 * h + 0.4 * urban,
            -2.0 + 0.35 * dep + off(0.1),
        ],
        axis=2,
    )
    hh = allocate(n_hh.reshape(-1), softmax(hh_logits.reshape(-1, 5))).reshape(n_deso, n_y, 5)
    for k, (_, var) in enumerate(SCB_TABLES["000005F8"].columns):
        cols[var] = hh[:, :, k]
    return n_hh


def _dwellings(b: _Base, cols: Columns, n_hh: np.ndarray) -> None:
    """Dwellings by tenure."""
    off, dep, h = b.off, b.dep, b.h
    n_deso, n_y = dep.shape
    n_dw = np.round(n_hh * (1.0 + np.abs(off(0.03)))).astype(np.int64)
    rental = logistic(-0.4 + 0.9 * dep + off(0.4))
    owner_share = 0.92 * h
    tenure_shares = np.stack(
        [
            (1 - owner_share) * rental,
            (1 - owner_share) * (1 - rental),
            owner_share,
            np.clip(0.002 + off(0.002), 0.0, 0.01),
        ],
        axis=2,
    )
    dw = allocate(n_dw.reshape(-1), tenure_shares.reshape(-1, 4)).reshape(n_deso, n_y, 4)
    for k, (_, var) in enumerate(SCB_TABLES["000006OC"].columns):
        cols[var] = dw[:, :, k]


def _house_types(b: _Base, cols: Columns) -> None:
    """Persons by house type."""
    off, pop, dep, h = b.off, b.pop, b.dep, b.h
    n_deso, n_y = pop.shape
    special = np.clip(0.008 + off(0.01), 0.0, 0.05)
    other = np.clip(0.002 + off(0.002), 0.0, 0.01)
    missing = np.clip(0.012 + 0.004 * dep + off(0.006), 0.001, 0.05)
    rest = 1 - special - other - missing
    house_shares = np.stack([rest * h, rest * (1 - h), other, special, missing], axis=2)
    ht = allocate(pop.reshape(-1), house_shares.reshape(-1, 5)).reshape(n_deso, n_y, 5)
    for k, (_, var) in enumerate(SCB_TABLES["000005LO"].columns[:5]):
        cols[var] = ht[:, :, k]
    cols["persons_house_total"] = pop


def statistics(
    rng: Generator,
    *,
    pop: np.ndarray,
    dep: np.ndarray,
    letter: np.ndarray,
    dist_c: np.ndarray,
    years: tuple[int, ...],
) -> Columns:
    """Every SCB statistic (and the extras) per DeSO and year, shape ``(n_deso, n_years)``."""
    n_deso, n_y = pop.shape
    off = AreaOffsets(rng, n_deso, n_y)
    urban = ((letter == "C") & (dist_c < 0.35)).astype(float)[:, None] * np.ones((1, n_y))
    smahus_logit = (
        np.select([letter == "A", letter == "B"], [2.0, 0.7], -0.9)[:, None]
        - 0.7 * dep
        - 1.2 * urban
        + off(0.5)
    )
    b = _Base(off, pop, dep, logistic(smahus_logit), urban, np.asarray(years, dtype=float))
    cols: Columns = {"pop_total": pop}
    groups = _ages(b, cols)
    _background(b, cols)
    _education(b, cols, groups["pop_25_64"])
    _income(b, cols, groups["pop_20plus"], years[-1])
    _economic_standard(b, cols)
    _labour(b, cols, groups["pop_16_64"], groups["pop_20_64"])
    n_hh = _households(b, cols)
    _dwellings(b, cols, n_hh)
    _house_types(b, cols)
    return cols


def ordered_stat_variables() -> list[str]:
    """Every DeSO statistic variable once, in table order, then the extras."""
    out: list[str] = []
    for spec in SCB_TABLES.values():
        for _, var in spec.columns:
            if var not in out:
                out.append(var)
    out.extend(v for v in EXTRA_VARIABLES if v not in out)
    return out


def wide_table(
    rng: Generator, cols: Columns, deso_code: np.ndarray, years: tuple[int, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per DeSO and year, and a handful of SCB-style ".." suppressions in it.

    Returns
    -------
    wide, suppressed
        The table (NaN where suppressed) and ``area_code, year, variable, missing_reason``.
    """
    n_deso, n_y = len(deso_code), len(years)
    wide = pd.DataFrame(
        {
            "area_code": np.repeat(deso_code.astype(str), n_y),
            "year": np.tile(np.asarray(years, dtype=np.int64), n_deso),
        }
    )
    for var in ordered_stat_variables():
        wide[var] = np.asarray(cols[var], dtype=float).reshape(-1)
    # Very small counts, spread over variables.
    cand: list[tuple[int, str]] = []
    for var in _SUPPRESSIBLE:
        col = wide[var].to_numpy()
        rows_v = np.flatnonzero((col >= 1) & (col <= 3))
        if len(rows_v):
            chosen = rng.choice(rows_v, size=min(2, len(rows_v)), replace=False)
            cand.extend((int(r), var) for r in sorted(chosen))
    reason = SCB_MISSING_MARKERS[".."]
    sup_rows = []
    codes_col = wide["area_code"].to_numpy()
    years_col = wide["year"].to_numpy()
    for row, var in cand:
        sup_rows.append(
            {
                "area_code": str(codes_col[int(row)]),
                "year": int(years_col[int(row)]),
                "variable": var,
                "missing_reason": reason,
            }
        )
        wide.loc[int(row), var] = np.nan
    suppressed = pd.DataFrame(sup_rows, columns=["area_code", "year", "variable", "missing_reason"])
    return wide, suppressed


def long_observations(wide: pd.DataFrame, suppressed: pd.DataFrame, version: str) -> pd.DataFrame:
    """The wide table in the long observation contract, suppressed cells with their reason."""
    variables = ordered_stat_variables()
    long = wide.melt(
        id_vars=["area_code", "year"], value_vars=variables, var_name="variable", value_name="value"
    )
    long["period"] = long["year"].astype(str)
    long["area_version"] = version
    long["unit"] = long["variable"].map(VARIABLE_UNITS)
    key = suppressed.assign(period=suppressed["year"].astype(str))[
        ["area_code", "period", "variable", "missing_reason"]
    ]
    long = long.merge(key, on=["area_code", "period", "variable"], how="left")
    long["missing_reason"] = long["missing_reason"].astype(object)
    long.loc[long["missing_reason"].isna(), "missing_reason"] = None
    long["value"] = long["value"].astype(float)
    long = long.sort_values(["area_code", "period", "variable"], kind="stable")
    return long[list(OBS_COLUMNS)].reset_index(drop=True)
