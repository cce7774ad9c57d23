"""Aggregation of weighted components: arithmetic mean, geometric mean, plain sum."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from omradesbild.index.method import AggregationKind

FloatArray = NDArray[np.float64]


def geometric_shift(reference_components: FloatArray) -> float:
    """Shift that makes every reference component positive before a geometric mean.

    Notes
    -----
    ``s = 0`` when all finite reference components are > 0, else ``s = 1 - min``, so that
    the smallest shifted component is exactly 1.
    """
    x = np.asarray(reference_components, dtype=np.float64)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return 0.0
    lo = float(finite.min())
    return 0.0 if lo > 0 else 1.0 - lo


def aggregate(
    components: FloatArray,
    weights: FloatArray,
    *,
    kind: AggregationKind,
    shift: float = 0.0,
) -> FloatArray:
    """Combine the columns of ``components`` (areas × units) into one value per area.

    Notes
    -----
    * ``arithmetic``: ``S = sum_i w_i x_i``
    * ``geometric``: ``S = exp(sum_i w_i ln(x_i + s))`` with the shift ``s`` of
      :func:`geometric_shift` (computed on the reference); the shift is not subtracted
      afterwards (the order of areas is what matters).
    * ``sum``: ``S = sum_i x_i`` (weights ignored; as SVI's ``SPL_THEME`` sums).

    A row with any NaN component gives NaN. Columns are added in declared order, so the
    result does not depend on row order.
    """
    x = np.asarray(components, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if kind == "sum":
        out = np.zeros(x.shape[0])
        for j in range(x.shape[1]):
            out = out + x[:, j]
        return out
    if kind == "arithmetic":
        out = np.zeros(x.shape[0])
        for j in range(x.shape[1]):
            out = out + w[j] * x[:, j]
        return out
    logs = np.zeros(x.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(x.shape[1]):
            logs = logs + w[j] * np.log(x[:, j] + shift)
    return np.exp(logs)
