"""Boundary reader: formats, CRS, detection, validation, and every real layer."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, box

from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import AREA_COLUMNS
from omradesbild.sources.boundaries import (
    KNOWN_LAYERS,
    detect_code_field,
    known_layer,
    list_layers,
    read_boundaries,
    read_known_boundaries,
)

# Three DeSO-sized squares in SWEREF 99 TM near Göteborg.
X0, Y0 = 319000.0, 6400000.0


def squares(n: int = 3, size: float = 500.0) -> list[Polygon]:
    return [box(X0 + i * size, Y0, X0 + (i + 1) * size, Y0 + size) for i in range(n)]


def deso_frame(crs: str | None = "EPSG:3006", **cols: list[object]) -> gpd.GeoDataFrame:
    data: dict[str, list[object]] = {
        "desokod": ["1480C1010", "1480C1020", "1480C1030"],
        "regsokod": ["1480R001", "1480R001", "1480R002"],
        "kommunnamn": ["Göteborg"] * 3,
        "pop": [1.5, None, 3.0],
    }
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=squares(len(data["desokod"])), crs=crs)


def write(gdf: gpd.GeoDataFrame, path: Path, **kw: object) -> Path:
    gdf.to_file(path, engine="pyogrio", **kw)
    return path


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_reads_each_format_with_detection(tmp_path: Path, suffix: str) -> None:
    gdf = deso_frame()
    if suffix == ".geojson":
        gdf = gdf.to_crs("EPSG:4326")
    path = write(gdf, tmp_path / f"deso{suffix}")
    res = read_boundaries(path, level="deso", version="deso2025")
    a = res.areas
    assert list(a.columns) == list(AREA_COLUMNS)
    assert a["area_code"].tolist() == ["1480C1010", "1480C1020", "1480C1030"]
    assert (a["level"] == "deso").all() and (a["version"] == "deso2025").all()
    # parent detected from the RegSO-shaped field, version from the DeSO version
    assert a["parent_code"].tolist() == ["1480R001", "1480R001", "1480R002"]
    assert (a["parent_level"] == "regso").all() and (a["parent_version"] == "regso2025").all()
    geoms = shapely.from_wkb(a["geometry"].to_numpy())
    assert shapely.area(geoms) == pytest.approx([250000.0] * 3, rel=1e-4)
    attrs = json.loads(a["attributes"].iloc[1])
    assert attrs["kommunnamn"] == "Göteborg" and attrs["pop"] is None
    assert "desokod" not in attrs
    assert res.source.checksum and res.source.reference == path.name


def test_reprojects_to_3006(tmp_path: Path) -> None:
    to3008 = Transformer.from_crs(3006, 3008, always_xy=True)
    poly = squares(1)[0]
    x, y = to3008.transform(*poly.exterior.xy)
    gdf = gpd.GeoDataFrame(
        {"do_kod": [24407.0], "delomrade": ["TYGELSJÖ"]},
        geometry=[Polygon(zip(x, y, strict=True))],
        crs="EPSG:3008",
    )
    path = write(gdf, tmp_path / "malmo.gpkg")
    a = read_boundaries(path, level="district", version="malmo").areas
    assert a["area_code"].tolist() == ["24407"]  # whole float -> integer text
    assert a["name"].tolist() == ["TYGELSJÖ"]
    back = shapely.from_wkb(a["geometry"].iloc[0])
    assert back.bounds == pytest.approx(poly.bounds, abs=0.01)


def test_polygon_z_is_flattened(tmp_path: Path) -> None:
    p3 = Polygon([(X0, Y0, 5), (X0 + 100, Y0, 5), (X0 + 100, Y0 + 100, 5), (X0, Y0, 5)])
    gdf = gpd.GeoDataFrame({"kod": ["a"]}, geometry=[p3], crs="EPSG:3006")
    path = write(gdf, tmp_path / "z.gpkg")
    g = shapely.from_wkb(read_boundaries(path, level="custom", version="v").areas["geometry"][0])
    assert not g.has_z


def test_explicit_fields_and_parent(tmp_path: Path) -> None:
    path = write(deso_frame(), tmp_path / "d.gpkg")
    a = read_boundaries(
        path,
        level="deso",
        version="deso2018",
        code_field="desokod",
        name_field="kommunnamn",
        parent_field="regsokod",
    ).areas
    assert a["name"].tolist() == ["Göteborg"] * 3
    assert (a["parent_version"] == "regso2020").all()


# --------------------------------------------------------------------------- layers


def test_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "multi.gpkg"
    write(deso_frame(), path, layer="deso")
    regso = gpd.GeoDataFrame(
        {"regsokod": ["1480R001"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 500)], crs="EPSG:3006"
    )
    write(regso, path, layer="regso", mode="a")
    assert sorted(list_layers(path)) == ["deso", "regso"]
    with pytest.raises(InputError, match="2 layers") as exc:
        read_boundaries(path, level="deso", version="deso2025")
    assert "deso" in str(exc.value) and "regso" in str(exc.value)
    assert len(read_boundaries(path, level="regso", version="r", layer="regso").areas) == 1
    # the code field picks the only layer that has it
    got = read_boundaries(path, level="deso", version="deso2025", code_field="desokod")
    assert len(got.areas) == 3
    with pytest.raises(InputError, match="no layer 'nope'"):
        read_boundaries(path, level="deso", version="deso2025", layer="nope")


# --------------------------------------------------------------------------- errors


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs(tmp_path: Path) -> None:
    path = write(deso_frame(crs=None), tmp_path / "nocrs.shp")
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(InputError, match="no coordinate reference system") as exc:
        read_boundaries(path, level="deso", version="deso2025")
    assert ".prj" in str(exc.value) and "set_crs" in str(exc.value)


def test_invalid_geometry_names_row_code_and_reason(tmp_path: Path) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    gdf = deso_frame()
    gdf.loc[1, "geometry"] = bowtie
    path = write(gdf, tmp_path / "bad.gpkg")
    with pytest.raises(InputError, match="Self-intersection") as exc:
        read_boundaries(path, level="deso", version="deso2025")
    err = exc.value
    assert err.row == 2 and "1480C1020" in str(err) and "--repair" in str(err)
    res = read_boundaries(path, level="deso", version="deso2025", repair=True)
    g = shapely.from_wkb(res.areas["geometry"].iloc[1])
    assert g.is_valid and g.geom_type in ("Polygon", "MultiPolygon")
    assert g.area == pytest.approx(5000.0)
    assert json.loads(res.areas["attributes"].iloc[1])["_geometry_repaired"] is True
    assert "_geometry_repaired" not in json.loads(res.areas["attributes"].iloc[0])
    assert res.source.notes is not None and "1480C1020" in res.source.notes


@pytest.mark.parametrize(
    "geom, match",
    [(Polygon(), "no geometry"), (None, "no geometry"), (Point(X0, Y0), "is a Point")],
)
def test_empty_or_wrong_geometry(tmp_path: Path, geom: object, match: str) -> None:
    gdf = deso_frame()
    gdf.loc[2, "geometry"] = geom
    path = write(gdf, tmp_path / "g.geojson")
    with pytest.raises(InputError, match=match) as exc:
        read_boundaries(path, level="deso", version="deso2025")
    assert exc.value.row == 3 and "1480C1030" in str(exc.value)


@pytest.mark.parametrize(
    "codes, match, row",
    [
        (["1480C1010", "1480C1010", "1480C1030"], "appears in features 1 and 2", 2),
        (["1480C1010", "", "1480C1030"], "empty code", 2),
        (["1480C1010", "1480C1020", "1480X103"], "not a deso code", 3),
    ],
)
def test_bad_codes(tmp_path: Path, codes: list[object], match: str, row: int) -> None:
    path = write(deso_frame(desokod=codes), tmp_path / "c.gpkg")
    with pytest.raises(InputError, match=match) as exc:
        read_boundaries(path, level="deso", version="deso2025", code_field="desokod")
    assert exc.value.row == row and exc.value.field == "desokod"
    assert exc.value.file is not None and exc.value.file.endswith("c.gpkg")


def test_bad_parent_code(tmp_path: Path) -> None:
    path = write(deso_frame(regsokod=["1480R001", "x", "1480R002"]), tmp_path / "p.gpkg")
    with pytest.raises(InputError, match="not a regso code") as exc:
        read_boundaries(
            path, level="deso", version="deso2025", parent_field="regsokod", parent_level="regso"
        )
    assert exc.value.row == 2


def test_missing_field(tmp_path: Path) -> None:
    path = write(deso_frame(), tmp_path / "f.gpkg")
    with pytest.raises(InputError, match="no such field") as exc:
        read_boundaries(path, level="deso", version="deso2025", code_field="nope")
    assert "desokod" in str(exc.value)


def test_ambiguous_code_field_lists_candidates(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"omr_kod": ["1", "2"], "alt_kod": ["a", "b"], "namn": ["A", "B"]},
        geometry=squares(2),
        crs="EPSG:3006",
    )
    path = write(gdf, tmp_path / "amb.gpkg")
    with pytest.raises(InputError, match="several fields") as exc:
        read_boundaries(path, level="district", version="x")
    assert "omr_kod" in str(exc.value) and "alt_kod" in str(exc.value)
    a = read_boundaries(path, level="district", version="x", code_field="alt_kod").areas
    assert a["area_code"].tolist() == ["a", "b"] and a["name"].tolist() == ["A", "B"]


def test_no_code_field(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"namn": ["A", "B"]}, geometry=squares(2), crs="EPSG:3006")
    with pytest.raises(InputError, match="cannot find the field holding deso codes"):
        detect_code_field(gdf, level="deso", file="x.gpkg")


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("a.txt", b"hello", "unsupported file type"),
        ("a.gpkg", b"this is not a geopackage", "cannot be read"),
        ("a.geojson", b"{not json", "cannot be read"),
    ],
)
def test_wrong_or_unreadable_file(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_boundaries(path, level="deso", version="deso2025")


def test_missing_file_and_bad_level(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_boundaries(tmp_path / "nope.gpkg", level="deso", version="deso2025")
    with pytest.raises(ConfigError, match="unknown area level"):
        read_boundaries(tmp_path / "nope.gpkg", level="stadsdel", version="x")


def test_unknown_file_for_known_reader(tmp_path: Path) -> None:
    path = write(deso_frame(), tmp_path / "mine.gpkg")
    assert known_layer(path) is None
    with pytest.raises(InputError, match="not a known boundary file"):
        read_known_boundaries(path)


def test_multipolygon_kept(tmp_path: Path) -> None:
    mp = MultiPolygon([box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 200, Y0, X0 + 300, Y0 + 100)])
    gdf = gpd.GeoDataFrame({"kod": ["k1"]}, geometry=[mp], crs="EPSG:3006")
    path = write(gdf, tmp_path / "mp.gpkg")
    g = shapely.from_wkb(read_boundaries(path, level="custom", version="v").areas["geometry"][0])
    assert g.geom_type == "MultiPolygon" and g.area == pytest.approx(20000.0)


# --------------------------------------------------------------------------- real data

EXPECTED_COUNTS: dict[str, int] = {
    "stockholms_lan_deso2018_simplified.geojson": 1287,
    "goteborg_deso2025.gpkg": 320,
    "goteborg_regso2025.gpkg": 147,
    "goteborg_primaromraden.gpkg": 96,
    "stockholm_stadsdelar.geojson": 117,
    "stockholm_basomraden_pop2014_2016.gpkg": 419,
    "malmo_delomraden.gpkg": 136,
    "sverige_kommuner_2025.gpkg": 290,
    "sverige_lan.gpkg": 21,
    "uso_2023.shp": 59,
}


def _real_path(shared: Path, name: str) -> Path:
    return (
        shared / "police" / "uso_2023" / name if name == "uso_2023.shp" else shared / "geo" / name
    )


def test_known_layers_cover_shared_geo(shared_data: Path) -> None:
    on_disk = {p.name for p in (shared_data / "geo").iterdir()}
    assert on_disk <= set(KNOWN_LAYERS)
    assert set(EXPECTED_COUNTS) == set(KNOWN_LAYERS)


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_real_layers(shared_data: Path, name: str) -> None:
    path = _real_path(shared_data, name)
    known = KNOWN_LAYERS[name]
    res = read_known_boundaries(path)
    a = res.areas
    assert len(a) == EXPECTED_COUNTS[name]
    assert (a["level"] == known.level).all() and (a["version"] == known.version).all()
    assert a["area_code"].is_unique
    geoms = shapely.from_wkb(a["geometry"].to_numpy())
    assert shapely.is_valid(geoms).all() and not shapely.has_z(geoms).any()
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    # SWEREF 99 TM covers Sweden with x 250 000-930 000 m, y 6 100 000-7 700 000 m
    assert 250_000 < xmin < xmax < 930_000 and 6_100_000 < ymin < ymax < 7_700_000
    if known.parent_field:
        assert a["parent_code"].notna().all()
    if known.kommun:  # a city's layer without a kommun field: the city's kommun is the parent
        assert (a["parent_code"] == known.kommun).all() and (a["parent_level"] == "kommun").all()


@pytest.mark.realdata
def test_real_details(shared_data: Path) -> None:
    geo = shared_data / "geo"
    deso18 = read_known_boundaries(geo / "stockholms_lan_deso2018_simplified.geojson").areas
    assert (deso18["parent_code"] == "0180").sum() == 544
    deso25 = read_known_boundaries(geo / "goteborg_deso2025.gpkg").areas
    assert deso25["area_code"].str.startswith("1480").all()
    assert (deso25["parent_code"].str[:4] == "1480").all()
    kommuner = read_known_boundaries(geo / "sverige_kommuner_2025.gpkg").areas
    assert kommuner.set_index("area_code").loc["1480", "name"] == "Göteborg"
    assert kommuner["parent_code"].nunique() == 21
    malmo = read_known_boundaries(geo / "malmo_delomraden.gpkg").areas
    assert malmo["area_code"].str.fullmatch(r"\d+").all()
    assert (malmo["parent_code"] == "1280").all()
    # generic detection agrees with the table where it can decide
    for name in ("goteborg_deso2025.gpkg", "goteborg_regso2025.gpkg", "sverige_lan.gpkg"):
        known = KNOWN_LAYERS[name]
        gdf = gpd.read_file(geo / name)
        assert detect_code_field(gdf, level=known.level) == known.code_field
