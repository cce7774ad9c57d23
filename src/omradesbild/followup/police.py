"""The Police's list of *utsatta områden* next to the statistical areas and area types.

The Police draw their own borders. To compare them with DeSO/RegSO statistics and SCB's area
types, each statistical area gets the share of its surface (or of its population) that lies
inside each police polygon (:func:`overlay_police`), or — for lists without polygons — the
areas the list links to (:func:`police_list_from_links`). :func:`listed_areas` decides per
area and year whether it is *on the list*; :func:`crosstab_police_types` and
:func:`police_flags` put the list next to the area types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from omradesbild.config import POLICE_SHARE_THRESHOLD
from omradesbild.errors import ConfigError, InputError
from omradesbild.followup._common import (
    as_text,
    period_to_year,
    require_columns,
    sort_periods,
)

#: Police categories from most to least severe, and the label of areas not on the list.
CATEGORY_ORDER: tuple[str, ...] = ("sarskilt_utsatt", "utsatt", "risk")
NOT_LISTED = "not_listed"

#: Default share of an area that must lie inside police polygons for it to count as listed.
DEFAULT_THRESHOLD = POLICE_SHARE_THRESHOLD

#: Columns of :func:`overlay_police` and :func:`police_list_from_links`, in order.
OVERLAY_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "police_code",
    "category",
    "share_area",
    "share_population",
    "on_list",
    "basis",
)

#: Columns of :func:`listed_areas`, in order.
LISTED_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "police_code",
    "category",
    "share",
    "on_list",
)

#: Columns of :func:`crosstab_police_types`, in order.
CROSSTAB_COLUMNS: tuple[str, ...] = (
    "period",
    "category",
    "area_type",
    "n_areas",
    "population",
)

#: Columns of :func:`police_flags`, in order.
FLAG_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "area_type",
    "type_period",
    "listed",
    "category",
    "left_list_still_vulnerable",
    "vulnerable_never_listed",
    "listed_not_vulnerable",
    "flag",
)

_SEVERITY = {c: i for i, c in enumerate(CATEGORY_ORDER)}


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"threshold must lie in (0, 1], got {threshold!r}")


def _geoseries(frame: pd.DataFrame, *, what: str) -> gpd.GeoSeries:
    """The geometry of a GeoDataFrame, or of a frame whose ``geometry`` holds WKB bytes."""
    if isinstance(frame, gpd.GeoDataFrame):
        return frame.geometry
    require_columns(frame, ("geometry",), what=what)
    try:
        geoms = shapely.from_wkb(
            [
                bytes(g) if isinstance(g, bytes | bytearray | memoryview) else None
                for g in frame["geometry"]
            ]
        )
    except shapely.errors.GEOSException as exc:
        raise InputError(
            f"{what}: cannot read a geometry ({exc})", field="geometry", expected="WKB polygons"
        ) from exc
    return gpd.GeoSeries(geoms, index=frame.index, crs="EPSG:3006")


def area_polygons(areas: pd.DataFrame) -> gpd.GeoDataFrame:
    """``area_code`` and polygons of an areas frame whose ``geometry`` holds WKB bytes in
    EPSG:3006 (:data:`~omradesbild.sources.base.AREA_COLUMNS`), or of a GeoDataFrame."""
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
    require_columns(areas, ("area_code", "version"), what="police areas")
    require_columns(
        classifications, ("area_code", "version", "period", "category"), what="classifications"
    )
    geo = _geoseries(areas, what="police areas")
    left = pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str).to_numpy(),
            "version": areas["version"].astype(str).to_numpy(),
            "_g": np.arange(len(areas)),
        }
    )
    cls = classifications
    if "scheme" in cls.columns:
        cls = cls.loc[cls["scheme"] == "police_uso"]
    right = pd.DataFrame(
        {
            "area_code": cls["area_code"].astype(str).to_numpy(),
            "version": cls["version"].astype(str).to_numpy(),
            "period": cls["period"].astype(str).to_numpy(),
            "category": cls["category"].astype(str).to_numpy(),
        }
    )
    m = right.merge(left, on=["area_code", "version"], how="inner")
    geoms = geo.to_numpy()[m["_g"].to_numpy(dtype=int)]
    keep = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    out = gpd.GeoDataFrame(
        m.loc[keep, ["area_code", "period", "category"]].reset_index(drop=True),
        geometry=list(geoms[keep]),
        crs=geo.crs,
    )
    return out


def _projected(gs: gpd.GeoSeries, target: object, *, what: str) -> gpd.GeoSeries:
    if target is not None and gs.crs is not None and gs.crs != target:
        gs = gs.to_crs(target)
    crs = gs.crs if gs.crs is not None else target
    if crs is not None and gpd.GeoSeries([], crs=crs).crs.is_geographic:  # type: ignore[union-attr]
        raise InputError(
            f"{what} are in a geographic CRS ({crs}); areas need a projected CRS",
            field="geometry",
            expected="a projected CRS such as EPSG:3006 (SWEREF 99 TM)",
        )
    return gs


def overlay_police(
    police: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    population: pd.Series | None = None,
    *,
    area_links: pd.DataFrame | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_share: float = 0.001,
    period_column: str = "period",
) -> pd.DataFrame:
    r"""Share of each statistical area inside each police polygon, per year.

    This function is longer than 80 lines on purpose: one overlay with its checks, intersections
    and population shares over the same geometries, in order.

    Parameters
    ----------
    police
        Police polygons: ``area_code`` (the police area's code), ``period_column``,
        ``category`` and geometry (see :func:`police_polygons`).
    areas
        Base areas (e.g. DeSO) with ``area_code`` and polygons. Reprojected to the police
        layer's CRS when both are set and differ; must be projected (metres).
    population
        Optional population per base area (indexed by ``area_code``) for population shares.
    area_links
        Optional crosswalk (``from_code``, ``to_code``; e.g. DeSO → RegSO from the SCB key):
        results are then given for the ``to_code`` areas, aggregated from the base areas.
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
    :math:`s^{pop}_i = s_i`). The pair is ``on_list`` when :math:`s^{pop} \ge` threshold,
    or :math:`s^{area} \ge` threshold without population. An area split between several
    polygons is judged on its total share by :func:`listed_areas`.
    """
    _check_threshold(threshold)
    require_columns(police, ("area_code", period_column, "category"), what="police polygons")
    require_columns(areas, ("area_code",), what="areas")
    pol_geo = _projected(_geoseries(police, what="police polygons"), None, what="police polygons")
    area_geo = _projected(_geoseries(areas, what="areas"), pol_geo.crs, what="areas")
    a_codes = areas["area_code"].astype(str).to_numpy()
    a_geoms = area_geo.to_numpy()
    a_area = shapely.area(a_geoms)
    p_geoms = pol_geo.to_numpy()
    tree = shapely.STRtree(a_geoms)
    p_idx, a_idx = tree.query(p_geoms, predicate="intersects")
    try:
        inter = shapely.area(shapely.intersection(p_geoms[p_idx], a_geoms[a_idx]))
    except shapely.errors.GEOSException as exc:
        raise InputError(
            f"cannot intersect the police polygons with the areas ({exc})",
            field="geometry",
            expected="valid polygons (read the files with repair=True)",
        ) from exc
    pairs = pd.DataFrame(
        {
            "base": a_codes[a_idx],
            "period": police[period_column].astype(str).to_numpy()[p_idx],
            "police_code": police["area_code"].astype(str).to_numpy()[p_idx],
            "category": police["category"].astype(str).to_numpy()[p_idx],
            "inter": inter,
            "base_area": a_area[a_idx],
        }
    )
    pairs = pairs.loc[(pairs["inter"] > 0) & (pairs["base_area"] > 0)]
    pairs["share"] = pairs["inter"] / pairs["base_area"]
    pop: pd.Series | None = None
    if population is not None:
        pop = pd.Series(
            pd.to_numeric(population, errors="coerce").to_numpy(dtype=float),
            index=population.index.astype(str),
        )
        pop = pop.groupby(level=0).first()
    if area_links is None:
        out = pairs.rename(columns={"base": "area_code"})
        out["share_area"] = out["share"]
        if pop is not None:
            p = out["area_code"].map(pop).to_numpy(dtype=float)
            out["share_population"] = np.where(np.isfinite(p), out["share"], np.nan)
        else:
            out["share_population"] = np.nan
    else:
        require_columns(area_links, ("from_code", "to_code"), what="area links")
        links = pd.DataFrame(
            {
                "base": area_links["from_code"].astype(str).to_numpy(),
                "area_code": area_links["to_code"].astype(str).to_numpy(),
            }
        ).drop_duplicates()
        sizes = pd.DataFrame({"base": a_codes, "base_area": a_area})
        sizes = sizes.merge(links, on="base", how="inner")
        if pop is not None:
            sizes["pop"] = sizes["base"].map(pop).astype(float)
        else:
            sizes["pop"] = np.nan
        tot = sizes.groupby("area_code").agg(
            total_area=("base_area", "sum"), total_pop=("pop", lambda s: s.sum(min_count=1))
        )
        j = pairs.merge(links, on="base", how="inner")
        j["pop_in"] = j["base"].map(pop).astype(float) * j["share"] if pop is not None else np.nan
        agg = (
            j.groupby(["area_code", "period", "police_code", "category"], sort=False)
            .agg(inter=("inter", "sum"), pop_in=("pop_in", lambda s: s.sum(min_count=1)))
            .reset_index()
        )
        agg = agg.merge(tot, left_on="area_code", right_index=True, how="left")
        agg["share_area"] = agg["inter"] / agg["total_area"]
        with np.errstate(divide="ignore", invalid="ignore"):
            agg["share_population"] = np.where(
                agg["total_pop"] > 0, agg["pop_in"] / agg["total_pop"], np.nan
            )
        out = agg
    out = out.loc[out["share_area"] >= min_share].copy()
    basis = np.where(
        np.isfinite(out["share_population"]), out["share_population"], out["share_area"]
    )
    out["on_list"] = basis >= threshold - 1e-12
    out["basis"] = "polygon"
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)


def police_list_from_links(
    classifications: pd.DataFrame,
    links: pd.DataFrame,
    *,
    min_weight: float = 0.0,
) -> pd.DataFrame:
    """Areas on the Police's list from a list without polygons (police area → RegSO links).

    Parameters
    ----------
    classifications
        ``area_code, period, category`` (and ``version``, ``scheme``) of the police areas,
        e.g. from :func:`omradesbild.sources.police.read_police_list`.
    links
        ``from_code`` (police area), ``to_code`` (statistical area), ``weight`` and
        optionally ``from_version`` (matched against the classification's ``version``).
    min_weight
        Links with a weight at or below this are ignored (default 0: every link counts).

    Returns
    -------
    DataFrame
        :data:`OVERLAY_COLUMNS` with ``share_area`` and ``share_population`` NaN (unknown),
        ``on_list`` true and ``basis`` ``"links"``.

    Notes
    -----
    A list's link says that a police area *lies in* the statistical area; its weight (e.g.
    :math:`1/n` for :math:`n` RegSO matched by name) is the police area's share, not the
    statistical area's, so no threshold can be applied: every linked area counts as on the
    list. This overstates the list where a large RegSO holds a small police area.
    """
    require_columns(classifications, ("area_code", "period", "category"), what="classifications")
    require_columns(links, ("from_code", "to_code"), what="links")
    cls = classifications
    if "scheme" in cls.columns:
        cls = cls.loc[cls["scheme"] == "police_uso"]
    left = pd.DataFrame(
        {
            "police_code": cls["area_code"].astype(str).to_numpy(),
            "period": cls["period"].astype(str).to_numpy(),
            "category": cls["category"].astype(str).to_numpy(),
            "version": cls["version"].astype(str).to_numpy() if "version" in cls else None,
        }
    )
    weight = (
        pd.to_numeric(links["weight"], errors="coerce").to_numpy(dtype=float)
        if "weight" in links.columns
        else np.ones(len(links))
    )
    right = pd.DataFrame(
        {
            "police_code": links["from_code"].astype(str).to_numpy(),
            "area_code": links["to_code"].astype(str).to_numpy(),
            "version": links["from_version"].astype(str).to_numpy()
            if "from_version" in links.columns
            else None,
            "weight": weight,
        }
    )
    right = right.loc[~(right["weight"] <= min_weight)]
    on = ["police_code"]
    if left["version"].notna().all() and right["version"].notna().all():
        on.append("version")
    m = left.merge(right.drop(columns=[c for c in ("version",) if c not in on]), on=on)
    out = pd.DataFrame(
        {
            "area_code": m["area_code"].to_numpy(),
            "period": m["period"].to_numpy(),
            "police_code": m["police_code"].to_numpy(),
            "category": m["category"].to_numpy(),
            "share_area": np.nan,
            "share_population": np.nan,
            "on_list": True,
            "basis": "links",
        }
    )
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)


def police_shares_from_links(
    list_codes: pd.DataFrame,
    base_to_codes: pd.DataFrame,
    *,
    base_to_areas: pd.DataFrame | None = None,
    population: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Share of each area's residents linked to the codes a police list names.

    Parameters
    ----------
    list_codes
        ``police_code, period, category, code``: the statistical areas (e.g. RegSO 2025)
        each police area of a list without polygons is linked to.
    base_to_codes
        ``from_code`` (base area, e.g. DeSO 2018), ``to_code`` (a code of the list's
        version), ``weight`` (the base area's share in it, e.g. SCB's change log composed).
    base_to_areas
        ``from_code`` (base area), ``to_code`` (the area analysed), ``weight``; ``None``
        when the base areas are the areas analysed.
    population
        Residents per base area; ``None`` counts every base area as one.

    Returns
    -------
    DataFrame
        :data:`OVERLAY_COLUMNS`, one row per area, year and police area with a share above
        0: ``share_population`` (``share_area`` without population, where the base areas
        count equally), ``basis`` ``links_population`` or ``links_equal``. Feed it to
        :func:`listed_areas`, which applies the threshold to the summed share.

    Notes
    -----
    With :math:`n_d` the residents of base area :math:`d`, :math:`v_{dA}` its weight in
    area :math:`A` and :math:`w_{dR}` its weight in the list's code :math:`R`:

    .. math:: s_{A,p} = \frac{\sum_d n_d\, v_{dA} \sum_{R \in R(p)} w_{dR}}
              {\sum_d n_d\, v_{dA}}

    A code linked to several police areas counts once, for the most severe category (ties:
    the first police code), so the shares of an area sum to at most 1.
    """
    require_columns(list_codes, ("police_code", "period", "category", "code"), what="list")
    require_columns(base_to_codes, ("from_code", "to_code", "weight"), what="links")
    lc = list_codes.assign(
        code=list_codes["code"].astype(str),
        period=list_codes["period"].astype(str),
        _sev=list_codes["category"].map(_SEVERITY).fillna(len(_SEVERITY)),
    )
    lc = lc.sort_values(["period", "code", "_sev", "police_code"], kind="mergesort")
    lc = lc.drop_duplicates(["period", "code"])[["police_code", "period", "category", "code"]]
    b2c = pd.DataFrame(
        {
            "base": base_to_codes["from_code"].astype(str).to_numpy(),
            "code": base_to_codes["to_code"].astype(str).to_numpy(),
            "w": pd.to_numeric(base_to_codes["weight"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )
    if base_to_areas is None:
        bases = b2c["base"].drop_duplicates()
        b2a = pd.DataFrame({"base": bases, "area_code": bases, "v": 1.0})
    else:
        b2a = pd.DataFrame(
            {
                "base": base_to_areas["from_code"].astype(str).to_numpy(),
                "area_code": base_to_areas["to_code"].astype(str).to_numpy(),
                "v": pd.to_numeric(base_to_areas["weight"], errors="coerce").fillna(0.0),
            }
        )
    with_pop = population is not None and not population.empty
    n = (
        b2a["base"].map(population.astype(float)).fillna(0.0)
        if with_pop and population is not None
        else pd.Series(1.0, index=b2a.index)
    )
    b2a = b2a.assign(nv=n.to_numpy(dtype=float) * b2a["v"].to_numpy(dtype=float))
    den = b2a.groupby("area_code")["nv"].sum()
    m = b2a.merge(b2c, on="base").merge(lc, on="code")
    m["x"] = m["nv"] * m["w"]
    keys = ["area_code", "period", "police_code", "category"]
    g = m.groupby(keys, as_index=False)["x"].sum()
    g["share"] = (g["x"] / g["area_code"].map(den)).clip(upper=1.0)
    g = g.loc[g["share"] > 0]
    share = g["share"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "area_code": g["area_code"].to_numpy(),
            "period": g["period"].to_numpy(),
            "police_code": g["police_code"].to_numpy(),
            "category": g["category"].to_numpy(),
            "share_area": np.nan if with_pop else share,
            "share_population": share if with_pop else np.nan,
            "on_list": True,
            "basis": "links_population" if with_pop else "links_equal",
        }
    )
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)


def listed_areas(overlay: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    r"""Per area and year: the total share inside police polygons, and whether it is listed.

    Parameters
    ----------
    overlay
        Output of :func:`overlay_police` or :func:`police_list_from_links`.
    threshold
        An area is on the list for a year when its total share is at least this.

    Returns
    -------
    DataFrame
        :data:`LISTED_COLUMNS`, one row per area and period that touches the list.
        ``share`` is the summed population share (area share without population; NaN for
        link-based rows, which are listed). ``category`` is the category with the largest
        share (ties: the more severe one), ``police_code`` the polygon with the largest share.

    Notes
    -----
    :math:`S = \min(1, \sum_P s_P)` over the year's police polygons :math:`P`; listed
    when :math:`S \ge` threshold. Summing lets an area split between two adjacent police
    areas count.
    """
    _check_threshold(threshold)
    require_columns(overlay, ("area_code", "period", "police_code", "category"), what="overlay")
    o = overlay.copy()
    sp = pd.to_numeric(o["share_population"], errors="coerce") if "share_population" in o else None
    sa = pd.to_numeric(o["share_area"], errors="coerce") if "share_area" in o else None
    share = np.full(len(o), np.nan)
    if sa is not None:
        share = sa.to_numpy(dtype=float)
    if sp is not None:
        spv = sp.to_numpy(dtype=float)
        share = np.where(np.isfinite(spv), spv, share)
    o["_s"] = share
    o["_flag"] = o["on_list"].astype(bool) if "on_list" in o else True
    o["_sev"] = o["category"].map(_SEVERITY).fillna(len(_SEVERITY)).astype(int)
    o["period"] = o["period"].astype(str)
    keys = ["area_code", "period"]
    by_cat = (
        o.groupby([*keys, "category", "_sev"], sort=False)["_s"]
        .sum(min_count=1)
        .reset_index()
        .assign(_sk=lambda d: d["_s"].fillna(0.0))
        .sort_values([*keys, "_sk", "_sev"], ascending=[True, True, False, True], kind="mergesort")
        .drop_duplicates(keys)
    )
    best_poly = (
        o.assign(_sk=o["_s"].fillna(0.0))
        .sort_values([*keys, "_sk", "_sev"], ascending=[True, True, False, True], kind="mergesort")
        .drop_duplicates(keys)[[*keys, "police_code"]]
    )
    tot = o.groupby(keys, sort=False).agg(
        share=("_s", lambda s: s.sum(min_count=1)), any_flag=("_flag", "any")
    )
    tot = tot.reset_index()
    tot["share"] = tot["share"].clip(upper=1.0)
    out = tot.merge(by_cat[[*keys, "category"]], on=keys).merge(best_poly, on=keys)
    out["on_list"] = np.where(
        out["share"].notna(), out["share"] >= threshold - 1e-12, out["any_flag"]
    ).astype(bool)
    out = out.sort_values(keys, kind="mergesort")
    return out[list(LISTED_COLUMNS)].reset_index(drop=True)


def _listed_only(listed: pd.DataFrame) -> pd.DataFrame:
    require_columns(listed, ("area_code", "period", "category"), what="list of areas")
    frame = listed
    if "on_list" in frame.columns:
        frame = frame.loc[frame["on_list"].astype(bool)]
    out = pd.DataFrame(
        {
            "area_code": frame["area_code"].astype(str).to_numpy(),
            "period": frame["period"].astype(str).to_numpy(),
            "category": frame["category"].astype(str).to_numpy(),
        }
    )
    out["_sev"] = out["category"].map(_SEVERITY).fillna(len(_SEVERITY))
    out = out.sort_values(["area_code", "period", "_sev"], kind="mergesort")
    return out.drop_duplicates(["area_code", "period"]).drop(columns="_sev")


def _types_for_periods(
    area_types: pd.DataFrame, periods: Sequence[str], type_column: str
) -> pd.DataFrame:
    """Area type per area for each period: the same period, else the nearest one
    (ties: the later)."""
    require_columns(area_types, ("area_code", type_column), what="area types")
    t = pd.DataFrame(
        {
            "area_code": area_types["area_code"].astype(str).to_numpy(),
            "area_type": pd.to_numeric(area_types[type_column], errors="coerce").to_numpy(),
            "type_period": area_types["period"].astype(str).to_numpy()
            if "period" in area_types.columns
            else None,
        }
    )
    t = t.loc[t["area_type"].notna()]
    if "period" not in area_types.columns:
        if t["area_code"].duplicated().any():
            raise InputError(
                "area types without a period column have an area twice",
                field="area_code",
                expected="one type per area, or a period column",
            )
        return pd.concat([t.assign(period=p) for p in periods], ignore_index=True)
    available = sort_periods(t["type_period"].unique())
    years = {p: period_to_year(p) for p in available}
    parts = []
    for p in periods:
        y = period_to_year(p)
        if p in years:
            chosen = p
        elif available:
            chosen = min(available, key=lambda q: (abs(years[q] - y), -years[q]))
        else:
            continue
        parts.append(t.loc[t["type_period"] == chosen].assign(period=p))
    if not parts:
        return t.assign(period=None).iloc[0:0]
    out = pd.concat(parts, ignore_index=True)
    if out.duplicated(["area_code", "period"]).any():
        raise InputError(
            "area types have an area twice in one period",
            field="area_code",
            expected="one type per area and period",
        )
    return out


def crosstab_police_types(
    listed: pd.DataFrame,
    area_types: pd.DataFrame,
    *,
    population: pd.Series | None = None,
    type_column: str = "class",
    periods: Iterable[str | int] | None = None,
) -> pd.DataFrame:
    """Police category × area type per year: number of areas and residents.

    Parameters
    ----------
    listed
        Areas on the list: ``area_code, period, category`` (rows with ``on_list`` false are
        dropped), e.g. :func:`listed_areas`.
    area_types
        ``area_code``, ``type_column`` (e.g. ``class`` from the index, 1–5) and optionally
        ``period``. Each police year uses the types of the same period, else of the nearest
        one (e.g. 2025's list with 2024's types).
    population
        Residents per area (indexed by ``area_code``), for the ``population`` column.
    type_column
        The area-type column.
    periods
        Police years (default: those of ``listed``).

    Returns
    -------
    DataFrame
        :data:`CROSSTAB_COLUMNS`, long: every combination of period, category
        (``sarskilt_utsatt``, ``utsatt``, ``risk``, ``not_listed``) and area type, with
        zeros. ``population`` is NaN without ``population``. Areas without a type are left
        out. An area listed in two categories in one year counts in the more severe one.
    """
    on = _listed_only(listed)
    plist = sort_periods(periods if periods is not None else on["period"].unique())
    types = _types_for_periods(area_types, plist, type_column)
    j = types.merge(on, on=["area_code", "period"], how="left")
    j["category"] = j["category"].fillna(NOT_LISTED)
    if population is not None:
        pop = (
            pd.Series(
                pd.to_numeric(population, errors="coerce").to_numpy(dtype=float),
                index=population.index.astype(str),
            )
            .groupby(level=0)
            .first()
        )
        j["population"] = j["area_code"].map(pop).astype(float)
    else:
        j["population"] = np.nan
    j["area_type"] = j["area_type"].astype(int)
    g = j.groupby(["period", "category", "area_type"]).agg(
        n_areas=("area_code", "size"), population=("population", lambda s: s.sum(min_count=1))
    )
    cats = [*CATEGORY_ORDER, NOT_LISTED]
    extra = sorted(set(j["category"]) - set(cats))
    tps = sorted(int(v) for v in j["area_type"].unique())
    full = pd.MultiIndex.from_product(
        [plist, cats + extra, tps], names=["period", "category", "area_type"]
    )
    g = g.reindex(full)
    g["n_areas"] = g["n_areas"].fillna(0).astype(int)
    if population is not None:
        g["population"] = g["population"].fillna(0.0)
    out = g.reset_index()
    return out[list(CROSSTAB_COLUMNS)]


def police_flags(
    listed: pd.DataFrame,
    area_types: pd.DataFrame,
    *,
    vulnerable: Sequence[int] = (1, 2),
    not_vulnerable: Sequence[int] = (3, 4, 5),
    type_column: str = "class",
    periods: Iterable[str | int] | None = None,
) -> pd.DataFrame:
    """Where the Police's list and the socioeconomic area types disagree, per area and year.

    Parameters
    ----------
    listed
        Areas on the list (``area_code, period, category``; rows with ``on_list`` false
        dropped), e.g. :func:`listed_areas`.
    area_types
        ``area_code``, ``type_column`` and optionally ``period`` (nearest period used, as
        in :func:`crosstab_police_types`).
    vulnerable, not_vulnerable
        Area types that count as socioeconomically vulnerable (SCB types 1–2) and as not
        vulnerable (3–5).
    type_column
        The area-type column.
    periods
        The police years (default: those of ``listed``); "never" and "earlier" refer to
        these years.

    Returns
    -------
    DataFrame
        :data:`FLAG_COLUMNS`, one row per typed area and police year. Flags:

        * ``left_list_still_vulnerable`` — listed in an earlier year, not now, type in
          ``vulnerable``;
        * ``vulnerable_never_listed`` — type in ``vulnerable`` now, listed in none of the
          years;
        * ``listed_not_vulnerable`` — listed now, type in ``not_vulnerable``.

        The three exclude each other; ``flag`` names the one that is set (or ``None``).
    """
    on = _listed_only(listed)
    plist = sort_periods(periods if periods is not None else on["period"].unique())
    types = _types_for_periods(area_types, plist, type_column)
    j = types.merge(on, on=["area_code", "period"], how="left")
    j["listed"] = j["category"].notna()
    order = {p: i for i, p in enumerate(plist)}
    j["_ord"] = j["period"].map(order).astype(int)
    on_in = on.loc[on["period"].isin(order)]
    first_listed = on_in.assign(_ord=on_in["period"].map(order)).groupby("area_code")["_ord"].min()
    first = j["area_code"].map(first_listed)
    ever = first.notna().to_numpy()
    earlier = (first < j["_ord"]).fillna(False).to_numpy(dtype=bool)
    listed_now = j["listed"].to_numpy(dtype=bool)
    vuln = j["area_type"].isin(list(vulnerable)).to_numpy()
    notv = j["area_type"].isin(list(not_vulnerable)).to_numpy()
    j["left_list_still_vulnerable"] = earlier & ~listed_now & vuln
    j["vulnerable_never_listed"] = vuln & ~ever
    j["listed_not_vulnerable"] = listed_now & notv
    flag = np.full(len(j), None, dtype=object)
    for name in ("left_list_still_vulnerable", "vulnerable_never_listed", "listed_not_vulnerable"):
        flag[j[name].to_numpy(dtype=bool)] = name
    j["flag"] = as_text(flag)
    j["category"] = as_text(j["category"].where(j["category"].notna(), None))
    j["area_type"] = j["area_type"].astype(int)
    j = j.sort_values(["area_code", "_ord"], kind="mergesort")
    return j[list(FLAG_COLUMNS)].reset_index(drop=True)


#: Columns of :func:`police_status`, in order.
STATUS_COLUMNS: tuple[str, ...] = ("area_code", "period", "category", "share", "basis")


def police_status(
    listed: pd.DataFrame,
    overlay: pd.DataFrame,
    *,
    areas: Iterable[str],
    years: Iterable[str | int],
) -> pd.DataFrame:
    """Each area's police category in every year, with the basis of the decision.

    Parameters
    ----------
    listed
        :func:`listed_areas`' result (the threshold already applied).
    overlay
        The rows it was computed from (:func:`overlay_police`,
        :func:`police_shares_from_links` or :func:`police_list_from_links`).
    areas, years
        The areas analysed and the stored police years.

    Returns
    -------
    DataFrame
        :data:`STATUS_COLUMNS`, one row per area and year: ``category`` (:data:`NOT_LISTED`
        when not on that year's list), ``share`` (of residents, or of surface without
        population; NaN for lists linked without shares) and ``basis`` (``polygon`` —
        share inside the polygons; ``links_population`` / ``links_equal`` — share linked
        to the list's codes; ``links`` — every linked area).
    """
    ys = sort_periods(str(y) for y in years)
    grid = pd.MultiIndex.from_product(
        [sorted({str(a) for a in areas}), ys], names=["area_code", "period"]
    ).to_frame(index=False)
    year_basis = (
        overlay.assign(period=overlay["period"].astype(str)).groupby("period")["basis"].first()
        if not overlay.empty
        else pd.Series(dtype=object)
    )
    lst = listed.assign(
        area_code=listed["area_code"].astype(str), period=listed["period"].astype(str)
    )
    out = grid.merge(lst[["area_code", "period", "category", "share", "on_list"]], how="left",
                     on=["area_code", "period"])  # fmt: skip
    on = out["on_list"].fillna(False).astype(bool)
    out["category"] = as_text(out["category"].where(on, NOT_LISTED))
    out["share"] = pd.to_numeric(out["share"], errors="coerce")
    out["basis"] = as_text(out["period"].map(year_basis).where(lambda b: b.notna(), None))
    out.loc[out["share"].isna() & ~on & (out["basis"] != "links"), "share"] = 0.0
    return out[list(STATUS_COLUMNS)].reset_index(drop=True)
