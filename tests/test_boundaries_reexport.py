"""Boundary files as kommuner re-export them: WGS84 GeoJSON without ``crs``, per-feature
``bbox``, odd property names; codes found from their values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, mapping

from omradesbild.errors import InputError
from omradesbild.sources.boundaries import detect_level, read_boundaries
from omradesbild.store import Store
from omradesbild.store.ingest import parse_boundaries

if TYPE_CHECKING:
    from conftest import CliRun

TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


def feature(i: int, props: dict[str, Any]) -> dict[str, Any]:
    x0, y0 = 319000.0 + 500 * i, 6400000.0
    poly = shapely.transform(
        box(x0, y0, x0 + 500, y0 + 500),
        lambda xy: list(zip(*TO_WGS84.transform(xy[:, 0], xy[:, 1]), strict=True)),
    )
    return {
        "type": "Feature",
        "bbox": list(poly.bounds),
        "properties": props,
        "geometry": mapping(poly),
    }


def reexport(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A FeatureCollection as a kommun's portal writes it: no crs member (RFC 7946 WGS84)."""
    fc = {"type": "FeatureCollection", "features": [feature(i, r) for i, r in enumerate(rows)]}
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


ROWS = [
    {
        "objektiden": f"{{a1b2-{i}}}",
        "OGR_STYLE": "PEN(c:#FF0000)",
        "desokod": code,
        "regsokod": regso,
        "kommunnam": "Göteborg",  # truncated
        "Shape_Leng": 2000.0,
    }
    for i, (code, regso) in enumerate(
        [("1480C1010", "1480R001"), ("1480C1020", "1480R001"), ("1480C1030", "1480R002")]
    )
]


def test_deso_found_from_values_in_a_wgs84_reexport(tmp_path: Path) -> None:
    path = reexport(tmp_path / "deso_goteborg.geojson", ROWS)
    assert detect_level(path) == ("deso", "desokod")
    areas = parse_boundaries(path, version="deso2025").areas
    assert areas["area_code"].tolist() == ["1480C1010", "1480C1020", "1480C1030"]
    assert set(areas["level"]) == {"deso"}
    assert areas["parent_code"].tolist() == ["1480R001", "1480R001", "1480R002"]
    # stored in SWEREF 99 TM: the first square starts at x = 319 000
    first = shapely.from_wkb(areas["geometry"].iloc[0])
    assert first.bounds[0] == pytest.approx(319000.0, abs=0.5)
    attrs = json.loads(areas["attributes"].iloc[0])
    assert attrs["objektiden"] == "{a1b2-0}"


def test_regso_layer_found_from_values(tmp_path: Path) -> None:
    rows = [
        {"regsokod": c, "namn": n, "OBJECTID": i}
        for i, (c, n) in enumerate([("1480R001", "Centrum"), ("1480R002", "Backa")])
    ]
    path = reexport(tmp_path / "regso.geojson", rows)
    assert detect_level(path) == ("regso", "regsokod")
    areas = read_boundaries(path, level="regso", version="regso2025").areas
    assert areas["area_code"].tolist() == ["1480R001", "1480R002"]


def test_no_code_column_is_one_clear_error(tmp_path: Path, cli: CliRun) -> None:
    rows = [{"objektiden": f"x{i}", "OGR_STYLE": "", "namn": f"Område {i}"} for i in range(2)]
    path = reexport(tmp_path / "omraden.geojson", rows)
    with pytest.raises(InputError, match="no field holds DeSO, RegSO") as err:
        detect_level(path)
    assert "objektiden" in str(err.value) and "omraden.geojson" in str(err.value)
    db = tmp_path / "s.duckdb"
    code, _, err_text = cli(["ingest", "boundaries", str(path), "--version", "x", "--db", str(db)])
    assert code == 2 and len(err_text.strip().splitlines()) == 1
    assert "--level" in err_text


def test_cli_ingests_a_reexport_with_only_the_version(tmp_path: Path, cli: CliRun) -> None:
    path = reexport(tmp_path / "deso.geojson", ROWS)
    db = tmp_path / "s.duckdb"
    code, _, err = cli(
        ["ingest", "boundaries", str(path), "--version", "deso2025", "--db", str(db)]
    )
    assert code == 0, err
    with Store(db, read_only=True) as store:
        held = store.areas(level="deso", version="deso2025")
    assert len(held) == 3
