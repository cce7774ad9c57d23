"""Kommun- and country-level change of crime rates on the real data (offence 1311).

Facts from the Police's extract 'blåljus sabotage brott.csv' and SCB's pop_total (stored for
2022 and 2023 only): 681 geocoded offences in 2020 and 322 in 2023 in the whole country
(59 and 52 in Stockholm, 0180); residents 10 521 556 (2022) and 10 551 707 (2023) in the
country, 984 748 and 988 943 in Stockholm. A 2020 rate divides by the nearest stored
year's population, 2022 (two years away, not 2023), and is flagged approximate, so no
2020 → 2023 change of the rate is tested.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def kommun_change(real_store: Path):
    from omradesbild.services.levels import change_table
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        kw = {"period_from": 2020, "period_to": 2023, "indicators": ["crime_rate_1311"]}
        return (
            change_table(store, level="kommun", **kw),
            change_table(store, level="regso", kommun="0180", **kw),
        )


def test_real_1311_rates_2020_divide_by_the_nearest_years_population(kommun_change) -> None:
    """The change's 2020 rates are those of 'followup crime': offences of 2020 over the
    population of 2022. They divided by 2023's (the only population among the two years
    asked), so Stockholm's 2020 rate read 0.05966 instead of 0.05991 and the country's
    0.06454 instead of 0.06472, beside RegSO rows of the same table computed with 2022's."""
    kom, regso = kommun_change
    sthlm = kom.set_index("area_code").loc["0180"]
    assert sthlm["value_from"] == pytest.approx(1000 * 59 / 984_748)
    assert sthlm["value_to"] == pytest.approx(1000 * 52 / 988_943)
    assert sthlm["kommun_from"] == pytest.approx(1000 * 59 / 984_748)
    assert sthlm["country_from"] == pytest.approx(1000 * 681 / 10_521_556)
    assert sthlm["country_to"] == pytest.approx(1000 * 322 / 10_551_707)
    # the RegSO table's kommun and country columns are the same figures
    for col, want in (("kommun_from", "value_from"), ("country_from", None), ("country_to", None)):
        assert set(regso[col].round(12)) == {round(float(sthlm[want or col]), 12)}


def test_real_1311_rates_match_followup_crime(real_store: Path, kommun_change) -> None:
    from omradesbild.services.followup import crime_table
    from omradesbild.store import Store

    kom, _ = kommun_change
    with Store(real_store, read_only=True) as store:
        crime = crime_table(store, level="kommun", offences=["1311"], period_from=2020,
                            period_to=2023)  # fmt: skip
    rates = crime.rates.set_index(["area_code", "period"])["rate_per_1000"]
    by_code = kom.set_index("area_code")
    for code in ("0180", "1480", "1280"):
        assert by_code.loc[code, "value_from"] == pytest.approx(rates.loc[(code, "2020")])
        assert by_code.loc[code, "value_to"] == pytest.approx(rates.loc[(code, "2023")])


def test_real_1311_change_2020_2023_not_tested_because_2020_has_no_population(
    kommun_change,
) -> None:
    kom, regso = kommun_change
    assert len(kom) == 290
    for table in (kom, regso):
        assert table["change"].isna().all()
        assert set(table["note"].astype(str)) == {
            "not tested: the value of 2020 divides by the denominator of 2022 (approximate)"
        }


def test_real_population_year_read_from_a_joined_note(real_store: Path) -> None:
    """DeSO 2523C1070 (Gällivare) has no population of 2020 or 2021: its crime rates of
    those years divide by 2022's, and its note also says the population is small
    ("denominator from 2022; denominator 335 below 500"). The population year was read
    from that note as "2022;" (the separator included), in the crime table's
    population_period and its note of the years used; and the change's "not tested" note
    named the denominator of "2022;"."""
    from omradesbild.services.followup.crime import crime_table
    from omradesbild.services.levels import change_table
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        res = crime_table(
            store, level="deso", version="deso2018", offences=["1210"], period_from=2020,
            period_to=2021, include_incomplete=True,
        )  # fmt: skip
        ch = change_table(
            store, level="deso", version="deso2018", period_from=2021, period_to=2023,
            indicators=["crime_rate_1210"],
        )  # fmt: skip
    rows = res.rates.loc[res.rates["area_code"] == "2523C1070"]
    assert sorted(rows["period"]) == ["2020", "2021"]
    assert set(rows["population_period"]) == {"2022"}
    assert rows["population_other_year"].all()
    other = res.rates.loc[res.rates["population_other_year"], "population_period"]
    assert "2022;" not in set(other)
    note = ch.set_index("area_code").loc["2523C1070", "note"]
    assert "2022" in str(note) and "2022;" not in str(note)
