"""Police areas next to statistical areas: overlay, links, crosstab and flags."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from omradesbild.errors import InputError
from omradesbild.followup.police import (
    CROSSTAB_COLUMNS,
    FLAG_COLUMNS,
    OVERLAY_COLUMNS,
    area_polygons,
    crosstab_police_types,
    listed_areas,
    overlay_police,
    police_flags,
    police_list_from_links,
    police_polygons,
)
from omradesbild.synthetic import generate_city


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    return generate_city()


def _police(city) -> gpd.GeoDataFrame:  # type: ignore[no-untyped-def]
    p = city.police_areas.rename(columns={"year": "period"})
    return p.assign(period=p["period"].astype(str))


def test_overlay_squares_area_and_population_shares() -> None:
    areas = gpd.GeoDataFrame(
        {"area_code": ["d1", "d2", "d3"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        crs="EPSG:3006",
    )
    police = gpd.GeoDataFrame(
        {"area_code": ["P"], "period": ["2023"], "category": ["utsatt"]},
        geometry=[box(0, 0, 160, 100)],
        crs="EPSG:3006",
    )
    out = overlay_police(police, areas)
    assert list(out.columns) == list(OVERLAY_COLUMNS)
    shares = out.set_index("area_code")["share_area"]
    assert shares["d1"] == pytest.approx(1.0) and shares["d2"] == pytest.approx(0.6)
    assert "d3" not in shares.index
    assert out.set_index("area_code")["on_list"].to_dict() == {"d1": True, "d2": True}
    assert (
        not overlay_police(police, areas, threshold=0.7).set_index("area_code").loc["d2", "on_list"]
    )
    # aggregate to a target area: d1 (pop 100) + d2 (pop 300) + d3 (pop 600)
    links = pd.DataFrame({"from_code": ["d1", "d2", "d3"], "to_code": "R"})
    pop = pd.Series([100.0, 300.0, 600.0], index=["d1", "d2", "d3"])
    agg = overlay_police(police, areas, pop, area_links=links).iloc[0]
    assert agg["share_area"] == pytest.approx(160 / 300)
    assert agg["share_population"] == pytest.approx((100 + 0.6 * 300) / 1000)
    assert not agg["on_list"]  # 0.28 of the residents
    with pytest.raises(InputError, match="projected"):
        overlay_police(
            police.set_crs("EPSG:4326", allow_override=True),
            areas.set_crs(None, allow_override=True),
        )


def test_synthetic_police_areas_are_their_deso(city) -> None:  # type: ignore[no-untyped-def]
    police = _police(city)
    ov = overlay_police(police, city.deso[["area_code", "geometry"]])
    listed = listed_areas(ov)
    for _, row in police.iterrows():
        expected = set(row["deso_codes"].split(";"))
        got = set(
            listed.loc[
                (listed["period"] == row["period"])
                & listed["on_list"]
                & (listed["police_code"] == row["area_code"]),
                "area_code",
            ]
        )
        assert got == expected, row["area_code"]


def test_police_polygons_from_areas_frames(city) -> None:  # type: ignore[no-untyped-def]
    areas = city.areas.loc[city.areas["level"] == "police_area"]
    poly = police_polygons(areas, city.classifications)
    assert len(poly) == len(city.classifications)
    assert set(poly.columns) == {"area_code", "period", "category", "geometry"}
    assert poly.crs is not None and poly.crs.to_epsg() == 3006


def test_list_from_links() -> None:
    cls = pd.DataFrame(
        {
            "area_code": ["x-a", "x-b"],
            "version": "police2025",
            "scheme": "police_uso",
            "period": "2025",
            "category": ["sarskilt_utsatt", "utsatt"],
        }
    )
    links = pd.DataFrame(
        {
            "from_code": ["x-a", "x-a", "x-b"],
            "from_version": "police2025",
            "to_code": ["R1", "R2", "R3"],
            "weight": [0.5, 0.5, 1.0],
        }
    )
    out = police_list_from_links(cls, links)
    assert list(out.columns) == list(OVERLAY_COLUMNS)
    assert set(out["area_code"]) == {"R1", "R2", "R3"}
    assert out["on_list"].all() and out["share_area"].isna().all()
    listed = listed_areas(out)
    assert listed.set_index("area_code")["category"].to_dict()["R1"] == "sarskilt_utsatt"
    assert listed["on_list"].all()


def _types_and_list() -> tuple[pd.DataFrame, pd.DataFrame]:
    types = pd.DataFrame(
        {
            "area_code": ["a", "b", "c", "d"] * 2,
            "period": ["2019"] * 4 + ["2023"] * 4,
            "class": [1, 2, 4, 1, 1, 2, 4, 2],
        }
    )
    listed = pd.DataFrame(
        {
            "area_code": ["a", "c", "a", "b"],
            "period": ["2019", "2019", "2023", "2019"],
            "category": ["sarskilt_utsatt", "utsatt", "utsatt", "risk"],
        }
    )
    return types, listed


def test_flags() -> None:
    types, listed = _types_and_list()
    out = police_flags(listed, types)
    assert list(out.columns) == list(FLAG_COLUMNS)
    got = out.set_index(["area_code", "period"])["flag"].to_dict()
    assert got[("b", "2023")] == "left_list_still_vulnerable"
    assert got[("b", "2019")] is None
    assert got[("c", "2019")] == "listed_not_vulnerable"
    assert got[("c", "2023")] is None  # left the list and not vulnerable
    assert got[("d", "2019")] == "vulnerable_never_listed"
    assert got[("d", "2023")] == "vulnerable_never_listed"
    assert got[("a", "2023")] is None
    flags = out[
        ["left_list_still_vulnerable", "vulnerable_never_listed", "listed_not_vulnerable"]
    ].to_numpy()
    assert (flags.sum(axis=1) <= 1).all()


def test_crosstab_counts_every_area_once_per_year() -> None:
    types, listed = _types_and_list()
    pop = pd.Series([1000.0, 2000.0, 3000.0, 4000.0], index=["a", "b", "c", "d"])
    out = crosstab_police_types(listed, types, population=pop, periods=["2019", "2023", "2025"])
    assert list(out.columns) == list(CROSSTAB_COLUMNS)
    per_year = out.groupby("period")["n_areas"].sum()
    assert (per_year == 4).all()
    assert (out.groupby("period")["population"].sum() == 10000).all()
    cell = out.set_index(["period", "category", "area_type"])
    assert cell.loc[("2019", "sarskilt_utsatt", 1), "n_areas"] == 1
    assert cell.loc[("2019", "utsatt", 4), "population"] == 3000
    # 2025 has no types: the nearest period (2023) is used, no area is listed
    assert cell.loc[("2025", "not_listed", 2), "n_areas"] == 2
    # without residents: the same counts, and the residents missing
    counts = crosstab_police_types(listed, types, periods=["2019", "2023", "2025"])
    assert list(counts.columns) == list(CROSSTAB_COLUMNS)
    pd.testing.assert_frame_equal(counts.drop(columns="population"), out.drop(columns="population"))
    assert counts["population"].dtype == "float64" and counts["population"].isna().all()


def test_crosstab_and_flags_on_synthetic_city(city) -> None:  # type: ignore[no-untyped-def]
    police = _police(city)
    links = city.links.loc[city.links["to_level"] == "regso"]
    pop = city.deso_stats.loc[city.deso_stats["year"] == 2024].set_index("area_code")["pop_total"]
    ov = overlay_police(police, city.deso[["area_code", "geometry"]], pop, area_links=links)
    listed = listed_areas(ov)
    # area types: quintile of the RegSO's population-weighted latent deprivation in 2024
    lat = city.latent.loc[city.latent["year"] == 2024].merge(
        city.deso[["area_code", "regso_code"]], on="area_code"
    )
    lat["pop"] = lat["area_code"].map(pop)
    dep = lat.groupby("regso_code").apply(
        lambda g: np.average(g["deprivation"], weights=g["pop"]), include_groups=False
    )
    klass = 5 - pd.qcut(dep, 5, labels=False)  # 1 = most deprived
    types = pd.DataFrame({"area_code": dep.index, "class": klass.to_numpy().astype(int)})
    tab = crosstab_police_types(listed, types)
    assert (tab.groupby("period")["n_areas"].sum() == 45).all()
    listed_types = tab.loc[tab["category"] != "not_listed"]
    assert listed_types.loc[listed_types["area_type"] <= 2, "n_areas"].sum() > 0
    flags = police_flags(listed, types)
    assert len(flags) == 45 * 7
    assert flags["flag"].notna().any()


# ----------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_police_2023_over_stockholm_deso(shared_data: Path) -> None:
    from omradesbild.sources.boundaries import read_known_boundaries
    from omradesbild.sources.police import read_police_areas

    pol = read_police_areas(shared_data / "police" / "uso_2023", year=2023)
    deso = read_known_boundaries(shared_data / "geo" / "stockholms_lan_deso2018_simplified.geojson")
    polygons = police_polygons(pol.areas, pol.classifications)
    region = pol.areas["attributes"].str.contains('"REGION": "Stockholm"', regex=False)
    stockholm_codes = set(pol.areas.loc[region, "area_code"])
    assert len(stockholm_codes) >= 15
    polys = polygons.loc[polygons["area_code"].isin(stockholm_codes)]
    ov = overlay_police(polys, area_polygons(deso.areas))
    assert set(ov["police_code"]) == stockholm_codes  # every polygon overlaps a DeSO
    rt = ov.loc[(ov["police_code"] == "stockholm-rinkeby-tensta") & ov["on_list"]]
    assert len(rt) >= 3
    assert all(code.startswith("0180") for code in rt["area_code"])
    assert (rt["category"] == "sarskilt_utsatt").all()
    listed = listed_areas(ov)
    assert listed["share"].between(0, 1).all()
