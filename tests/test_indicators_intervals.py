"""Confidence intervals: reference values and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from omradesbild.errors import ConfigError
from omradesbild.indicators.intervals import (
    _z,
    poisson_byar_interval,
    poisson_exact_interval,
    poisson_interval,
    rate_interval,
    wilson_interval,
)


def test_the_quantiles_equal_scipy_stats_to_the_last_bit() -> None:
    """The intervals evaluate scipy.stats' quantiles through scipy.special (its import is
    far cheaper); the values are the same, bit for bit."""
    from omradesbild.indicators.intervals import _chi2_ppf, _z

    for conf in (0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999):
        assert _z(conf) == float(stats.norm.ppf(0.5 + conf / 2.0))
    df = np.r_[2.0 * np.array([1e-300, 0.3, 1, 2, 7.5, 50, 99.9, 1e4]), 2.0, 4.0, 200.0]
    many = np.r_[np.repeat(df, 10), 2.0 * np.arange(200) + 2.0]  # once per distinct value
    for q in (0.005, 0.025, 0.05, 0.95, 0.975, 0.995):
        assert np.array_equal(_chi2_ppf(q, df), stats.chi2.ppf(q, df))
        assert np.array_equal(_chi2_ppf(q, many), stats.chi2.ppf(q, many))
    x = np.array([0.0, 0.4, 1.0, 3.0, 17.0, 99.0, 150.5, np.nan, -1.0])
    alpha = 1.0 - 0.95  # as the function computes it (not exactly 0.05)
    ok = np.isfinite(x) & (x >= 0)
    xs = np.where(ok, x, 0.0)
    want_low = np.where(xs > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(xs, 1e-300)) / 2, 0)
    want_high = stats.chi2.ppf(1 - alpha / 2, 2 * xs + 2) / 2
    low, high = poisson_exact_interval(x, confidence=0.95)
    assert np.array_equal(low, np.where(ok, want_low, np.nan), equal_nan=True)
    assert np.array_equal(high, np.where(ok, want_high, np.nan), equal_nan=True)


def test_wilson_reference_5_of_10() -> None:
    low, high = wilson_interval(5, 10)
    assert float(low) == pytest.approx(0.2366, abs=5e-5)
    assert float(high) == pytest.approx(0.7634, abs=5e-5)


def test_wilson_matches_scipy_binomtest() -> None:
    for x, n in [(0, 20), (3, 7), (20, 20), (123, 4567)]:
        ref = stats.binomtest(x, n).proportion_ci(confidence_level=0.9, method="wilson")
        low, high = wilson_interval(x, n, confidence=0.9)
        assert float(low) == pytest.approx(ref.low, abs=1e-12)
        assert float(high) == pytest.approx(ref.high, abs=1e-12)


def test_wilson_edges_and_vectorised() -> None:
    low, high = wilson_interval(np.array([0, 10, 3, 1]), np.array([10, 10, 0, np.nan]))
    assert low[0] == 0.0 and high[0] > 0
    assert high[1] == 1.0 and low[1] < 1
    assert np.isnan(low[2]) and np.isnan(high[3])


def test_garwood_reference_values() -> None:
    low, high = poisson_exact_interval([0, 10])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(3.689, abs=5e-4)
    assert low[1] == pytest.approx(4.795, abs=5e-4)
    assert high[1] == pytest.approx(18.39, abs=5e-3)
    # same as the chi-square definition
    assert high[1] == pytest.approx(stats.chi2.ppf(0.975, 22) / 2)


def test_quantiles_are_scipy_stats_bit_for_bit() -> None:
    """The normal and chi-square quantiles come from scipy.special (scipy.stats is slow to
    import): they are the very numbers scipy.stats.norm.ppf and chi2.ppf give."""
    counts = np.array([0.0, 1e-9, 0.3, 1, 2.5, 7, 10, 49.5, 123, 4567, 1e6])
    for conf in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        alpha = 1.0 - conf
        assert _z(conf) == float(stats.norm.ppf(0.5 + conf / 2.0))
        low, high = poisson_exact_interval(counts, confidence=conf)
        ref_low = np.where(
            counts > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * np.maximum(counts, 1e-300)) / 2.0, 0
        )
        ref_high = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * counts + 2.0) / 2.0
        assert np.array_equal(low, ref_low) and np.array_equal(high, ref_high)
    assert _z(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_byar_reference_values() -> None:
    low, high = poisson_byar_interval(10)
    # Byar's formula gives 4.787 (the exact bound is 4.795) and 18.39
    assert float(low) == pytest.approx(4.787, abs=1e-3)
    assert float(high) == pytest.approx(18.39, abs=5e-3)
    low0, high0 = poisson_byar_interval(0)
    assert float(low0) == 0.0 and float(high0) > 3.6


def test_auto_uses_exact_for_small_and_byar_for_large() -> None:
    x = np.array([3.0, 500.0])
    low, high = poisson_interval(x)
    el, eh = poisson_exact_interval(x)
    bl, bh = poisson_byar_interval(x)
    assert low[0] == el[0] and high[0] == eh[0]
    assert low[1] == bl[1] and high[1] == bh[1]
    # Byar is close to exact for large counts
    assert bl[1] == pytest.approx(el[1], rel=1e-3)


def test_rate_interval_scales_by_population() -> None:
    low, high = rate_interval(10, 2000, multiplier=1000)
    el, eh = poisson_exact_interval(10)
    assert float(low) == pytest.approx(float(el) / 2000 * 1000)
    assert float(high) == pytest.approx(float(eh) / 2000 * 1000)
    nl, nh = rate_interval(1, 0)
    assert np.isnan(nl) and np.isnan(nh)


def test_bad_confidence_and_method() -> None:
    with pytest.raises(ConfigError):
        wilson_interval(1, 2, confidence=1.5)
    with pytest.raises(ConfigError):
        poisson_interval(1, method="normal")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=100_000),
    frac=st.floats(min_value=0, max_value=1),
    conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_wilson_contains_estimate(n: int, frac: float, conf: float) -> None:
    x = round(frac * n)
    low, high = wilson_interval(x, n, confidence=conf)
    p = x / n
    assert 0.0 <= float(low) <= p + 1e-12
    assert p - 1e-12 <= float(high) <= 1.0


@settings(max_examples=200, deadline=None)
@given(p=st.floats(min_value=0.05, max_value=0.95), n=st.integers(min_value=10, max_value=10_000))
def test_wilson_shrinks_as_n_grows(p: float, n: int) -> None:
    l1, h1 = wilson_interval(p * n, n)
    l2, h2 = wilson_interval(p * 4 * n, 4 * n)
    assert float(h2 - l2) < float(h1 - l1)


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_poisson_contains_count(x: float) -> None:
    for method in ("exact", "byar", "auto"):
        low, high = poisson_interval(x, method=method)  # type: ignore[arg-type]
        assert float(low) <= x + 1e-9 * max(1.0, x)
        assert float(high) >= x
        assert float(low) >= 0.0


@settings(max_examples=100, deadline=None)
@given(
    rate=st.floats(min_value=0.001, max_value=0.5), n=st.integers(min_value=100, max_value=10**6)
)
def test_rate_interval_relative_width_shrinks(rate: float, n: int) -> None:
    l1, h1 = rate_interval(rate * n, n)
    l2, h2 = rate_interval(rate * 4 * n, 4 * n)
    assert float(h2 - l2) < float(h1 - l1)
