"""The rough under-reporting signal (survey victimisation vs reported offences)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omradesbild.errors import InputError
from omradesbild.followup.underreporting import (
    CAVEAT,
    UNDERREPORTING_COLUMNS,
    underreporting_indicator,
)
from omradesbild.indicators import compute_indicators
from omradesbild.synthetic import generate_city


def _rows(indicator: str, data: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": [d[0] for d in data],
            "level": "regso",
            "period": [d[1] for d in data],
            "indicator": indicator,
            "value": [d[2] for d in data],
            "denominator": [d[3] for d in data],
        }
    )


def test_ratio_difference_and_notes() -> None:
    survey = _rows(
        "survey_victimisation",
        [("R1", "2021", 10.0, 200), ("R2", "2021", 20.0, 100), ("R3", "2021", 5.0, 150)],
    )
    crime = pd.concat(
        [
            _rows("crime_rate_1211", [("R1", "2021", 1.0, 1000), ("R2", "2021", 0.0, 1000)]),
            _rows("crime_rate_1701", [("R1", "2021", 1.0, 1000), ("R2", "2021", 0.0, 1000)]),
            _rows("crime_rate_1211", [("R1", "2019", 9.0, 1000)]),
        ]
    )
    out = underreporting_indicator(survey, crime).set_index("area_code")
    assert list(out.reset_index().columns) == list(UNDERREPORTING_COLUMNS)
    r1 = out.loc["R1"]
    assert r1["reported_per_1000"] == 2.0 and r1["offence_types"] == 2
    assert r1["victimised_per_1000"] == 100.0
    assert r1["ratio"] == pytest.approx(50.0)
    assert r1["difference_per_1000"] == pytest.approx(98.0)
    assert r1["ratio_ci_low"] < 50.0 < r1["ratio_ci_high"]
    assert r1["relative_ratio"] == pytest.approx(1.0)  # the only finite ratio
    assert np.isnan(out.loc["R2", "ratio"]) and "no reported offences" in out.loc["R2", "note"]
    assert np.isnan(out.loc["R3", "ratio"]) and "no reported-offence rate" in out.loc["R3", "note"]
    assert out.loc["R2", "note"].text("sv") == "inga anmälda brott: kvoten är odefinierad"
    assert (out["caveat"] == CAVEAT).all()
    only = underreporting_indicator(survey, crime, crime_indicators=["crime_rate_1211"])
    assert only.set_index("area_code").loc["R1", "reported_per_1000"] == 1.0
    with pytest.raises(InputError, match="survey indicator"):
        underreporting_indicator(crime, crime)


def test_only_where_survey_exists_on_synthetic_city() -> None:
    city = generate_city()
    links = city.links.loc[city.links["to_level"] == "regso"]
    obs = pd.concat([city.observations, city.crime_counts], ignore_index=True)
    crime = compute_indicators(
        obs, links=links, level="regso", indicators=["crime_rate_1211", "crime_rate_1210"]
    )
    survey = compute_indicators(city.surveys, level="regso", indicators=["survey_victimisation"])
    out = underreporting_indicator(survey, crime)
    assert sorted(out["period"].unique()) == ["2015", "2017", "2019", "2021", "2023"]
    assert len(out) == 45 * 5  # survey years only, although crime covers 13 years
    ok = out["ratio"].notna()
    assert ok.sum() > 0.8 * len(out)
    med = out.loc[ok].groupby("period")["relative_ratio"].median()
    assert np.allclose(med, 1.0)
