"""Police areas of one kommun: from the list's kommun, or placed by the kommun's DeSO polygons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import box

from omradesbild.services.followup._common import POLICE_SCHEME
from omradesbild.services.followup.goals import police_in_kommun
from omradesbild.sources.base import AREA_COLUMNS, Areas, SourceMeta
from omradesbild.store import Store


def _row(
    code: str, level: str, version: str, geom: object = None, parent: str | None = None
) -> tuple[object, ...]:
    """One row of :data:`AREA_COLUMNS`, named by its code, in kommun ``parent`` if given."""
    in_kommun = (parent, "kommun", "kommun2025") if parent else (None, None, None)
    wkb = shapely.to_wkb(geom) if geom is not None else None
    return (code, level, version, code, *in_kommun, wkb, None)


def test_police_areas_of_one_kommun(tmp_path: Path) -> None:
    areas = pd.DataFrame(
        [
            _row("0180C0010", "deso", "deso2018", box(0, 0, 1000, 1000)),
            _row("0114C0010", "deso", "deso2018", box(5000, 0, 6000, 1000)),
            # Polygons without a kommun: one inside each kommun's DeSO.
            _row("stockholm-a", "police_area", "police2023", box(100, 100, 300, 300)),
            _row("vasby-b", "police_area", "police2023", box(5100, 100, 5300, 300)),
            # From the list: the kommun is known, there is no polygon.
            _row("0180-c", "police_area", "police2025", parent="0180"),
            _row("0114-d", "police_area", "police2025", parent="0114"),
        ],
        columns=list(AREA_COLUMNS),
    )
    cls = pd.DataFrame(
        {
            "area_code": ["stockholm-a", "vasby-b", "0180-c", "0114-d"],
            "level": "police_area",
            "version": ["police2023", "police2023", "police2025", "police2025"],
            "scheme": POLICE_SCHEME,
            "period": ["2023", "2023", "2025", "2025"],
            "category": "utsatt",
            "attributes": None,
        }
    )
    meta = SourceMeta(publisher="test", table_id="t", title="t", reference="t", checksum="0" * 64)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(Areas(source=meta, areas=areas, classifications=cls))
        stored = store.classifications(scheme=POLICE_SCHEME)
        got = police_in_kommun(store, stored, "0180")
        assert sorted(got["area_code"]) == ["0180-c", "stockholm-a"]
        got = police_in_kommun(store, stored, "0114")
        assert sorted(got["area_code"]) == ["0114-d", "vasby-b"]
