"""Segregation measures over areas: dissimilarity, Theil's H, residents per area type."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def segregation_indices(counts: pd.DataFrame, *, group_column: str = "group") -> pd.DataFrame:
    r"""Dissimilarity index *D* and Theil's information index *H* per group.

    Parameters
    ----------
    counts
        ``group_column``, ``area_code``, ``x`` (persons in the group) and ``t`` (all
        persons) per area. Areas with a missing or zero total are left out.

    Returns
    -------
    DataFrame
        ``group, n_areas, group_total, total, share, dissimilarity, theil``.

    Notes
    -----
    With :math:`X = \sum x_i`, :math:`T = \sum t_i`, :math:`P = X / T`,
    :math:`p_i = x_i / t_i` and the entropy :math:`E(p) = -p\ln p - (1-p)\ln(1-p)`:

    .. math::

        D = \tfrac12 \sum_i \left| \frac{x_i}{X} - \frac{t_i - x_i}{T - X} \right|,
        \qquad H = \sum_i \frac{t_i \, (E(P) - E(p_i))}{E(P)\, T}.

    These are the formulas of PySAL ``segregation.singlegroup.Dissim`` and ``Entropy``
    (Massey & Denton 1988); they are computed here directly so the report does not need
    that package at run time.
    """

    def _entropy(p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            e = -p * np.log(p) - (1 - p) * np.log(1 - p)
        return np.nan_to_num(e)

    out = []
    for group, g in counts.groupby(group_column, sort=False):
        x = pd.to_numeric(g["x"], errors="coerce").to_numpy(dtype="float64")
        t = pd.to_numeric(g["t"], errors="coerce").to_numpy(dtype="float64")
        ok = np.isfinite(x) & np.isfinite(t) & (t > 0)
        x, t = np.minimum(x[ok], t[ok]), t[ok]
        big_x, big_t = float(x.sum()), float(t.sum())
        d = h = share = math.nan
        if big_t > 0 and 0 < big_x < big_t:
            share = big_x / big_t
            d = 0.5 * float(np.abs(x / big_x - (t - x) / (big_t - big_x)).sum())
            e = float(_entropy(np.array([share]))[0])
            h = float((t * (e - _entropy(x / t))).sum() / (e * big_t))
        out.append(
            {
                "group": str(group),
                "n_areas": int(ok.sum()),
                "group_total": big_x,
                "total": big_t,
                "share": share,
                "dissimilarity": d,
                "theil": h,
            }
        )
    return pd.DataFrame(
        out, columns=["group", "n_areas", "group_total", "total", "share", "dissimilarity", "theil"]
    )


def population_by_type(
    index: pd.DataFrame, population: pd.Series, *, threshold: int = 5
) -> pd.DataFrame:
    """Areas and residents per area type, with the share of the residents.

    Parameters
    ----------
    index
        ``area_code, class, class_label`` (areas in scope).
    population
        Residents per ``area_code``.
    threshold
        Counts of residents below this are hidden (NaN), as everywhere on the site.

    Returns
    -------
    DataFrame
        ``class, class_label, n_areas, population, share`` (share in percent).
    """
    df = index[["area_code", "class", "class_label"]].dropna(subset=["class"]).copy()
    df["population"] = df["area_code"].map(population).astype("float64")
    g = (
        df.groupby(["class", "class_label"], as_index=False)
        .agg(n_areas=("area_code", "size"), population=("population", "sum"))
        .sort_values("class")
    )
    total = float(g["population"].sum())
    g["share"] = 100.0 * g["population"] / total if total > 0 else np.nan
    small = g["population"] < threshold
    g.loc[small, ["population", "share"]] = np.nan
    g["class"] = g["class"].astype(int)
    return g.reset_index(drop=True)
