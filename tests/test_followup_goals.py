"""Goal files, goal histories and goal status."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from omradesbild.errors import ConfigError
from omradesbild.followup.goals import (
    STATUS_COLUMNS,
    CountGoal,
    GapGoal,
    goal_history,
    goal_status,
    goals_from_dict,
    goals_status_frame,
    linear_projection,
    load_goals,
)
from omradesbild.indicators import compute_indicators
from omradesbild.synthetic import generate_city


def _goal(**kw: object) -> dict[str, object]:
    """A valid indicator goal, with the fields in ``kw`` added or replaced."""
    return {
        "id": "g1",
        "kind": "indicator",
        "title_sv": "Mål",
        "title_en": "Goal",
        "indicator": "unemployment_16_64",
        "area_code": "9999",
        "base_year": 2018,
        "target_year": 2030,
        "target_value": 2.0,
        **kw,
    }


def test_example_file_loads() -> None:
    goals = load_goals()
    ids = [g.id for g in goals.goals]
    assert ids == ["no_sarskilt_utsatt_2030", "no_regso_type1_2030", "halve_employment_gap_2030"]
    gap = goals.get("halve_employment_gap_2030")
    assert isinstance(gap, GapGoal) and gap.target_relative_change == -0.5
    with pytest.raises(ConfigError, match="no goal"):
        goals.get("nope")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"target_year": 2010}, "target_year must be after base_year"),
        ({"target_relative_change": -0.5}, "exactly one of target_value"),
        ({"kind": "gap"}, "field 'group_a'"),
        ({"kind": "weird"}, "goal 'g1' (goals[0])"),
        ({"colour": "red"}, "field 'colour'"),
    ],
)
def test_validation_errors_name_goal_and_field(change: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        goals_from_dict({"goals": [_goal(**change)]}, file="goals.yaml")
    assert needle in str(err.value)
    assert "goals.yaml" in str(err.value)


def test_bad_police_category_and_duplicates(tmp_path: Path) -> None:
    bad = _goal(kind="count_of_areas", areas={"source": "police", "categories": ["x"]})
    bad.pop("indicator")
    bad.pop("area_code")
    with pytest.raises(ConfigError, match=r"field 'areas\.categories'"):
        goals_from_dict({"goals": [bad]})
    with pytest.raises(ConfigError, match="duplicate goal id"):
        goals_from_dict({"goals": [_goal(), _goal()]})
    f = tmp_path / "g.yaml"
    f.write_text("goals: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_goals(f)


def test_projection_matches_textbook_formula() -> None:
    x = [2015, 2016, 2017, 2018, 2019, 2020]
    y = [10.0, 9.5, 9.4, 8.6, 8.5, 7.9]
    pred, lo, hi = linear_projection(x, y, 2030)
    slope, intercept, *_ = stats.linregress(x, y)
    assert pred == pytest.approx(intercept + slope * 2030)
    resid = np.asarray(y) - (intercept + slope * np.asarray(x))
    s = np.sqrt((resid**2).sum() / 4)
    xm = np.mean(x)
    half = (
        stats.t.ppf(0.975, 4)
        * s
        * np.sqrt(1 + 1 / 6 + (2030 - xm) ** 2 / np.sum((np.asarray(x) - xm) ** 2))
    )
    assert hi - pred == pytest.approx(half) and pred - lo == pytest.approx(half)


def test_status_on_off_track_and_achieved() -> None:
    goal = goals_from_dict({"goals": [_goal(target_value=2.0)]}).goals[0]
    years = list(range(2016, 2025))
    falling = pd.DataFrame({"period": years, "value": [5 - 0.3 * (y - 2016) for y in years]})
    st_ = goal_status(goal, falling)
    assert st_.status == "on_track" and st_.on_track is True
    assert st_.base == pytest.approx(4.4) and st_.target == 2.0
    assert st_.progress_share == pytest.approx((4.4 - 2.6) / (4.4 - 2.0))
    assert "clearly on track" in st_.reasoning
    flat = falling.assign(value=[3.0, 3.1, 2.9, 3.0, 3.05, 2.95, 3.0, 3.1, 2.9])
    st2 = goal_status(goal, flat)
    assert st2.status == "off_track" and st2.on_track is False
    late = goals_from_dict(
        {"goals": [_goal(base_year=2016, target_year=2020, target_value=2.8)]}
    ).goals[0]
    st3 = goal_status(late, falling)
    assert st3.status == "achieved" and st3.on_track is True
    few = goal_status(goal, falling.iloc[:2])
    assert few.status == "insufficient_data" and few.on_track is None
    assert (few.projection, few.projection_low, few.projection_high) == (None, None, None)
    assert "base year 2018 missing" in few.reasoning
    sv = goal_status(goal, falling, language="sv")
    assert "tydligt på väg" in sv.reasoning and "ger 0,8 år 2030" in sv.reasoning
    assert sv.status == st_.status and sv.title == goal.title_sv
    assert "inte uppnått" not in goal_status(late, falling, language="sv").reasoning
    assert st_.base_period == "2018" and few.base_period == "2017"
    only_later = goal_status(goal, pd.DataFrame({"period": ["2022"], "value": [22.6]}))
    # the base year has no value: the base is the 2022 value and is labelled 2022, not 2018
    assert only_later.base_period == "2022" and only_later.base_year == 2018
    assert "base year 2018 missing" in only_later.reasoning
    frame = goals_status_frame([st_, st2, st3, few])
    assert list(frame.columns) == list(STATUS_COLUMNS)
    assert frame["on_track"].isna().sum() == 1


@settings(max_examples=50, deadline=None)
@given(
    slope=st.floats(-2, 2),
    intercept=st.floats(-50, 50),
    target=st.floats(-80, 80),
)
def test_status_on_exact_line_is_decided_by_the_line(
    slope: float, intercept: float, target: float
) -> None:
    goal = goals_from_dict(
        {"goals": [_goal(target_value=target, base_year=2015, target_year=2030)]}
    ).goals[0]
    years = list(range(2015, 2023))
    hist = pd.DataFrame({"period": years, "value": [intercept + slope * (y - 2015) for y in years]})
    res = goal_status(goal, hist)
    projected = intercept + slope * 15
    assert res.projection == pytest.approx(projected, abs=1e-6)
    if abs(projected - target) > 1e-6 and abs(intercept - target) > 1e-9:
        wants_lower = target <= intercept
        assert res.on_track == (projected <= target if wants_lower else projected >= target)


def test_histories_from_synthetic_city() -> None:
    city = generate_city()
    goals = load_goals()
    police = goal_history(
        goals.get("no_sarskilt_utsatt_2030"), classifications=city.classifications
    )
    assert police["period"].tolist() == ["2015", "2017", "2019", "2021", "2023", "2024", "2025"]
    assert police["value"].tolist() == [2, 3, 3, 2, 2, 2, 2]
    status = goal_status(goals.get("no_sarskilt_utsatt_2030"), police)
    assert status.status == "off_track" and status.projection is not None
    assert status.projection >= 0

    links = city.links.loc[city.links["to_level"] == "regso"]
    ind = compute_indicators(
        city.observations, links=links, level="regso", indicators=["not_employed_16_64"]
    )
    types = ind[["area_code", "period"]].drop_duplicates().copy()
    rank = ind.groupby("period")["value"].rank(ascending=False, method="first")
    types["class"] = np.where(rank.to_numpy() <= 5, 1, np.where(rank.to_numpy() > 40, 5, 3))
    gap = goal_history(goals.get("halve_employment_gap_2030"), indicators=ind, area_types=types)
    assert len(gap) == 13 and (gap["value"] > 0).all()
    assert np.allclose(gap["value"], gap["value_a"] - gap["value_b"])
    assert (gap["n_a"] == 5).all() and (gap["n_b"] == 5).all()
    count = goal_history(goals.get("no_regso_type1_2030"), area_types=types)
    assert (count["value"] == 5).all()
    assert isinstance(goals.get("no_regso_type1_2030"), CountGoal)
    gstat = goal_status(goals.get("halve_employment_gap_2030"), gap)
    assert gstat.target == pytest.approx(gstat.base * 0.5)


def test_a_goal_whose_indicator_has_no_rows_is_refused_on_the_indicator() -> None:
    from omradesbild.errors import InputError
    from omradesbild.followup.goal_file import GapGoal, IndicatorGoal
    from omradesbild.followup.goal_history import gap_history, indicator_history

    years = {"title_sv": "m", "title_en": "g", "base_year": 2020, "target_year": 2030}
    ind = pd.DataFrame(
        {"area_code": ["0180R001"], "period": ["2021"], "indicator": ["ek_bistand"],
         "value": [1.0], "denominator": [10.0]}
    )  # fmt: skip
    types = pd.DataFrame({"area_code": ["0180R001"], "period": ["2021"], "class": [1]})
    gap = GapGoal(id="gap", kind="gap", indicator="sysselsatt", group_a=[1], group_b=[5],
                  target_value=0.0, **years)  # fmt: skip
    with pytest.raises(InputError) as exc:
        gap_history(gap, indicators=ind, area_types=types)
    assert exc.value.field == "indicator" and exc.value.expected == "sysselsatt"
    assert "goal 'gap': indicator 'sysselsatt' is not in the indicator table" in str(exc.value)
    one = IndicatorGoal(id="one", kind="indicator", indicator="ek_bistand",
                        area_code="0180R002", target_value=0.0, **years)  # fmt: skip
    with pytest.raises(InputError) as exc:
        indicator_history(one, indicators=ind)
    assert exc.value.field == "indicator"
    assert exc.value.expected == "rows of ek_bistand for 0180R002"
    assert "goal 'one': no values of 'ek_bistand' for area '0180R002'" in str(exc.value)
