"""Geometry of the SYNTHETIC city: the outline, DeSO cells, their nesting into RegSO and
districts, codes and names, the DeSO 2025 splits and the area GeoDataFrames.

DeSO are Voronoi cells of jittered points (denser in the centre) clipped to a convex outline;
RegSO and districts are contiguous, balanced unions grown from farthest-point seeds. Every
level is a union of DeSO, so the levels nest exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.random import Generator
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from omradesbild.sources.base import OBS_COLUMNS
from omradesbild.synthetic.constants import (
    CENTRE,
    CRS,
    DESO2025_VERSION,
    DISTRICT_NAMES,
    KOMMUN_CODE,
    KOMMUN_NAME,
    LAN_CODE,
    NAME_PREFIXES,
    NAME_SUFFIXES,
)
from omradesbild.synthetic.helpers import allocate


@dataclass(frozen=True)
class Layout:
    """The areas of the city; DeSO arrays are in DeSO code order, RegSO in RegSO code order.

    Attributes
    ----------
    outline
        The kommun: the union of the DeSO cells.
    cells, cxy
        DeSO polygons and their centroids.
    letter, deso_code, dist_c
        Urban category letter (A outermost, B a satellite sector, C the central locality),
        DeSO code and scaled distance from the centre.
    regso_idx, district_idx
        RegSO and district (0-based, code order) of each DeSO.
    regso_geoms, district_of_regso, regso_codes, regso_names
        RegSO polygons, their district, codes and names.
    district_geoms, district_codes, district_names
        District polygons, codes and names.
    """

    outline: Polygon
    cells: list[Polygon]
    cxy: np.ndarray
    letter: np.ndarray
    deso_code: np.ndarray
    dist_c: np.ndarray
    regso_idx: np.ndarray
    district_idx: np.ndarray
    regso_geoms: list[BaseGeometry]
    district_of_regso: np.ndarray
    regso_codes: list[str]
    regso_names: list[str]
    district_geoms: list[BaseGeometry]
    district_codes: list[str]
    district_names: list[str]

    @property
    def n_deso(self) -> int:
        return len(self.cells)

    @property
    def n_regso(self) -> int:
        return len(self.regso_codes)


def _outline(rng: Generator) -> Polygon:
    """A convex, slightly irregular city outline around :data:`CENTRE` (about 130 km²)."""
    theta = np.linspace(0.0, 2.0 * np.pi, 96, endpoint=False)
    ph = rng.uniform(0.0, 2.0 * np.pi, size=2)
    r = 1.0 + 0.07 * np.cos(2 * theta + ph[0]) + 0.04 * np.cos(3 * theta + ph[1])
    x = CENTRE[0] + 7_500.0 * r * np.cos(theta)
    y = CENTRE[1] + 5_500.0 * r * np.sin(theta)
    hull = Polygon(np.column_stack([np.round(x, 2), np.round(y, 2)])).convex_hull
    assert isinstance(hull, Polygon)
    return hull


def _density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Relative settlement density: dense centre, sparse edge (DeSO have similar populations)."""
    r2 = ((x - CENTRE[0]) / 7_500.0) ** 2 + ((y - CENTRE[1]) / 5_500.0) ** 2
    return 0.35 + 2.5 * np.exp(-r2 / 0.18)


def _seed_points(rng: Generator, outline: Polygon, n: int) -> np.ndarray:
    """Jittered dart throwing: ``n`` points, denser in the centre, never too close."""
    minx, miny, maxx, maxy = outline.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, 60), np.linspace(miny, maxy, 60))
    inside = shapely.contains_xy(outline, gx.ravel(), gy.ravel())
    dens = _density(gx.ravel()[inside], gy.ravel()[inside])
    mean_dens, max_dens = float(dens.mean()), float(dens.max())
    cell_area = outline.area / n
    factor = 0.75
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries % 4000 == 0:
            factor *= 0.93
        x = float(rng.uniform(minx, maxx))
        y = float(rng.uniform(miny, maxy))
        u = float(rng.uniform())
        if not shapely.contains_xy(outline, x, y):
            continue
        dens_here = float(_density(np.array([x]), np.array([y]))[0])
        if u > dens_here / max_dens:
            continue
        dmin = factor * np.sqrt(cell_area * mean_dens / dens_here)
        if pts:
            arr = np.asarray(pts)
            if np.min(np.hypot(arr[:, 0] - x, arr[:, 1] - y)) < dmin:
                continue
        pts.append((round(x, 2), round(y, 2)))
    return np.asarray(pts)


def _voronoi_cells(points: np.ndarray, outline: Polygon) -> list[Polygon]:
    """Voronoi cells of ``points`` clipped to ``outline``, in the order of ``points``."""
    env = outline.buffer(3_000.0).envelope
    regions = list(shapely.voronoi_polygons(MultiPoint(points), extend_to=env).geoms)
    tree = shapely.STRtree(regions)
    cells: list[Polygon] = []
    for x, y in points:
        idx = tree.query(shapely.Point(x, y), predicate="intersects")
        cell = shapely.set_precision(regions[int(idx[0])].intersection(outline), 0.01)
        assert isinstance(cell, Polygon)
        cells.append(cell)
    return cells


def _adjacency(geoms: Sequence[BaseGeometry]) -> list[set[int]]:
    """Indices of geometries sharing a border of at least 1 m with each geometry."""
    tree = shapely.STRtree(list(geoms))
    nbrs: list[set[int]] = [set() for _ in geoms]
    for i, g in enumerate(geoms):
        for j in tree.query(g, predicate="intersects"):
            j = int(j)
            if j > i and g.intersection(geoms[j]).length > 1.0:
                nbrs[i].add(j)
                nbrs[j].add(i)
    return nbrs


def _grow_regions(
    rng: Generator, xy: np.ndarray, nbrs: list[set[int]], k: int, weight: np.ndarray
) -> np.ndarray:
    """Partition a connected graph into ``k`` contiguous, balanced regions.

    Seeds by farthest-point sampling; then the lightest region that still has an unassigned
    neighbour takes the neighbour closest to its seed, until every node is assigned.
    """
    n = len(nbrs)
    seeds = [int(rng.integers(n))]
    dist = np.hypot(xy[:, 0] - xy[seeds[0], 0], xy[:, 1] - xy[seeds[0], 1])
    while len(seeds) < k:
        nxt = int(np.argmax(dist))
        seeds.append(nxt)
        dist = np.minimum(dist, np.hypot(xy[:, 0] - xy[nxt, 0], xy[:, 1] - xy[nxt, 1]))
    label = np.full(n, -1, dtype=np.int64)
    load = np.zeros(k)
    for r, s in enumerate(seeds):
        label[s] = r
        load[r] = weight[s]
    while (label < 0).any():
        progressed = False
        for r in np.argsort(load, kind="stable"):
            members = np.flatnonzero(label == r)
            cand = sorted({j for m in members for j in nbrs[m] if label[j] < 0})
            if not cand:
                continue
            s = seeds[int(r)]
            d = [np.hypot(xy[c, 0] - xy[s, 0], xy[c, 1] - xy[s, 1]) for c in cand]
            pick = cand[int(np.argmin(d))]
            label[pick] = r
            load[r] += weight[pick]
            progressed = True
            break
        if not progressed:  # disconnected leftovers: attach to the nearest seed
            for i in np.flatnonzero(label < 0):
                d = [np.hypot(xy[i, 0] - xy[s, 0], xy[i, 1] - xy[s, 1]) for s in seeds]
                label[i] = int(np.argmin(d))
    return label


def _split_polygon(poly: Polygon, rng: Generator) -> tuple[Polygon, Polygon]:
    """Cut a convex polygon in two along a line through its centroid (roughly its short axis)."""
    mrr = poly.minimum_rotated_rectangle
    coords = np.asarray(mrr.exterior.coords)[:4]
    e1, e2 = coords[1] - coords[0], coords[2] - coords[1]
    long_axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    normal = np.array([-long_axis[1], long_axis[0]]) / np.hypot(*long_axis)
    c = np.asarray(poly.centroid.coords[0]) + long_axis / np.hypot(*long_axis) * float(
        rng.uniform(-0.1, 0.1) * np.hypot(*long_axis)
    )
    line = LineString([c - normal * 50_000.0, c + normal * 50_000.0])
    parts = [g for g in split_geometry(poly, line).geoms if isinstance(g, Polygon)]
    parts.sort(key=lambda g: (-g.centroid.y, g.centroid.x))
    a = shapely.set_precision(parts[0], 0.01)
    b = shapely.set_precision(poly.difference(a), 0.01)
    assert isinstance(a, Polygon) and isinstance(b, Polygon)
    return a, b


def _unique_names(rng: Generator, n: int, taken: set[str]) -> list[str]:
    combos = [p + (s[1:] if p[-1] == s[0] else s) for p in NAME_PREFIXES for s in NAME_SUFFIXES]
    order = rng.permutation(len(combos))
    out: list[str] = []
    for i in order:
        name = combos[int(i)]
        if name not in taken:
            out.append(name)
            taken.add(name)
        if len(out) == n:
            break
    while len(out) < n:
        out.append(f"Nyområde {len(out) + 1}")
    return out


def _angle(x: float, y: float) -> float:
    """Clockwise angle from north around :data:`CENTRE`, in ``[0, 2π)``."""
    return float((np.arctan2(x - CENTRE[0], y - CENTRE[1]) + 2 * np.pi) % (2 * np.pi))


def _deso_cells(rng: Generator, n_deso: int) -> tuple[Polygon, list[Polygon]]:
    """The outline and the DeSO cells; the outline becomes the union of the cells."""
    outline = _outline(rng)
    pts = _seed_points(rng, outline, n_deso)
    cells = _voronoi_cells(pts, outline)
    # The kommun is the union of its DeSO, so every level nests exactly.
    outline_union = shapely.union_all(cells)
    assert isinstance(outline_union, Polygon)
    return outline_union, cells


def _nest(
    rng: Generator, cells: list[Polygon], n_regso: int, n_districts: int
) -> tuple[np.ndarray, np.ndarray, list[BaseGeometry], np.ndarray, np.ndarray]:
    """Group DeSO into RegSO and RegSO into districts (contiguous, balanced).

    Returns DeSO centroids, the RegSO label of each DeSO, RegSO polygons and centroids, and
    the district label of each RegSO (all in generation order).
    """
    n_deso = len(cells)
    cxy = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    nbrs = _adjacency(cells)
    regso_label = _grow_regions(rng, cxy, nbrs, n_regso, np.ones(n_deso))
    regso_cells = [
        shapely.union_all([cells[i] for i in np.flatnonzero(regso_label == r)])
        for r in range(n_regso)
    ]
    rxy = np.array([[g.centroid.x, g.centroid.y] for g in regso_cells])
    r_nbrs: list[set[int]] = [set() for _ in range(n_regso)]
    for i, js in enumerate(nbrs):
        for j in js:
            a, b = int(regso_label[i]), int(regso_label[j])
            if a != b:
                r_nbrs[a].add(b)
                r_nbrs[b].add(a)
    district_of_regso = _grow_regions(rng, rxy, r_nbrs, n_districts, np.ones(n_regso))
    return cxy, regso_label, regso_cells, rxy, district_of_regso


def _code_order(
    cxy: np.ndarray,
    rxy: np.ndarray,
    regso_label: np.ndarray,
    district_of_regso: np.ndarray,
    n_districts: int,
) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
    """Districts clockwise from the north (central ones first), RegSO by district then
    north-to-south, DeSO by RegSO then north-to-south.

    Returns the district rank and RegSO rank (code position) of each, the RegSO order and
    the DeSO order.
    """
    n_regso, n_deso = len(rxy), len(cxy)
    d_cent = np.array(
        [rxy[district_of_regso == k].mean(axis=0) for k in range(n_districts)], dtype=float
    )
    d_dist = np.hypot(d_cent[:, 0] - CENTRE[0], d_cent[:, 1] - CENTRE[1])
    d_order = sorted(
        range(n_districts),
        key=lambda k: (d_dist[k] > 2_500.0, _angle(*d_cent[k])),
    )
    d_rank = np.empty(n_districts, dtype=np.int64)
    d_rank[d_order] = np.arange(n_districts)
    r_order = sorted(
        range(n_regso), key=lambda r: (d_rank[district_of_regso[r]], -rxy[r, 1], rxy[r, 0])
    )
    r_rank = np.empty(n_regso, dtype=np.int64)
    r_rank[r_order] = np.arange(n_regso)
    deso_order = sorted(
        range(n_deso), key=lambda i: (r_rank[regso_label[i]], -cxy[i, 1], cxy[i, 0])
    )
    return d_rank, r_rank, r_order, deso_order


def _letters(rng: Generator, cxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Urban category letter of each DeSO and its scaled distance from the centre."""
    n_deso = len(cxy)
    dist_c = np.hypot((cxy[:, 0] - CENTRE[0]) / 7_500.0, (cxy[:, 1] - CENTRE[1]) / 5_500.0)
    letter = np.full(n_deso, "C", dtype=object)
    outer = dist_c >= np.quantile(dist_c, 0.9)
    letter[outer] = "A"
    sector = float(rng.uniform(0, 2 * np.pi))
    ang = np.array([_angle(x, y) for x, y in cxy])
    in_sector = (np.abs(((ang - sector + np.pi) % (2 * np.pi)) - np.pi) < 0.5) & (dist_c > 0.55)
    letter[in_sector & ~outer] = "B"
    return letter, dist_c


def _deso_codes(letter: np.ndarray, deso_order: list[int]) -> np.ndarray:
    """``<kommun><letter><serial>0`` in code order (serials: A from 1, C from 101, B from 201)."""
    serial = {"A": 0, "B": 200, "C": 100}
    deso_code = np.empty(len(letter), dtype=object)
    for i in deso_order:
        le = str(letter[i])
        serial[le] += 1
        deso_code[i] = f"{KOMMUN_CODE}{le}{serial[le]:03d}0"
    return deso_code


def build_layout(rng: Generator, n_deso: int, n_regso: int, n_districts: int) -> Layout:
    """Every area of the city with its geometry, nesting, code and name.

    Draws from ``rng`` in a fixed order: outline, DeSO points, RegSO growth, district
    growth, the satellite sector, RegSO names.
    """
    outline, cells = _deso_cells(rng, n_deso)
    cxy, regso_label, regso_cells, rxy, district_of_regso = _nest(rng, cells, n_regso, n_districts)
    d_rank, r_rank, r_order, deso_order = _code_order(
        cxy, rxy, regso_label, district_of_regso, n_districts
    )
    letter, dist_c = _letters(rng, cxy)
    district_names = [
        DISTRICT_NAMES[k] if k < len(DISTRICT_NAMES) else f"Stadsdel {k + 1}"
        for k in range(n_districts)
    ]
    regso_names = _unique_names(rng, n_regso, set(district_names))  # drawn in code order
    deso_code = _deso_codes(letter, deso_order)

    # Index everything in code order from here on.
    perm = np.asarray(deso_order)
    regso_idx = r_rank[regso_label[perm]]
    regso_geoms = [regso_cells[r] for r in r_order]
    district_of_sorted_regso = d_rank[district_of_regso[np.asarray(r_order)]]
    district_geoms = [
        shapely.union_all([regso_geoms[r] for r in np.flatnonzero(district_of_sorted_regso == k)])
        for k in range(n_districts)
    ]
    return Layout(
        outline=outline,
        cells=[cells[i] for i in perm],
        cxy=cxy[perm],
        letter=letter[perm],
        deso_code=deso_code[perm],
        dist_c=dist_c[perm],
        regso_idx=regso_idx,
        district_idx=district_of_sorted_regso[regso_idx],
        regso_geoms=regso_geoms,
        district_of_regso=district_of_sorted_regso,
        regso_codes=[f"{KOMMUN_CODE}R{k + 1:03d}" for k in range(n_regso)],
        regso_names=regso_names,
        district_geoms=district_geoms,
        district_codes=[f"D{k + 1:02d}" for k in range(n_districts)],
        district_names=district_names,
    )


def area_frames(
    layout: Layout,
    *,
    trajectory: np.ndarray,
    dep: np.ndarray,
    police_role: np.ndarray,
    split_mask: np.ndarray,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The kommun, district, RegSO and DeSO GeoDataFrames (EPSG:3006).

    The DeSO frame also carries the latent model's trajectory, first and last deprivation,
    police role and whether the DeSO splits in 2025.
    """
    kommun = gpd.GeoDataFrame(
        {"area_code": [KOMMUN_CODE], "name": [KOMMUN_NAME], "lan_code": [LAN_CODE]},
        geometry=[layout.outline],
        crs=CRS,
    )
    districts = gpd.GeoDataFrame(
        {"area_code": layout.district_codes, "name": layout.district_names},
        geometry=layout.district_geoms,
        crs=CRS,
    )
    regso = gpd.GeoDataFrame(
        {
            "area_code": layout.regso_codes,
            "name": layout.regso_names,
            "district_code": [layout.district_codes[int(k)] for k in layout.district_of_regso],
        },
        geometry=layout.regso_geoms,
        crs=CRS,
    )
    within_reg: dict[int, int] = {}
    deso_names = []
    for r in layout.regso_idx:
        within_reg[int(r)] = within_reg.get(int(r), 0) + 1
        deso_names.append(f"{layout.regso_names[int(r)]} {within_reg[int(r)]}")
    deso = gpd.GeoDataFrame(
        {
            "area_code": layout.deso_code.astype(str),
            "name": deso_names,
            "letter": layout.letter.astype(str),
            "regso_code": [layout.regso_codes[int(r)] for r in layout.regso_idx],
            "district_code": [layout.district_codes[int(k)] for k in layout.district_idx],
            "trajectory": trajectory.astype(str),
            "deprivation_first": np.round(dep[:, 0], 6),
            "deprivation_last": np.round(dep[:, -1], 6),
            "police_role": pd.array(list(police_role), dtype=object),
            "split_2025": split_mask,
        },
        geometry=layout.cells,
        crs=CRS,
    )
    return kommun, districts, regso, deso


def _deso2025_cells(
    rng: Generator, layout: Layout, split_mask: np.ndarray
) -> tuple[list[str], list[str], list[BaseGeometry], list[float]]:
    """DeSO 2025 codes, their DeSO 2018 parent, polygons and population share of the parent.

    A split DeSO keeps its first eight characters and gets the reserve digit 1 or 2.
    """
    d25_codes: list[str] = []
    d25_parent: list[str] = []
    d25_geoms: list[BaseGeometry] = []
    d25_share: list[float] = []
    for i in range(layout.n_deso):
        code = str(layout.deso_code[i])
        if split_mask[i]:
            a, b = _split_polygon(layout.cells[i], rng)
            sh = a.area / layout.cells[i].area
            sh = float(np.clip(sh + rng.normal(0.0, 0.05), 0.3, 0.7))
            for k, (g, s) in enumerate(((a, sh), (b, 1.0 - sh)), start=1):
                d25_codes.append(code[:8] + str(k))
                d25_parent.append(code)
                d25_geoms.append(g)
                d25_share.append(s)
        else:
            d25_codes.append(code)
            d25_parent.append(code)
            d25_geoms.append(layout.cells[i])
            d25_share.append(1.0)
    return d25_codes, d25_parent, d25_geoms, d25_share


def deso2025(
    rng: Generator,
    layout: Layout,
    split_mask: np.ndarray,
    pop: np.ndarray,
    years: tuple[int, ...],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The DeSO 2025 layer and its ``pop_total`` (parents' counts split by share)."""
    d25_codes, d25_parent, d25_geoms, d25_share = _deso2025_cells(rng, layout, split_mask)
    parent_pos = {str(c): i for i, c in enumerate(layout.deso_code)}
    areas = gpd.GeoDataFrame(
        {
            "area_code": d25_codes,
            "deso2018_code": d25_parent,
            "regso_code": [
                layout.regso_codes[int(layout.regso_idx[parent_pos[p]])] for p in d25_parent
            ],
        },
        geometry=d25_geoms,
        crs=CRS,
    )
    obs25_rows = []
    for parent in sorted(set(d25_parent)):
        kids = [k for k, p in enumerate(d25_parent) if p == parent]
        i = parent_pos[parent]
        sh = np.array([[d25_share[k] for k in kids]])
        for j, y in enumerate(years):
            parts = allocate(np.array([pop[i, j]]), sh)[0]
            for k, v in zip(kids, parts, strict=True):
                obs25_rows.append((d25_codes[k], y, float(v)))
    obs25 = pd.DataFrame(obs25_rows, columns=["area_code", "year", "value"])
    obs25 = obs25.sort_values(["area_code", "year"], kind="stable").reset_index(drop=True)
    observations = pd.DataFrame(
        {
            "area_code": obs25["area_code"],
            "area_version": DESO2025_VERSION,
            "variable": "pop_total",
            "period": obs25["year"].astype(str),
            "value": obs25["value"].astype(float),
            "unit": "antal personer",
            "missing_reason": pd.Series([None] * len(obs25), dtype=object),
        }
    )[list(OBS_COLUMNS)]
    return areas, observations
