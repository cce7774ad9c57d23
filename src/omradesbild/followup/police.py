"""The Police's list of *utsatta områden* next to the statistical areas and area types.

The Police draw their own borders. To compare them with DeSO/RegSO statistics and SCB's area
types, each statistical area gets the share of its surface (or of its population) that lies
inside each police polygon (:func:`overlay_police`), or — for lists without polygons — the
areas the list links to (:func:`police_list_from_links`). :func:`listed_areas` decides per
area and year whether it is *on the list*; :func:`crosstab_police_types` and
:func:`police_flags` put the list next to the area types.

The polygons and the overlay live here; the link-based lists in
:mod:`~omradesbild.followup.police_links`, the listing and the comparison with the area types
in :mod:`~omradesbild.followup.police_types`. Every name is importable from this module.
The store's polygons (WKB in EPSG:3006) are placed as plain frames of shapely polygons
(:func:`area_geometries`, :func:`police_geometries`): geopandas is imported for
GeoDataFrames only.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from omradesbild.errors import InputError
from omradesbild.followup._common import among, group_sums, require_columns
from omradesbild.followup._police_common import (
    DEFAULT_THRESHOLD,
    OVERLAY_COLUMNS,
    _check_threshold,
    police_classes,
)
from omradesbild.followup.police_links import police_list_from_links, police_shares_from_links
from omradesbild.followup.police_types import (
    CATEGORY_ORDER,
    CROSSTAB_COLUMNS,
    FLAG_COLUMNS,
    LISTED_COLUMNS,
    NOT_LISTED,
    STATUS_COLUMNS,
    crosstab_police_types,
    listed_areas,
    police_flags,
    police_status,
)
from omradesbild.harmonize.areal import geos_errors, intersection
from omradesbild.validation import what as _what
from omradesbild.wording import Message

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CATEGORY_ORDER",
    "CROSSTAB_COLUMNS",
    "DEFAULT_THRESHOLD",
    "FLAG_COLUMNS",
    "LISTED_COLUMNS",
    "NOT_LISTED",
    "OVERLAY_COLUMNS",
    "STATUS_COLUMNS",
    "area_geometries",
    "area_polygons",
    "crosstab_police_types",
    "listed_areas",
    "overlay_police",
    "police_flags",
    "police_geometries",
    "police_list_from_links",
    "police_polygons",
    "police_shares_from_links",
    "police_status",
]


#: The coordinates of every polygon the store holds (WKB, SWEREF 99 TM, metres), and of a
#: frame of :func:`area_geometries` or :func:`police_geometries`.
STORE_CRS = "EPSG:3006"


def _is_geo(frame: object) -> bool:
    """Whether ``frame`` is a GeoDataFrame, without importing geopandas: none can exist
    before it is imported."""
    gpd = sys.modules.get("geopandas")
    return gpd is not None and isinstance(frame, gpd.GeoDataFrame)


def _geometries(frame: pd.DataFrame, *, what: str) -> npt.NDArray[np.object_]:
    """The polygons of a GeoDataFrame, or of a frame whose ``geometry`` holds WKB bytes
    or shapely geometries (in :data:`STORE_CRS`), as an array of shapely geometries."""
    if _is_geo(frame):
        return np.asarray(frame.geometry.to_numpy(), dtype=object)
    require_columns(frame, ("geometry",), what=what)
    values = frame["geometry"].to_numpy(dtype=object)
    if all(v is None or isinstance(v, shapely.Geometry) for v in values):
        return values.copy()
    wkb = [bytes(g) if isinstance(g, bytes | bytearray | memoryview) else None for g in values]
    with geos_errors("err_ana_cannot_read_geometry", what=what, expected="exp_ana_wkb"):
        return np.asarray(shapely.from_wkb(wkb), dtype=object)


def _geoseries(frame: pd.DataFrame, *, what: str) -> gpd.GeoSeries:
    """The geometry of a GeoDataFrame, or of a frame of :func:`_geometries` (in
    :data:`STORE_CRS`)."""
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame):
        return frame.geometry
    return gpd.GeoSeries(_geometries(frame, what=what), index=frame.index, crs=STORE_CRS)


def _projected(gs: gpd.GeoSeries, target: object, *, what: str) -> gpd.GeoSeries:
    import geopandas as gpd

    if target is not None and gs.crs is not None and gs.crs != target:
        gs = gs.to_crs(target)
    crs = gs.crs if gs.crs is not None else target
    if crs is not None and gpd.GeoSeries([], crs=crs).crs.is_geographic:  # type: ignore[union-attr]
        raise InputError(
            Message("err_ana_geographic_crs", what=_what(what), crs=str(crs)),
            field="geometry",
            expected=Message("exp_ana_projected_crs"),
        )
    return gs


def _layers(
    first: pd.DataFrame, second: pd.DataFrame, *, what: tuple[str, str]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], Any]:
    """The polygons of ``first`` and of ``second`` in ``first``'s coordinates, and those
    coordinates (None where neither is a GeoDataFrame: both are in :data:`STORE_CRS`).

    A GeoDataFrame is reprojected to the other layer's CRS, and a geographic CRS refused
    (:func:`_projected`); frames of WKB or shapely geometries are in :data:`STORE_CRS`,
    projected, and need no CRS work (nor geopandas).
    """
    if not _is_geo(first) and not _is_geo(second):
        return _geometries(first, what=what[0]), _geometries(second, what=what[1]), None
    one = _projected(_geoseries(first, what=what[0]), None, what=what[0])
    two = _projected(_geoseries(second, what=what[1]), one.crs, what=what[1])
    return one.to_numpy(), two.to_numpy(), one.crs


def area_geometries(areas: pd.DataFrame) -> pd.DataFrame:
    """``area_code`` and ``geometry`` (shapely polygons, in :data:`STORE_CRS`) of an areas
    frame whose ``geometry`` holds WKB bytes in EPSG:3006 (:data:`~omradesbild.sources.
    base.AREA_COLUMNS`): :func:`area_polygons` as a plain frame, without geopandas."""
    require_columns(areas, ("area_code",), what="areas")
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str).to_numpy(),
            "geometry": _geometries(areas, what="areas"),
        }
    )


def area_polygons(areas: pd.DataFrame) -> gpd.GeoDataFrame:
    """``area_code`` and polygons of an areas frame whose ``geometry`` holds WKB bytes in
    EPSG:3006 (:data:`~omradesbild.sources.base.AREA_COLUMNS`), or of a GeoDataFrame."""
    import geopandas as gpd

    require_columns(areas, ("area_code",), what="areas")
    geo = _geoseries(areas, what="areas")
    return gpd.GeoDataFrame(
        {"area_code": areas["area_code"].astype(str).to_numpy()},
        geometry=geo.to_numpy(),
        crs=geo.crs,
    )


def police_polygons(areas: pd.DataFrame, classifications: pd.DataFrame) -> gpd.GeoDataFrame:
    """Police polygons with their category per year, from the areas and classifications
    frames of :func:`omradesbild.sources.police.read_police_areas` or the store.

    Parameters
    ----------
    areas
        Areas at level ``police_area`` with ``area_code``, ``version`` and ``geometry``
        (a GeoDataFrame, or WKB bytes in EPSG:3006 as in
        :data:`~omradesbild.sources.base.AREA_COLUMNS`).
    classifications
        :data:`~omradesbild.sources.base.CLASSIFICATION_COLUMNS` rows of scheme
        ``police_uso``; joined on ``area_code`` and ``version``.

    Returns
    -------
    GeoDataFrame
        ``area_code, period, category, geometry``; one row per classified police area with a
        polygon.
    """
    import geopandas as gpd

    out = police_geometries(areas, classifications)
    crs = areas.crs if _is_geo(areas) else STORE_CRS
    return gpd.GeoDataFrame(out.drop(columns="geometry"), geometry=list(out["geometry"]), crs=crs)


def police_geometries(areas: pd.DataFrame, classifications: pd.DataFrame) -> pd.DataFrame:
    """:func:`police_polygons` as a plain frame (``geometry`` holds shapely polygons in the
    coordinates of ``areas``: :data:`STORE_CRS` for WKB), without geopandas."""
    require_columns(areas, ("area_code", "version"), what="police areas")
    require_columns(
        classifications, ("area_code", "version", "period", "category"), what="classifications"
    )
    geo = _geometries(areas, what="police areas")
    left = pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str).to_numpy(),
            "version": areas["version"].astype(str).to_numpy(),
            "_g": np.arange(len(areas)),
        }
    )
    right = police_classes(classifications)
    m = right.merge(left, on=["area_code", "version"], how="inner")
    geoms = geo[m["_g"].to_numpy(dtype=int)]
    keep = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    out = m.loc[keep, ["area_code", "period", "category"]].reset_index(drop=True)
    out["geometry"] = geoms[keep]
    return out


def overlay_police(
    police: pd.DataFrame,
    areas: pd.DataFrame,
    population: pd.Series | None = None,
    *,
    area_links: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_share: float = 0.001,
    period_column: str = "period",
) -> pd.DataFrame:
    r"""Share of each statistical area inside each police polygon, per year.

    Parameters
    ----------
    police
        Police polygons: ``area_code`` (the police area's code), ``period_column``,
        ``category`` and geometry (see :func:`police_polygons`; or a plain frame of
        :func:`police_geometries`, whose polygons are in EPSG:3006).
    areas
        Base areas (e.g. DeSO) with ``area_code`` and polygons. Reprojected to the police
        layer's CRS when both are set and differ; must be projected (metres). Where neither
        layer is a GeoDataFrame (``geometry`` holds shapely polygons or WKB bytes), both
        are in EPSG:3006 and no CRS work is done.
    population
        Optional population per base area (indexed by ``area_code``) for population shares.
    area_links
        Optional crosswalk (``from_code``, ``to_code``, optional ``weight``: the base area's
        share in the target, 1 when absent; e.g. DeSO → RegSO from the SCB key): results
        are then given for the ``to_code`` areas, aggregated from the base areas.
    targets
        Optional polygons of the ``to_code`` areas (``area_code`` and geometry). With
        ``area_links``, each base area is cut by the targets' polygons
        (:func:`area_pieces`) so that a base area split between targets counts, in each,
        only with its part there (e.g. DeSO under a city's own districts).
    threshold
        Share at or above which the pair's ``on_list`` is true (default 0.5: most of the
        area, or of its residents, lies inside the police polygon).
    min_share
        Pairs with a smaller area share are dropped (slivers from borders that do not
        follow the statistical areas exactly).
    period_column
        Name of the year column of ``police``.

    Returns
    -------
    DataFrame
        :data:`OVERLAY_COLUMNS`, one row per (area, period, police polygon) that overlap;
        ``share_population`` is NaN without ``population``; ``basis`` is ``"polygon"``.

    Raises
    ------
    InputError
        Missing columns, a geographic CRS, or geometries GEOS cannot intersect.

    Notes
    -----
    For a base area :math:`i` and police polygon :math:`P`:
    :math:`s_i = |A_i \cap P| / |A_i|` (areas in the plane). A target area :math:`T`
    (through ``area_links``) gets

    .. math::

        s^{area}_T = \frac{\sum_{i \in T} |A_i \cap P|}{\sum_{i \in T} |A_i|}, \qquad
        s^{pop}_T = \frac{\sum_{i \in T} p_i s_i}{\sum_{i \in T} p_i},

    i.e. residents are assumed evenly spread *within* each base area (so at base level
    :math:`s^{pop}_i = s_i`). A base area in several targets enters each with its weight
    :math:`w_{iT}` (:math:`|A_i|` and :math:`p_i` times :math:`w_{iT}`, its share
    :math:`s_i` unchanged). With ``targets`` the base areas are cut first: the piece
    :math:`A_i \cap T` has :math:`p_i |A_i \cap T| / |A_i|` residents, so

    .. math::

        s^{pop}_T = \frac{\sum_i p_i\,|A_i \cap T \cap P| / |A_i|}
                         {\sum_i p_i\,|A_i \cap T| / |A_i|}

    (residents evenly spread over each base area's surface, the same assumption as
    above). The pair is ``on_list`` when :math:`s^{pop} \ge` threshold,
    or :math:`s^{area} \ge` threshold without population. An area split between several
    polygons is judged on its total share by :func:`listed_areas`.
    """
    _check_threshold(threshold)
    require_columns(police, ("area_code", period_column, "category"), what="police polygons")
    require_columns(areas, ("area_code",), what="areas")
    pop: pd.Series | None = None
    if population is not None:
        pop = pd.Series(
            pd.to_numeric(population, errors="coerce").to_numpy(dtype=float),
            index=population.index.astype(str),
        )
        pop = pop.groupby(level=0).first()
    if targets is not None and area_links is not None:
        areas, pop, area_links = area_pieces(areas, targets, pop, area_links=area_links)
    linked = None if area_links is None else set(area_links["from_code"].astype(str))
    pairs, a_codes, a_area = _intersections(police, areas, period_column, linked)
    if area_links is None:
        out = pairs.rename(columns={"base": "area_code"})
        out["share_area"] = out["share"]
        if pop is not None:
            p = out["area_code"].map(pop).to_numpy(dtype=float)
            out["share_population"] = np.where(np.isfinite(p), out["share"], np.nan)
        else:
            out["share_population"] = np.nan
    else:
        out = _linked_shares(pairs, area_links, a_codes, a_area, pop)
    out = out.loc[out["share_area"] >= min_share].copy()
    basis = np.where(
        np.isfinite(out["share_population"]), out["share_population"], out["share_area"]
    )
    out["on_list"] = basis >= threshold - 1e-12
    out["basis"] = "polygon"
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)


def _intersections(
    police: pd.DataFrame,
    areas: pd.DataFrame,
    period_column: str,
    linked: set[str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every overlapping (base area, police polygon) pair with the intersection's area and
    ``share`` of the base area, of the base areas in ``linked`` when given (the others
    reach no target area); also the base areas' codes and areas."""
    p_geoms, a_geoms, _ = _layers(police, areas, what=("police polygons", "areas"))
    a_codes = areas["area_code"].astype(str).to_numpy()
    a_area = shapely.area(a_geoms)
    p_idx, a_idx = shapely.STRtree(a_geoms).query(p_geoms, predicate="intersects")
    pairs = pd.DataFrame(
        {
            "base": a_codes[a_idx],
            "period": police[period_column].astype(str).to_numpy()[p_idx],
            "police_code": police["area_code"].astype(str).to_numpy()[p_idx],
            "category": police["category"].astype(str).to_numpy()[p_idx],
            "base_area": a_area[a_idx],
        }
    )
    if linked is not None:  # the other base areas' intersections are not computed
        keep = among(a_codes[a_idx], linked)
        pairs, p_idx, a_idx = pairs.loc[keep], p_idx[keep], a_idx[keep]
    inter = intersection(p_geoms[p_idx], a_geoms[a_idx], what="the police polygons with the areas")
    pairs.insert(4, "inter", np.asarray(shapely.area(inter), dtype=float))
    pairs = pairs.loc[(pairs["inter"] > 0) & (pairs["base_area"] > 0)]
    pairs["share"] = pairs["inter"] / pairs["base_area"]
    return pairs, a_codes, a_area


def _linked_shares(
    pairs: pd.DataFrame,
    area_links: pd.DataFrame,
    a_codes: np.ndarray,
    a_area: np.ndarray,
    pop: pd.Series | None,
) -> pd.DataFrame:
    """Area and population shares of the target areas of ``area_links``, summed over their
    base areas."""
    links = _weighted_links(area_links)
    sizes = pd.DataFrame({"base": a_codes, "base_area": a_area})
    sizes = sizes.merge(links, on="base", how="inner")
    sizes["base_area"] = sizes["base_area"] * sizes["w"]
    if pop is not None:
        sizes["pop"] = sizes["base"].map(pop).astype(float) * sizes["w"]
    else:
        sizes["pop"] = np.nan
    by_area = sizes.groupby("area_code")
    tot = by_area["base_area"].sum().to_frame("total_area")
    tot["total_pop"] = group_sums(by_area, sizes["pop"])
    j = pairs.merge(links, on="base", how="inner")
    j["inter"] = j["inter"] * j["w"]
    j["pop_in"] = (
        j["base"].map(pop).astype(float) * j["w"] * j["share"] if pop is not None else np.nan
    )
    by_pair = j.groupby(["area_code", "period", "police_code", "category"], sort=False)
    agg = by_pair["inter"].sum().to_frame("inter")
    agg["pop_in"] = group_sums(by_pair, j["pop_in"])
    agg = agg.reset_index()
    agg = agg.merge(tot, left_on="area_code", right_index=True, how="left")
    agg["share_area"] = agg["inter"] / agg["total_area"]
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["share_population"] = np.where(
            agg["total_pop"] > 0, agg["pop_in"] / agg["total_pop"], np.nan
        )
    return agg


def _weighted_links(area_links: pd.DataFrame) -> pd.DataFrame:
    """``base, area_code, w`` of a crosswalk (``weight`` 1 when absent; one row a pair)."""
    require_columns(area_links, ("from_code", "to_code"), what="area links")
    w = (
        pd.to_numeric(area_links["weight"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if "weight" in area_links.columns
        else np.ones(len(area_links))
    )
    links = pd.DataFrame(
        {
            "base": area_links["from_code"].astype(str).to_numpy(),
            "area_code": area_links["to_code"].astype(str).to_numpy(),
            "w": w,
        }
    )
    return links.groupby(["base", "area_code"], sort=False)["w"].max().reset_index()


def area_pieces(
    areas: pd.DataFrame,
    targets: pd.DataFrame,
    population: pd.Series | None,
    *,
    area_links: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.Series | None, pd.DataFrame]:
    r"""Base areas cut by the polygons of the target areas they are linked to.

    Parameters
    ----------
    areas
        Base areas (``area_code`` and polygons, e.g. DeSO): a GeoDataFrame, or a frame
        whose ``geometry`` holds WKB bytes or shapely polygons in EPSG:3006.
    targets
        Target areas (``area_code`` and polygons, e.g. a city's districts), alike.
    population
        Residents per base area (indexed by ``area_code``), or ``None``.
    area_links
        ``from_code`` (base) → ``to_code`` (target): only linked pairs are cut.

    Returns
    -------
    tuple
        The pieces (``area_code`` ``"<base>|<target>"``, geometry: a GeoDataFrame when
        either layer is one, else a frame of shapely polygons in EPSG:3006), their residents
        (``None`` without ``population``) and the links piece → target (weight 1). A
        target without a polygon keeps its base areas whole, with the links' weights.

    Notes
    -----
    Piece :math:`A_i \cap T` gets :math:`p_i\,|A_i \cap T| / |A_i|` residents: residents
    evenly spread over the base area's surface.
    """
    require_columns(targets, ("area_code",), what="target areas")
    links = _weighted_links(area_links)
    b_geoms, t_geoms, crs = _layers(areas, targets, what=("areas", "target areas"))
    base = pd.Series(b_geoms, index=areas["area_code"].astype(str).to_numpy())
    tgt = pd.Series(t_geoms, index=targets["area_code"].astype(str).to_numpy())
    base = base.loc[~base.index.duplicated()]
    tgt = tgt.loc[~tgt.index.duplicated()]
    cut = links.loc[links["base"].isin(base.index) & links["area_code"].isin(tgt.index)]
    whole = links.loc[links["base"].isin(base.index) & ~links["area_code"].isin(tgt.index)]
    b = base.loc[cut["base"]].to_numpy()
    geoms = intersection(
        b, tgt.loc[cut["area_code"]].to_numpy(), what="the areas with the target areas"
    )
    frac = np.divide(
        shapely.area(geoms), shapely.area(b), out=np.zeros(len(b)), where=shapely.area(b) > 0
    )
    keep = frac > 0
    codes = (cut["base"] + "|" + cut["area_code"]).to_numpy()[keep]
    # A base area kept whole is one piece, however many polygon-less targets it links to
    # (each link keeps its weight): listed twice, it would count twice in a target it shares
    # with other base areas.
    w_codes = pd.unique(whole["base"].to_numpy())
    piece_codes = np.concatenate([codes, w_codes])
    piece_geoms = [*geoms[keep], *base.loc[w_codes].to_numpy()]
    if crs is None:
        pieces = pd.DataFrame({"area_code": piece_codes, "geometry": piece_geoms})
    else:
        import geopandas as gpd

        pieces = gpd.GeoDataFrame({"area_code": piece_codes}, geometry=piece_geoms, crs=crs)
    piece_links = pd.DataFrame(
        {
            "from_code": np.concatenate([codes, whole["base"].to_numpy()]),
            "to_code": np.concatenate(
                [cut["area_code"].to_numpy()[keep], whole["area_code"].to_numpy()]
            ),
            "weight": np.concatenate([np.ones(int(keep.sum())), whole["w"].to_numpy()]),
        }
    )
    pop: pd.Series | None = None
    if population is not None:
        p_cut = cut["base"].map(population).to_numpy(dtype=float)[keep] * frac[keep]
        pop = pd.Series(
            np.concatenate([p_cut, pd.Series(w_codes).map(population).to_numpy(dtype=float)]),
            index=pieces["area_code"].to_numpy(),
        )
        pop = pop.groupby(level=0).first()
    return pieces, pop, piece_links
