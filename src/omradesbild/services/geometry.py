"""Geometry of the areas: their polygons (dissolved over links where a level has none of
its own) and the simplified GeoJSON the maps draw."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from omradesbild.errors import OmradesbildError
from omradesbild.store import Store

#: The coordinates of the stored polygons (SWEREF 99 TM, metres) and of the map (WGS 84).
STORE_CRS = "EPSG:3006"
MAP_CRS = "EPSG:4326"


def display_geojson(gdf: Any, *, tolerance: float = 25.0, decimals: int = 5) -> dict[str, Any]:
    """A small GeoJSON FeatureCollection in EPSG:4326 for display (feature id = area code).

    Parameters
    ----------
    gdf
        GeoDataFrame with ``area_code`` and polygons in a projected CRS (metres; EPSG:3006).
    tolerance
        Douglas–Peucker tolerance in metres (topology preserved per polygon).
    decimals
        Decimals kept in longitude/latitude (5 ≈ 1 m).
    """
    geo = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if geo.crs is None:
        raise ValueError("Cannot transform naive geometries. Please set a crs first.")
    return geojson_of(
        geo["area_code"].tolist(), geo.geometry.to_numpy(), crs=geo.crs, tolerance=tolerance,
        decimals=decimals,
    )  # fmt: skip


def geojson_of(
    codes: list[Any], geoms: Any, *, crs: Any = STORE_CRS, tolerance: float, decimals: int = 5
) -> dict[str, Any]:
    """:func:`display_geojson` of the polygons ``geoms`` (shapely, none missing or empty)
    of the areas ``codes`` in ``crs``, without geopandas: simplified, taken to
    :data:`MAP_CRS` by pyproj as :meth:`geopandas.GeoSeries.to_crs` does, and rounded."""
    import shapely

    simplified = shapely.simplify(
        np.asarray(geoms, dtype=object), tolerance, preserve_topology=True
    )
    lonlat = _to_map(simplified, crs)
    rounded = shapely.transform(lonlat, lambda c: np.round(c, decimals))
    features = [
        {"type": "Feature", "id": str(code), "properties": {}, "geometry": g}
        for code, g in zip(codes, map(shapely.geometry.mapping, rounded), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def _map_transformer(crs: Any) -> Any:
    from pyproj import CRS, Transformer

    return Transformer.from_crs(
        CRS.from_user_input(crs), CRS.from_user_input(MAP_CRS), always_xy=True
    )


def _to_map(geoms: Any, crs: Any) -> Any:
    """``geoms`` (an array of shapely geometries in ``crs``) in :data:`MAP_CRS`: every
    coordinate transformed by pyproj, those with z with their z, as
    :meth:`geopandas.GeoSeries.to_crs` does."""
    import shapely

    transform = _map_transformer(crs).transform
    has_z = shapely.has_z(geoms)
    out = np.empty_like(geoms)
    for z, part in ((False, ~has_z), (True, has_z)):
        coords = shapely.get_coordinates(geoms[part], include_z=z)
        moved = transform(*(coords[:, i] for i in range(coords.shape[1])))
        out[part] = shapely.set_coordinates(geoms[part].copy(), np.array(moved).T)
    return out


def dissolve_by_links(base: Any, links: pd.DataFrame) -> Any:
    """Polygons of target areas dissolved from base polygons (e.g. DeSO 2018 → RegSO 2020).

    Each base area goes to its target with the largest link weight; a target is kept only
    when every base area linked to it has a polygon (no partial shapes).

    Parameters
    ----------
    base
        GeoDataFrame ``area_code`` + geometry (may contain missing geometries).
    links
        ``from_code, to_code, weight``.

    Returns
    -------
    GeoDataFrame
        ``area_code`` (the target code) + dissolved geometry, same CRS.
    """
    import geopandas as gpd
    import shapely

    lk = links.sort_values("weight", ascending=False, kind="mergesort")
    lk = lk.drop_duplicates("from_code")[["from_code", "to_code"]]
    has = base.dropna(subset=["geometry"])
    has = has[~has.geometry.is_empty]
    have_codes = set(has["area_code"].astype(str))
    partial = set(lk.loc[~lk["from_code"].isin(have_codes), "to_code"])
    merged = has.merge(lk, left_on="area_code", right_on="from_code")
    merged = merged[~merged["to_code"].isin(partial)]
    if merged.empty:
        return gpd.GeoDataFrame({"area_code": []}, geometry=[], crs=base.crs)
    # Each target's base polygons in their order, targets in code order: the union of each
    # group, as GeoDataFrame.dissolve computes it (shapely.union_all), without its overhead.
    merged = merged.sort_values("to_code", kind="mergesort")
    targets, starts = np.unique(merged["to_code"].to_numpy(dtype=object), return_index=True)
    geoms = merged.geometry.to_numpy()
    ends = [*starts[1:].tolist(), len(geoms)]
    dissolved = [shapely.union_all(geoms[a:b]) for a, b in zip(starts.tolist(), ends, strict=True)]
    return gpd.GeoDataFrame(
        {"area_code": [str(t) for t in targets]}, geometry=dissolved, crs=base.crs
    )


def display_geometry(
    store: Store, *, level: str, version: str, base_version: str, codes: set[str], tolerance: float
) -> tuple[dict[str, Any] | None, bool]:
    """Display GeoJSON of ``codes`` and whether it was dissolved from ``base_version``.

    The level's own polygons when stored, else polygons dissolved from the base areas over
    the stored links (see :func:`dissolve_by_links`); ``(None, False)`` without any. Only
    the polygons of ``codes`` (and of the base areas linked to them) are read; or, when
    results are kept between commands (:func:`~omradesbild.services.disk_cache.
    results_dir`), every area's shape is dissolved once and kept
    (:func:`dissolved_shapes`) and those of ``codes`` taken from it: the same features, and
    a later command reads no polygon and imports no geometry library.
    """
    from omradesbild.services.disk_cache import kept, results_dir, trusted

    folder = results_dir()
    if folder is not None and trusted(folder) and version != base_version:
        kw = {"level": level, "version": version, "base_version": base_version}
        shapes: dict[str, dict[str, Any]] | None = kept(
            f"{__name__}.dissolved_shapes",
            {"store": store, **kw, "tolerance": tolerance},
            lambda: dissolved_shapes(store, **kw, tolerance=tolerance),
        )
        if shapes is not None:
            found = [shapes[c] for c in sorted(codes) if c in shapes]
            if not found:
                return None, False
            return {"type": "FeatureCollection", "features": found}, True
    return _display_geometry(
        store, level=level, version=version, base_version=base_version, codes=codes,
        tolerance=tolerance,
    )  # fmt: skip


def dissolved_shapes(
    store: Store, *, level: str, version: str, base_version: str, tolerance: float
) -> dict[str, dict[str, Any]] | None:
    """The display feature of every area of ``level``/``version`` dissolved from
    ``base_version`` (area code -> feature, in code order; empty when there are none), the
    features :func:`display_geometry` gives any of them; None when the level has polygons
    of its own, or a base area is linked to more than one area (its shapes are then
    computed for the areas asked for only)."""
    import shapely

    from omradesbild.services.links import links_to

    sql = "SELECT count(*) FROM areas WHERE level = ? AND version = ? AND geometry IS NOT NULL"
    row = store.con.execute(sql, [level, version]).fetchone()
    if row is None or row[0]:
        return None
    try:
        lk = links_to(store, base_version=base_version, level=level, version=version)
    except OmradesbildError:
        return {}
    if lk["from_code"].duplicated().any():
        return None
    own = _dissolve_every(store, base_version, lk)
    if own is None:
        return None
    codes, geoms = own
    shaped = ~shapely.is_empty(geoms)
    if not shaped.any():
        return {}
    doc = geojson_of([c for c, s in zip(codes, shaped, strict=True) if s], geoms[shaped],
                     tolerance=tolerance)  # fmt: skip
    return {str(f["id"]): f for f in doc["features"]}


def _dissolve_every(
    store: Store, base_version: str, links: pd.DataFrame
) -> tuple[list[str], Any] | None:
    """:func:`dissolve_by_links` of every base area with a polygon over ``links`` (each
    base area linked to one target): the same shapes (the targets' codes in order, and
    their polygons in EPSG:3006 as an array), without reading the base areas that have no
    polygon, comparing codes as frames or importing geopandas. None when a base code has
    more than one polygon (another level of the version)."""
    import shapely

    sql = (
        "SELECT area_code, geometry FROM areas WHERE version = ? AND geometry IS NOT NULL "
        "ORDER BY level, version, area_code"
    )
    rows = store.con.execute(sql, [base_version]).fetchall()
    codes = [str(r[0]) for r in rows]
    if len(set(codes)) < len(codes):
        return None
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    empty = shapely.is_empty(geoms).tolist()
    have = [(c, g) for c, g, e in zip(codes, geoms, empty, strict=True) if not e]
    held = {c for c, _ in have}
    pairs = zip(
        links["from_code"].astype(str).tolist(), links["to_code"].astype(str).tolist(), strict=True
    )
    target = dict(pairs)
    partial = {t for f, t in target.items() if f not in held}
    members: dict[str, list[Any]] = {}
    for c, g in have:  # each target's base polygons in their order, as the merge keeps them
        t = target.get(c)
        if t is not None and t not in partial:
            members.setdefault(t, []).append(g)
    order = sorted(members)
    dissolved = [shapely.union_all(np.asarray(members[t], dtype=object)) for t in order]
    return order, np.asarray(dissolved, dtype=object)


def level_polygons(
    store: Store, *, level: str, version: str, base_version: str, codes: set[str]
) -> tuple[Any, bool]:
    """The polygons of the areas ``codes`` of ``level``/``version`` in the store's CRS
    (:data:`STORE_CRS`, SWEREF 99 TM), unsimplified, and whether they were dissolved.

    The level's own polygons when it has any among ``codes``; else, for a version other
    than ``base_version``, polygons dissolved from the ``base_version`` polygons over the
    stored links (:func:`dissolve_by_links`; e.g. RegSO 2020 from DeSO 2018). The shapes
    the maps draw (:func:`display_geometry`, simplified and in :data:`MAP_CRS`) and the
    GeoPackage export writes.

    Returns
    -------
    tuple
        A GeoDataFrame ``area_code`` + geometry (no missing geometry; empty without any
        polygon) and ``True`` when its polygons were dissolved from ``base_version``.
    """
    from omradesbild.services.links import links_to

    own = store.areas(level=level, version=version, codes=sorted(codes), geometry=True)
    own = own.loc[own.geometry.notna(), ["area_code", "geometry"]]
    if own.empty and version != base_version:
        try:
            # the composed links kept for the store (the level's indicators sum over them)
            lk = links_to(store, base_version=base_version, level=level, version=version)
        except OmradesbildError:
            return own, False
        lk = lk[lk["to_code"].isin(codes)]
        base = store.areas(version=base_version, codes=sorted(set(lk["from_code"])), geometry=True)
        if base.geometry.notna().any():
            return dissolve_by_links(base[["area_code", "geometry"]], lk), True
    return own, False


def _display_geometry(
    store: Store, *, level: str, version: str, base_version: str, codes: set[str], tolerance: float
) -> tuple[dict[str, Any] | None, bool]:
    """:func:`display_geometry` computed for ``codes`` only."""
    own, dissolved = level_polygons(
        store, level=level, version=version, base_version=base_version, codes=codes
    )
    if own.empty:
        return None, False
    return display_geojson(own[["area_code", "geometry"]], tolerance=tolerance), dissolved


@dataclass(frozen=True)
class LevelGeometry:
    """Display boundaries of a whole level, as :func:`display_geometry` decides them."""

    geojson: bytes  # FeatureCollection (EPSG:4326), feature id = area code, properties.name
    codes: frozenset[str]  # the areas with a shape
    dissolved: bool  # shapes dissolved from the base version's polygons over the links


def level_geometry(
    store: Store, *, level: str, version: str, base_version: str, tolerance: float
) -> LevelGeometry:
    """The boundaries of every area of ``level``/``version`` for display: its own polygons,
    else polygons dissolved from ``base_version`` (the same rule as the reports, see
    :func:`display_geometry`); an empty FeatureCollection without any."""
    areas = store.areas(level=level, version=version)
    codes = set(areas["area_code"].astype(str))
    found, dissolved = display_geometry(
        store, level=level, version=version, base_version=base_version, codes=codes,
        tolerance=tolerance,
    )  # fmt: skip
    doc: dict[str, Any] = found or {"type": "FeatureCollection", "features": []}
    names = dict(zip(areas["area_code"].astype(str), areas["name"], strict=True))
    for f in doc["features"]:
        n = names.get(str(f["id"]))
        f["properties"] = {"name": n if isinstance(n, str) else str(f["id"])}
    return LevelGeometry(
        geojson=json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(),
        codes=frozenset(str(f["id"]) for f in doc["features"]),
        dissolved=dissolved and bool(doc["features"]),
    )
