"""Police areas: boundary shapefile and yearly list."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from omradesbild.errors import InputError
from omradesbild.sources.base import AREA_COLUMNS, CLASSIFICATION_COLUMNS, LINK_COLUMNS
from omradesbild.sources.boundaries import read_boundaries, read_known_boundaries
from omradesbild.sources.police import (
    LIST_COLUMNS,
    normalise_police_category,
    police_area_code,
    read_police_areas,
    read_police_list,
    slugify,
)

X0, Y0 = 319000.0, 6400000.0


def police_shp(tmp_path: Path, **over: list[object]) -> Path:
    data: dict[str, list[object]] = {
        "NAMN": ["Rinkeby / Tensta", "Hässleholmen/  Hulta", "Araby"],
        "KATEGORI": ["Särskilt utsatt område", "Utsatt område", "Riskområde"],
        "ORT": ["Stockholm", "Borås", "Växjö"],
        "LOKALPOLIS": ["Rinkeby", "Borås", "Växjö"],
        "REGION": ["Stockholm", "Väst", "Syd"],
        "AKTUALITET": ["2018-10-01", "2018-10-01", "2021-12-01"],
    }
    data.update(over)
    geoms = [box(X0 + i * 1000, Y0, X0 + i * 1000 + 500, Y0 + 500) for i in range(3)]
    path = tmp_path / "uso.shp"
    gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:3006").to_file(path, engine="pyogrio")
    return path


def test_slug_and_category() -> None:
    assert slugify("Hässleholmen/  Hulta") == "hassleholmen-hulta"
    assert police_area_code("Västra Frölunda", "Tynnered / Grevgården") == (
        "vastra-frolunda-tynnered-grevgarden"
    )
    assert police_area_code("0180", "Husby") == "0180-husby"
    assert normalise_police_category("Särskilt utsatt område") == "sarskilt_utsatt"
    assert normalise_police_category(" utsatt  OMRÅDE ") == "utsatt"
    assert normalise_police_category("Riskområde") == "risk"
    assert normalise_police_category("risk") == "risk"
    assert normalise_police_category("farligt") is None


def test_read_police_areas(tmp_path: Path) -> None:
    res = read_police_areas(police_shp(tmp_path), year=2023)
    a, c = res.areas, res.classifications
    assert list(a.columns) == list(AREA_COLUMNS)
    assert list(c.columns) == list(CLASSIFICATION_COLUMNS)
    assert a["area_code"].tolist() == [
        "stockholm-rinkeby-tensta",
        "boras-hassleholmen-hulta",
        "vaxjo-araby",
    ]
    assert (a["level"] == "police_area").all() and (a["version"] == "police2023").all()
    assert a["name"].tolist()[0] == "Rinkeby / Tensta"
    assert json.loads(a["attributes"][0])["LOKALPOLIS"] == "Rinkeby"
    assert shapely.from_wkb(a["geometry"][2]).area == pytest.approx(250000.0)
    assert c["category"].tolist() == ["sarskilt_utsatt", "utsatt", "risk"]
    assert (c["scheme"] == "police_uso").all() and (c["period"] == "2023").all()
    assert json.loads(c["attributes"][2]) == {"kategori": "Riskområde", "aktualitet": "2021-12-01"}


def test_police_unknown_category(tmp_path: Path) -> None:
    path = police_shp(tmp_path, KATEGORI=["Utsatt område", "Mycket utsatt", "Riskområde"])
    with pytest.raises(InputError, match="unknown category") as exc:
        read_police_areas(path, year=2023)
    assert exc.value.row == 2 and exc.value.field == "KATEGORI"
    assert "Särskilt utsatt område" in str(exc.value)


def test_police_missing_field_and_duplicate(tmp_path: Path) -> None:
    gdf = gpd.read_file(police_shp(tmp_path)).drop(columns=["ORT"])
    gdf.to_file(tmp_path / "noort.gpkg", engine="pyogrio")
    with pytest.raises(InputError, match="missing field"):
        read_police_areas(tmp_path / "noort.gpkg", year=2023)
    dup = police_shp(tmp_path, NAMN=["Araby", "B", "Araby"], ORT=["Växjö", "Borås", "Växjö"])
    with pytest.raises(InputError, match="appears in features 1 and 3"):
        read_police_areas(dup, year=2023)


LIST_HEADER = ",".join(LIST_COLUMNS)


def write_list(tmp_path: Path, *rows: str, header: str = LIST_HEADER) -> Path:
    path = tmp_path / "list.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_read_police_list(tmp_path: Path) -> None:
    path = write_list(
        tmp_path,
        "Hagalund,0184,utsatt,positive,,0184R010;0184R018",
        "Rissne,0183,Riskområde,positive,true,0183R007",
        "Hjulsta,0180,sarskilt_utsatt,negative,,",
    )
    res = read_police_list(path)
    a, c, links = res.areas, res.classifications, res.links
    assert list(links.columns) == list(LINK_COLUMNS)
    assert a["area_code"].tolist() == ["0184-hagalund", "0183-rissne", "0180-hjulsta"]
    assert a["geometry"].isna().all() and (a["version"] == "police2025").all()
    assert a["parent_code"].tolist() == ["0184", "0183", "0180"]
    attrs = json.loads(a["attributes"][1])
    assert attrs["riskomrade_2023"] is True and attrs["regso2025_approx"] == ["0183R007"]
    assert c["category"].tolist() == ["utsatt", "risk", "sarskilt_utsatt"]
    assert (c["period"] == "2025").all() and len(c) == 3  # no 2023 class invented
    assert links["to_code"].tolist() == ["0184R010", "0184R018", "0183R007"]
    assert links["weight"].tolist() == [0.5, 0.5, 1.0]
    assert (links["method"] == "name_match_approx").all()
    assert (links["to_version"] == "regso2025").all()


@pytest.mark.parametrize(
    "row, field, match",
    [
        ("Hagalund,0184,farlig,positive,,", "category", "unknown category"),
        ("Hagalund,184,utsatt,positive,,", "kommun", "not a kommun code"),
        ("Hagalund,0184,utsatt,positive,kanske,", "riskomrade_2023", "true/false"),
        ("Hagalund,0184,utsatt,positive,,0184X010", "regso2025_approx", "not a RegSO"),
        ("Hagalund,0184,utsatt,positive,,0180R010", "regso2025_approx", "outside kommun"),
        (",0184,utsatt,positive,,", "name", "empty name"),
    ],
)
def test_police_list_errors(tmp_path: Path, row: str, field: str, match: str) -> None:
    path = write_list(tmp_path, "Rissne,0183,utsatt,positive,true,0183R007", row)
    with pytest.raises(InputError, match=match) as exc:
        read_police_list(path)
    assert exc.value.row == 3 and exc.value.field == field
    if field == "category":
        assert "sarskilt_utsatt" in str(exc.value) and "risk" in str(exc.value)


def test_police_list_header_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column"):
        read_police_list(write_list(tmp_path, "a,0184,utsatt", header="name,kommun,category"))
    path = write_list(tmp_path, "Rissne,0183,utsatt,,,", "rissne,0183,utsatt,,,")
    with pytest.raises(InputError, match="listed twice"):
        read_police_list(path)


@pytest.mark.realdata
def test_real_police_2023(shared_data: Path) -> None:
    folder = shared_data / "police" / "uso_2023"
    res = read_police_areas(folder, year=2023)
    assert len(res.areas) == 59 and res.areas["area_code"].is_unique
    counts = res.classifications["category"].value_counts().to_dict()
    assert counts == {"utsatt": 27, "sarskilt_utsatt": 17, "risk": 15}
    assert "stockholm-rinkeby-tensta" in set(res.areas["area_code"])
    # the generic entry points give the same codes
    same = read_boundaries(folder / "uso_2023.shp", level="police_area", version="police2023")
    assert same.areas["area_code"].tolist() == res.areas["area_code"].tolist()
    assert read_known_boundaries(folder).areas["area_code"].tolist() == (
        res.areas["area_code"].tolist()
    )


@pytest.mark.realdata
def test_real_police_list(shared_data: Path) -> None:
    res = read_police_list(shared_data / "police" / "utsatta_omraden_2025_list.csv")
    assert len(res.areas) == 65 and res.areas["area_code"].is_unique
    assert set(res.classifications["category"]) <= {"utsatt", "sarskilt_utsatt", "risk"}
    sums = res.links.groupby("from_code")["weight"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    assert (res.links["to_code"].str[:4] == res.links["from_code"].str[:4]).all()
    assert res.areas.set_index("name").loc["Husby", "area_code"] == "0180-husby"
