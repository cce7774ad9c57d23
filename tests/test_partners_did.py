"""Difference-in-differences on constructed panels with a known effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.followup.did import comparable_areas, difference_in_differences


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


def test_known_effect_is_recovered_with_interval() -> None:
    df = _panel(-3.0)
    t, c = _groups(df)
    r = difference_in_differences(df, treated=t, start_period="2018", comparison=c)
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
    t, c = _groups(df)
    r = difference_in_differences(df, treated=t, start_period="2018", comparison=c)
    assert r.pre_trend_slope == pytest.approx(1.0, abs=0.1)
    assert r.pre_trend_ok is False
    assert any("parallel-trends" in n for n in r.notes)


def test_unbalanced_panel_and_input_not_mutated() -> None:
    df = _panel(2.0).sample(frac=0.85, random_state=2).reset_index(drop=True)
    before = df.copy()
    t, c = _groups(df)
    r = difference_in_differences(df, treated=t, start_period="2018", comparison=c)
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
