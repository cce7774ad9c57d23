"""Indicator change between periods, trends and reference comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from omradesbild.errors import InputError
from omradesbild.followup.change import (
    CHANGE_COLUMNS,
    REFERENCE_COLUMNS,
    TREND_COLUMNS,
    compare_to_reference,
    indicator_change,
    trend,
)
from omradesbild.indicators import compute_indicators, finalize_indicators, reference_values
from omradesbild.synthetic import generate_city


@pytest.fixture(scope="module")
def city_ind() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    city = generate_city()
    obs = pd.concat([city.observations, city.crime_counts], ignore_index=True)
    ids = ["unemployment_16_64", "crime_rate_1211", "median_income", "low_econ_standard"]
    ind = compute_indicators(obs, indicators=ids)
    ref = reference_values(obs, indicators=ids)
    return ind, ref, city.deso[["area_code", "trajectory"]]


def _counts(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """Counts frame for finalize_indicators: (area, period, indicator, y, n)."""
    return pd.DataFrame(
        {
            "area_code": [r[0] for r in rows],
            "area_version": "deso2018",
            "level": "deso",
            "period": [r[1] for r in rows],
            "indicator": [r[2] for r in rows],
            "numerator": [r[3] for r in rows],
            "denominator": [r[4] for r in rows],
            "n_parts": 1,
            "partial": False,
            "approximate": False,
            "note": None,
        }
    )


def test_two_proportion_z_matches_hand_computation() -> None:
    ind = finalize_indicators(
        _counts(
            [
                ("X", "2020", "unemployment_16_64", 50, 1000),
                ("X", "2024", "unemployment_16_64", 80, 1000),
            ]
        )
    )
    out = indicator_change(ind, period_from="2020", period_to=2024)
    assert list(out.columns) == list(CHANGE_COLUMNS)
    row = out.iloc[0]
    pooled = 130 / 2000
    z = (0.08 - 0.05) / np.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert row["diff"] == pytest.approx(3.0)
    assert row["statistic"] == pytest.approx(z)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert bool(row["significant"]) is True
    assert row["change"] == "worsening"  # direction +1: more unemployment is worse
    assert row["diff_ci_low"] < 3.0 < row["diff_ci_high"]
    assert row["diff_ci_low"] > 0  # consistent with the significant test here


def test_rate_conditional_binomial_and_zero_counts() -> None:
    ind = finalize_indicators(
        _counts(
            [
                ("X", "2020", "crime_rate_1211", 0, 1000),
                ("X", "2024", "crime_rate_1211", 0, 1200),
                ("Y", "2020", "crime_rate_1211", 2, 1000),
                ("Y", "2024", "crime_rate_1211", 20, 1000),
            ]
        )
    )
    out = indicator_change(ind, period_from=2020, period_to=2024).set_index("area_code")
    assert out.loc["X", "test"] == "conditional_binomial"
    assert out.loc["X", "p_value"] == 1.0
    assert out.loc["X", "change"] == "no significant change"
    assert out.loc["X", "diff_ci_low"] < 0 < out.loc["X", "diff_ci_high"]
    expected = stats.binomtest(20, 22, 0.5).pvalue  # symmetric case: doubling = binomtest
    assert out.loc["Y", "p_value"] == pytest.approx(expected)
    assert out.loc["Y", "change"] == "worsening"


def test_median_and_approximate_not_tested_and_missing_period() -> None:
    counts = _counts(
        [
            ("X", "2020", "median_income", 250 * 800, 800),
            ("X", "2024", "median_income", 270 * 800, 800),
            ("X", "2020", "unemployment_16_64", 50, 1000),
            ("X", "2024", "unemployment_16_64", 60, 1000),
            ("Z", "2020", "unemployment_16_64", 50, 1000),
        ]
    )
    counts.loc[3, "approximate"] = True
    out = indicator_change(finalize_indicators(counts), period_from=2020, period_to=2024)
    med = out.loc[out["indicator"] == "median_income"].iloc[0]
    assert med["diff"] == pytest.approx(20.0)
    assert med["test"] is None and pd.isna(med["significant"])
    assert "median" in med["note"]
    approx = out.loc[(out["area_code"] == "X") & (out["indicator"] == "unemployment_16_64")]
    assert approx["test"].iloc[0] is None and "approximate" in approx["note"].iloc[0]
    tested = indicator_change(
        finalize_indicators(counts), period_from=2020, period_to=2024, test_approximate=True
    )
    assert tested.loc[
        (tested["area_code"] == "X") & (tested["indicator"] == "unemployment_16_64"), "test"
    ].iloc[0] == ("two_proportion_z")
    z = out.loc[out["area_code"] == "Z"].iloc[0]
    assert np.isnan(z["diff"]) and z["note"] == "no value in 2024"
    assert z["note"].text("sv") == "inget värde 2024"  # a catalogue Message
    assert approx["note"].iloc[0].text("sv").startswith("inte testad: approximativt")
    with pytest.raises(InputError, match="2019"):
        indicator_change(finalize_indicators(counts), period_from=2019, period_to=2024)


def test_rate_with_a_denominator_of_another_year_says_which_year() -> None:
    """An offence rate whose population comes from another year is approximate and not
    tested, and its note names that year: its counts are not estimates (the note said
    'approximate value (estimated counts)' of every 2020 crime rate on the real data)."""
    counts = _counts(
        [
            ("X", "2020", "crime_rate_1311", 59, 984_748),
            ("X", "2023", "crime_rate_1311", 52, 988_943),
            ("Y", "2020", "unemployment_16_64", 50, 1000),
            ("Y", "2024", "unemployment_16_64", 60, 1000),
        ]
    )
    counts.loc[0, ["approximate", "note"]] = [True, "denominator from 2022"]
    counts.loc[3, "approximate"] = True
    out = indicator_change(finalize_indicators(counts), period_from=2020, period_to=2023)
    row = out.loc[out["area_code"] == "X"].iloc[0]
    assert row["test"] is None and pd.isna(row["significant"])
    assert row["note"] == (
        "not tested: the value of 2020 divides by the denominator of 2022 (approximate)"
    )
    assert row["note"].text("sv") == (
        "inte testad: värdet 2020 delar med nämnaren från 2022 (approximativt)"
    )
    other = indicator_change(finalize_indicators(counts), period_from=2020, period_to=2024)
    assert other.loc[other["area_code"] == "Y", "note"].iloc[0] == (
        "not tested: approximate value (estimated counts)"
    )


_CASE = st.tuples(
    st.integers(0, 300), st.integers(0, 300), st.integers(300, 3000), st.integers(300, 3000)
)


@settings(max_examples=20, deadline=None)
@given(cases=st.lists(_CASE, min_size=1, max_size=10))
def test_change_is_antisymmetric(cases: list[tuple[int, int, int, int]]) -> None:
    """Each case ``(y1, y2, n1, n2)`` is an area of its own in one table (one pandas run for
    several cases, and areas must not affect each other): the change from 2024 back to 2020
    is the negated change, with the same p-value, for a proportion and a crime rate."""
    rows = []
    for k, (y1, y2, n1, n2) in enumerate(cases):
        for ind_id in ("unemployment_16_64", "crime_rate_1211"):
            rows += [(f"X{k}", "2020", ind_id, y1, n1), (f"X{k}", "2024", ind_id, y2, n2)]
    ind = finalize_indicators(_counts(rows))
    key = ["area_code", "indicator"]
    fwd = indicator_change(ind, period_from=2020, period_to=2024).set_index(key).sort_index()
    back = indicator_change(ind, period_from=2024, period_to=2020).set_index(key).sort_index()
    assert len(fwd) == len(back) == 2 * len(cases)
    for i in fwd.index:
        assert fwd.loc[i, "diff"] == pytest.approx(-back.loc[i, "diff"], abs=1e-12)
        assert fwd.loc[i, "p_value"] == pytest.approx(back.loc[i, "p_value"], abs=1e-9)
        assert fwd.loc[i, "diff_ci_low"] == pytest.approx(-back.loc[i, "diff_ci_high"])
        assert 0.0 <= fwd.loc[i, "p_value"] <= 1.0
        assert fwd.loc[i, "diff_ci_low"] <= fwd.loc[i, "diff"] <= fwd.loc[i, "diff_ci_high"]


def test_change_on_synthetic_city_follows_trajectories(city_ind: tuple) -> None:
    ind, _, traj = city_ind
    out = indicator_change(ind, period_from=2012, period_to=2024)
    assert len(out) == 150 * 4
    une = out.loc[out["indicator"] == "unemployment_16_64"].merge(traj, on="area_code")
    # declining areas never significantly improve, improving areas never worsen
    assert not ((une["trajectory"] == "declining") & (une["change"] == "improving")).any()
    assert not ((une["trajectory"] == "improving") & (une["change"] == "worsening")).any()


def test_trend_recovers_exact_line_and_direction() -> None:
    rows = []
    for i, year in enumerate(range(2015, 2021)):
        rows.append(("X", str(year), "unemployment_16_64", 100 - 5 * i, 1000))  # −0.5 pp/yr
        rows.append(("X", str(year), "survey_feel_safe", 500 + 10 * i, 1000))  # +1 pp/yr
        rows.append(("X", str(year), "foreign_born", 300, 1000))
    raw = trend(finalize_indicators(_counts(rows)))
    assert list(raw.columns) == list(TREND_COLUMNS)
    out = raw.set_index("indicator")
    assert out.loc["unemployment_16_64", "slope"] == pytest.approx(-0.5)
    assert out.loc["unemployment_16_64", "direction"] == "improving"
    assert out.loc["survey_feel_safe", "slope"] == pytest.approx(1.0)
    assert out.loc["survey_feel_safe", "direction"] == "improving"  # direction −1
    assert out.loc["foreign_born", "direction"] == "stable"
    assert out.loc["foreign_born", "n_periods"] == 6
    short = trend(finalize_indicators(_counts(rows)), periods=["2015", "2016"])
    assert set(short["direction"]) == {"undetermined"}


def test_trend_weighted_equals_ols_with_equal_weights_and_synthetic(city_ind: tuple) -> None:
    ind, _, traj = city_ind
    une = ind.loc[ind["indicator"] == "low_econ_standard"]
    w = trend(une)
    o = trend(une, weighted=False)
    assert (w["n_periods"] == 13).all()
    merged = w.merge(traj, on="area_code")
    assert (merged.loc[merged["trajectory"] == "improving", "direction"] == "improving").all()
    assert (merged.loc[merged["trajectory"] == "declining", "direction"] == "worsening").all()
    # weighting changes the estimate only a little for slowly varying denominators
    assert np.corrcoef(w["slope"], o["slope"])[0, 1] > 0.99


def test_trend_t_quantiles_are_scipy_stats_bit_for_bit() -> None:
    """The slope's interval and p-value use scipy.special's Student t (scipy.stats is slow
    to import): the very numbers of scipy.stats.t.ppf and t.sf, infinite t included."""
    from omradesbild.followup.trends import _slopes

    rng = np.random.default_rng(7)
    n = 400
    agg = pd.DataFrame(
        {
            "n_periods": rng.integers(1, 16, n),
            "sxx": rng.uniform(0.5, 50, n),
            "sxy": rng.normal(0, 10, n),
            "ssr": rng.uniform(0, 5, n),
        }
    )
    agg.loc[:4, "ssr"] = 0.0  # se = 0: an infinite t (or 0 / 0 for a zero slope)
    agg.loc[0, "sxy"] = 0.0
    for alpha in (0.01, 0.05, 0.2):
        slope, lo, hi, pv, enough = _slopes(agg, alpha=alpha, min_periods=3)
        m = agg["n_periods"].to_numpy()
        df = np.maximum(m - 2, 1)
        se = np.sqrt(np.where(m > 2, agg["ssr"] / df, np.nan) / agg["sxx"].to_numpy())
        tq = np.where(m > 2, stats.t.ppf(1.0 - alpha / 2.0, df), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, slope / se, np.where(slope == 0, 0.0, np.inf))
        ref_pv = np.where(enough, 2.0 * stats.t.sf(np.abs(t), df), np.nan)
        assert np.array_equal(pv, ref_pv, equal_nan=True)
        assert np.array_equal(lo, np.where(enough, slope - tq * se, np.nan), equal_nan=True)
        assert np.array_equal(hi, np.where(enough, slope + tq * se, np.nan), equal_nan=True)
        assert enough.sum() > 300 and np.nanmin(pv) < 1e-6 and np.nanmax(pv) > 0.5


def test_compare_to_reference(city_ind: tuple) -> None:
    ind, ref, _ = city_ind
    out = compare_to_reference(ind.loc[ind["indicator"] == "unemployment_16_64"], ref)
    assert list(out.columns) == list(REFERENCE_COLUMNS)
    assert (out["kommun_code"] == "9999").all()
    assert np.allclose(out["gap_kommun"], out["value"] - out["kommun_value"])
    hi = out["vs_kommun"] == "higher"
    assert (out.loc[hi, "ci_low"] > out.loc[hi, "kommun_value"]).all()
    sim = out["vs_kommun"] == "similar"
    assert (~out.loc[sim, "ci_excludes_kommun"].astype(bool)).all()
    assert {"higher", "lower", "similar"} <= set(out["vs_kommun"])
