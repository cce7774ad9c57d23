"""Difference-in-differences on constructed panels with a known effect."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.followup.did import DidResult, comparable_areas, difference_in_differences


def _panel(
    effect: float,
    *,
    n_t: int = 8,
    n_c: int = 20,
    noise: float = 0.5,
    pre_slope_gap: float = 0.0,
    seed: int = 1,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    years = range(2012, 2024)
    for i in range(n_t + n_c):
        code = f"T{i:02d}" if i < n_t else f"C{i:02d}"
        level = rng.normal(20, 5)
        for y in years:
            v = level + 0.3 * (y - 2012) + 2 * np.sin(y)  # common shock per year
            if i < n_t:
                v += pre_slope_gap * (y - 2018)
                v += effect if y >= 2018 else 0.0
            rows.append((code, str(y), v + rng.normal(0, noise)))
    return pd.DataFrame(rows, columns=["area_code", "period", "value"])


def _groups(df: pd.DataFrame) -> tuple[set[str], set[str]]:
    codes = set(df["area_code"])
    return {c for c in codes if c.startswith("T")}, {c for c in codes if c.startswith("C")}


def _did(df: pd.DataFrame, **kwargs: Any) -> DidResult:
    """Difference-in-differences of the T* areas against the C* areas, starting 2018."""
    t, c = _groups(df)
    return difference_in_differences(df, treated=t, start_period="2018", comparison=c, **kwargs)


def test_known_effect_is_recovered_with_interval() -> None:
    df = _panel(-3.0)
    r = _did(df)
    assert r.estimate == pytest.approx(-3.0, abs=0.4)
    assert r.ci_low < -3.0 < r.ci_high
    assert r.p_value < 0.001
    # Balanced panel: the regression equals the 2×2 difference of means.
    assert r.estimate == pytest.approx(r.simple_2x2, abs=1e-9)
    assert r.pre_trend_ok is True
    assert r.n_treated == 8 and r.n_comparison == 20
    assert r.pre_periods[0] == "2012" and r.post_periods == [str(y) for y in range(2018, 2024)]
    assert any("Parallel trends" in a for a in r.assumptions)


def test_no_effect_interval_covers_zero_and_simple_se() -> None:
    df = _panel(0.0, seed=3)
    t, c = _groups(df)
    r = difference_in_differences(df, treated=t, start_period=2018, comparison=c, se="simple")
    assert r.ci_low < 0 < r.ci_high
    assert r.se_method == "simple OLS"


def test_pre_trend_violation_is_flagged() -> None:
    df = _panel(0.0, pre_slope_gap=1.0)
    r = _did(df)
    assert r.pre_trend_slope == pytest.approx(1.0, abs=0.1)
    assert r.pre_trend_ok is False
    assert any("parallel-trends" in n for n in r.notes)


def test_unbalanced_panel_and_input_not_mutated() -> None:
    df = _panel(2.0).sample(frac=0.85, random_state=2).reset_index(drop=True)
    before = df.copy()
    r = _did(df)
    assert r.estimate == pytest.approx(2.0, abs=0.5)
    pd.testing.assert_frame_equal(df, before)


def test_few_treated_areas_note_and_errors() -> None:
    df = _panel(1.0, n_t=1)
    t, c = _groups(df)
    r = difference_in_differences(df, treated=t, start_period="2018", comparison=c)
    assert any("indicative" in n for n in r.notes)
    with pytest.raises(InputError, match="both an intervention and a comparison"):
        difference_in_differences(df, treated=t, start_period="2018", comparison=c | t)
    with pytest.raises(InputError, match="before the start"):
        difference_in_differences(df, treated=t, start_period="2000", comparison=c)
    with pytest.raises(InputError, match="lacks column"):
        difference_in_differences(
            df.drop(columns="value"), treated=t, start_period="2018", comparison=c
        )


@settings(max_examples=25, deadline=None)
@given(effect=st.floats(-10, 10), shift=st.floats(-100, 100))
def test_estimate_shifts_with_effect_not_with_level(effect: float, shift: float) -> None:
    df = _panel(effect, n_t=4, n_c=6, noise=0.0)
    t, c = _groups(df)
    r = difference_in_differences(
        df.assign(value=df["value"] + shift), treated=t, start_period="2018", comparison=c
    )
    assert r.estimate == pytest.approx(effect, abs=1e-6)


def test_comparable_areas() -> None:
    types = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D", "A", "B", "C", "D"],
            "period": ["2019"] * 4 + ["2020"] * 4,
            "area_type": [1, 1, 2, 1, 1, 2, 2, 2],
        }
    )
    assert comparable_areas(types, "A", "2019") == ["B", "D"]
    assert comparable_areas(types, "A", "2020") == []
    assert comparable_areas(types, ["A", "C"], "2019") == ["B", "D"]
    with pytest.raises(InputError, match="no area type"):
        comparable_areas(types, "X", "2019")


# ---- against statsmodels ------------------------------------------------------------------


def _statsmodels_fit(df: pd.DataFrame, formula: str, *, cluster: bool) -> object:
    smf = pytest.importorskip("statsmodels.formula.api")
    model = smf.ols(formula, data=df)
    if cluster:
        groups = pd.factorize(df["area_code"])[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    return model.fit()


def _design(df: pd.DataFrame, start: int = 2018) -> pd.DataFrame:
    out = df.copy()
    out["treated"] = out["area_code"].str.startswith("T").astype(float)
    out["post"] = (out["period"].astype(int) >= start).astype(float)
    out["d"] = out["treated"] * out["post"]
    return out


@pytest.mark.parametrize("se", ["cluster", "simple"])
@pytest.mark.parametrize(("frac", "seed"), [(1.0, 4), (0.8, 5)])
def test_two_way_fixed_effects_match_statsmodels(se: str, frac: float, seed: int) -> None:
    df = _panel(1.5, noise=1.0, seed=seed).sample(frac=frac, random_state=seed)
    df = df.sort_values(["area_code", "period"]).reset_index(drop=True)
    ours = _did(df, se=se, confidence=0.9)
    ref = _statsmodels_fit(
        _design(df), "value ~ d + C(area_code) + C(period)", cluster=se == "cluster"
    )
    assert ours.estimate == pytest.approx(ref.params["d"], rel=1e-9, abs=1e-9)  # type: ignore[attr-defined]
    # Homoskedastic: the OLS standard error. Cluster: CR1 with the small-sample factor
    # G/(G−1)·(N−1)/(N−K) and t with G−1 degrees of freedom, as statsmodels does it.
    assert ours.se == pytest.approx(ref.bse["d"], rel=1e-7)  # type: ignore[attr-defined]
    assert ours.p_value == pytest.approx(ref.pvalues["d"], rel=1e-6)  # type: ignore[attr-defined]
    low, high = ref.conf_int(alpha=0.1).loc["d"]  # type: ignore[attr-defined]
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), rel=1e-7)


def test_balanced_estimate_is_the_2x2_interaction_in_statsmodels() -> None:
    df = _design(_panel(-2.0, seed=6))
    ours = _did(df)
    ref = _statsmodels_fit(df, "value ~ treated * post", cluster=False)
    assert ours.estimate == pytest.approx(ref.params["treated:post"], abs=1e-9)  # type: ignore[attr-defined]
    assert ours.simple_2x2 == pytest.approx(ref.params["treated:post"], abs=1e-9)  # type: ignore[attr-defined]


@pytest.mark.parametrize("se", ["cluster", "simple"])
def test_pre_trend_slope_matches_statsmodels(se: str) -> None:
    df = _panel(0.0, pre_slope_gap=0.4, noise=1.0, seed=7)
    ours = _did(df, se=se)
    pre = _design(df).query("post == 0").reset_index(drop=True)
    pre["trend"] = pre["treated"] * (pre["period"].astype(int) - 2018)
    ref = _statsmodels_fit(pre, "value ~ trend + C(area_code) + C(period)", cluster=se == "cluster")
    assert ours.pre_trend_slope == pytest.approx(ref.params["trend"], abs=1e-9)  # type: ignore[attr-defined]
    assert ours.pre_trend_p == pytest.approx(ref.pvalues["trend"], rel=1e-6)  # type: ignore[attr-defined]
