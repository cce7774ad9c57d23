"""Confidence intervals for proportions, counts and rates (vectorised).

All functions accept scalars or array-likes, broadcast them with numpy and return
``(low, high)`` as float arrays. Inputs that cannot give an interval (a denominator of zero, a
negative or missing count) give ``NaN`` bounds instead of raising, so that a whole column of
areas can be processed in one call.

Counts need not be integers: weighted counts from areal crosswalks and counts derived from
rounded percentages are handled by the continuous extensions of the formulas (the chi-square
and normal quantiles are defined for any non-negative argument).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from omradesbild.config import DEFAULT_CONFIDENCE, EXACT_INTERVAL_BELOW
from omradesbild.errors import ConfigError
from omradesbild.wording import both

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

#: Counts below this use the exact (Garwood) interval when ``method="auto"``.
EXACT_BELOW: float = EXACT_INTERVAL_BELOW


def _z(confidence: float) -> float:
    """The normal quantile ``Φ⁻¹(1/2 + confidence/2)``.

    ``scipy.special.ndtri`` is the function ``scipy.stats.norm.ppf`` evaluates (the same
    value to the last bit); loaded here, not at the top, and not through ``scipy.stats``,
    whose import costs more than half a second of CPU, nor through the whole of
    ``scipy.special`` (:func:`omradesbild._compat.special_functions`).
    """
    if not 0.0 < confidence < 1.0:
        raise ConfigError(both("err_ana_confidence", value=repr(confidence)))
    from omradesbild._compat import special_functions

    special = special_functions()

    return float(special.ndtri(0.5 + confidence / 2.0))


def _chi2_ppf(q: float, df: FloatArray) -> FloatArray:
    """The chi-square quantile ``q`` for degrees of freedom ``df > 0`` (``0 < q < 1``): the
    value ``scipy.stats.chi2.ppf`` gives, ``2 · gammaincinv(df/2, q)``, without importing
    ``scipy.stats``. Evaluated once per distinct ``df`` (counts repeat: many areas share
    the same small count)."""
    from omradesbild._compat import special_functions

    special = special_functions()

    df = np.asarray(df, dtype=float)
    if df.ndim == 0 or df.size < 64:
        return np.asarray(2.0 * special.gammaincinv(df / 2.0, q), dtype=float)
    distinct, where = np.unique(df, return_inverse=True)
    values = np.asarray(2.0 * special.gammaincinv(distinct / 2.0, q), dtype=float)
    return values[where.reshape(df.shape)]


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, *, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes
        Number of persons (households, …) with the property, :math:`x`.
    trials
        Size of the population base, :math:`n`.
    confidence
        Two-sided confidence level, e.g. ``0.95``.

    Returns
    -------
    low, high
        Bounds for the proportion :math:`p` (between 0 and 1); ``NaN`` where :math:`n \le 0`
        or an input is missing.

    Notes
    -----
    With :math:`\hat p = x / n` (clipped to :math:`[0, 1]`) and :math:`z = \Phi^{-1}(1 -
    \alpha/2)`:

    .. math::

        \frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}} \pm
        \frac{z}{1 + \frac{z^2}{n}} \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4 n^2}}

    The interval never leaves :math:`[0, 1]` and behaves well for :math:`x = 0` and
    :math:`x = n` (Wilson 1927; Brown, Cai & DasGupta 2001). Register counts are treated as a
    sample from a super-population: the interval expresses random variation of the process
    behind the share, not sampling error of a survey.

    Examples
    --------
    >>> low, high = wilson_interval(5, 10)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2366, 0.7634)
    """
    z = _z(confidence)
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    x, n = np.broadcast_arrays(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (n > 0) & (x >= 0) & np.isfinite(x) & np.isfinite(n)
        p = np.clip(np.where(ok, x / np.where(ok, n, 1.0), np.nan), 0.0, 1.0)
        nn = np.where(ok, n, np.nan)
        denom = 1.0 + z * z / nn
        centre = (p + z * z / (2.0 * nn)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn))
    low = np.where(p == 0.0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p == 1.0, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low.astype(float), high.astype(float)


def poisson_exact_interval(
    count: ArrayLike, *, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    r"""Exact (Garwood) confidence interval for a Poisson mean.

    Parameters
    ----------
    count
        Observed count :math:`x \ge 0` (need not be an integer).
    confidence
        Two-sided confidence level :math:`1 - \alpha`.

    Returns
    -------
    low, high
        Bounds for the expected count; ``NaN`` for negative or missing counts.

    Notes
    -----
    Garwood (1936), via the chi-square quantile function :math:`\chi^2_{q}(\nu)`:

    .. math::

        L = \tfrac12 \chi^2_{\alpha/2}(2x), \qquad
        U = \tfrac12 \chi^2_{1-\alpha/2}(2x + 2),

    with :math:`L = 0` when :math:`x = 0`. The interval is conservative (coverage at least
    :math:`1 - \alpha`). For :math:`x = 0` at 95 %: :math:`(0, 3.689)`; for :math:`x = 10`:
    :math:`(4.795, 18.39)`.
    """
    alpha = 1.0 - confidence
    _z(confidence)
    x = np.asarray(count, dtype=float)
    ok = np.isfinite(x) & (x >= 0)
    xs = np.where(ok, x, 0.0)
    with np.errstate(invalid="ignore"):
        low = np.where(xs > 0, _chi2_ppf(alpha / 2.0, 2.0 * np.maximum(xs, 1e-300)) / 2.0, 0)
        high = _chi2_ppf(1.0 - alpha / 2.0, 2.0 * xs + 2.0) / 2.0
    low = np.where(ok, low, np.nan)
    high = np.where(ok, high, np.nan)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def poisson_byar_interval(
    count: ArrayLike, *, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[FloatArray, FloatArray]:
    r"""Byar's approximation to the exact Poisson interval.

    Parameters
    ----------
    count
        Observed count :math:`x \ge 0`.
    confidence
        Two-sided confidence level.

    Returns
    -------
    low, high
        As :func:`poisson_exact_interval`.

    Notes
    -----
    Byar (Rothman & Boice 1979), with :math:`z = \Phi^{-1}(1 - \alpha/2)`:

    .. math::

        L = x \left(1 - \frac{1}{9x} - \frac{z}{3\sqrt{x}}\right)^3, \qquad
        U = (x + 1) \left(1 - \frac{1}{9(x + 1)} + \frac{z}{3\sqrt{x + 1}}\right)^3,

    with :math:`L = 0` for :math:`x = 0`. Accurate to about three significant digits from
    :math:`x \approx 10` upward; for :math:`x = 10` at 95 % it gives :math:`(4.80, 18.39)`.
    """
    z = _z(confidence)
    x = np.asarray(count, dtype=float)
    ok = np.isfinite(x) & (x >= 0)
    xs = np.where(ok, x, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        xl = np.where(xs > 0, xs, 1.0)
        low = np.where(xs > 0, xl * (1.0 - 1.0 / (9.0 * xl) - z / (3.0 * np.sqrt(xl))) ** 3, 0.0)
        x1 = xs + 1.0
        high = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    low = np.where(ok, np.maximum(low, 0.0), np.nan)
    high = np.where(ok, high, np.nan)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def poisson_interval(
    count: ArrayLike,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    method: Literal["auto", "exact", "byar"] = "auto",
    exact_below: float = EXACT_BELOW,
) -> tuple[FloatArray, FloatArray]:
    r"""Confidence interval for a Poisson count, exact for small counts.

    Parameters
    ----------
    count
        Observed counts.
    confidence
        Two-sided confidence level.
    method
        ``"exact"`` (Garwood), ``"byar"``, or ``"auto"``: exact where
        :math:`x <` ``exact_below``, Byar elsewhere.
    exact_below
        Threshold for ``"auto"``.

    Returns
    -------
    low, high
        Bounds for the expected count.

    Notes
    -----
    See :func:`poisson_exact_interval` and :func:`poisson_byar_interval` for the formulas.
    """
    if method == "exact":
        return poisson_exact_interval(count, confidence=confidence)
    if method == "byar":
        return poisson_byar_interval(count, confidence=confidence)
    if method != "auto":
        raise ConfigError(both("err_ana_poisson_method", method=repr(method)))
    x = np.asarray(count, dtype=float)
    small = ~(x >= exact_below)
    # each bound is elementwise: the exact one (costly) only where it is used
    el, eh = poisson_exact_interval(x[small], confidence=confidence)
    bl, bh = poisson_byar_interval(x[~small], confidence=confidence)
    low, high = np.empty(x.shape), np.empty(x.shape)
    low[small], high[small] = el, eh
    low[~small], high[~small] = bl, bh
    return low, high


def rate_interval(
    count: ArrayLike,
    population: ArrayLike,
    *,
    multiplier: float = 1000.0,
    confidence: float = DEFAULT_CONFIDENCE,
    method: Literal["auto", "exact", "byar"] = "auto",
) -> tuple[FloatArray, FloatArray]:
    r"""Confidence interval for a rate ``count / population × multiplier``.

    Parameters
    ----------
    count
        Number of events :math:`x` (e.g. reported offences).
    population
        Population at risk :math:`N` (e.g. residents), treated as fixed.
    multiplier
        Scale of the rate, e.g. 1000 for "per 1 000 residents".
    confidence
        Two-sided confidence level.
    method
        Poisson interval method, see :func:`poisson_interval`.

    Returns
    -------
    low, high
        Bounds of the rate; ``NaN`` where :math:`N \le 0`.

    Notes
    -----
    .. math::

        \left(\frac{L(x)}{N} \cdot m,\ \frac{U(x)}{N} \cdot m\right)

    where :math:`(L, U)` is the Poisson interval of the count and :math:`m` the multiplier.
    """
    lo, hi = poisson_interval(count, confidence=confidence, method=method)
    n = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(n > 0, n, np.nan)
        return (lo / nn * multiplier).astype(float), (hi / nn * multiplier).astype(float)
