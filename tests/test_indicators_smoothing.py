"""Empirical-Bayes smoothing (Marshall 1991)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.indicators.smoothing import eb_smooth_rates


def test_hand_computed_example() -> None:
    y = np.array([0.0, 10.0, 30.0])
    n = np.array([100.0, 100.0, 200.0])
    res = eb_smooth_rates(y, n)
    m = 40 / 400
    r = y / n
    s2 = float((n * (r - m) ** 2).sum() / n.sum())
    a = s2 - m / (400 / 3)
    c = a / (a + m / n)
    assert res.global_rate == pytest.approx(m)
    assert res.between_variance == pytest.approx(a)
    np.testing.assert_allclose(res.smoothed, m + c * (r - m))
    np.testing.assert_allclose(res.shrinkage, c)


def test_no_between_variance_gives_global_rate() -> None:
    # Poisson-like noise only: every area has rate 0.1 exactly -> s2 = 0 < m / n
    res = eb_smooth_rates([10, 20, 5], [100, 200, 50])
    assert res.between_variance == 0.0
    np.testing.assert_allclose(res.smoothed, 0.1)


def test_missing_and_zero_exposure_left_out() -> None:
    res = eb_smooth_rates([1.0, np.nan, 5.0, 4.0], [10.0, 10.0, 0.0, 40.0])
    assert np.isnan(res.smoothed[1]) and np.isnan(res.smoothed[2])
    assert res.global_rate == pytest.approx(5 / 50)


def test_equal_exposures_preserve_total() -> None:
    y = np.array([0.0, 3.0, 9.0, 40.0])
    n = np.full(4, 100.0)
    res = eb_smooth_rates(y, n)
    assert float((n * res.smoothed).sum()) == pytest.approx(y.sum())


rates = st.lists(
    st.tuples(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=5000)),
    min_size=2,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(pairs=rates)
def test_smoothed_between_raw_and_global(pairs: list[tuple[int, int]]) -> None:
    y = np.array([min(a, b) for a, b in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    res = eb_smooth_rates(y, n)
    r = y / n
    lo = np.minimum(r, res.global_rate) - 1e-12
    hi = np.maximum(r, res.global_rate) + 1e-12
    assert np.all((res.smoothed >= lo) & (res.smoothed <= hi))
    assert np.all((res.shrinkage >= 0) & (res.shrinkage <= 1))


@settings(max_examples=200, deadline=None)
@given(pairs=rates)
def test_preserve_total_keeps_sum(pairs: list[tuple[int, int]]) -> None:
    y = np.array([min(a, b) for a, b in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    res = eb_smooth_rates(y, n, preserve_total=True)
    assert float((n * res.smoothed).sum()) == pytest.approx(y.sum(), rel=1e-9, abs=1e-9)
