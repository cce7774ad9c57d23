"""The indicator catalogue: shipped file, validation and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from omradesbild.errors import ConfigError
from omradesbild.indicators.catalogue import (
    AgeBands,
    catalogue_from_dict,
    default_catalogue,
    expression_variables,
    load_catalogue,
    parse_expression,
)

REQUIRED = {
    "low_econ_standard",
    "edu_low_25_64",
    "unemployment_16_64",
    "unemployment_rate_lf",
    "not_employed_16_64",
    "ekbist_longterm_20_64",
    "foreign_born",
    "foreign_background",
    "median_income",
    "rental_share",
    "single_parent_households",
    "age_0_19",
    "age_65_plus",
    *(f"crime_rate_{c}" for c in (1210, 1211, 1311, 1615, 1701, 1702)),
    "survey_feel_safe",
    "survey_trust_police",
    "survey_victimisation",
}


def _entry(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x_share",
        "name_sv": "X",
        "name_en": "X",
        "domain": "arbete",
        "kind": "proportion",
        "numerator": "unemployed_16_64",
        "denominator": "pop_16_64",
        "multiplier": 100,
        "unit": "procent",
        "direction": 1,
        "population_base": "16–64",
        "min_denominator": 50,
        "source_tables": ["000007A8"],
    }
    base.update(over)
    return base


def test_shipped_catalogue_has_required_indicators() -> None:
    cat = default_catalogue()
    assert set(cat.ids) >= REQUIRED
    assert load_catalogue() is cat


def test_shipped_catalogue_definitions() -> None:
    cat = default_catalogue()
    low = cat.get("low_econ_standard")
    assert low.numerator_variables == ["low_econ_standard_pct", "persons_econ_standard"]
    assert low.derived_from_percentage
    edu = cat.get("edu_low_25_64")
    assert "edu_missing_25_64" not in edu.denominator_variables
    assert len(edu.denominator_variables) == 4
    assert cat.get("unemployment_16_64").denominator == "pop_16_64"
    assert cat.get("unemployment_rate_lf").denominator == "labour_force_16_64"
    crime = cat.get("crime_rate_1211")
    assert crime.kind == "rate" and crime.multiplier == 1000
    assert crime.denominator_period == "nearest" and crime.numerator_absent_is_zero
    assert cat.get("median_income").kind == "median"
    assert cat.get("rental_share").denominator_variables == [
        "dwellings_rental",
        "dwellings_bostadsratt",
        "dwellings_owner",
    ]
    assert isinstance(cat.get("age_65_plus").numerator, AgeBands)
    for ind in cat.indicators:
        assert ind.caveats or ind.kind == "proportion"
        assert ind.source_tables


def test_records_for_listing() -> None:
    recs = default_catalogue().to_frame_records()
    assert {r["id"] for r in recs} == set(default_catalogue().ids)
    r = next(r for r in recs if r["id"] == "foreign_born")
    assert r["numerator"] == "pop_total - pop_born_sweden"


def test_expression_parsing() -> None:
    assert expression_variables("a_pct * n / 100 - (b + c)") == ["a_pct", "n", "b", "c"]
    for bad in ("__import__('os')", "a ** 2", "a.b", "f(a)", "a if b else c", "'x'"):
        with pytest.raises(ConfigError):
            parse_expression(bad)


def test_unknown_indicator() -> None:
    with pytest.raises(ConfigError, match="unknown indicator 'nope'"):
        default_catalogue().get("nope")


def test_invalid_entries_name_indicator_and_field(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text(
        yaml.safe_dump({"indicators": [_entry(), _entry(id="bad_one", domain="sport")]}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    msg = str(err.value)
    assert str(path) in msg and "bad_one" in msg and "'domain'" in msg


@pytest.mark.parametrize(
    "over",
    [
        {"kind": "mean"},
        {"direction": 2},
        {"numerator": "f(x)"},
        {"numerator": []},
        {"id": "Bad-Id"},
        {"kind": "median", "numerator": "a + b"},
        {"numerator": {"age_min": 65, "age_max": 10}},
        {"extra_field": 1},
        {"source_tables": []},
    ],
)
def test_invalid_entry_rejected(over: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        catalogue_from_dict({"indicators": [_entry(**over)]})


def test_duplicate_ids_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        catalogue_from_dict({"indicators": [_entry(), _entry()]})
    with pytest.raises(ConfigError, match="top-level 'indicators'"):
        catalogue_from_dict({"x": 1})
    broken = tmp_path / "broken.yaml"
    broken.write_text("indicators: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_catalogue(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")


def test_age_band_selection() -> None:
    bands = [f"pop_age_{a}_{a + 4}" for a in range(0, 85, 5)] + ["pop_age_85_plus", "pop_total"]
    assert AgeBands(age_min=0, age_max=19).select(bands) == [
        "pop_age_0_4",
        "pop_age_5_9",
        "pop_age_10_14",
        "pop_age_15_19",
    ]
    assert AgeBands(age_min=65).select(bands) == [
        "pop_age_65_69",
        "pop_age_70_74",
        "pop_age_75_79",
        "pop_age_80_84",
        "pop_age_85_plus",
    ]
    # bands that do not tile the range
    assert AgeBands(age_min=65).select(bands[:5]) is None
    assert AgeBands(age_min=0, age_max=17).select(bands) is None
    assert AgeBands(age_min=65).select([*bands[:14], "pop_age_80_84", "pop_age_85_plus"]) is None


def test_docs_have_a_section_per_indicator() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "indicators.md").read_text("utf-8")
    for ind in default_catalogue().indicators:
        assert f"### `{ind.id}`" in doc, ind.id
        assert f"`{ind.numerator_text}`" in doc, ind.id
