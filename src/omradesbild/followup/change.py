"""Change of indicators over time: two-period differences with tests, trends, references.

All functions take the long output of :func:`omradesbild.indicators.compute_indicators`
(``area_code, level, period, indicator, numerator, denominator, value, ci_low, ci_high,
reliable, approximate, note``) and return a new tidy frame; inputs are never changed.

:func:`trend` lives in :mod:`omradesbild.followup.trends` and is importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.followup._change_common import (
    _IND_REQUIRED,
    _KEYS,
    BoolArray,
    FloatArray,
    _alpha,
    _bool_col,
    _catalogue_info,
    _col,
    _label_by_direction,
)
from omradesbild.followup._common import (
    as_text,
    check_unique,
    period_absent,
    require_columns,
)
from omradesbild.followup.trends import TREND_COLUMNS, trend
from omradesbild.indicators import (
    Catalogue,
    add_reference_levels,
    default_catalogue,
    poisson_interval,
    wilson_interval,
)
from omradesbild.wording import Message

__all__ = [
    "CHANGE_COLUMNS",
    "REFERENCE_COLUMNS",
    "TREND_COLUMNS",
    "compare_to_reference",
    "indicator_change",
    "trend",
]

#: Columns of :func:`indicator_change`'s output, in order.
CHANGE_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "indicator",
    "period_from",
    "period_to",
    "value_from",
    "value_to",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "test",
    "statistic",
    "p_value",
    "significant",
    "change",
    "note",
)


#: Columns of :func:`compare_to_reference`'s output, in order.
REFERENCE_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "period",
    "indicator",
    "value",
    "ci_low",
    "ci_high",
    "kommun_code",
    "kommun_value",
    "country_value",
    "gap_kommun",
    "gap_country",
    "ci_excludes_kommun",
    "ci_excludes_country",
    "vs_kommun",
    "vs_country",
)


def _mover(
    d: FloatArray,
    est1: FloatArray,
    lo1: FloatArray,
    hi1: FloatArray,
    est2: FloatArray,
    lo2: FloatArray,
    hi2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """MOVER (Newcombe/Zou–Donner) interval of ``est2 - est1`` from the two intervals."""
    low = d - np.sqrt((est2 - lo2) ** 2 + (hi1 - est1) ** 2)
    high = d + np.sqrt((hi2 - est2) ** 2 + (est1 - lo1) ** 2)
    return low, high


def _two_proportion_z(
    y1: FloatArray, n1: FloatArray, y2: FloatArray, n2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Pooled two-proportion z statistic and two-sided p-value (p = 1 when the pooled
    proportion is 0 or 1)."""
    from scipy import stats  # here, not at the top: a second less to start the web app

    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = y1 / n1, y2 / n2
        pooled = (y1 + y2) / (n1 + n2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        z = np.where(se > 0, (p2 - p1) / se, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, np.where(np.isfinite(z), p, np.nan)


def _rate_tests(
    y1: FloatArray, n1: FloatArray, y2: FloatArray, n2: FloatArray
) -> tuple[npt.NDArray[np.object_], FloatArray, FloatArray]:
    """Test name, statistic and two-sided p-value of equal Poisson rates."""
    from scipy import stats

    k = len(y1)
    names = np.full(k, "conditional_binomial", dtype=object)
    stat = np.full(k, np.nan)
    p = np.full(k, np.nan)
    integer = (np.abs(y1 - np.round(y1)) < 1e-9) & (np.abs(y2 - np.round(y2)) < 1e-9)
    if integer.any():
        a = np.round(y1[integer])
        b = np.round(y2[integer])
        total = a + b
        pi0 = n2[integer] / (n1[integer] + n2[integer])
        lower = stats.binom.cdf(b, total, pi0)
        upper = stats.binom.sf(b - 1.0, total, pi0)
        pv = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
        p[integer] = np.where(total > 0, pv, 1.0)
    other = ~integer
    if other.any():
        a, b = y1[other], y2[other]
        c = np.where((a == 0) | (b == 0), 0.5, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log((b + c) / n2[other]) - np.log((a + c) / n1[other])) / np.sqrt(
                1.0 / (a + c) + 1.0 / (b + c)
            )
        names[other] = "log_rate_ratio_z"
        stat[other] = z
        p[other] = 2.0 * stats.norm.sf(np.abs(z))
    return names, stat, p


def indicator_change(
    ind: pd.DataFrame,
    *,
    period_from: str | int,
    period_to: str | int,
    confidence: float = DEFAULT_CONFIDENCE,
    catalogue: Catalogue | None = None,
    test_approximate: bool = False,
) -> pd.DataFrame:
    r"""Change of every indicator in every area between two periods, with a test.

    Parameters
    ----------
    ind
        Output of :func:`~omradesbild.indicators.compute_indicators` (one or several levels).
    period_from, period_to
        The two periods compared (``diff = value_to - value_from``).
    confidence
        Confidence level of the difference's interval; the test's significance level is
        :math:`\alpha = 1 -` ``confidence``.
    catalogue
        The catalogue the indicators were computed with (kind, multiplier, direction).
    test_approximate
        Also test rows flagged ``approximate`` (their counts are estimates; by default such
        changes get a difference but no test).

    Returns
    -------
    DataFrame
        :data:`CHANGE_COLUMNS`, one row per area, level and indicator present in either
        period. ``test`` names the test (``two_proportion_z``, ``conditional_binomial``,
        ``log_rate_ratio_z``) or is ``None`` when not testable; ``significant`` is a nullable
        boolean; ``change`` is ``improving`` / ``worsening`` (by the catalogue's direction),
        ``increase`` / ``decrease`` (direction 0), ``no significant change`` or ``None``
        when not tested; ``note`` says why a row is not tested.

    Raises
    ------
    InputError
        Missing columns, more than one row per area, level, period and indicator, or an
        indicator the catalogue does not define.

    Notes
    -----
    With counts :math:`y_1, y_2`, denominators :math:`n_1, n_2` and multiplier :math:`k`:

    *Proportions.* :math:`\hat p_j = y_j / n_j`. The interval of :math:`d = \hat p_2 - \hat
    p_1` is Newcombe's hybrid score (MOVER) interval from the two Wilson intervals
    :math:`(l_j, u_j)`:

    .. math::

        \left(d - \sqrt{(\hat p_2 - l_2)^2 + (u_1 - \hat p_1)^2},\;
              d + \sqrt{(u_2 - \hat p_2)^2 + (\hat p_1 - l_1)^2}\right) \cdot k.

    The test is the pooled two-proportion z-test, :math:`\bar p = (y_1 + y_2)/(n_1 + n_2)`,
    :math:`z = (\hat p_2 - \hat p_1) / \sqrt{\bar p (1 - \bar p)(1/n_1 + 1/n_2)}`,
    :math:`p = 2(1 - \Phi(|z|))`.

    *Rates.* The same MOVER construction from the Poisson intervals of :math:`y_j / n_j`.
    The test of equal rates is conditional on :math:`Y = y_1 + y_2`: under
    :math:`H_0`, :math:`y_2 \sim \mathrm{Bin}(Y, n_2 / (n_1 + n_2))`; the two-sided exact
    p-value doubles the smaller tail, :math:`p = \min(1, 2 \min(P(X \le y_2), P(X \ge
    y_2)))`. Non-integer (weighted) counts use the normal approximation on the log rate
    ratio, :math:`z = \ln\frac{(y_2 + c)/n_2}{(y_1 + c)/n_1} / \sqrt{1/(y_1 + c) + 1/(y_2 +
    c)}`, with :math:`c = 0.5` when a count is zero (else 0).

    *Medians and ratios* have no counts: the difference is given without interval or test.

    Register counts are complete counts, not samples; the interval and test treat them as
    the outcome of a random process (binomial or Poisson) whose underlying rate is
    compared, so "significant" means "larger than the year-to-year noise a stable area
    would show". The two periods are treated as independent, which they are not for the
    same residents; the test is therefore conservative for slow-changing shares. The
    interval and the test can disagree at the boundary (they are different constructions).
    """
    alpha = _alpha(confidence)
    require_columns(ind, _IND_REQUIRED, what="indicator table")
    p_from, p_to = str(period_from), str(period_to)
    m, info = _aligned_periods(ind, p_from, p_to, catalogue or default_catalogue())
    k = len(m)
    indicator = m["indicator"].astype(str).to_numpy()
    kind = np.array([info[i][0] for i in indicator], dtype=object)
    mult = np.array([info[i][1] for i in indicator], dtype=float)
    direction = np.array([info[i][2] for i in indicator], dtype=int)
    y1, n1 = _col(m, "numerator_from"), _col(m, "denominator_from")
    y2, n2 = _col(m, "numerator_to"), _col(m, "denominator_to")
    v1, v2 = _col(m, "value_from"), _col(m, "value_to")
    approx = _bool_col(m, "approximate_from") | _bool_col(m, "approximate_to")
    diff = v2 - v1
    note = np.full(k, None, dtype=object)

    have = np.isfinite(v1) & np.isfinite(v2)
    counts_ok = np.isfinite(y1) & np.isfinite(y2) & (n1 > 0) & (n2 > 0) & (y1 >= 0) & (y2 >= 0)
    note[~np.isfinite(v1)] = Message("note_no_value_in", period=p_from)
    note[~np.isfinite(v2) & np.isfinite(v1)] = Message("note_no_value_in", period=p_to)
    countable = np.isin(kind, ["proportion", "rate"])
    note[have & ~countable] = [
        Message("note_not_testable_kind", kind=kd) for kd in kind[have & ~countable]
    ]
    note[have & countable & ~counts_ok] = Message("note_not_testable_counts")
    blocked = have & countable & counts_ok & approx & (not test_approximate)
    note[blocked] = Message("note_not_tested_approximate")
    for at, year, period in _other_year_denominators(m, blocked, p_from, p_to):
        note[at] = Message("note_not_tested_denominator_year", period=period, year=year)
    testable = have & countable & counts_ok & ~blocked

    diff_lo, diff_hi, test, stat, pval = _intervals_and_tests(
        testable & (kind == "proportion"),
        testable & (kind == "rate"),
        y1=y1,
        n1=n1,
        y2=y2,
        n2=n2,
        mult=mult,
        confidence=confidence,
    )
    tested = np.isfinite(pval)
    sig = tested & (pval < alpha)
    change = _change_labels(tested, sig, diff, direction)

    out = pd.DataFrame(
        {
            "area_code": m["area_code"].to_numpy(),
            "level": m["level"].to_numpy(),
            "indicator": indicator,
            "period_from": p_from,
            "period_to": p_to,
            "value_from": v1,
            "value_to": v2,
            "diff": diff,
            "diff_ci_low": diff_lo,
            "diff_ci_high": diff_hi,
            "test": as_text(test),
            "statistic": stat,
            "p_value": pval,
            "significant": pd.array(
                [bool(s) if t else pd.NA for s, t in zip(sig, tested, strict=True)],
                dtype="boolean",
            ),
            "change": as_text(change),
            "note": as_text(note),
        }
    )
    return out[list(CHANGE_COLUMNS)]


def _aligned_periods(
    ind: pd.DataFrame, p_from: str, p_to: str, cat: Catalogue
) -> tuple[pd.DataFrame, dict[str, tuple[str, float, int]]]:
    """Both periods' rows side by side (suffixes ``_from``/``_to``) and the catalogue info."""
    frame = ind.assign(period=ind["period"].astype(str))
    available = set(frame["period"].unique())
    for name, label in (("period_from", p_from), ("period_to", p_to)):
        if label not in available:
            raise period_absent(name, label, "indicator table", available, "period")
    sub = frame.loc[frame["period"].isin([p_from, p_to])]
    check_unique(sub, [*_KEYS, "period"], what="indicator table")
    info = _catalogue_info(sub["indicator"].unique(), cat)
    cols = ["numerator", "denominator", "value", "approximate", "reliable", "note"]
    a = sub.loc[sub["period"] == p_from].reindex(columns=[*_KEYS, *cols])
    b = sub.loc[sub["period"] == p_to].reindex(columns=[*_KEYS, *cols])
    m = a.merge(b, on=_KEYS, how="outer", suffixes=("_from", "_to"), sort=True)
    return m.reset_index(drop=True), info


_OTHER_YEAR = re.compile(r"denominator from ([^\s;]+)")


def _other_year_denominators(
    m: pd.DataFrame, blocked: BoolArray, p_from: str, p_to: str
) -> list[tuple[int, str, str]]:
    """The rows of ``blocked`` that are approximate because a period's denominator was taken
    from another period (the count note ``denominator from s``): (row, s, that period).
    Their counts are not estimates: the note names the period whose denominator was used."""
    found = []
    for at in np.flatnonzero(blocked):
        for period, col in ((p_from, "note_from"), (p_to, "note_to")):
            text = m[col].iat[int(at)] if col in m else None
            hit = _OTHER_YEAR.search(text) if isinstance(text, str) else None
            if hit:
                found.append((int(at), hit.group(1), period))
                break
    return found


def _intervals_and_tests(
    prop: BoolArray,
    rate: BoolArray,
    *,
    y1: FloatArray,
    n1: FloatArray,
    y2: FloatArray,
    n2: FloatArray,
    mult: FloatArray,
    confidence: float,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_], FloatArray, FloatArray]:
    """Interval of the difference, test name, statistic and p-value of the testable rows
    (proportions: Wilson/MOVER and two-proportion z; rates: Poisson/MOVER and rate tests)."""
    k = len(y1)
    diff_lo = np.full(k, np.nan)
    diff_hi = np.full(k, np.nan)
    test = np.full(k, None, dtype=object)
    stat = np.full(k, np.nan)
    pval = np.full(k, np.nan)
    if prop.any():
        a1, b1, a2, b2 = y1[prop], n1[prop], y2[prop], n2[prop]
        e1, e2 = np.clip(a1 / b1, 0, 1), np.clip(a2 / b2, 0, 1)
        l1, u1 = wilson_interval(a1, b1, confidence=confidence)
        l2, u2 = wilson_interval(a2, b2, confidence=confidence)
        lo, hi = _mover(e2 - e1, e1, l1, u1, e2, l2, u2)
        diff_lo[prop], diff_hi[prop] = lo * mult[prop], hi * mult[prop]
        z, p = _two_proportion_z(a1, b1, a2, b2)
        test[prop], stat[prop], pval[prop] = "two_proportion_z", z, p
    if rate.any():
        a1, b1, a2, b2 = y1[rate], n1[rate], y2[rate], n2[rate]
        e1, e2 = a1 / b1, a2 / b2
        l1, u1 = poisson_interval(a1, confidence=confidence)
        l2, u2 = poisson_interval(a2, confidence=confidence)
        lo, hi = _mover(e2 - e1, e1, l1 / b1, u1 / b1, e2, l2 / b2, u2 / b2)
        diff_lo[rate], diff_hi[rate] = lo * mult[rate], hi * mult[rate]
        names, s, p = _rate_tests(a1, b1, a2, b2)
        test[rate], stat[rate], pval[rate] = names, s, p
    return diff_lo, diff_hi, test, stat, pval


def _change_labels(
    tested: BoolArray, sig: BoolArray, diff: FloatArray, direction: npt.NDArray[np.int_]
) -> npt.NDArray[np.object_]:
    """``improving``/``worsening`` by the indicator's direction (``increase``/``decrease``
    without one), ``no significant change``, or None where nothing was tested."""
    change = np.full(len(diff), None, dtype=object)
    change[tested & ~sig] = "no significant change"
    up = sig & (diff > 0)
    down = sig & (diff < 0)
    _label_by_direction(change, up, down, direction, neutral=("increase", "decrease"))
    change[sig & (diff == 0)] = "no significant change"
    return change


def compare_to_reference(
    ind: pd.DataFrame,
    ref: pd.DataFrame,
    *,
    area_kommun: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    r"""Each area's value next to its kommun's and the country's, with the gaps.

    Parameters
    ----------
    ind
        Output of :func:`~omradesbild.indicators.compute_indicators`.
    ref
        Output of :func:`~omradesbild.indicators.reference_values` (levels ``kommun`` and
        ``country``).
    area_kommun
        Kommun code per area code for areas whose code does not start with one (passed to
        :func:`~omradesbild.indicators.add_reference_levels`).

    Returns
    -------
    DataFrame
        :data:`REFERENCE_COLUMNS`. ``ci_excludes_*`` are nullable booleans (missing where
        the area has no interval or there is no reference value); ``vs_*`` is ``higher`` /
        ``lower`` when the interval excludes the reference, ``similar`` when it contains
        it, ``None`` when unknown.

    Notes
    -----
    :math:`\mathrm{gap}_{kommun} = v - v_{kommun}` and :math:`\mathrm{gap}_{country} = v -
    v_{country}`. The area's interval :math:`(l, u)` excludes a reference :math:`r` when
    :math:`r < l` or :math:`r > u`. The reference's own (much smaller) uncertainty and the
    overlap of the area with its kommun are ignored, so this is a screening comparison.
    """
    require_columns(ind, _IND_REQUIRED, what="indicator table")
    require_columns(ref, ("level", "area_code", "period", "indicator", "value"), what="reference")
    base = ind.assign(period=ind["period"].astype(str))
    refs = ref.assign(period=ref["period"].astype(str))
    merged = add_reference_levels(base, refs, area_kommun=area_kommun)
    value = _col(merged, "value")
    lo, hi = _col(merged, "ci_low"), _col(merged, "ci_high")
    out = pd.DataFrame(
        {
            "area_code": merged["area_code"].to_numpy(),
            "level": merged["level"].to_numpy(),
            "period": merged["period"].to_numpy(),
            "indicator": merged["indicator"].to_numpy(),
            "value": value,
            "ci_low": lo,
            "ci_high": hi,
            "kommun_code": as_text(merged["kommun_code"]),
        }
    )
    for name in ("kommun", "country"):
        rv = _col(merged, f"{name}_value")
        out[f"{name}_value"] = rv
    for name in ("kommun", "country"):
        rv = out[f"{name}_value"].to_numpy(dtype=float)
        out[f"gap_{name}"] = value - rv
        known = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(rv)
        excl = known & ((rv < lo) | (rv > hi))
        out[f"ci_excludes_{name}"] = pd.array(
            [bool(e) if k else pd.NA for e, k in zip(excl, known, strict=True)], dtype="boolean"
        )
        vs = np.full(len(out), None, dtype=object)
        vs[known] = "similar"
        vs[excl & (rv < lo)] = "higher"
        vs[excl & (rv > hi)] = "lower"
        out[f"vs_{name}"] = as_text(vs)
    return out[list(REFERENCE_COLUMNS)]
