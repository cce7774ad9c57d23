"""Validate a read layer and turn it into an areas frame with WKB geometry in EPSG:3006."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from omradesbild.areas.codes import validate_code
from omradesbild.errors import InputError
from omradesbild.sources.base import AREA_COLUMNS
from omradesbild.sources.boundaries.layers import normalise_codes, require_fields
from omradesbild.wording import Message

#: The CRS every geometry is stored in: SWEREF 99 TM.
TARGET_CRS = "EPSG:3006"

_POLYGONAL = ("Polygon", "MultiPolygon")


def build_areas(
    gdf: gpd.GeoDataFrame,
    *,
    file: Path,
    level: str,
    version: str,
    code_field: str,
    name_field: str | None,
    parent_field: str | None = None,
    parent_level: str | None = None,
    parent_version: str | None = None,
    repair: bool = False,
    exclude_attributes: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """Validate a read layer and turn it into an areas frame.

    Returns the frame (:data:`AREA_COLUMNS`) and the codes whose geometry was repaired.
    Feature numbers in errors are 1-based positions in the layer.
    """
    require_fields(gdf, (code_field, name_field, parent_field), file=file)
    codes = _checked_codes(gdf, file=file, level=level, code_field=code_field)
    parents: list[str | None] = [None] * len(codes)
    if parent_field is not None and parent_level is not None:
        parents = _checked_parents(
            gdf, codes, file=file, parent_field=parent_field, parent_level=parent_level
        )
    geoms, repaired = _clean_geometries(gdf, codes, file=file, repair=repair)
    names: list[str | None]
    if name_field is not None:
        names = [v or None for v in normalise_codes(gdf[name_field])]
    else:
        names = [None] * len(codes)
    drop = {"geometry", code_field, *exclude_attributes}
    attrs = _attributes_json(gdf.drop(columns=[c for c in gdf.columns if c in drop]))
    if repaired:
        rep = set(repaired)
        attrs = [
            _add_flag(a, "_geometry_repaired") if c in rep else a
            for a, c in zip(attrs, codes, strict=True)
        ]
    areas = pd.DataFrame(
        {
            "area_code": codes,
            "level": level,
            "version": version,
            "name": names,
            "parent_code": parents,
            "parent_level": [parent_level if pc else None for pc in parents],
            "parent_version": [parent_version if pc else None for pc in parents],
            "geometry": geoms,
            "attributes": attrs,
        },
        columns=list(AREA_COLUMNS),
    )
    return areas, repaired


def _checked_codes(gdf: pd.DataFrame, *, file: Path, level: str, code_field: str) -> list[str]:
    """The layer's codes, each non-empty, of the level's shape and given once."""
    codes = normalise_codes(gdf[code_field])
    seen: dict[str, int] = {}
    for i, code in enumerate(codes, start=1):
        if not code:
            raise InputError(
                Message("err_src_feature_empty_code", i=i),
                file=file,
                row=i,
                field=code_field,
                expected=Message("exp_src_area_code"),
            )
        _require_code(code, level, file, i, code_field)
        if code in seen:
            raise InputError(
                Message("err_src_code_in_features", code=repr(code), first=seen[code], second=i),
                file=file,
                row=i,
                field=code_field,
                expected=Message("exp_src_each_code_once"),
            )
        seen[code] = i
    return codes


def _checked_parents(
    gdf: pd.DataFrame, codes: list[str], *, file: Path, parent_field: str, parent_level: str
) -> list[str | None]:
    """The parent code of each feature (``None`` where empty), each of the parent's shape."""
    parents: list[str | None] = [None] * len(codes)
    for i, pc in enumerate(normalise_codes(gdf[parent_field]), start=1):
        if not pc:
            continue
        _require_code(pc, parent_level, file, i, parent_field, child=codes[i - 1])
        parents[i - 1] = pc
    return parents


def _require_code(
    code: str, level: str, file: Path, row: int, field: str, *, child: str | None = None
) -> None:
    """Raise (with the rule broken) unless ``code`` of feature ``row`` has the shape of
    ``level``; ``child`` is the feature's own code when ``code`` is its parent's."""
    problem = validate_code(code, level)
    if problem is not None:
        message = (
            Message("err_src_feature_not_code", i=row, code=repr(code), level=level)
            if child is None
            else Message(
                "err_src_feature_parent_not_code", i=row, child=child, code=repr(code), level=level
            )
        )
        raise InputError(message, file=file, row=row, field=field, expected=problem)


def _geometry_error(
    key: str, *, file: Path, row: int, code: str, expected: str, **values: object
) -> InputError:
    """An :class:`InputError` about the geometry of feature ``row`` (1-based) with area
    code ``code``: the catalogue's ``key`` with ``values``, and ``expected``'s key."""
    message = Message(key, i=row, code=code, **values)
    return InputError(message, file=file, row=row, field="geometry", expected=Message(expected))


def _clean_geometries(
    gdf: gpd.GeoDataFrame, codes: list[str], *, file: Path, repair: bool
) -> tuple[list[bytes], list[str]]:
    """Checked polygons as 2D WKB in EPSG:3006, and the codes whose geometry was repaired."""
    geo = gdf.geometry
    _check_polygonal(geo.tolist(), codes, file=file)
    if geo.crs is None:  # pragma: no cover - caught from the file's info before
        raise InputError(
            Message("err_src_layer_crs_missing"), file=file, expected=Message("exp_src_crs")
        )
    if geo.crs.to_epsg() != 3006:
        geo = geo.to_crs(TARGET_CRS)
    arr = shapely.force_2d(geo.to_numpy())
    repaired = _repair_invalid(arr, codes, file=file, repair=repair)
    return [bytes(b) for b in shapely.to_wkb(arr)], repaired


def _check_polygonal(geoms: list[Any], codes: list[str], *, file: Path) -> None:
    """Raise on the first feature whose geometry is missing, empty or not polygonal."""
    for i, g in enumerate(geoms, start=1):
        values: dict[str, object] = {}
        if g is None or g.is_empty:
            key, expected = "err_src_feature_no_geometry", "exp_src_polygon"
        elif g.geom_type not in _POLYGONAL:
            key, expected = "err_src_feature_type", "exp_src_polygon_types"
            values["kind"] = g.geom_type
        else:
            continue
        raise _geometry_error(key, file=file, row=i, code=codes[i - 1], expected=expected, **values)


def _repair_invalid(arr: Any, codes: list[str], *, file: Path, repair: bool) -> list[str]:
    """Repair invalid geometries in ``arr`` in place (or raise); the repaired codes."""
    valid = shapely.is_valid(arr)
    repaired: list[str] = []
    if valid.all():
        return repaired
    bad = [int(j) for j in (~valid).nonzero()[0]]
    if not repair:
        j = bad[0]
        raise _geometry_error(
            "err_src_features_invalid" if len(bad) > 1 else "err_src_feature_invalid",
            file=file,
            row=j + 1,
            code=codes[j],
            expected="exp_src_valid_polygon",
            reason=shapely.is_valid_reason(arr[j]),
            n=len(bad),
        )
    for j in bad:
        arr[j] = _polygonal(shapely.make_valid(arr[j]))
        if arr[j].is_empty:
            raise _geometry_error(
                "err_src_feature_no_area",
                file=file,
                row=j + 1,
                code=codes[j],
                expected="exp_src_polygon_area",
            )
        repaired.append(codes[j])
    return repaired


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (make_valid may return a collection)."""
    if g.geom_type in _POLYGONAL:
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in _POLYGONAL]
    polys: list[shapely.Geometry] = []
    for p in parts:
        polys.extend(shapely.get_parts(p))
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _attributes_json(df: pd.DataFrame) -> list[str | None]:
    if df.shape[1] == 0:
        return [None] * len(df)
    records = json.loads(
        pd.DataFrame(df).to_json(orient="records", date_format="iso", force_ascii=False)
    )
    return [json.dumps(r, ensure_ascii=False) for r in records]


def _add_flag(attrs: str | None, key: str) -> str:
    data: dict[str, Any] = json.loads(attrs) if attrs else {}
    data[key] = True
    return json.dumps(data, ensure_ascii=False)
