"""Normalisation formulas against hand-computed and Excel-documented reference values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from omradesbild.index.method import Normalisation
from omradesbild.index.normalise import (
    excel_truncate,
    imd_exponential,
    minmax,
    normalise,
    normalise_last_axis,
    percentrank_inc,
    rank_exponential,
    zscore,
)

TIES = [1, 2, 3, 6, 6, 6, 7, 8, 9]
# Microsoft's documented PERCENTRANK.INC example data (support.microsoft.com).
EXCEL_DOC = [13, 12, 11, 8, 4, 3, 2, 1, 1, 1]


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1, 0.0), (2, 0.125), (3, 0.25), (6, 0.375), (7, 0.75), (8, 0.875), (9, 1.0)],
)
def test_percentrank_inc_ties_by_hand(x: float, expected: float) -> None:
    # (# values < x) / (n - 1) with n = 9: the three 6s share 3/8.
    assert percentrank_inc([x], TIES, significance=3)[0] == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [(2, 0.333), (4, 0.555), (8, 0.666), (5, 0.583), (1, 0.0), (13, 1.0), (12, 0.888)],
)
def test_percentrank_inc_excel_documented_example(x: float, expected: float) -> None:
    # 4 -> 5/9 = 0.5555…: Excel truncates to 0.555 (rounding would give 0.556).
    # 5 is not in the data: interpolated a quarter of the way from PR(4) to PR(8).
    assert percentrank_inc([x], EXCEL_DOC)[0] == expected


def test_percentrank_inc_significance_and_interpolation() -> None:
    data = [10, 12, 13, 14, 14, 14.5, 16, 17.5, 17.75, 20, 22]
    # 18 lies between 17.75 (PR 0.8) and 20 (PR 0.9): 0.8 + (0.25 / 2.25) * 0.1 = 0.81111…
    assert percentrank_inc([18], data, significance=4)[0] == 0.8111
    assert percentrank_inc([18], data, significance=1)[0] == 0.8
    assert percentrank_inc([4], EXCEL_DOC, significance=4)[0] == 0.5555
    assert percentrank_inc([4], EXCEL_DOC, significance=1)[0] == 0.5


def test_percentrank_inc_self_reference_nan_and_edges() -> None:
    got = percentrank_inc([3.0, np.nan, 1.0, 2.0, 3.0])
    # NaN is left out of the reference: n = 4 finite values.
    np.testing.assert_array_equal(got, [0.666, np.nan, 0.0, 0.333, 0.666])
    assert percentrank_inc([5.0], [5.0])[0] == 1.0
    # Outside the reference range (Excel: #N/A) is clamped.
    assert percentrank_inc([0.0, 99.0], TIES).tolist() == [0.0, 1.0]
    assert np.isnan(percentrank_inc([1.0], [np.nan])[0])


def test_excel_truncate_is_robust_to_binary_representation() -> None:
    # 29/100 = 0.29 but 0.29 * 100 = 28.999999999999996 in binary floating point.
    assert excel_truncate([29 / 100], 2)[0] == 0.29
    ranks = percentrank_inc(np.arange(101.0), significance=2)
    assert ranks[29] == 0.29
    assert ranks[57] == 0.57
    assert excel_truncate([0.99999], 4)[0] == 0.9999


def test_percentrank_reversed_is_complement() -> None:
    spec = Normalisation(method="percentrank_inc", significance=4)
    got = normalise([1.0, 2.0, 3.0, 4.0, 5.0], spec=spec, direction=-1)
    assert got.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]


def test_zscore_and_minmax_by_hand() -> None:
    sd = math.sqrt(2.5)  # sample sd of 1..5
    np.testing.assert_allclose(zscore([1, 2, 3, 4, 5]), [(v - 3) / sd for v in range(1, 6)])
    pop_sd = math.sqrt(2.0)
    np.testing.assert_allclose(zscore([5.0], [1, 2, 3, 4, 5], ddof=0), [2 / pop_sd])
    np.testing.assert_allclose(
        zscore([1.0, np.nan, 3.0]), [-1 / math.sqrt(2), np.nan, 1 / math.sqrt(2)]
    )
    assert zscore([2.0, 2.0]).tolist() == [0.0, 0.0]
    np.testing.assert_allclose(minmax([1.0, 3.0, 5.0, np.nan]), [0.0, 0.5, 1.0, np.nan])
    spec = Normalisation(method="minmax")
    np.testing.assert_allclose(normalise([1.0, 3.0, 5.0], spec=spec, direction=-1), [1.0, 0.5, 0.0])


def test_imd_exponential_known_values() -> None:
    assert imd_exponential([1.0])[0] == pytest.approx(100.0, abs=1e-12)
    assert imd_exponential([0.0])[0] == 0.0
    # R = 0.5: -23 ln(1 - 0.5 (1 - e^(-100/23))) = 15.6468…
    expected = -23 * math.log(1 - 0.5 * (1 - math.exp(-100 / 23)))
    assert imd_exponential([0.5])[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(15.6468, abs=1e-4)
    # Most deprived of N = 32 844 LSOAs is 100; the least deprived is close to 0.
    n = 32844
    assert imd_exponential([1 / n])[0] == pytest.approx(
        -23 * math.log(1 - (1 - math.exp(-100 / 23)) / n)
    )
    assert imd_exponential([1 / n])[0] < 0.001


def test_rank_exponential_ranks_ascending() -> None:
    got = rank_exponential([30.0, 10.0, 40.0, 20.0])
    expected = imd_exponential([0.75, 0.25, 1.0, 0.5])
    np.testing.assert_allclose(got, expected)
    assert got[2] == pytest.approx(100.0)
    spec = Normalisation(method="rank_exponential")
    rev = normalise([30.0, 10.0, 40.0, 20.0], spec=spec, direction=-1)
    np.testing.assert_allclose(rev, imd_exponential([0.5, 1.0, 0.25, 0.75]))


@pytest.mark.parametrize(
    "kind", ["zscore", "minmax", "percentrank_inc", "percent_rank", "rank_exponential", "none"]
)
def test_vectorised_matches_scalar(kind: str) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 20, size=(3, 2, 40)).astype(float)  # many ties
    spec = Normalisation(method=kind, significance=4)  # type: ignore[arg-type]
    directions = np.array([1.0, -1.0])
    fast = normalise_last_axis(a, spec=spec, directions=directions)
    for i in range(3):
        for k in range(2):
            slow = normalise(a[i, k], spec=spec, direction=int(directions[k]))
            np.testing.assert_allclose(fast[i, k], slow, rtol=1e-12, atol=1e-12)
