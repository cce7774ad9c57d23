"""The SYNTHETIC Sweden: counts, codes, nesting, determinism, files read by the real parsers,
and an index computed on a store built from them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omradesbild.areas.codes import validate_code
from omradesbild.synthetic.constants import OFFENCES, SCB_TABLES, SURVEY_VARIABLES
from omradesbild.synthetic.national import SyntheticSweden, generate_sweden
from omradesbild.synthetic.national_files import write_sweden_files
from omradesbild.synthetic.population import ordered_stat_variables

YEARS = range(2023, 2025)


@pytest.fixture(scope="module")
def tiny() -> SyntheticSweden:
    return generate_sweden(seed=7, years=YEARS, kommuner=3)


@pytest.fixture(scope="module")
def files(tiny: SyntheticSweden, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sweden_files(tiny, tmp_path_factory.mktemp("sverige"))


def test_tiny_counts_are_sweden_scaled(tiny: SyntheticSweden) -> None:
    assert len(tiny.kommuner) == 3
    assert len(tiny.deso) == round(5984 * 3 / 290)
    assert len(tiny.regso) == round(3363 * 3 / 290)
    assert len(tiny.deso2025) == len(tiny.deso) + round(176 * 3 / 290)
    assert int(tiny.deso["split_2025"].sum()) == len(tiny.deso2025) - len(tiny.deso)


def test_full_scale_counts_are_swedens() -> None:
    sweden = generate_sweden(years=YEARS)
    assert (len(sweden.deso), len(sweden.deso2025)) == (5984, 6160)
    assert (len(sweden.regso), len(sweden.kommuner)) == (3363, 290)
    assert sweden.kommuner["lan_code"].nunique() == 21
    assert sweden.deso.groupby("kommun_code").size().min() >= 3


def test_codes_follow_scb_structure_and_nest(tiny: SyntheticSweden) -> None:
    frames = [(tiny.kommuner, "kommun"), (tiny.regso, "regso"), (tiny.deso, "deso"),
              (tiny.deso2025, "deso")]  # fmt: skip
    for frame, level in frames:
        codes = frame["area_code"]
        assert codes.is_unique
        assert all(validate_code(c, level) is None for c in codes), level
    # Fictional län: no real Swedish län has a code above 25.
    assert (tiny.kommuner["lan_code"].astype(int) >= 70).all()
    assert tiny.kommuner["area_code"].str[:2].equals(tiny.kommuner["lan_code"])
    deso = tiny.deso
    assert deso["regso_code"].isin(tiny.regso["area_code"]).all()
    assert (deso["area_code"].str[:4] == deso["kommun_code"]).all()
    assert (deso["regso_code"].str[:4] == deso["kommun_code"]).all()
    # Every RegSO holds at least one DeSO, and its DeSO share its kommun.
    assert set(deso["regso_code"]) == set(tiny.regso["area_code"])
    assert (deso.groupby("regso_code")["kommun_code"].nunique() == 1).all()
    d25 = tiny.deso2025
    assert (d25["area_code"].str[:8] == d25["deso2018_code"].str[:8]).all()
    kids = d25[d25["area_code"] != d25["deso2018_code"]]
    assert set(kids["area_code"].str[8]) == {"1", "2"}
    assert set(kids["deso2018_code"]) == set(deso.loc[deso["split_2025"], "area_code"])
    for frame in (tiny.kommuner["name"], tiny.regso["name"], tiny.kommuner["lan_name"]):
        assert frame.str.contains("(syntetisk", regex=False).all()


def test_every_catalogue_variable_every_year(tiny: SyntheticSweden) -> None:
    stat_vars = ordered_stat_variables()
    for wide, areas in ((tiny.deso_stats, tiny.deso), (tiny.deso2025_stats, tiny.deso2025)):
        assert list(wide.columns[2:]) == stat_vars
        assert len(wide) == len(areas) * len(YEARS)
        codes = set(areas["area_code"])
        for _, block in wide.groupby("year"):
            assert set(block["area_code"]) == codes
        assert wide[stat_vars].notna().mean().min() > 0.9
    crime_years = pd.to_datetime(tiny.crime_reports["offence_date"]).dt.year
    assert set(crime_years) == set(YEARS)
    assert set(tiny.crime_reports["offence_code"]) == set(OFFENCES)
    assert set(tiny.surveys["variable"]) == set(SURVEY_VARIABLES)
    assert set(tiny.surveys["period"]) == {"2023"}  # the survey year among 2023–2024
    assert tiny.n_observations > len(tiny.deso) * len(YEARS) * len(stat_vars)


def test_parts_sum_to_totals(tiny: SyntheticSweden) -> None:
    wide = tiny.deso2025_stats
    ages = [var for _, var in SCB_TABLES["000005FF"].columns[1:]]
    assert np.array_equal(wide[ages].sum(axis=1), wide["pop_total"])
    lf = wide["employed_16_64"] + wide["unemployed_16_64"]
    ok = wide["unemployed_16_64"].notna()
    assert np.array_equal(lf[ok], wide.loc[ok, "labour_force_16_64"])


def _digest(sweden: SyntheticSweden) -> str:
    h = hashlib.sha256()
    for frame in (sweden.deso, sweden.deso_stats, sweden.deso2025_stats, sweden.crime_reports,
                  sweden.surveys):  # fmt: skip
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def test_deterministic_for_a_seed(tiny: SyntheticSweden) -> None:
    assert _digest(generate_sweden(seed=7, years=YEARS, kommuner=3)) == _digest(tiny)
    assert _digest(generate_sweden(seed=8, years=YEARS, kommuner=3)) != _digest(tiny)


def test_files_are_reproducible(
    tiny: SyntheticSweden, files: dict[str, Path], tmp_path: Path
) -> None:
    again = write_sweden_files(tiny, tmp_path)
    assert again.keys() == files.keys()
    for key in ("scb/000005FF/2023", "scb/000005FF/2024/deso2025", "scb/key", "crime/1211"):
        assert again[key].read_bytes() == files[key].read_bytes()


def test_files_read_by_real_parsers(tiny: SyntheticSweden, files: dict[str, Path]) -> None:
    from omradesbild.sources.crime import read_crime_csv
    from omradesbild.sources.deso2025 import read_deso2025_key
    from omradesbild.sources.long_csv import read_long_csv
    from omradesbild.sources.scb_key import read_scb_key
    from omradesbild.sources.scb_xlsx import read_scb_xlsx

    key = read_scb_key(files["scb/key"]).areas
    assert set(key.loc[key["level"] == "deso", "area_code"]) == set(tiny.deso["area_code"])
    key25 = read_deso2025_key(files["scb/key2025"]).areas
    assert (key25["level"] == "deso").sum() == len(tiny.deso2025)
    obs = read_scb_xlsx(files["scb/000005MO/2024"]).data
    assert set(obs["area_version"]) == {"deso2018"}
    row = tiny.deso_stats.query("year == 2024").iloc[0]
    got = obs.set_index(["area_code", "variable"])["value"]
    assert got[(row["area_code"], "edu_forgymnasial_25_64")] == row["edu_forgymnasial_25_64"]
    obs25 = read_scb_xlsx(files["scb/000005FC/2023/deso2025"], area_version="deso2025")
    assert len(obs25.data) == len(tiny.deso2025)
    assert "SYNTETISKA DATA" in str(obs25.source.title)
    extra = read_long_csv(files["scb/extra"]).data
    assert set(extra["variable"]) == {"ekbist_or_longterm_unemployed_20_64", "pop_20_64"}
    assert len(read_long_csv(files["surveys"]).data) == len(tiny.surveys)
    names = dict(zip(tiny.kommuner["name"], tiny.kommuner["area_code"], strict=True))
    crime = read_crime_csv(files["crime/1210"], kommun_codes=names)
    reports = tiny.crime_reports
    geocoded = reports[(reports["offence_code"] == "1210") & reports["deso_code"].notna()]
    deso_rows = crime.data[crime.data["area_code"].str.len() == 9]
    assert deso_rows["value"].sum() == len(geocoded)


def test_index_on_a_store_built_from_the_files(files: dict[str, Path], tmp_path: Path) -> None:
    from omradesbild.config import AREA_TYPE_METHOD
    from omradesbild.demo import ingest_sweden
    from omradesbild.index import load_method
    from omradesbild.services.index import index_from_store
    from omradesbild.services.pipeline import IndexSelection
    from omradesbild.store import Store

    # The tables SCB's area types need (the full set takes longer and adds nothing here).
    tables = ("scb/key", "scb/000006TA/", "scb/000005MO/", "scb/000007A8/", "scb/000005FC/")
    subset = {k: p for k, p in files.items() if k.startswith(tables) or k in ("scb/key2025",
              "scb/extra", "surveys")}  # fmt: skip
    with Store(tmp_path / "sverige.duckdb") as store:
        ingest_sweden(store, subset)
        run = index_from_store(
            store, IndexSelection(load_method(AREA_TYPE_METHOD), "regso", "2024")
        )
    table = run.table
    assert len(table) == round(3363 * 3 / 290)
    assert table["score"].notna().all()
    assert table["area_type"].notna().all()
