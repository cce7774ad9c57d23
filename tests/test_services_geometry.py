"""Display geometry: reading only the shown areas' polygons gives what filtering every
polygon of the level gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from omradesbild.services.geometry import display_geojson, display_geometry, dissolve_by_links
from omradesbild.services.links import compose_links
from omradesbild.sources.base import Areas, SourceMeta
from omradesbild.store import Store

DESO = [f"0114C1{i:02d}0" for i in range(6)]
REGSO = ["0114R001", "0114R002", "0114R003"]
#: DeSO -> RegSO; the last DeSO has no polygon, so RegSO 3 cannot be drawn whole.
TO_REGSO = {c: f"0114R00{1 + i // 2}" for i, c in enumerate(DESO)}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geometry") / "g.duckdb"
    src = SourceMeta("X", "geo", "Gränser", "g.gpkg", "g" * 64)
    deso_geoms = [
        shapely.to_wkb(box(674_000 + 1000 * i, 6_580_000, 674_000 + 1000 * (i + 1), 6_581_000))
        for i in range(len(DESO) - 1)
    ] + [None]
    deso = pd.DataFrame(
        {"area_code": DESO, "level": "deso", "version": "deso2018", "geometry": deso_geoms}
    )
    regso = pd.DataFrame({"area_code": REGSO, "level": "regso", "version": "regso2020"})
    districts = pd.DataFrame(
        {
            "area_code": ["D1", "D2", "D3"],
            "level": "district",
            "version": "stad2024",
            "geometry": [
                shapely.to_wkb(box(674_000, 6_580_000 + 500 * i, 675_000, 6_580_500 + 500 * i))
                for i in range(3)
            ],
        }
    )
    links = pd.DataFrame(
        {
            "from_code": DESO,
            "from_level": "deso",
            "from_version": "deso2018",
            "to_code": [TO_REGSO[c] for c in DESO],
            "to_level": "regso",
            "to_version": "regso2020",
            "weight": 1.0,
            "method": "scb_key",
        }
    )
    with Store(path) as s:
        s.ingest(Areas(src, pd.concat([deso, regso, districts], ignore_index=True), links))
    return path


def _every_polygon_then_filter(
    store: Store, *, level: str, version: str, codes: set[str]
) -> tuple[dict[str, Any] | None, bool]:
    """What display_geometry did before it read only the polygons of ``codes``."""
    own = store.areas(level=level, version=version, geometry=True)
    own = own[own.geometry.notna() & own["area_code"].isin(codes)]
    dissolved = False
    if own.empty:
        lk = compose_links(store.links(), from_version="deso2018", to_version=version)
        lk = lk[lk["to_code"].isin(codes)]
        base = store.areas(version="deso2018", geometry=True)
        base = base[base["area_code"].isin(set(lk["from_code"]))]
        if base.geometry.notna().any():
            own = dissolve_by_links(base[["area_code", "geometry"]], lk)
            dissolved = True
    if own.empty:
        return None, False
    return display_geojson(own[["area_code", "geometry"]], tolerance=25.0), dissolved


@pytest.mark.parametrize(
    ("level", "version", "codes"),
    [
        ("district", "stad2024", {"D1", "D3"}),
        ("district", "stad2024", {"D1", "D2", "D3", "D9"}),
        ("regso", "regso2020", {"0114R001", "0114R003"}),
        ("regso", "regso2020", set(REGSO)),
        ("regso", "regso2020", {"0114R003"}),
        ("regso", "regso2020", set()),
    ],
)
def test_display_geometry_of_some_areas_is_what_every_polygon_filtered_gave(
    db: Path, level: str, version: str, codes: set[str]
) -> None:
    with Store(db, read_only=True) as store:
        got = display_geometry(
            store, level=level, version=version, base_version="deso2018", codes=codes,
            tolerance=25.0,
        )  # fmt: skip
        assert got == _every_polygon_then_filter(store, level=level, version=version, codes=codes)
    if level == "regso" and codes - {"0114R003"}:
        doc, dissolved = got
        assert dissolved and doc is not None
        assert {f["id"] for f in doc["features"]} == codes - {"0114R003"}


@pytest.mark.parametrize(
    ("level", "version", "codes"),
    [
        ("district", "stad2024", {"D1", "D3"}),
        ("regso", "regso2020", {"0114R001", "0114R003"}),
        ("regso", "regso2020", {"0114R002"}),
        ("regso", "regso2020", {"0114R003"}),
        ("regso", "regso2020", set()),
    ],
)
def test_display_geometry_from_every_areas_kept_shapes_is_the_same(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str, version: str,
    codes: set[str],
) -> None:  # fmt: skip
    """With results kept between commands, every area's shapes are dissolved once and kept
    (none for a level with polygons of its own): some areas' shapes taken from them, first
    computed and then read, are those computed for those areas alone."""
    from omradesbild.config import CACHE_DIR_ENV
    from omradesbild.services import geometry

    kw = {"level": level, "version": version, "base_version": "deso2018", "tolerance": 25.0}
    with Store(db, read_only=True) as store:
        alone = display_geometry(store, **kw, codes=codes)
        monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
        assert display_geometry(store, **kw, codes=codes) == alone  # computed and kept
        assert len(list(tmp_path.rglob("*.pickle"))) == 1
        shapes = geometry.dissolved_shapes(store, **kw)
        if level == "regso":
            for step in ("_dissolve_every", "display_geojson", "_display_geometry"):
                monkeypatch.setattr(geometry, step, None)  # read, not computed
            assert shapes is not None and set(shapes) == {"0114R001", "0114R002"}
        else:
            assert shapes is None  # the level's own polygons: computed for the areas asked
        assert display_geometry(store, **kw, codes=codes) == alone


def _dissolved_by_geopandas(base: Any, links: pd.DataFrame) -> Any:
    """What dissolve_by_links did before it united each target's polygons itself."""
    import geopandas as gpd

    lk = links.sort_values("weight", ascending=False, kind="mergesort")
    lk = lk.drop_duplicates("from_code")[["from_code", "to_code"]]
    has = base.dropna(subset=["geometry"])
    has = has[~has.geometry.is_empty]
    have_codes = set(has["area_code"].astype(str))
    complete = lk.groupby("to_code")["from_code"].agg(lambda s: set(s) <= have_codes)
    keep = set(complete[complete].index)
    merged = has.merge(lk, left_on="area_code", right_on="from_code")
    merged = merged[merged["to_code"].isin(keep)]
    if merged.empty:
        return gpd.GeoDataFrame({"area_code": []}, geometry=[], crs=base.crs)
    out = merged[["to_code", "geometry"]].dissolve(by="to_code").reset_index()
    return gpd.GeoDataFrame(
        {"area_code": out["to_code"].astype(str)}, geometry=out.geometry.to_numpy(), crs=base.crs
    )


def test_dissolve_by_links_unites_as_geopandas_dissolve_did() -> None:
    """Overlapping and touching polygons, a base area linked to two targets (the larger
    weight wins), a target with a base area without a polygon (left out), targets listed out
    of order: the same codes, order, dtypes and the very same polygons (WKB)."""
    import geopandas as gpd

    rng = np.random.default_rng(1)
    n = 40
    x = rng.uniform(0, 5000, n)
    y = rng.uniform(0, 5000, n)
    geoms: list[Any] = [
        box(a, b, a + rng.uniform(200, 900), b + rng.uniform(200, 900))
        for a, b in zip(x, y, strict=True)
    ]
    geoms[7] = None
    base = gpd.GeoDataFrame(
        {"area_code": [f"B{i:02d}" for i in range(n)]}, geometry=geoms, crs="EPSG:3006"
    )
    to = [f"T{int(k)}" for k in rng.integers(0, 9, n)]
    links = pd.DataFrame({"from_code": base["area_code"], "to_code": to, "weight": 1.0})
    extra = pd.DataFrame({"from_code": ["B03", "B04"], "to_code": ["T0", "T8"], "weight": 0.5})
    links = pd.concat([links, extra], ignore_index=True).iloc[::-1].reset_index(drop=True)
    links.loc[links["from_code"] == "B04", "weight"] = [0.9, 0.1]
    got = dissolve_by_links(base, links)
    want = _dissolved_by_geopandas(base, links)
    assert len(got) > 3
    assert got["area_code"].tolist() == want["area_code"].tolist()
    assert got.dtypes.to_dict() == want.dtypes.to_dict()
    assert got.crs == want.crs
    assert shapely.to_wkb(got.geometry.to_numpy()).tolist() == (
        shapely.to_wkb(want.geometry.to_numpy()).tolist()
    )
    none = dissolve_by_links(base.iloc[7:8], links)
    assert none.empty and none.crs == base.crs
