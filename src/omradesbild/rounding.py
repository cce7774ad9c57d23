"""Rounding halves away from zero, the one rule of every published figure.

:func:`round_half_away` rounds arrays (index steps that round as their publishers did,
downloads: :mod:`omradesbild.precision`); :func:`round_half_away_number` rounds one number
the same way (:func:`omradesbild.wording.fmt_num`, for pages).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # NumPy is imported where an array is rounded: the CLI starts without it
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    FloatArray = NDArray[np.float64]

__all__ = ["round_half_away", "round_half_away_number"]


def round_half_away(values: ArrayLike, digits: int) -> FloatArray:
    """Round to ``digits`` decimals, halves away from zero (Excel's and SAS's ROUND).

    Notes
    -----
    ``round(p, d) = sign(p) · floor(|p| · 10^d + 1/2) / 10^d``. The product is first rounded
    to 7 decimals so that binary representation error (``0.60765`` stored as
    ``0.6076499…``) does not decide the half; NaN stays NaN. NumPy's own ``round`` rounds
    halves to even, which is not what the publishers of SVI and the like used.
    """
    import numpy as np

    p = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    return np.sign(p) * np.floor(np.round(np.abs(p) * scale, 7) + 0.5) / scale


def round_half_away_number(value: float, digits: int) -> float:
    """:func:`round_half_away` of one number, without NumPy's overhead (pages format
    thousands of numbers one at a time); the same arithmetic, so the same result. NaN,
    infinities and numbers too large to scale (beyond about 1e300) are returned as they
    are."""
    scale = 10.0**digits
    scaled = abs(value) * scale * 1e7
    if not math.isfinite(scaled):
        return value
    # np.round(x, 7) is rint(x * 10**7) / 10**7, and round() of a float is rint.
    r = math.floor(round(scaled) / 1e7 + 0.5) / scale
    return math.copysign(r, value) if value != 0 else 0.0 * value
