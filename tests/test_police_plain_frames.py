"""The store's polygons placed without geopandas: plain frames of shapely polygons give the
very shares, drawn polygons and map shapes that GeoDataFrames gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from conftest import deso_change_links
from omradesbild.followup.police import (
    area_geometries,
    area_pieces,
    area_polygons,
    overlay_police,
    police_geometries,
    police_polygons,
)
from omradesbild.services.followup.police_known import polygons_from_successors
from omradesbild.services.geometry import display_geojson, geojson_of
from omradesbild.sources.base import Areas, SourceMeta
from omradesbild.store import Store

CRS = "EPSG:3006"


def _boxes(n: int, seed: int) -> list[Any]:
    """``n`` overlapping rectangles in Stockholm's SWEREF 99 TM coordinates."""
    rng = np.random.default_rng(seed)
    x = 674_000 + rng.uniform(0, 5000, n)
    y = 6_580_000 + rng.uniform(0, 5000, n)
    return [
        box(a, b, a + rng.uniform(300, 1500), b + rng.uniform(300, 1500))
        for a, b in zip(x, y, strict=True)
    ]


def _wkb_frame(codes: list[str], geoms: list[Any], **columns: Any) -> pd.DataFrame:
    """An areas frame as the store gives it: ``geometry`` holds WKB bytes."""
    return pd.DataFrame(
        {"area_code": codes, **columns, "geometry": [shapely.to_wkb(g) for g in geoms]}
    )


def test_overlay_of_plain_frames_is_that_of_geodataframes() -> None:
    """Police polygons and DeSO (WKB, as read from the store) placed as plain frames give
    the very overlay rows, aggregated over links and cut by target polygons alike."""
    deso = _wkb_frame([f"d{i:02d}" for i in range(30)], _boxes(30, 1))
    police_areas = _wkb_frame(["P1", "P2", "P3"], _boxes(3, 2), version="police2023")
    cls = pd.DataFrame(
        {
            "area_code": ["P1", "P2", "P3", "P1"],
            "version": "police2023",
            "period": ["2023", "2023", "2023", "2021"],
            "category": ["utsatt", "risk", "sarskilt_utsatt", "risk"],
            "scheme": "police_uso",
        }
    )
    targets = _wkb_frame(["T0", "T1", "T2"], _boxes(3, 3))
    links = pd.DataFrame(
        {
            "from_code": deso["area_code"],
            "to_code": [f"T{i % 4}" for i in range(30)],  # T3 has no polygon
            "weight": 1.0,
        }
    )
    pop = pd.Series(np.arange(30, dtype=float) * 37 + 5, index=deso["area_code"])
    plain_police, plain_deso = police_geometries(police_areas, cls), area_geometries(deso)
    geo_police, geo_deso = police_polygons(police_areas, cls), area_polygons(deso)
    assert not isinstance(plain_police, gpd.GeoDataFrame)
    for kw in ({}, {"area_links": links}, {"area_links": links, "targets": targets}):
        plain = overlay_police(plain_police, plain_deso, pop, **kw)  # type: ignore[arg-type]
        if "targets" in kw:
            kw = {**kw, "targets": area_polygons(targets)}
        geo = overlay_police(geo_police, geo_deso, pop, **kw)  # type: ignore[arg-type]
        assert len(plain) >= 3
        pd.testing.assert_frame_equal(plain, geo, check_exact=True)
    pieces, p_pop, p_links = area_pieces(plain_deso, area_geometries(targets), pop,
                                         area_links=links)  # fmt: skip
    g_pieces, g_pop, g_links = area_pieces(geo_deso, area_polygons(targets), pop,
                                           area_links=links)  # fmt: skip
    assert not isinstance(pieces, gpd.GeoDataFrame) and g_pieces.crs == CRS
    assert pieces["area_code"].tolist() == g_pieces["area_code"].tolist()
    assert shapely.to_wkb(pieces["geometry"].to_numpy()).tolist() == (
        shapely.to_wkb(g_pieces.geometry.to_numpy()).tolist()
    )
    pd.testing.assert_series_equal(p_pop, g_pop, check_exact=True)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(p_links, g_links, check_exact=True)


def _display_geojson_by_geopandas(gdf: Any, *, tolerance: float, decimals: int = 5) -> Any:
    """What display_geojson did before it took the polygons to WGS 84 itself."""
    geo = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    simplified = shapely.simplify(geo.geometry.to_numpy(), tolerance, preserve_topology=True)
    g4326 = geo.set_geometry(list(simplified), crs=geo.crs).to_crs(4326)
    rounded = shapely.transform(g4326.geometry.to_numpy(), lambda c: np.round(c, decimals))
    features = [
        {"type": "Feature", "id": str(code), "properties": {},
         "geometry": shapely.geometry.mapping(g)}
        for code, g in zip(geo["area_code"], rounded, strict=True)
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@pytest.mark.filterwarnings("ignore:GeoSeries.notna:UserWarning")
@pytest.mark.parametrize("decimals", [5, 12])
def test_map_shapes_are_those_geopandas_gave(decimals: int) -> None:
    """Polygons, a multipolygon, a polygon with z, a missing and an empty one: the same
    features to the last digit as GeoDataFrame.to_crs gave (12 decimals: unrounded)."""
    geoms: list[Any] = _boxes(12, 4)
    geoms[3] = MultiPolygon([geoms[3], box(690_000, 6_590_000, 690_500, 6_590_400)])
    geoms[5] = Polygon([(x, y, 12.5) for x, y in geoms[5].exterior.coords])
    geoms[7], geoms[8] = None, Polygon()
    gdf = gpd.GeoDataFrame({"area_code": [f"R{i}" for i in range(12)]}, geometry=geoms, crs=CRS)
    want = _display_geojson_by_geopandas(gdf, tolerance=25.0, decimals=decimals)
    assert len(want["features"]) == 10
    assert display_geojson(gdf, tolerance=25.0, decimals=decimals) == want
    kept = [i for i in range(12) if i not in (7, 8)]
    got = geojson_of([f"R{i}" for i in kept], np.asarray([geoms[i] for i in kept], dtype=object),
                     tolerance=25.0, decimals=decimals)  # fmt: skip
    assert got == want


def _dissolved_by_geopandas(base: pd.DataFrame, links: pd.DataFrame, store: Store) -> Any:
    """What polygons_from_successors drew with GeoDataFrame.dissolve (one later version)."""
    have = set(base["area_code"])
    lk = links.loc[~links["from_code"].isin(have) & (links["weight"] >= 0.25)]
    poly = area_polygons(store.areas(level="deso", version="deso2025", geometry=True))
    poly = poly.loc[poly.geometry.notna()].set_index("area_code").geometry
    has = lk.assign(_has=lk["to_code"].isin(poly.index))
    ok = lk.loc[lk["from_code"].map(has.groupby("from_code")["_has"].all()).astype(bool)]
    drawn = gpd.GeoDataFrame(
        {"area_code": ok["from_code"].to_numpy()},
        geometry=poly.loc[ok["to_code"]].to_numpy(),
        crs=CRS,
    )
    return drawn.dissolve("area_code").reset_index()


def test_polygons_drawn_from_successors_are_those_geopandas_dissolved(tmp_path: Path) -> None:
    """DeSO 2018 without a polygon drawn from their DeSO 2025 successors (splits, listed
    out of order; one whose successor has no polygon is not drawn): the same codes, order
    and polygons (WKB) as GeoDataFrame.dissolve gave."""
    a, b, c, d, e = (f"0114C10{i}0" for i in range(5))
    n = [f"0114C20{i}0" for i in range(9)]
    new = _boxes(9, 5)
    deso18 = pd.DataFrame(
        {
            "area_code": [a, b, c, d, e],
            "level": "deso",
            "version": "deso2018",
            "geometry": [shapely.to_wkb(new[0]), None, None, None, None],
        }
    )
    deso25 = pd.DataFrame(
        {
            "area_code": n,
            "level": "deso",
            "version": "deso2025",
            "geometry": [shapely.to_wkb(g) for g in new[:8]] + [None],
        }
    )
    pairs = [(e, n[6], 0.5), (b, n[3], 0.4), (c, n[5], 1.0), (b, n[1], 0.6),
             (e, n[7], 0.5), (b, n[2], 0.1), (d, n[8], 1.0), (e, n[4], 0.3)]  # fmt: skip
    links = deso_change_links(pairs)
    src = SourceMeta("X", "geo", "Gränser", "g.gpkg", "g" * 64)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(Areas(src, pd.concat([deso18, deso25], ignore_index=True), links))
        base = area_geometries(deso18.iloc[:1])
        got = polygons_from_successors(store, store.links(), base)
        want = _dissolved_by_geopandas(base, store.links(), store)
    assert not isinstance(got, gpd.GeoDataFrame)
    assert got["area_code"].tolist() == want["area_code"].tolist() == [b, c, e]
    assert shapely.to_wkb(got["geometry"].to_numpy()).tolist() == (
        shapely.to_wkb(want.geometry.to_numpy()).tolist()
    )


def test_placed_polygons_are_kept_as_they_were() -> None:
    """The frames of shapely polygons of a placement, kept between commands (pickled with
    their polygons as WKB at once), read back as the same polygons, codes and index."""
    import pickle

    from omradesbild.services.followup.police_place import PlacedYears, PoliceYears, Targets

    geoms = _boxes(6, 7)
    geoms[2] = MultiPolygon([geoms[2], box(0, 0, 10, 10)])
    base = pd.DataFrame({"area_code": list("abcdef"), "geometry": geoms}, index=range(3, 9))
    police = base.iloc[:2].assign(period="2023", category="risk")
    tg = Targets(base, None, None, {"x"}, {"x"}, pd.Series([1.0], index=["x"]), base.iloc[0:0])
    py = PoliceYears(police, ["2023"], {}, ["2023"])
    placed = PlacedYears(py, tg, {"x"}, tg.population, (), "regso", "v", "2023", "2022")
    back = pickle.loads(pickle.dumps(placed, protocol=pickle.HIGHEST_PROTOCOL))
    for got, want in ((back.targets.base, base), (back.years.polygons, police),
                      (back.targets.polygons, base.iloc[0:0])):  # fmt: skip
        assert isinstance(got, pd.DataFrame) and not isinstance(got, gpd.GeoDataFrame)
        pd.testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns="geometry"))
        assert shapely.to_wkb(got["geometry"].to_numpy()).tolist() == (
            shapely.to_wkb(want["geometry"].to_numpy()).tolist()
        )
    assert back.years.years == ["2023"] and back.targets.covered == {"x"}
