"""Trends of indicators over several periods: weighted least-squares slopes with intervals.

Takes the long output of :func:`omradesbild.indicators.compute_indicators`; re-exported by
:mod:`omradesbild.followup.change`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import ConfigError
from omradesbild.followup._change_common import (
    _IND_REQUIRED,
    _KEYS,
    BoolArray,
    FloatArray,
    _alpha,
    _catalogue_info,
    _col,
    _label_by_direction,
)
from omradesbild.followup._common import (
    as_text,
    check_unique,
    period_to_year,
    require_columns,
)
from omradesbild.indicators import Catalogue, default_catalogue
from omradesbild.wording import both

#: Columns of :func:`trend`'s output, in order.
TREND_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "indicator",
    "period_first",
    "period_last",
    "n_periods",
    "slope",
    "slope_ci_low",
    "slope_ci_high",
    "p_value",
    "weighted",
    "direction",
    "note",
)


def trend(
    ind: pd.DataFrame,
    *,
    periods: Iterable[str | int] | None = None,
    weighted: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
    min_periods: int = 3,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    r"""Linear trend per year of every indicator in every area.

    Parameters
    ----------
    ind
        Output of :func:`~omradesbild.indicators.compute_indicators`.
    periods
        Periods to use (default all). Periods are placed on a time axis in years
        (``"2022"`` → 2022, ``"2022-07"`` → 2022.5).
    weighted
        Weighted least squares with the denominators as weights (default); ``False`` for
        ordinary least squares. A series with a missing or zero denominator is fitted
        unweighted and says so in ``note``.
    confidence
        Confidence level of the slope interval; the significance level of ``direction``
        is :math:`\alpha = 1 -` ``confidence``.
    min_periods
        Fewest periods with a value for an interval and a direction (at least 3).
    catalogue
        For each indicator's direction.

    Returns
    -------
    DataFrame
        :data:`TREND_COLUMNS`. ``slope`` is in the indicator's unit per year.
        ``direction`` is ``improving`` / ``worsening`` (significant slope, using the
        catalogue's direction: for direction +1 a falling value is improving),
        ``increasing`` / ``decreasing`` (significant, direction 0), ``stable`` (the slope's
        interval contains 0) or ``undetermined`` (fewer than ``min_periods`` values).

    Notes
    -----
    With times :math:`x_i` (years), values :math:`y_i` and weights :math:`w_i` (the
    denominators, or 1), :math:`\bar x = \sum w_i x_i / \sum w_i`, :math:`\bar y` likewise,
    :math:`S_{xx} = \sum w_i (x_i - \bar x)^2`, :math:`S_{xy} = \sum w_i (x_i - \bar
    x)(y_i - \bar y)`:

    .. math::

        b = S_{xy} / S_{xx}, \quad
        s^2 = \frac{\sum w_i (y_i - \bar y - b (x_i - \bar x))^2}{m - 2}, \quad
        \mathrm{se}(b) = \sqrt{\frac{s^2}{S_{xx}}},

    after rescaling the weights to mean 1 within the series (:math:`m` = number of
    periods); the interval is :math:`b \pm t_{m-2,\,1-\alpha/2}\,\mathrm{se}(b)` and the
    p-value that of :math:`t = b / \mathrm{se}(b)` with :math:`m - 2` degrees of freedom.
    The residual variance is estimated from the scatter around the line, so year-to-year
    noise beyond the sampling error widens the interval (weights only set the relative
    precision of the periods).
    """
    alpha = _alpha(confidence)
    if min_periods < 3:
        raise ConfigError(both("err_ana_min_periods", n=min_periods))
    require_columns(ind, _IND_REQUIRED, what="indicator table")
    frame = ind.assign(period=ind["period"].astype(str))
    if periods is not None:
        frame = frame.loc[frame["period"].isin({str(p) for p in periods})]
    check_unique(frame, [*_KEYS, "period"], what="indicator table")
    cat = catalogue or default_catalogue()
    info = _catalogue_info(frame["indicator"].unique(), cat)
    value = _col(frame, "value")
    frame = frame.loc[np.isfinite(value)].copy()
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TREND_COLUMNS})
    frame, agg = _grouped_sums(frame, weighted=weighted)
    m = agg["n_periods"].to_numpy(dtype=int)
    slope, lo, hi, pv, enough = _slopes(agg, alpha=alpha, min_periods=min_periods)
    indicator = agg["indicator"].astype(str).to_numpy()
    dirn = np.array([info[i][2] for i in indicator], dtype=int)
    label = _trend_labels(enough & (pv < alpha) & (slope != 0), enough, slope, dirn)
    unweighted = agg["unweighted"].to_numpy(dtype=bool)
    notes: list[str | None] = []
    for mi, uw in zip(m, unweighted, strict=True):
        parts = []
        if mi < min_periods:
            parts.append(f"only {mi} period(s) with a value (need {min_periods})")
        if weighted and uw:
            parts.append("unweighted: a denominator is missing")
        notes.append("; ".join(parts) or None)
    period_col = frame["period"]
    out = pd.DataFrame(
        {
            "area_code": agg["area_code"].to_numpy(),
            "level": agg["level"].to_numpy(),
            "indicator": indicator,
            "period_first": period_col.loc[agg["first"]].to_numpy(),
            "period_last": period_col.loc[agg["last"]].to_numpy(),
            "n_periods": m,
            "slope": slope,
            "slope_ci_low": lo,
            "slope_ci_high": hi,
            "p_value": pv,
            "weighted": weighted & ~unweighted,
            "direction": as_text(label),
            "note": as_text(notes),
        }
    )
    return out[list(TREND_COLUMNS)]


def _grouped_sums(frame: pd.DataFrame, *, weighted: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame with the fit's working columns, and per series: ``n_periods``, the rows of
    the ``first`` and ``last`` period, ``sxx``, ``sxy``, the weighted residual sum ``ssr``
    and whether it fell back to ``unweighted`` (a denominator missing)."""
    years = {p: period_to_year(p) for p in frame["period"].unique()}
    frame["_x"] = frame["period"].map(years).astype(float)
    frame["_y"] = _col(frame, "value")
    w = _col(frame, "denominator") if weighted else np.ones(len(frame))
    frame["_w"] = w
    frame["_wok"] = np.isfinite(w) & (w > 0)
    # Each series' number, in the order of the keys: grouping by it is grouping by the keys
    # (the same groups, rows in the same order, the same sums) without reading them again.
    series = frame.groupby(_KEYS, sort=True).ngroup().to_numpy()
    grp = frame.groupby(series, sort=True)
    ok_all = grp["_wok"].transform("all").to_numpy(dtype=bool)
    w_eff = np.where(ok_all, np.where(frame["_wok"].to_numpy(), w, 1.0), 1.0)
    frame["_w"] = w_eff
    frame["_w"] = frame["_w"] / frame.groupby(series, sort=True)["_w"].transform("mean")
    frame["_wx"] = frame["_w"] * frame["_x"]
    frame["_wy"] = frame["_w"] * frame["_y"]
    grp = frame.groupby(series, sort=True)
    sw = grp["_w"].transform("sum")
    xm = grp["_wx"].transform("sum") / sw
    ym = grp["_wy"].transform("sum") / sw
    dx = frame["_x"] - xm
    dy = frame["_y"] - ym
    frame["_sxx"] = frame["_w"] * dx * dx
    frame["_sxy"] = frame["_w"] * dx * dy
    grp = frame.groupby(series, sort=True)
    sxx_r = grp["_sxx"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        b_r = grp["_sxy"].transform("sum") / sxx_r
    frame["_res"] = frame["_w"] * (dy - b_r * dx) ** 2
    frame["_unweighted"] = ~ok_all
    grp = frame.groupby(_KEYS, sort=True)
    agg = grp[["_sxx", "_sxy", "_res"]].sum()
    agg.columns = ["sxx", "sxy", "ssr"]
    agg.insert(0, "n_periods", grp.size())
    agg.insert(1, "first", grp["_x"].idxmin())
    agg.insert(2, "last", grp["_x"].idxmax())
    agg["unweighted"] = grp["_unweighted"].any()
    return frame, agg.reset_index()


def _slopes(
    agg: pd.DataFrame, *, alpha: float, min_periods: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """Slope, its interval, p-value, and whether the series has enough periods.

    Student's t quantile and tail from scipy.special (``stdtrit``, ``stdtr``: what
    scipy.stats.t.ppf and t.sf compute, the same numbers), loaded here and not at the top
    (:func:`omradesbild._compat.special_functions`); scipy.stats would add a second to
    every report and to the web app's start.
    """
    from omradesbild._compat import special_functions

    special = special_functions()
    stdtr, stdtrit = special.stdtr, special.stdtrit

    m = agg["n_periods"].to_numpy(dtype=int)
    sxx = agg["sxx"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sxx > 0, agg["sxy"].to_numpy(dtype=float) / sxx, np.nan)
        df = m - 2
        s2 = np.where(df > 0, agg["ssr"].to_numpy(dtype=float) / np.maximum(df, 1), np.nan)
        se = np.sqrt(s2 / sxx)
        tq = np.where(df > 0, stdtrit(np.maximum(df, 1), 1.0 - alpha / 2.0), np.nan)
        tstat = np.where(se > 0, slope / se, np.where(slope == 0, 0.0, np.inf))
    enough = (m >= min_periods) & np.isfinite(slope)
    lo = np.where(enough, slope - tq * se, np.nan)
    hi = np.where(enough, slope + tq * se, np.nan)
    x = np.abs(tstat)
    # t.sf(x) is stdtr(-x); scipy.stats sets it to 0 at x = inf itself (NaN stays NaN).
    with np.errstate(invalid="ignore"):
        sf = np.where(np.isposinf(x), 0.0, stdtr(np.maximum(df, 1), -x))
    pv = np.where(enough, 2.0 * sf, np.nan)
    return slope, lo, hi, pv, enough


def _trend_labels(
    sig: BoolArray, enough: BoolArray, slope: FloatArray, dirn: npt.NDArray[np.int_]
) -> npt.NDArray[np.object_]:
    """``improving``/``worsening`` by the indicator's direction (``increasing``/``decreasing``
    without one), ``stable``, or ``undetermined`` with too few periods."""
    label = np.full(len(slope), "undetermined", dtype=object)
    label[enough] = "stable"
    up, down = sig & (slope > 0), sig & (slope < 0)
    _label_by_direction(label, up, down, dirn, neutral=("increasing", "decreasing"))
    return label
