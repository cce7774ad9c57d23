"""Areal (and population-informed) crosswalks from one polygon layer to another.

:func:`build_crosswalk` intersects a source layer (e.g. DeSO) with any target layer (e.g. a
city's stadsdelar) and returns one link per overlapping pair, with the share of the source
that lies in the target as the link weight. The links have the store's
:data:`~omradesbild.sources.base.LINK_COLUMNS` (plus measurement columns), so they can be
ingested and used by :func:`omradesbild.harmonize.apply.apply_crosswalk` or by the indicator
module's aggregation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from omradesbild.errors import InputError
from omradesbild.harmonize._common import _refuse_first
from omradesbild.sources.base import LINK_COLUMNS
from omradesbild.validation import what as _what
from omradesbild.wording import Message, label_message

if TYPE_CHECKING:
    import geopandas as gpd

#: Method of an areal-share link.
METHOD_AREAL = "areal"
#: Method of an areal-share link renormalised to the part of the source inside the targets.
METHOD_AREAL_NORMALISED = "areal_normalised"

#: The CRS every measurement is made in (SWEREF 99 TM, metres).
MEASURE_CRS = "EPSG:3006"

#: Columns of :func:`build_crosswalk`'s result, after the LINK_COLUMNS.
SHARE_COLUMNS: tuple[str, ...] = (
    "overlap_m2",  # |S_i ∩ T_j|
    "source_area_m2",  # |S_i|
    "target_area_m2",  # |T_j|
    "target_share",  # |S_i ∩ T_j| / |T_j|
    "source_coverage",  # Σ_j weight_ij (for this link's source)
    "target_coverage",  # Σ_i |S_i ∩ T_j| / |T_j| (for this link's target)
    "source_weight",  # P_i, the given weight of the source (NaN without weights)
    "allocated_weight",  # weight_ij · P_i (NaN without weights)
    "target_weight_share",  # weight_ij · P_i / Σ_i' weight_i'j · P_i' (NaN without weights)
)

#: Every column of a crosswalk frame, in order.
CROSSWALK_COLUMNS: tuple[str, ...] = (*LINK_COLUMNS, *SHARE_COLUMNS)

GeomArray = npt.NDArray[np.object_]
FloatArr = npt.NDArray[np.float64]


def _level_version(
    gdf: pd.DataFrame, column: str, given: str | None, which: str, param: str
) -> str:
    """A level or version: the given one, else the layer's single ``column`` value."""
    if given is not None:
        return given
    if column in gdf.columns:
        values = gdf[column].dropna().astype(str).unique()
        if len(values) == 1:
            return str(values[0])
    layer = label_message("layer", which)
    raise InputError(
        Message("err_ana_layer_attr_unknown", which=layer, column=column),
        field=param,
        expected=Message("exp_ana_layer_attr", param=param, which=layer, column=repr(column)),
    )


def _prepare_layer(
    gdf: gpd.GeoDataFrame, id_column: str, which: str, *, repair: bool
) -> tuple[npt.NDArray[np.str_], GeomArray, list[str]]:
    """Codes and EPSG:3006 geometries of one layer, checked; plus notes on what was done."""
    codes = _layer_codes(gdf, id_column, which)
    notes: list[str] = []
    geoms = _layer_geometries(gdf, codes, which, repair=repair, notes=notes)
    return codes, geoms, notes


def _layer_codes(gdf: gpd.GeoDataFrame, id_column: str, which: str) -> npt.NDArray[np.str_]:
    """The layer's codes, after checking it is a non-empty GeoDataFrame with a CRS and
    one unique code per feature."""
    import geopandas as gpd

    layer = label_message("layer", which)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            Message("err_ana_layer_not_gdf", which=layer),
            field=which,
            expected=Message("exp_ana_gdf_polygons"),
        )
    if id_column not in gdf.columns:
        columns = ", ".join(map(str, gdf.columns))
        raise InputError(
            Message("err_ana_layer_no_id", which=layer, column=repr(id_column)),
            field=id_column,
            expected=Message("exp_ana_id_column_of", param=f"{which}_id", columns=columns),
        )
    if len(gdf) == 0:
        raise InputError(
            Message("err_ana_layer_empty", which=layer),
            field=which,
            expected=Message("exp_ana_polygons"),
        )
    if gdf.crs is None:
        raise InputError(
            Message("err_ana_layer_no_crs", which=layer),
            field="crs",
            expected=Message("exp_ana_layer_crs"),
        )
    codes_s = gdf[id_column]
    _refuse_first(
        codes_s.isna().to_numpy(),
        lambda pos: Message("err_ana_feature_no_id", which=layer, n=pos + 1, column=id_column),
        field=id_column,
        expected=Message("exp_ana_id_every_feature"),
    )
    codes = codes_s.astype(str).str.strip().to_numpy(dtype=str)
    dup = pd.Series(codes).duplicated()
    if dup.any():
        c = str(codes[int(np.flatnonzero(dup.to_numpy())[0])])
        raise InputError(
            Message("err_ana_layer_id_twice", which=layer, column=id_column, code=repr(c)),
            field=id_column,
            expected=Message("exp_ana_one_feature"),
        )
    return codes


def _layer_geometries(
    gdf: gpd.GeoDataFrame,
    codes: npt.NDArray[np.str_],
    which: str,
    *,
    repair: bool,
    notes: list[str],
) -> GeomArray:
    """The layer's polygons in EPSG:3006, checked (and repaired with ``repair``)."""
    layer = label_message("layer", which)
    geo = gdf.geometry
    epsg = gdf.crs.to_epsg()
    if epsg != 3006:
        geo = geo.to_crs(MEASURE_CRS)
        notes.append(
            Message(
                "note_layer_reprojected",
                which=layer,
                crs=gdf.crs.to_string(),
                to=MEASURE_CRS,
            )
        )
    geoms = np.asarray(geo.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _refuse_first(
        missing,
        lambda pos: Message("err_ana_feature_no_geometry", which=layer, code=repr(str(codes[pos]))),
        field="geometry",
        expected=Message("exp_ana_polygon_every"),
    )
    kinds = shapely.get_type_id(geoms)
    polygonal = np.isin(kinds, (3, 6, 7))  # Polygon, MultiPolygon, GeometryCollection
    _refuse_first(
        ~polygonal,
        lambda pos: Message(
            "err_ana_feature_not_polygon",
            which=layer,
            code=repr(str(codes[pos])),
            type=geoms[pos].geom_type,
        ),
        field="geometry",
        expected=Message("exp_ana_polygon_types"),
    )
    valid = shapely.is_valid(geoms)
    if not valid.all():
        bad = np.flatnonzero(~valid)
        if not repair:
            pos = int(bad[0])
            more = {"n": len(bad) - 1} if len(bad) > 1 else {}
            message = Message(
                "err_ana_feature_invalid" + ("_more" if more else ""),
                which=layer,
                code=repr(str(codes[pos])),
                reason=shapely.is_valid_reason(geoms[pos]),
                **more,
            )
            raise InputError(
                message, row=pos + 1, field="geometry", expected=Message("exp_ana_valid_or_repair")
            )
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        notes.append(Message("note_geometries_repaired", n=len(bad), which=layer))
    return geoms


def _bounds_text(geoms: GeomArray) -> str:
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return f"({x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f})"


def _source_weights(weights: pd.Series, codes: npt.NDArray[np.str_]) -> npt.NDArray[np.float64]:
    w = pd.Series(weights)
    w.index = w.index.astype(str)
    if w.index.duplicated().any():
        dup = w.index[w.index.duplicated()][0]
        raise InputError(
            Message("err_ana_weights_source_twice", code=repr(dup)),
            field="weights",
            expected=Message("exp_ana_one_weight_source"),
        )
    values = pd.to_numeric(w, errors="coerce").reindex(codes).to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        code = repr(str(codes[pos]))
        raise InputError(
            Message("err_ana_source_weight_bad", code=code, value=str(values[pos])),
            field="weights",
            expected=Message("exp_ana_source_weight"),
        )
    return values


def build_crosswalk(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    source_id: str = "area_code",
    target_id: str = "area_code",
    weights: pd.Series | None = None,
    from_level: str | None = None,
    from_version: str | None = None,
    to_level: str | None = None,
    to_version: str | None = None,
    min_share: float = 1e-6,
    renormalise: bool = False,
    repair: bool = False,
) -> pd.DataFrame:
    r"""Areal crosswalk from every source polygon to the target polygons it overlaps.

    Parameters
    ----------
    source, target
        Polygon layers with an identifier column. Any CRS: both are measured in
        EPSG:3006 (a layer in another CRS is reprojected, and the result's
        ``attrs["notes"]`` says so). A layer without a CRS is an error.
    source_id, target_id
        The identifier columns.
    weights
        Optional weight per source area (a Series indexed by the source identifier), usually
        its population :math:`P_i`. It does not change the link weights (see *Notes*); it
        adds ``source_weight``, ``allocated_weight`` and ``target_weight_share``, which
        describe each target's make-up in persons rather than square metres.
    from_level, from_version, to_level, to_version
        Written to the links; default: the layer's single value in a ``level`` / ``version``
        column (as :meth:`omradesbild.store.Store.areas` returns them).
    min_share
        Links whose weight is below this are dropped (slivers along boundaries digitised or
        simplified differently).
    renormalise
        Divide each source's weights by its coverage, so that they sum to 1: the part of a
        source outside every target is taken to hold nothing (water, or land outside the
        city). Use it when the target layer covers all the ground where the counted things
        are; the method is then ``"areal_normalised"``. ``source_coverage`` still reports
        the geometric coverage.
    repair
        Repair invalid geometries with :func:`shapely.make_valid` instead of raising.

    Returns
    -------
    pandas.DataFrame
        :data:`CROSSWALK_COLUMNS`: the :data:`~omradesbild.sources.base.LINK_COLUMNS`
        (method ``"areal"`` or ``"areal_normalised"``) followed by :data:`SHARE_COLUMNS`,
        sorted by source and target.
        ``attrs`` holds ``sources_without_target``, ``targets_without_source`` (lists of
        codes) and ``notes`` (list of text).

    Raises
    ------
    InputError
        A missing identifier column, duplicated or missing identifiers, a layer without CRS,
        a missing, non-polygonal or (unless ``repair``) invalid geometry — naming the
        feature —, unusable weights, or layers that do not overlap at all.

    Notes
    -----
    For source area :math:`S_i` and target area :math:`T_j`, measured in EPSG:3006:

    .. math::

        w_{ij} = \frac{|S_i \cap T_j|}{|S_i|}, \qquad
        \text{source\_coverage}_i = \sum_j w_{ij}, \qquad
        \text{target\_coverage}_j = \sum_i \frac{|S_i \cap T_j|}{|T_j|}.

    ``source_coverage`` is below 1 where part of the source lies outside every target
    (e.g. a DeSO partly outside the city's districts, or gaps between simplified polygons);
    ``target_coverage`` is below 1 where part of the target is covered by no source. Either
    exceeds 1 only where the other layer's polygons overlap each other. With
    ``renormalise`` the weight is :math:`w_{ij} / \text{source\_coverage}_i`, i.e. the
    share of the source's *covered* part that lies in :math:`T_j`.

    With weights :math:`P_i` (e.g. population):

    .. math::

        \text{allocated\_weight}_{ij} = w_{ij} P_i, \qquad
        \text{target\_weight\_share}_{ij} = \frac{w_{ij} P_i}{\sum_{i'} w_{i'j} P_{i'}}.

    Without data on where people live *inside* a source area, population weighting of a
    partially overlapping source area falls back to areal shares within that area: the
    population is assumed evenly spread over the area, so the share of its population
    allocated to :math:`T_j` is :math:`w_{ij}`. Population weighting therefore changes how
    a target is composed of its sources (``target_weight_share``, used to average rates),
    not the share of a source each target receives.

    Intersections are computed for all candidate pairs at once: an
    :class:`shapely.STRtree` over the targets is queried with every source
    (``predicate="intersects"``) and :func:`shapely.intersection` runs on the pair arrays.
    """
    s_codes, s_geoms, s_notes = _prepare_layer(source, source_id, "source", repair=repair)
    t_codes, t_geoms, t_notes = _prepare_layer(target, target_id, "target", repair=repair)
    fl = _level_version(source, "level", from_level, "source", "from_level")
    fv = _level_version(source, "version", from_version, "source", "from_version")
    tl = _level_version(target, "level", to_level, "target", "to_level")
    tv = _level_version(target, "version", to_version, "target", "to_version")
    if not (min_share >= 0 and np.isfinite(min_share)):
        raise InputError(
            Message("err_ana_min_share", value=repr(min_share)),
            field="min_share",
            expected=Message("exp_ana_finite_nonneg"),
        )
    p = _source_weights(weights, s_codes) if weights is not None else None

    s_area = shapely.area(s_geoms)
    t_area = shapely.area(t_geoms)
    si, tj, overlap, w, t_share = _overlaps(
        s_geoms, t_geoms, s_codes, t_codes, s_area, t_area, min_share
    )

    s_cov = np.bincount(si, weights=w, minlength=len(s_codes))
    t_cov = np.bincount(tj, weights=t_share, minlength=len(t_codes))
    method = METHOD_AREAL
    if renormalise:
        w = w / s_cov[si]
        method = METHOD_AREAL_NORMALISED
    n = len(si)
    out: dict[str, Any] = {
        "from_code": s_codes[si].astype(object),
        "from_level": np.full(n, fl, dtype=object),
        "from_version": np.full(n, fv, dtype=object),
        "to_code": t_codes[tj].astype(object),
        "to_level": np.full(n, tl, dtype=object),
        "to_version": np.full(n, tv, dtype=object),
        "weight": w,
        "method": np.full(n, method, dtype=object),
        "overlap_m2": overlap,
        "source_area_m2": s_area[si],
        "target_area_m2": t_area[tj],
        "target_share": t_share,
        "source_coverage": s_cov[si],
        "target_coverage": t_cov[tj],
    }
    out.update(_weight_columns(p, w, si, tj, len(t_codes)))
    result = pd.DataFrame(out, columns=list(CROSSWALK_COLUMNS))
    result.attrs["sources_without_target"] = sorted(s_codes[s_cov == 0].tolist())
    result.attrs["targets_without_source"] = sorted(t_codes[t_cov == 0].tolist())
    result.attrs["notes"] = s_notes + t_notes
    return result


def overlap_areas(
    a: GeomArray, b: GeomArray, *, what: str
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArr]:
    """Every pair of an ``a`` and a ``b`` geometry that intersect, with the area of their
    intersection (in the units of the CRS).

    Parameters
    ----------
    a, b
        Geometries in one projected CRS; ``b`` is indexed (:class:`shapely.STRtree`) and
        queried with every ``a``.
    what
        What is intersected, for the error message.

    Returns
    -------
    ai, bj, area
        Positions in ``a`` and ``b`` of each intersecting pair and its intersection's area
        (which can be 0 for pairs that only touch).

    Raises
    ------
    InputError
        When GEOS cannot intersect a pair (e.g. an invalid polygon).
    """
    ai, bj = shapely.STRtree(b).query(a, predicate="intersects")
    if not len(ai):
        return ai, bj, np.zeros(0, dtype=float)
    return ai, bj, np.asarray(shapely.area(intersection(a[ai], b[bj], what=what)), dtype=float)


def intersection(a: GeomArray, b: GeomArray, *, what: str) -> GeomArray:
    """Pairwise intersections of ``a`` and ``b``; an :class:`InputError` naming ``what``
    when GEOS cannot intersect them (e.g. an invalid polygon)."""
    with geos_errors("err_ana_cannot_intersect", what=what, expected="exp_ana_valid_polygons"):
        return np.asarray(shapely.intersection(a, b))


@contextmanager
def geos_errors(key: str, *, what: str, expected: str) -> Iterator[None]:
    """Turn an error of GEOS (shapely) about the geometries of ``what`` into an
    :class:`InputError` about their ``geometry``: the catalogue's ``key`` with the error's
    text, and the catalogue's ``expected`` key."""
    try:
        yield
    except shapely.errors.GEOSException as exc:
        raise InputError(
            Message(key, what=_what(what), error=str(exc)),
            field="geometry",
            expected=Message(expected),
        ) from exc


def _overlaps(
    s_geoms: GeomArray,
    t_geoms: GeomArray,
    s_codes: npt.NDArray[np.str_],
    t_codes: npt.NDArray[np.str_],
    s_area: FloatArr,
    t_area: FloatArr,
    min_share: float,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArr, FloatArr, FloatArr]:
    """Overlapping (source, target) pairs with at least ``min_share`` of the source, sorted
    by codes: indices, overlap area, share of the source and share of the target."""
    si, tj, overlap = overlap_areas(s_geoms, t_geoms, what="the source with the target layer")
    if not (overlap > 0).any():
        raise InputError(
            Message(
                "err_ana_no_overlap", source=_bounds_text(s_geoms), target=_bounds_text(t_geoms)
            ),
            field="geometry",
            expected=Message("exp_ana_overlap"),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(s_area[si] > 0, overlap / s_area[si], 0.0)
        t_share = np.where(t_area[tj] > 0, overlap / t_area[tj], 0.0)
    keep = (overlap > 0) & (w >= min_share)
    si, tj, overlap, w, t_share = si[keep], tj[keep], overlap[keep], w[keep], t_share[keep]
    order = np.lexsort((t_codes[tj], s_codes[si]))
    si, tj, overlap, w, t_share = si[order], tj[order], overlap[order], w[order], t_share[order]
    return si, tj, overlap, w, t_share


def _weight_columns(
    p: FloatArr | None,
    w: FloatArr,
    si: npt.NDArray[np.intp],
    tj: npt.NDArray[np.intp],
    n_targets: int,
) -> dict[str, FloatArr]:
    """``source_weight``, ``allocated_weight`` and ``target_weight_share`` (NaN without
    source weights)."""
    cols: dict[str, FloatArr] = {}
    n = len(si)
    if p is not None:
        alloc = w * p[si]
        tot = np.bincount(tj, weights=alloc, minlength=n_targets)
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["source_weight"] = p[si]
            cols["allocated_weight"] = alloc
            cols["target_weight_share"] = np.where(tot[tj] > 0, alloc / tot[tj], np.nan)
    else:
        for c in ("source_weight", "allocated_weight", "target_weight_share"):
            cols[c] = np.full(n, np.nan)
    return cols


def coverage_summary(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """One row per source area: its coverage and number of targets.

    Parameters
    ----------
    crosswalk
        A frame from :func:`build_crosswalk`.

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``n_targets``, ``source_coverage`` (:math:`\\sum_j w_{ij}`), sorted
        by coverage, lowest first.
    """
    g = crosswalk.groupby("from_code", sort=False)
    out = pd.DataFrame(
        {"n_targets": g["to_code"].size(), "source_coverage": g["weight"].sum()}
    ).reset_index()
    return out.sort_values(["source_coverage", "from_code"], kind="stable").reset_index(drop=True)
