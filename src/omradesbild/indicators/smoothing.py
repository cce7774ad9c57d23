"""Empirical-Bayes smoothing of rates and proportions for small areas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EBResult:
    """Result of :func:`eb_smooth_rates`.

    Attributes
    ----------
    smoothed
        Smoothed rates (same scale as ``counts / exposures``), ``NaN`` where the input was
        missing or the exposure was not positive.
    shrinkage
        Weight :math:`C_i` given to the area's own rate (1 = no smoothing, 0 = global rate).
    global_rate
        :math:`m`, the pooled rate over the areas used.
    between_variance
        :math:`A`, the method-of-moments estimate of the variance of the true rates.
    """

    smoothed: FloatArray
    shrinkage: FloatArray
    global_rate: float
    between_variance: float


def eb_smooth_rates(
    counts: npt.ArrayLike, exposures: npt.ArrayLike, *, preserve_total: bool = False
) -> EBResult:
    r"""Global empirical-Bayes (Marshall 1991) shrinkage of area rates.

    Parameters
    ----------
    counts
        Events or persons with the property per area, :math:`y_i` (may be non-integer).
    exposures
        Population at risk per area, :math:`n_i`.
    preserve_total
        If true, rescale the smoothed rates by one common factor so that the implied total
        :math:`\sum_i n_i \tilde r_i` equals the observed total :math:`\sum_i y_i`.

    Returns
    -------
    EBResult
        Smoothed rates (per unit exposure, i.e. without a multiplier), shrinkage weights, the
        global rate and the between-area variance.

    Notes
    -----
    Areas with missing counts or non-positive exposure are left out of the estimation and get
    ``NaN``. With :math:`r_i = y_i / n_i`, :math:`k` areas and :math:`\bar n = \sum n_i / k`:

    .. math::

        m = \frac{\sum_i y_i}{\sum_i n_i}, \qquad
        s^2 = \frac{\sum_i n_i (r_i - m)^2}{\sum_i n_i}, \qquad
        A = \max\!\left(0,\ s^2 - \frac{m}{\bar n}\right),

    .. math::

        C_i = \frac{A}{A + m / n_i}, \qquad \tilde r_i = m + C_i (r_i - m).

    Each smoothed rate lies between the area's raw rate and the global rate; small areas
    (small :math:`n_i`) are pulled harder towards :math:`m`. When :math:`A = 0` all rates
    equal :math:`m`. If all :math:`n_i` are equal the total :math:`\sum n_i \tilde r_i` equals
    :math:`\sum y_i` exactly; otherwise it does only with ``preserve_total=True`` (which may
    move a rate marginally outside the raw–global range).

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
    estimators. *Applied Statistics* 40(2), 283–294.
    """
    y = np.asarray(counts, dtype=float)
    n = np.asarray(exposures, dtype=float)
    y, n = np.broadcast_arrays(y, n)
    ok = np.isfinite(y) & np.isfinite(n) & (n > 0)
    smoothed = np.full(y.shape, np.nan)
    shrink = np.full(y.shape, np.nan)
    if not ok.any():
        return EBResult(smoothed, shrink, float("nan"), float("nan"))
    yy, nn = y[ok], n[ok]
    total_n = nn.sum()
    m = float(yy.sum() / total_n)
    r = yy / nn
    s2 = float((nn * (r - m) ** 2).sum() / total_n)
    nbar = total_n / nn.size
    a = max(0.0, s2 - m / nbar)
    c = np.zeros_like(nn) if a == 0.0 else a / (a + m / nn)
    sm = m + c * (r - m)
    if preserve_total:
        implied = float((nn * sm).sum())
        if implied > 0:
            sm = sm * (float(yy.sum()) / implied)
    smoothed[ok] = sm
    shrink[ok] = c
    return EBResult(smoothed, shrink, m, a)
