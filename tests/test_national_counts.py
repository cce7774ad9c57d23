"""The SYNTHETIC Sweden's count of observations against what an ingest of its files stores:
every cell of the model is stored or named as not written / not stored by design."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from omradesbild.demo import ingest_sweden
from omradesbild.store import Store
from omradesbild.synthetic.constants import EXTRA_VARIABLES
from omradesbild.synthetic.national import generate_sweden
from omradesbild.synthetic.national_files import write_sweden_files


def test_generated_equals_stored_plus_explained(tmp_path: Path) -> None:
    # Two years, one of them a survey year (2023), so every kind of file is written.
    sweden = generate_sweden(seed=11, years=range(2023, 2025), kommuner=4)
    counts = sweden.observation_counts()
    files = write_sweden_files(sweden, tmp_path / "sources")
    with Store(tmp_path / "s.duckdb") as store:
        reports = ingest_sweden(store, files)
        obs = store.observations()
    observation_reports = [r for r in reports if r.kind == "demo-observations"]
    assert sum(r.rows_new for r in observation_reports) == len(obs)
    assert len(obs) == counts.stored
    assert counts.model_cells == sweden.n_observations
    assert counts.model_cells == (
        len(obs)
        + counts.extra_not_written
        + counts.crime_cells_without_report
        - counts.crime_not_geocoded
    )
    # Each part is what it says: suppressed cells are missing-value rows, the extra
    # variables are DeSO 2018 only, the not-geocoded counts are the kommun rows of crime.
    assert int(obs["value"].isna().sum()) == counts.suppressed_stored
    extra = obs[obs["variable"].isin(EXTRA_VARIABLES)]
    assert set(extra["area_version"]) == {"deso2018"}
    assert counts.extra_not_written >= len(EXTRA_VARIABLES) * len(sweden.deso2025_stats)
    not_geocoded = obs["variable"].str.endswith("_not_geocoded")
    assert int(not_geocoded.sum()) == counts.crime_not_geocoded
    assert counts.crime_cells_without_report > 0


def test_suppressed_extra_values_written_as_scb_markers(tmp_path: Path) -> None:
    # A suppressed value of an extra variable is written as ".." (as SCB does) and stored as a
    # missing-value row with its reason, not dropped from the file.
    sweden = generate_sweden(seed=11, years=range(2024, 2025), kommuner=2)
    stats = sweden.deso_stats.copy()
    var = EXTRA_VARIABLES[0]
    stats.loc[stats.index[:3], var] = float("nan")
    sweden = dataclasses.replace(sweden, deso_stats=stats)
    counts = sweden.observation_counts()
    files = write_sweden_files(sweden, tmp_path / "sources")
    text = files["scb/extra"].read_text(encoding="utf-8")
    assert text.count(f",{var},..,") == 3
    with Store(tmp_path / "s.duckdb") as store:
        ingest_sweden(store, files)
        obs = store.observations()
    assert len(obs) == counts.stored
    missing = obs[(obs["variable"] == var) & obs["value"].isna()]
    assert len(missing) == 3
    assert missing["missing_reason"].notna().all()
