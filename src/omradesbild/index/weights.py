"""Weights for one aggregation step: equal, explicit, first principal component, Dirichlet draws."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from omradesbild.errors import MethodError
from omradesbild.index.method import Weighting
from omradesbild.wording import Message, both

FloatArray = NDArray[np.float64]


def equal_weights(k: int) -> FloatArray:
    """``k`` weights of ``1 / k``."""
    if k < 1:
        raise MethodError(both("err_ana_equal_no_units"))
    return np.full(k, 1.0 / k)


def pca_weights(components: FloatArray) -> tuple[FloatArray, list[str]]:
    """Weights from the loadings of the first principal component.

    Parameters
    ----------
    components
        Matrix ``(areas, units)`` of normalised, direction-adjusted components; rows holding
        NaN are left out.

    Returns
    -------
    weights, warnings
        Weights summing to 1, and warnings (e.g. a unit loading against its direction).

    Notes
    -----
    ``v`` is the eigenvector of the largest eigenvalue of the covariance matrix of the
    complete rows (``numpy.linalg.eigh``, deterministic). Its sign is fixed so that
    ``sum(v) > 0`` — positive on the declared direction, since the components are already
    direction-adjusted — and ``w = v / sum(v)``. A unit whose loading stays negative gets a
    negative weight, which is reported as a warning.
    """
    x = np.asarray(components, dtype=np.float64)
    complete = x[np.isfinite(x).all(axis=1)]
    k = x.shape[1]
    if k == 1:
        return np.ones(1), []
    if complete.shape[0] < 2:
        raise MethodError(both("err_ana_pca_too_few", n=complete.shape[0]))
    cov = np.cov(complete, rowvar=False, ddof=1)
    _, vecs = np.linalg.eigh(cov)
    v = vecs[:, -1]
    total = float(v.sum())
    if total == 0.0:
        raise MethodError(both("err_ana_pca_zero"))
    if total < 0:
        v = -v
        total = -total
    w = v / total
    warnings: list[str] = []
    if (w < 0).any():
        units = np.flatnonzero(w < 0).tolist()
        warnings.append(Message("note_pca_negative", units=units))
    return w, warnings


def resolve_weights(
    weighting: Weighting,
    units: list[str],
    components: FloatArray | None = None,
) -> tuple[FloatArray, list[str]]:
    """Weights for ``units`` in order, with any warnings.

    ``components`` (areas × units) is needed for ``pca``.
    """
    if weighting.method == "equal":
        return equal_weights(len(units)), []
    if weighting.method == "explicit":
        assert weighting.weights is not None
        return np.array([weighting.weights[u] for u in units], dtype=np.float64), []
    if components is None:
        raise MethodError(both("err_ana_pca_no_components"))
    return pca_weights(components)


def dirichlet_weights(
    weights: FloatArray,
    *,
    concentration: float,
    draws: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Random weight vectors centred on ``weights``: ``Dirichlet(concentration * weights)``.

    Notes
    -----
    Each draw ``W ~ Dir(alpha)`` with ``alpha_i = c * w_i`` has ``E[W_i] = w_i`` and
    ``Var[W_i] = w_i (1 - w_i) / (c + 1)``: larger ``c`` = tighter around the declared
    weights. Units with weight 0 stay at 0. Each row sums to 1.
    """
    w = np.asarray(weights, dtype=np.float64)
    if concentration <= 0:
        raise MethodError(both("err_ana_concentration", value=concentration))
    if (w < 0).any():
        raise MethodError(both("err_ana_dirichlet_negative"))
    pos = w > 0
    out = np.zeros((draws, w.size))
    g = rng.standard_gamma(concentration * w[pos], size=(draws, int(pos.sum())))
    out[:, pos] = g / g.sum(axis=1, keepdims=True)
    return out
