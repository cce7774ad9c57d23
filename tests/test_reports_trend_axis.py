"""Trend charts: uneven years are spaced by time, intervals are filled bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omradesbild.reports import charts
from omradesbild.reports.profile_figures import profile_figures
from omradesbild.services.models import AreaProfile, IndicatorValue


def _uneven_frame() -> pd.DataFrame:
    """A small generated indicator series of one area over the uneven years 2018, 2020, 2023
    (values and intervals drawn at random, the interval around the value)."""
    rng = np.random.default_rng(7)
    value = rng.uniform(10, 30, 3)
    half = rng.uniform(1, 4, 3)
    return pd.DataFrame({
        "period": ["2018", "2020", "2023"], "value": value,
        "ci_low": value - half, "ci_high": value + half,
        "kommun": rng.uniform(10, 30, 3), "country": rng.uniform(10, 30, 3),
    })  # fmt: skip


def _profile(frame: pd.DataFrame, lang: str = "sv") -> AreaProfile:
    history = tuple(
        IndicatorValue(id="low_income", label="Låg inkomst", unit="procent",
                       reliability="reliable", **{str(k): v for k, v in r.items()})
        for r in frame.to_dict("records")
    )  # fmt: skip
    return AreaProfile(code="A1", name="Område", level="regso", version="2025", kommun="0180",
                       period="2023", lang=lang, indicator_history=history)  # fmt: skip


def test_uneven_years_keep_their_gaps_on_a_time_axis() -> None:
    frame = _uneven_frame()
    fig = profile_figures(_profile(frame), names=("Område", "Kommun", "Riket"))
    trend = fig["trend-low_income"]
    axis = trend["layout"]["xaxis"]
    assert axis["type"] == "linear"
    assert axis["ticktext"] == ["2018", "2020", "2023"]
    assert axis["range"][0] < 2018 and axis["range"][1] > 2023
    area = next(t for t in trend["data"] if t.get("name") == "Område")
    xs = area["x"]
    assert xs == [2018.0, 2020.0, 2023.0]
    # 2020 → 2023 is one and a half times as far as 2018 → 2020, as in time.
    assert (xs[2] - xs[1]) / (xs[1] - xs[0]) == 1.5
    for name in ("Kommun", "Riket"):
        ref = next(t for t in trend["data"] if t.get("name") == name)
        assert ref["x"] == xs


def test_interval_is_a_filled_band_around_the_line() -> None:
    frame = _uneven_frame()
    trend = profile_figures(_profile(frame), names=("Område", "K", "R"))["trend-low_income"]
    band = trend["data"][0]
    assert band["fill"] == "toself" and band["name"] == "95 %"
    assert band["x"] == [2018.0, 2020.0, 2023.0, 2023.0, 2020.0, 2018.0]
    upper, lower = band["y"][:3], band["y"][3:][::-1]
    area = trend["data"][1]["y"]
    assert all(lo <= v <= hi for lo, v, hi in zip(lower, area, upper, strict=True))


def test_band_leaves_out_years_without_an_interval() -> None:
    frame = _uneven_frame()
    frame.loc[1, ["ci_low", "ci_high"]] = None
    fig = profile_figures(_profile(frame, "en"), names=("Area", "K", "R"))
    trend = fig["trend-low_income"]
    assert trend["data"][0]["x"] == [2018.0, 2023.0, 2023.0, 2018.0]
    assert None not in trend["data"][0]["y"]
    titled = charts.trend_lines(["2018", "2020"], [1, 2], [0, 1], [2, 3], x_title="Year")
    assert titled["layout"]["xaxis"]["title"]["text"] == "Year"


def test_periods_that_are_not_years_stay_categories() -> None:
    fig = charts.trend_lines(["2018–2020", "2021–2023"], [1, 2], [0, 1], [2, 3])
    assert fig["layout"]["xaxis"]["type"] == "category"
    assert fig["data"][1]["x"] == ["2018–2020", "2021–2023"]
