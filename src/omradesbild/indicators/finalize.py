"""Step 3 of the indicator computation: values, confidence intervals, reliability flags and
empirical-Bayes smoothed values from counts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import InputError
from omradesbild.indicators._shared import (
    OUTPUT_COLUMNS,
    FloatArray,
    empty_frame,
    general_format,
    join_notes,
    text_values,
)
from omradesbild.indicators.catalogue import Catalogue, default_catalogue
from omradesbild.indicators.intervals import rate_interval, wilson_interval
from omradesbild.indicators.notes import (
    AGGREGATED_MEDIAN,
    DENOMINATOR_BELOW,
    DENOMINATOR_ZERO,
    EVENTS_BELOW,
)
from omradesbild.indicators.reliability import min_events, reliability
from omradesbild.indicators.smoothing import eb_smooth_rates
from omradesbild.indicators.text_codes import distinct, factorize
from omradesbild.wording import Message


def finalize_indicators(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    smooth: bool = False,
) -> pd.DataFrame:
    r"""Values, confidence intervals and reliability flags from indicator counts.

    Parameters
    ----------
    counts
        :data:`COUNT_COLUMNS`.
    catalogue
        The catalogue the counts were computed with.
    confidence
        Two-sided confidence level of the intervals.
    smooth
        Add empirical-Bayes smoothed values (``value_smoothed``) for proportions and rates,
        estimated per indicator, period and level over all areas in ``counts``.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`.

    Notes
    -----
    With numerator :math:`y`, denominator :math:`n` and multiplier :math:`k`, the value is
    :math:`k\, y / n`. Intervals: Wilson score for ``proportion`` (:math:`k` times the
    interval for :math:`y/n`), Poisson (exact Garwood below 100 events, Byar above) divided by
    :math:`n` for ``rate``; none for ``median`` and ``ratio``. ``reliable`` is
    :math:`n \ge` ``min_denominator`` with a non-missing numerator, and for a rate also
    :math:`y \ge` :data:`~omradesbild.config.CRIME_MIN_EVENTS`
    (:func:`~omradesbild.indicators.reliability.reliability`). ``approximate`` is set for
    medians and percentage-derived numerators above the published level, for areas built with
    link weights below 1, and for denominators taken from another period.
    """
    cat = catalogue or default_catalogue()
    if counts.empty:
        return empty_frame(OUTPUT_COLUMNS)
    inds = {i.id: i for i in cat.indicators}
    ind_col = counts["indicator"]
    unknown = sorted({str(u) for u in distinct(ind_col)} - set(inds))
    if unknown:
        raise InputError(
            Message("err_ana_counts_unknown"),
            field="indicator",
            expected=Message("exp_ana_catalogue_id_not", ids=", ".join(unknown)),
        )
    # one numbering of the column (kept for the base counts' own, which every level has)
    codes, uniques = factorize(ind_col)
    chosen = [inds[str(u)] for u in uniques]
    kind = np.array([i.kind for i in chosen], dtype=object)[codes]
    mult = np.array([i.multiplier for i in chosen], dtype=float)[codes]
    min_den = np.array([i.min_denominator for i in chosen], dtype=float)[codes]
    min_ev = np.array([min_events(i.kind) for i in chosen], dtype=float)[codes]
    from_pct = np.array([i.derived_from_percentage for i in chosen], dtype=bool)[codes]
    y = counts["numerator"].to_numpy(dtype=float)
    n = counts["denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, y / n * mult, np.nan)
    is_prop = kind == "proportion"
    is_rate = kind == "rate"
    is_median = kind == "median"
    ci_low, ci_high = _intervals(y, n, mult, is_prop, is_rate, confidence)

    aggregated = (counts["n_parts"].to_numpy() > 1) | counts["partial"].to_numpy(dtype=bool)
    approximate = (
        counts["approximate"].to_numpy(dtype=bool)
        | counts["partial"].to_numpy(dtype=bool)
        | ((is_median | from_pct) & aggregated)
    )
    rel = reliability(y, n, value, min_denominator=min_den, min_events=min_ev)

    notes = _notes(n, min_den, is_median & aggregated, y, min_ev, rel.few_events)

    smoothed = (
        _smoothed(counts, y, n, mult, is_prop | is_rate) if smooth else np.full(len(counts), np.nan)
    )

    out = pd.DataFrame(
        {
            "area_code": text_values(counts["area_code"]),
            "level": text_values(counts["level"]),
            "period": text_values(counts["period"]),
            "indicator": text_values(ind_col),
            "numerator": np.where(is_median, np.nan, y),
            "denominator": n,
            "value": value,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "reliable": rel.reliable,
            "approximate": approximate,
            "value_smoothed": smoothed,
            "note": join_notes(counts["note"].to_numpy(dtype=object), *notes),
        }
    )
    return out[list(OUTPUT_COLUMNS)]


def _intervals(
    y: FloatArray,
    n: FloatArray,
    mult: FloatArray,
    is_prop: npt.NDArray[np.bool_],
    is_rate: npt.NDArray[np.bool_],
    confidence: float,
) -> tuple[FloatArray, FloatArray]:
    """Wilson intervals for proportions, Poisson intervals for rates, NaN otherwise."""
    ci_low = np.full(len(y), np.nan)
    ci_high = np.full(len(y), np.nan)
    if is_prop.any():
        lo, hi = wilson_interval(y[is_prop], n[is_prop], confidence=confidence)
        ci_low[is_prop] = lo * mult[is_prop]
        ci_high[is_prop] = hi * mult[is_prop]
    if is_rate.any():
        lo, hi = rate_interval(y[is_rate], n[is_rate], multiplier=1.0, confidence=confidence)
        ci_low[is_rate] = lo * mult[is_rate]
        ci_high[is_rate] = hi * mult[is_rate]
    return ci_low, ci_high


def _notes(
    n: FloatArray,
    min_den: FloatArray,
    aggregated_median: npt.NDArray[np.bool_],
    y: FloatArray,
    min_ev: FloatArray,
    few_events: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.object_], ...]:
    """Notes on zero and small denominators, on rates of few events and on aggregated
    medians."""
    zero_note = np.full(len(n), None, dtype=object)
    zero_note[n == 0] = DENOMINATOR_ZERO.text()
    small = (n < min_den) & (n > 0)
    small_note = np.full(len(n), None, dtype=object)
    small_note[small] = DENOMINATOR_BELOW.fill(
        n=general_format(n[small]), limit=general_format(min_den[small])
    )
    few = few_events & ~np.isnan(y)
    few_note = np.full(len(n), None, dtype=object)
    few_note[few] = EVENTS_BELOW.fill(n=general_format(y[few]), limit=general_format(min_ev[few]))
    med_note = np.full(len(n), None, dtype=object)
    med_note[aggregated_median] = AGGREGATED_MEDIAN.text()
    return zero_note, small_note, few_note, med_note


def _smoothed(
    counts: pd.DataFrame,
    y: FloatArray,
    n: FloatArray,
    mult: FloatArray,
    eligible: npt.NDArray[np.bool_],
) -> FloatArray:
    """Empirical-Bayes smoothed values per indicator, period and level (NaN elsewhere)."""
    smoothed = np.full(len(counts), np.nan)
    groups = counts.loc[eligible].groupby(["indicator", "period", "level"], sort=False)
    positions = np.flatnonzero(eligible)
    for _, idx in groups.indices.items():
        pos = positions[idx]
        res = eb_smooth_rates(y[pos], n[pos])
        smoothed[pos] = res.smoothed * mult[pos]
    return smoothed
