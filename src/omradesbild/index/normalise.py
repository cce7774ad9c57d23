"""Normalisation: z-scores, min–max, Excel PERCENTRANK.INC, CDC percent rank, IMD ranks.

All functions are pure and NaN-aware: NaN values stay NaN and are left out of the reference
distribution. ``reference`` is the distribution a value is placed in (e.g. all areas of the
level in the country); by default the values themselves.

Directions: ``direction = +1`` means a higher value is more vulnerable; ``-1`` reverses the
indicator so that, after normalisation, a higher component is always more vulnerable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from omradesbild.index.method import Normalisation
from omradesbild.rounding import round_half_away

FloatArray = NDArray[np.float64]

#: IMD exponential transform constants: X = -C ln(1 - R (1 - exp(-100 / C))).
IMD_EXP_CONSTANT = 23.0
IMD_EXP_MAX = 100.0


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _sorted_finite(reference: ArrayLike) -> FloatArray:
    ref = _as_float(reference).ravel()
    return np.sort(ref[np.isfinite(ref)])


def _rank_finite(
    values: ArrayLike,
    reference: ArrayLike | None,
    rank: Callable[[FloatArray, FloatArray], FloatArray],
) -> FloatArray:
    """``rank(finite values, sorted finite reference)`` put back in the finite values' places.

    NaN stays NaN; everything is NaN when the reference (default: the values) has no finite
    value.
    """
    x = _as_float(values)
    s = _sorted_finite(x if reference is None else reference)
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    if s.size > 0 and finite.any():
        out[finite] = rank(x[finite], s)
    return out


def excel_truncate(values: ArrayLike, digits: int) -> FloatArray:
    """Truncate towards zero to ``digits`` decimals, as Excel's PERCENTRANK.INC does.

    Notes
    -----
    ``trunc(p, d) = floor(p * 10^d) / 10^d`` for ``p >= 0``. The product is first rounded to
    7 decimals so that binary representation error (``0.29 * 100 = 28.999…``) does not drop
    a digit; a genuine fraction of a rank (at least ``1 / (n - 1)``) is never that small for
    fewer than a million areas.
    """
    p = _as_float(values)
    scale = 10.0**digits
    return np.floor(np.round(p * scale, 7)) / scale


def percent_rank(
    values: ArrayLike,
    reference: ArrayLike | None = None,
    *,
    digits: int | None = None,
    descending: bool = False,
) -> FloatArray:
    """Percentile rank ``(rank - 1) / (N - 1)``, ties at the lowest rank, optionally rounded.

    Parameters
    ----------
    values
        The values to rank (NaN stays NaN).
    reference
        The ``N`` values that define relative standing (NaN ignored); default ``values``.
    digits
        Round the result to this many decimals, halves away from zero (None: no rounding).
    descending
        Return the complement ``1 - (rank - 1) / (N - 1)``, computed *before* rounding (SVI
        2018's per capita income).

    Notes
    -----
    The rule CDC/ATSDR document for SVI 2018: ``PR = (rank - 1) / (N - 1)`` where ``rank``
    is the ascending rank and a sequence of ties gets the smallest of its ranks, i.e.
    ``PR(x) = #{r in reference : r < x} / (N - 1)``; then ``round(PR, 4)``. Unlike
    :func:`percentrank_inc` (Excel) the result is rounded, not truncated, and a value
    between two reference values gets the rank of the count below it (no interpolation).
    For a reversed indicator the complement is rounded, ``round(1 - PR, 4)``, which can
    differ from ``1 - round(PR, 4)`` when ``PR`` lies on a half (``PR = 0.39235``:
    ``round(1 - PR) = 0.6077`` but ``1 - round(PR) = 0.6076``). A reference of one value
    gives 1.0 (0.0 descending).
    """

    def rank(xf: FloatArray, s: FloatArray) -> FloatArray:
        n = s.size
        res = np.ones(xf.size) if n == 1 else np.searchsorted(s, xf, side="left") / (n - 1.0)
        if descending:
            res = 1.0 - res
        return res if digits is None else round_half_away(res, digits)

    return _rank_finite(values, reference, rank)


def percentrank_inc(
    values: ArrayLike,
    reference: ArrayLike | None = None,
    *,
    significance: int = 3,
) -> FloatArray:
    """Excel's ``PERCENTRANK.INC(reference, x, significance)`` for every ``x`` in ``values``.

    Parameters
    ----------
    values, reference
        As in :func:`percent_rank`: the values to rank and those that define relative
        standing (default ``values``).
    significance
        Digits kept; the result is *truncated* (not rounded), Excel's default is 3.

    Returns
    -------
    numpy.ndarray
        Percentile ranks in ``[0, 1]``.

    Notes
    -----
    For ``x`` equal to a value of the reference (``n`` finite values)::

        PR(x) = (number of reference values < x) / (n - 1)

    so tied values share the rank of their first occurrence (e.g. ``x = 6`` in
    ``[1, 2, 3, 6, 6, 6, 7, 8, 9]`` gives ``3 / 8 = 0.375``). A reference of one value gives
    1.0. For ``x`` strictly between two reference values ``a < x < b`` the result is
    interpolated linearly between ``PR(a)`` and ``PR(b)`` (Excel's documented example:
    5 in ``{1,1,1,2,3,4,8,11,12,13}`` gives 0.583). Values outside the reference's range,
    for which Excel returns ``#N/A``, are clamped to 0 or 1. Finally the result is truncated
    to ``significance`` decimals (``5/9`` gives 0.555, not 0.556).
    """

    def rank(xf: FloatArray, s: FloatArray) -> FloatArray:
        n = s.size
        if n == 1:
            res = np.where(xf < s[0], 0.0, 1.0)
            res = np.where(xf == s[0], 1.0, res)
        else:
            lo = np.searchsorted(s, xf, side="left")
            hi = np.searchsorted(s, xf, side="right")
            exact = hi > lo
            res = lo / (n - 1.0)
            between = ~exact & (lo > 0) & (lo < n)
            if between.any():
                lb = lo[between]
                a = s[lb - 1]
                b = s[lb]
                pr_a = np.searchsorted(s, a, side="left") / (n - 1.0)
                pr_b = lb / (n - 1.0)
                res[between] = pr_a + (xf[between] - a) / (b - a) * (pr_b - pr_a)
            res[~exact & (lo == 0)] = 0.0
            res[~exact & (lo == n)] = 1.0
        return excel_truncate(res, significance)

    return _rank_finite(values, reference, rank)


def zscore(values: ArrayLike, reference: ArrayLike | None = None, *, ddof: int = 1) -> FloatArray:
    """Standard scores against the reference distribution.

    Notes
    -----
    ``z = (x - mean(ref)) / sd(ref)`` with ``sd`` using ``ddof`` (1 = sample sd, as Excel's
    STDEV.S). A constant reference (``sd = 0``, or a single value) gives ``z = 0``. The
    reference is sorted before summation so that the result does not depend on row order.
    """
    x = _as_float(values)
    s = _sorted_finite(x if reference is None else reference)
    if s.size == 0:
        return np.full(x.shape, np.nan)
    mean = float(np.mean(s))
    # A single reference value has no spread: treat it as constant rather than drop the area.
    sd = float(np.std(s, ddof=ddof)) if s.size > ddof else 0.0
    if sd == 0.0 or not np.isfinite(sd):
        return np.where(np.isfinite(x), 0.0, np.nan)
    return (x - mean) / sd


def minmax(values: ArrayLike, reference: ArrayLike | None = None) -> FloatArray:
    """Min–max scaling ``(x - min) / (max - min)`` against the reference (0 when constant)."""
    x = _as_float(values)
    s = _sorted_finite(x if reference is None else reference)
    if s.size == 0:
        return np.full(x.shape, np.nan)
    lo, hi = float(s[0]), float(s[-1])
    if hi == lo:
        return np.where(np.isfinite(x), 0.0, np.nan)
    return (x - lo) / (hi - lo)


def imd_exponential(scaled_rank: ArrayLike) -> FloatArray:
    """The IMD exponential transform of a rank scaled to ``(0, 1]``.

    Notes
    -----
    ``X = -23 ln(1 - R (1 - exp(-100 / 23)))`` where ``R = rank / N`` with rank 1 the least
    deprived, so ``R = 1`` (the most deprived) maps to exactly 100 and ``R -> 0`` maps to 0.
    """
    r = _as_float(scaled_rank)
    c = IMD_EXP_CONSTANT
    return -c * np.log1p(-r * (-np.expm1(-IMD_EXP_MAX / c)))


def rank_exponential(values: ArrayLike, reference: ArrayLike | None = None) -> FloatArray:
    """Rank against the reference, scale to ``(0, 1]`` and apply :func:`imd_exponential`.

    Notes
    -----
    ``rank = #{r < x} + (1 + #{r = x}) / 2`` (ascending, 1 = least deprived; tied values
    share the mean of the ranks they occupy, so a tie biases no area up or down),
    ``R = min(rank / N, 1)``, then ``X = -23 ln(1 - R (1 - e^{-100/23}))``. A value not
    in the reference counts as one tie (``rank = #{r < x} + 1``). Without ties (e.g. the
    published domain ranks given as minus the rank) this is the plain rank.
    """

    def rank(xf: FloatArray, s: FloatArray) -> FloatArray:
        lo = np.searchsorted(s, xf, side="left")
        hi = np.searchsorted(s, xf, side="right")
        r = lo + (1.0 + np.maximum(hi - lo, 1)) / 2.0
        return imd_exponential(np.minimum(r / s.size, 1.0))

    return _rank_finite(values, reference, rank)


def normalise(
    values: ArrayLike,
    reference: ArrayLike | None = None,
    *,
    spec: Normalisation,
    direction: int = 1,
) -> FloatArray:
    """Normalise one indicator according to a method's :class:`Normalisation`.

    Parameters
    ----------
    values, reference
        Raw values and the reference distribution (default: the values).
    spec
        Which normalisation, with its parameters.
    direction
        +1 (higher = more vulnerable) or -1 (reversed).

    Notes
    -----
    Reversal (``direction = -1``) negates the values and the reference before z-score,
    min–max, rank-exponential and ``none``; for ``percentrank_inc`` it is the complement
    ``1 - PR(x)`` of the truncated rank, rounded to the kept digits; for ``percent_rank``
    the complement of the exact rank, then rounded (as CDC/ATSDR compute ``EPL_PCI``).
    """
    x = _as_float(values)
    ref = x if reference is None else _as_float(reference)
    kind = spec.method
    if kind == "percent_rank":
        return percent_rank(x, ref, digits=spec.significance, descending=direction == -1)
    if kind == "percentrank_inc":
        pr = percentrank_inc(x, ref, significance=spec.digits)
        return pr if direction == 1 else np.round(1.0 - pr, spec.digits)
    if direction == -1:
        x, ref = -x, -ref
    if kind == "zscore":
        return zscore(x, ref, ddof=spec.ddof)
    if kind == "minmax":
        return minmax(x, ref)
    if kind == "rank_exponential":
        return rank_exponential(x, ref)
    return x.copy()


# -- vectorised self-normalisation (Monte-Carlo) -----------------------------------------------
def count_less_last_axis(a: FloatArray) -> NDArray[np.int64]:
    """For each element, how many elements of its row (last axis) are strictly smaller.

    ``a`` must hold no NaN. One sort per row, O(n log n); ties are resolved from the sorted
    values, so the (unstable) sort order of equal elements does not matter.

    Notes
    -----
    With ``order`` the sorting permutation of a row and ``s`` the sorted row, the count of
    ``s[j]`` is the first position of its run of equal values. Without ties in ``a`` that is
    ``j`` itself, and the runs are not looked for.
    """
    n = a.shape[-1]
    order = np.argsort(a, axis=-1)
    s = np.take_along_axis(a, order, axis=-1)
    new = np.empty(s.shape, dtype=bool)
    new[..., :1] = True
    np.not_equal(s[..., 1:], s[..., :-1], out=new[..., 1:])
    del s
    positions = np.arange(n, dtype=np.int64)
    if new.all():
        first = np.broadcast_to(positions, a.shape)
    else:
        first = np.where(new, positions, 0)
        np.maximum.accumulate(first, axis=-1, out=first)
    del new
    out = np.empty(a.shape, dtype=np.int64)
    np.put_along_axis(out, order, first, axis=-1)
    return out


def _by_count(
    count: NDArray[np.int64], up: FloatArray, down: FloatArray, d: FloatArray
) -> FloatArray:
    """``up[count]`` in the rows whose direction ``d`` is positive, ``down[count]`` elsewhere
    (``count``: ``(..., K, N)``, ``d``: ``(K, 1)``)."""
    out = np.empty(count.shape)
    for k in range(count.shape[-2]):
        table = up if d[k, 0] > 0 else down
        np.take(table, count[..., k, :], out=out[..., k, :])
    return out


def _standardise(x: FloatArray, centre: FloatArray, spread: FloatArray) -> FloatArray:
    """``(x - centre) / spread``, 0 where ``spread`` is 0 (in place in ``x`` when no spread
    is 0)."""
    if (spread > 0).all():
        x -= centre
        x /= spread
        return x
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, (x - centre) / safe, 0.0)


def normalise_last_axis(
    a: FloatArray, *, spec: Normalisation, directions: FloatArray
) -> FloatArray:
    """Normalise every row of ``a`` (shape ``(..., K, N)``) against itself along the last axis.

    ``directions`` has shape ``(K,)``; ``a`` must hold no NaN. Same formulas as
    :func:`normalise` with ``reference`` = the row itself.

    Notes
    -----
    The rank-based normalisations are functions of the count ``c`` of smaller values in the
    row, ``c`` in ``0 … N-1``: they are computed once for every possible ``c`` and looked
    up, which gives the same numbers as applying the formulas element by element. When no
    row is constant, z-scores and min–max skip the zero-spread case.
    """
    n = a.shape[-1]
    d = directions[:, None]
    kind = spec.method
    if kind == "percent_rank":
        if n == 1:
            pr = np.where(d > 0, np.ones_like(a), 0.0)
            return pr if spec.significance is None else round_half_away(pr, spec.significance)
        up = np.arange(n) / (n - 1.0)
        down = 1.0 - up
        if spec.significance is not None:
            up, down = (round_half_away(t, spec.significance) for t in (up, down))
        return _by_count(count_less_last_axis(a), up, down, d)
    if kind == "percentrank_inc":
        if n == 1:
            return np.ones_like(a)
        up = excel_truncate(np.arange(n) / (n - 1.0), spec.digits)
        return _by_count(count_less_last_axis(a), up, np.round(1.0 - up, spec.digits), d)
    x = a * d
    if kind == "zscore":
        mean = x.mean(axis=-1, keepdims=True)
        return _standardise(x, mean, x.std(axis=-1, ddof=spec.ddof, keepdims=True))
    if kind == "minmax":
        lo = x.min(axis=-1, keepdims=True)
        return _standardise(x, lo, x.max(axis=-1, keepdims=True) - lo)
    if kind == "rank_exponential":
        less = count_less_last_axis(x)
        ties = n - less - count_less_last_axis(-x)
        return imd_exponential((less + (1.0 + ties) / 2.0) / n)
    return x
