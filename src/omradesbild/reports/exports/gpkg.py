"""The GeoPackage layer: area geometry (EPSG:3006) and one column per indicator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from omradesbild.errors import InputError, NotFoundError
from omradesbild.reports.disclosure import DEFAULT_THRESHOLD, DISCLOSED_ATTR
from omradesbild.reports.exports._common import GPKG_LAYER
from omradesbild.reports.exports.tables import to_wide
from omradesbild.wording import Message, both

if TYPE_CHECKING:
    import geopandas as gpd


def export_geopackage(
    path: str | Path,
    areas_gdf: gpd.GeoDataFrame,
    wide_indicators: pd.DataFrame,
    *,
    layer: str = GPKG_LAYER,
    threshold: int = DEFAULT_THRESHOLD,
    dissolved_from: str | None = None,
) -> Path:
    """Write a GeoPackage layer with area geometry (EPSG:3006) and indicator columns.

    Parameters
    ----------
    path
        The ``.gpkg`` file (replaced if it exists).
    areas_gdf
        Areas with ``area_code`` and geometry (``Store.areas(geometry=True)``); only areas
        with a non-empty geometry are written.
    wide_indicators
        A table from :func:`to_wide` (which applied the disclosure rule), or long indicator
        rows, which are disclosed and widened here. Exactly one period.
    layer
        Layer name, ``"omradesbild"`` by default.
    threshold
        The disclosure limit applied to long indicator rows (a wide table given here has
        been disclosed already); :data:`~omradesbild.config.DISCLOSURE_THRESHOLD` by default.
    dissolved_from
        The boundary version the polygons were dissolved from (e.g. ``"deso2018"`` for
        RegSO 2020, :func:`~omradesbild.services.geometry.level_polygons`), ``None`` for
        the level's own polygons. Written in every feature's ``geometry_dissolved_from``
        and, worded in Swedish and English, in the layer's description.

    Raises
    ------
    InputError
        A wide table that has not been through the disclosure rule, or several periods.
    NotFoundError
        No area has a geometry.
    """
    import geopandas as gpd

    if "indicator" in wide_indicators.columns:
        wide = to_wide(wide_indicators, threshold=threshold)
    elif DISCLOSED_ATTR in wide_indicators.attrs:
        wide = wide_indicators
    else:
        raise InputError(
            Message("err_svc_wide_not_disclosed"),
            field="wide_indicators",
            expected=Message("exp_svc_wide_table"),
        )
    if "period" in wide.columns:
        periods = sorted(wide["period"].dropna().astype(str).unique())
        if len(periods) > 1:
            raise InputError(
                Message("err_svc_gpkg_periods", n=len(periods), periods=", ".join(periods)),
                field="period",
                expected=Message("exp_svc_one_period"),
            )
    if "area_code" not in areas_gdf.columns:
        raise InputError(Message("err_svc_areas_no_code"), field="area_code")
    geo = areas_gdf[areas_gdf.geometry.notna() & ~areas_gdf.geometry.is_empty]
    if geo.empty:
        raise NotFoundError(both("err_svc_gpkg_no_geometry"))
    keep = [c for c in ("area_code", "name", "level", "version") if c in geo.columns]
    geo = gpd.GeoDataFrame(geo[keep].copy(), geometry=geo.geometry.to_numpy(), crs=geo.crs)
    geo["geometry_dissolved_from"] = pd.array([dissolved_from] * len(geo), dtype="string")
    if geo.crs is None:
        geo = geo.set_crs("EPSG:3006")
    elif geo.crs.to_epsg() != 3006:
        geo = geo.to_crs("EPSG:3006")
    geo["area_code"] = geo["area_code"].astype(str)
    data = wide.copy()
    data["area_code"] = data["area_code"].astype(str)
    merged = geo.merge(data, on="area_code", how="left")
    for c in merged.columns:
        if str(merged[c].dtype) == "boolean":
            # GeoPackage has no nullable boolean: 1/0 with NULL for missing.
            merged[c] = merged[c].astype("Int8")
        elif merged[c].dtype == object and c != "geometry":
            merged[c] = merged[c].astype("string")
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:3006")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    out.to_file(
        path, layer=layer, driver="GPKG", engine="pyogrio",
        layer_options={"DESCRIPTION": _description(dissolved_from)},
    )  # fmt: skip
    return path


def _description(dissolved_from: str | None) -> str:
    """The layer's description: where its polygons come from, in Swedish and English."""
    key = "gpkg_geometry_own" if dissolved_from is None else "gpkg_geometry_dissolved"
    return str(both(key, base=dissolved_from or ""))
