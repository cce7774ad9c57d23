"""Ranking, classification (mean ± k·sd, quantiles, fixed thresholds) and SVI-style flags."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from omradesbild.index.method import (
    FixedClassification,
    MeanSdClassification,
    QuantileClassification,
)

FloatArray = NDArray[np.float64]
AnyClassification = MeanSdClassification | QuantileClassification | FixedClassification


def _finite_sorted(values: ArrayLike) -> FloatArray:
    a = np.asarray(values, dtype=np.float64).ravel()
    return np.sort(a[np.isfinite(a)])


def rank_descending(scores: ArrayLike, reference: ArrayLike | None = None) -> FloatArray:
    """Rank 1 = highest score (most vulnerable); ties share the best rank; NaN stays NaN.

    Notes
    -----
    ``rank(x) = 1 + #{r in reference : r > x}``. With the scores as their own reference
    this is the usual competition ("min") rank.
    """
    x = np.asarray(scores, dtype=np.float64)
    s = _finite_sorted(x if reference is None else reference)
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    out[finite] = 1.0 + (s.size - np.searchsorted(s, x[finite], side="right"))
    return out


def mean_sd_thresholds(rule: MeanSdClassification, reference: ArrayLike) -> list[float]:
    """Thresholds ``mean + k·sd`` of the reference scores, in the order of ``k``.

    The reference is sorted before summation, so row order cannot change the thresholds.
    With too few reference values for a standard deviation (``n <= ddof``) the spread is
    taken as 0, so every area still gets a class (all cuts at the mean).
    """
    s = _finite_sorted(reference)
    if s.size == 0:
        return [math.nan] * len(rule.k)
    mean = float(np.mean(s))
    sd = float(np.std(s, ddof=rule.ddof)) if s.size > rule.ddof else 0.0
    return [mean + k * sd for k in rule.k]


def classify(
    scores: ArrayLike,
    rule: AnyClassification,
    reference: ArrayLike | None = None,
) -> tuple[FloatArray, list[float]]:
    """Class number (1-based, position in ``rule.labels``) per score, and the cut points.

    Parameters
    ----------
    scores
        Index scores; NaN gives NaN (no class).
    rule
        The method's classification.
    reference
        Scores that define the distribution (default: ``scores``).

    Returns
    -------
    classes, thresholds
        Classes as floats (NaN where the score is NaN) and the cut points used.

    Notes
    -----
    * ``mean_sd``: cuts ``t_j = mean + k_j·sd`` (k strictly decreasing); class
      ``1 + #{j : x < t_j}`` — class 1 holds scores ``>= mean + k_0·sd``.
    * ``fixed``: increasing cuts ``t_j``; class ``1 + #{j : x >= t_j}`` — class 1 holds
      scores below ``t_0``.
    * ``quantiles``: ``class = min(n, ceil(rank · n / N))`` with ``rank`` from
      :func:`rank_descending` against the reference of ``N`` finite scores; class 1 holds the
      highest scores (IMD decile 1 = most deprived 10 %). The cut points reported are the
      lowest reference score in each class but the last.

    A value exactly on a cut goes to the class above it (higher scores). Every finite score
    gets exactly one class.
    """
    x = np.asarray(scores, dtype=np.float64)
    ref = x if reference is None else np.asarray(reference, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    if isinstance(rule, MeanSdClassification):
        cuts = mean_sd_thresholds(rule, ref)
        if any(math.isnan(c) for c in cuts):
            return out, cuts
        t = np.asarray(cuts)
        out[finite] = 1.0 + (x[finite][:, None] < t[None, :]).sum(axis=1)
        return out, cuts
    if isinstance(rule, FixedClassification):
        t = np.asarray(rule.thresholds, dtype=np.float64)
        out[finite] = 1.0 + (x[finite][:, None] >= t[None, :]).sum(axis=1)
        return out, list(rule.thresholds)
    s = _finite_sorted(ref)
    n_ref = s.size
    if n_ref == 0:
        return out, []
    rank = rank_descending(x[finite], s)
    out[finite] = np.clip(np.ceil(np.round(rank * rule.n / n_ref, 9)), 1, rule.n)
    ref_rank = rank_descending(s, s)
    ref_class = np.clip(np.ceil(np.round(ref_rank * rule.n / n_ref, 9)), 1, rule.n)
    cuts = [float(s[ref_class == c].min()) for c in range(1, rule.n) if (ref_class == c).any()]
    return out, cuts


def class_labels(rule: AnyClassification, lang: str = "sv") -> list[str]:
    """Names of classes 1..n in ``lang`` (``sv``: the method's ``labels``, ``en``: its
    ``labels_en``), the other language's names when the method file has only one, else
    ``"1"``, ``"2"``, … (quantiles without labels).

    This is the one place that decides which language a class name is shown in; services
    pass the language of the page or report they build.
    """
    names = rule.labels_in(lang)
    if names is not None:
        return names
    n = rule.n if isinstance(rule, QuantileClassification) else len(rule.labels)
    return [str(i) for i in range(1, n + 1)]


def flag(components: ArrayLike, threshold: float) -> FloatArray:
    """1.0 where a component is ``>= threshold``, 0.0 below, NaN where missing (SVI F_)."""
    x = np.asarray(components, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(x), (x >= threshold).astype(np.float64), np.nan)
