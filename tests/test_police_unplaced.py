"""A store whose police years cannot be placed on a level at all still names those years.

Real files: SCB's key DeSO 2018 → RegSO 2020 and the Police's 2025 list (which names RegSO
2025 codes). Without SCB's 2025 key and the change log, and without the 2023 polygons, no
police year can be placed on RegSO 2020: every stored year is "unplaced" (shown as not known,
with the reason), not silently absent.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from omradesbild.services.level_police import police_data
from omradesbild.store import Store


def test_no_placeable_year_keeps_the_stored_years(shared_data: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    d = ["--db", str(db)]
    key = shared_data / "scb/koppling-deso2018-regso2020.csv"
    police_list = shared_data / "police/utsatta_omraden_2025_list.csv"
    run_cli(["ingest", "scb-key", str(key), *d])
    run_cli(["ingest", "police-list", str(police_list), *d])
    with Store(db, read_only=True) as store:
        data = police_data(store, level="regso", version="regso2020", period="2022")
        assert data.years == []
        assert data.unplaced == ("2025",)
        assert data.stored_years == ["2025"]
