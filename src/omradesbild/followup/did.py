"""Difference-in-differences for an intervention's areas against comparable areas.

Pure functions over a tidy panel ``area_code, period, value`` (one indicator); they read no
store and never change their inputs. See ``docs/partners.md`` for the method.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import InputError
from omradesbild.followup._common import period_to_year, require_columns
from omradesbild.wording import Message

#: The assumptions the estimate rests on (keys of the wording catalogue).
ASSUMPTION_KEYS: tuple[str, ...] = (
    "did_assumption_parallel",
    "did_assumption_anticipation",
    "did_assumption_spillover",
    "did_assumption_composition",
    "did_assumption_coincident",
    "did_assumption_average",
)

#: The assumptions as :class:`~omradesbild.wording.Message` (English strings; ``.text(lang)``).
ASSUMPTIONS: tuple[str, ...] = tuple(Message(k) for k in ASSUMPTION_KEYS)


@dataclass
class DidResult:
    """The difference-in-differences estimate and its diagnostics.

    Attributes
    ----------
    estimate
        δ̂, the effect on the indicator in its own unit (positive: the indicator rose more in
        the intervention areas than in the comparison areas).
    se, ci_low, ci_high, p_value
        Standard error, confidence interval and two-sided p-value of δ̂ (NaN when they
        cannot be computed).
    means
        Mean value per group (``treated``/``comparison``) and period, with ``post``.
    simple_2x2
        ``(T̄_post − T̄_pre) − (C̄_post − C̄_pre)`` from the area-period means.
    pre_trend_slope, pre_trend_p
        Difference in linear trend per year (treated − comparison) before the start, and its
        p-value; NaN with fewer than two pre periods.
    assumptions
        The assumptions the estimate rests on, in plain words.
    notes
        Warnings about this particular estimate.

    Assumptions and notes are :class:`~omradesbild.wording.Message` strings: English as
    they are, in another language by ``.text(lang)``.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float
    se_method: str
    n_treated: int
    n_comparison: int
    n_obs: int
    pre_periods: list[str]
    post_periods: list[str]
    simple_2x2: float
    pre_trend_slope: float
    pre_trend_p: float
    means: pd.DataFrame
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: list[str] = field(default_factory=list)

    @property
    def pre_trend_ok(self) -> bool | None:
        """False when the pre-trend test rejects parallel trends at 5 %; None if untested."""
        if np.isnan(self.pre_trend_p):
            return None
        return bool(self.pre_trend_p >= 0.05)

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON."""
        return {
            "estimate": self.estimate, "se": self.se, "ci_low": self.ci_low,
            "ci_high": self.ci_high, "p_value": self.p_value, "confidence": self.confidence,
            "se_method": self.se_method, "n_treated": self.n_treated,
            "n_comparison": self.n_comparison, "n_obs": self.n_obs,
            "pre_periods": self.pre_periods, "post_periods": self.post_periods,
            "simple_2x2": self.simple_2x2, "pre_trend_slope": self.pre_trend_slope,
            "pre_trend_p": self.pre_trend_p, "pre_trend_ok": self.pre_trend_ok,
            "assumptions": list(self.assumptions), "notes": list(self.notes),
        }  # fmt: skip


def _fe_ols(
    y: np.ndarray,
    areas: np.ndarray,
    periods: np.ndarray,
    regressors: np.ndarray,
    *,
    se: Literal["cluster", "simple"],
) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS of y on regressors with area and period fixed effects.

    Returns the coefficients of ``regressors``, their standard errors and the degrees of
    freedom for the t distribution.
    """
    a_codes, a_idx = np.unique(areas, return_inverse=True)
    p_codes, p_idx = np.unique(periods, return_inverse=True)
    n, k = len(y), regressors.shape[1]
    fe_a = np.zeros((n, len(a_codes)))
    fe_a[np.arange(n), a_idx] = 1.0
    fe_p = np.zeros((n, max(len(p_codes) - 1, 0)))
    rows = p_idx > 0
    fe_p[np.flatnonzero(rows), p_idx[rows] - 1] = 1.0
    x = np.hstack([regressors, fe_a, fe_p])
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    u = y - x @ beta
    rank = int(np.linalg.matrix_rank(x))
    if se == "simple":
        dof = n - rank
        s2 = float(u @ u) / dof if dof > 0 else np.nan
        v = xtx_inv * s2
        return beta[:k], np.sqrt(np.diag(v)[:k]), dof
    g = len(a_codes)
    meat = np.zeros((x.shape[1], x.shape[1]))
    for j in range(g):
        sel = a_idx == j
        s = x[sel].T @ u[sel]
        meat += np.outer(s, s)
    c = (g / (g - 1)) * ((n - 1) / (n - rank)) if g > 1 and n > rank else np.nan
    v = xtx_inv @ meat @ xtx_inv * c
    return beta[:k], np.sqrt(np.maximum(np.diag(v)[:k], 0.0)), g - 1


def difference_in_differences(
    panel: pd.DataFrame,
    *,
    treated: Iterable[str],
    start_period: str | int,
    comparison: Iterable[str],
    confidence: float = DEFAULT_CONFIDENCE,
    se: Literal["cluster", "simple"] = "cluster",
) -> DidResult:
    """Two-way fixed-effects difference-in-differences of one indicator.

    Parameters
    ----------
    panel
        Columns ``area_code``, ``period``, ``value`` (one row per area and period; rows with
        a missing value are left out).
    treated
        The intervention's areas.
    start_period
        The first period in which the intervention acts; it and later periods are *post*.
    comparison
        Comparable areas without the intervention (e.g. :func:`comparable_areas`).
    confidence
        Level of the confidence interval.
    se
        ``"cluster"``: cluster-robust by area (CR1), t with G − 1 degrees of freedom;
        ``"simple"``: the homoskedastic OLS standard error.

    Returns
    -------
    DidResult

    Raises
    ------
    InputError
        Missing columns, overlapping groups, or no pre or post observations for a group.

    Notes
    -----
    The model is ``y_it = α_i + λ_t + δ·D_it + ε_it`` with ``D_it = 1`` for an intervention
    area ``i`` in a period ``t ≥ start``. The CR1 variance is
    ``V = c·(X'X)⁻¹ (Σ_g X_g'û_g û_g'X_g) (X'X)⁻¹`` with ``c = G/(G−1) · (N−1)/(N−K)``. With
    a balanced panel δ̂ equals the 2×2 difference of means
    ``(T̄_post − T̄_pre) − (C̄_post − C̄_pre)``.

    The pre-trend check fits, on the pre periods only,
    ``y_it = α_i + λ_t + θ·T_i·(year_t − year_start) + ε_it`` and tests ``θ = 0``; θ̂ is the
    difference in slope per year. A significant θ̂ means the parallel-trends assumption is
    doubtful; a non-significant one does not prove it.
    """
    require_columns(panel, ("area_code", "period", "value"), what="the DiD panel")
    if not 0 < confidence < 1:
        raise InputError(Message("err_ana_not_a_level", value=str(confidence)), field="confidence",
                         expected=Message("exp_ana_between_0_1"))  # fmt: skip
    t_set = {str(a) for a in treated}
    c_set = {str(a) for a in comparison}
    both = sorted(t_set & c_set)
    if both:
        raise InputError(Message("err_ana_treated_and_comparison", area=both[0]),
                         field="comparison", expected=Message("exp_ana_untreated"))  # fmt: skip
    df, start = _did_frame(panel, t_set, c_set, start_period)
    notes: list[str] = []
    missing_t = sorted(t_set - set(df.loc[df["treated"], "area_code"]))
    if missing_t:
        notes.append(Message("did_missing_treated", areas=", ".join(missing_t)))

    y = df["value"].to_numpy()
    d = (df["treated"] & df["post"]).to_numpy(dtype=float)[:, None]
    areas = df["area_code"].to_numpy()
    periods = df["period"].to_numpy()
    beta, sd, dof = _fe_ols(y, areas, periods, d, se=se)
    est, s = float(beta[0]), float(sd[0])
    from scipy import stats  # here, not at the top: a second less to start the web app

    q = float(stats.t.ppf(0.5 + confidence / 2, dof)) if dof > 0 else np.nan
    p = float(2 * stats.t.sf(abs(est / s), dof)) if dof > 0 and s > 0 else np.nan

    n_t = int(df.loc[df["treated"], "area_code"].nunique())
    n_c = int(df.loc[~df["treated"], "area_code"].nunique())
    if se == "cluster" and n_t < 5:
        notes.append(Message("did_few_treated", n=n_t))

    means, simple = _group_means(df)

    pre = df.loc[~df["post"]]
    slope, slope_p = _pre_trend(pre, start, se, notes)
    if not np.isnan(slope_p) and slope_p < 0.05:
        notes.append(Message("did_pretrend_differs"))

    post_periods = sorted(df.loc[df["post"], "period"].unique(), key=period_to_year)
    pre_periods = sorted(pre["period"].unique(), key=period_to_year)
    return DidResult(
        estimate=est, se=s, ci_low=est - q * s, ci_high=est + q * s, p_value=p,
        confidence=confidence,
        se_method="cluster-robust by area (CR1)" if se == "cluster" else "simple OLS",
        n_treated=n_t, n_comparison=n_c, n_obs=len(df), pre_periods=[str(x) for x in
        pre_periods], post_periods=[str(x) for x in post_periods], simple_2x2=simple,
        pre_trend_slope=slope, pre_trend_p=slope_p, means=means, notes=notes,
    )  # fmt: skip


def _did_frame(
    panel: pd.DataFrame, t_set: set[str], c_set: set[str], start_period: str | int
) -> tuple[pd.DataFrame, float]:
    """The panel's values of both groups with ``year``, ``treated`` and ``post``, and the
    start's year; raises when a group has no value before or from the start."""
    df = pd.DataFrame({
        "area_code": panel["area_code"].astype(str).to_numpy(),
        "period": panel["period"].astype(str).to_numpy(),
        "value": pd.to_numeric(panel["value"], errors="coerce").to_numpy(dtype=float),
    })  # fmt: skip
    df = df.loc[df["area_code"].isin(t_set | c_set) & np.isfinite(df["value"])]
    start = period_to_year(start_period, field="start_period")
    df["year"] = [period_to_year(p) for p in df["period"]]
    df["treated"] = df["area_code"].isin(t_set)
    df["post"] = df["year"] >= start
    for grp, name in ((True, "intervention"), (False, "comparison")):
        for post, when in ((False, "before"), (True, "from")):
            if not ((df["treated"] == grp) & (df["post"] == post)).any():
                group = Message(f"exp_ana_group_{name}")
                raise InputError(
                    Message(f"err_ana_did_none_{when}", group=group, start=str(start_period)),
                    field="value",
                    expected=Message("exp_ana_both_groups"),
                )
    return df, start


def _group_means(df: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Mean per group and period, and the simple 2×2 difference of the four cell means."""
    means = (
        df.assign(group=np.where(df["treated"], "treated", "comparison"))
        .groupby(["group", "period"], as_index=False)
        .agg(value=("value", "mean"), n_areas=("area_code", "nunique"), post=("post", "first"))
    )
    means["year"] = [period_to_year(p) for p in means["period"]]
    means = means.sort_values(["group", "year"]).drop(columns="year").reset_index(drop=True)
    cell = df.groupby(["treated", "post"])["value"].mean()
    simple = float(
        (cell[True, True] - cell[True, False]) - (cell[False, True] - cell[False, False])
    )
    return means, simple


def _pre_trend(
    pre: pd.DataFrame, start: float, se: Literal["cluster", "simple"], notes: list[str]
) -> tuple[float, float]:
    """Slope (and p-value) of the intervention group's extra trend before the start; adds a
    note when it cannot be checked."""
    slope, slope_p = np.nan, np.nan
    if pre["period"].nunique() >= 2:
        xr = (pre["treated"].to_numpy(dtype=float) * (pre["year"].to_numpy() - start))[:, None]
        b, sb, dfree = _fe_ols(pre["value"].to_numpy(), pre["area_code"].to_numpy(),
                               pre["period"].to_numpy(), xr, se=se)  # fmt: skip
        slope = float(b[0])
        if dfree > 0 and sb[0] > 0:
            from scipy import stats

            slope_p = float(2 * stats.t.sf(abs(slope / sb[0]), dfree))
    else:
        notes.append(Message("did_no_pretrend"))
    return slope, slope_p


def comparable_areas(
    area_types: pd.DataFrame,
    area_code: str | Iterable[str],
    period: str | int,
    *,
    type_column: str = "area_type",
) -> list[str]:
    """Areas of the same area type as ``area_code`` in ``period`` (the area itself excluded).

    Parameters
    ----------
    area_types
        Columns ``area_code``, ``period`` and ``type_column`` (e.g. the ``class`` of SCB's
        area types from the ``scb-omradestyp`` index).
    area_code
        One area, or several: then the areas sharing the type of any of them, minus them all.
    period
        The period whose types are compared (usually the last one before the start).

    Raises
    ------
    InputError
        Missing columns, or an area without a type in that period.
    """
    require_columns(area_types, ("area_code", "period", type_column), what="the area types")
    codes = {area_code} if isinstance(area_code, str) else {str(c) for c in area_code}
    now = area_types.loc[area_types["period"].astype(str) == str(period)]
    now = now.loc[now[type_column].notna()]
    types = dict(zip(now["area_code"].astype(str), now[type_column], strict=False))
    wanted = set()
    for c in sorted(codes):
        if c not in types:
            raise InputError(Message("err_ana_no_type", area=c, period=str(period)),
                             field=type_column, expected=Message("exp_ana_type_every"))  # fmt: skip
        wanted.add(types[c])
    same = [c for c, t in types.items() if t in wanted and c not in codes]
    return sorted(same)
