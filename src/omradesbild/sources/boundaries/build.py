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
                f"feature {i} has an empty code",
                file=file,
                row=i,
                field=code_field,
                expected="a non-empty area code",
            )
        _require_code(
            code, level, f"feature {i}: {code!r} is not a {level} code", file, i, code_field
        )
        if code in seen:
            raise InputError(
                f"code {code!r} appears in features {seen[code]} and {i}",
                file=file,
                row=i,
                field=code_field,
                expected="each code once",
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
        message = f"feature {i} ({codes[i - 1]}): parent {pc!r} is not a {parent_level} code"
        _require_code(pc, parent_level, message, file, i, parent_field)
        parents[i - 1] = pc
    return parents


def _require_code(code: str, level: str, message: str, file: Path, row: int, field: str) -> None:
    """Raise ``message`` (with the rule broken) unless ``code`` has the shape of ``level``."""
    problem = validate_code(code, level)
    if problem is not None:
        raise InputError(message, file=file, row=row, field=field, expected=problem)


def _geometry_error(message: str, *, file: Path, row: int, expected: str) -> InputError:
    """An :class:`InputError` about the geometry of feature ``row`` (1-based)."""
    return InputError(message, file=file, row=row, field="geometry", expected=expected)


def _clean_geometries(
    gdf: gpd.GeoDataFrame, codes: list[str], *, file: Path, repair: bool
) -> tuple[list[bytes], list[str]]:
    """Checked polygons as 2D WKB in EPSG:3006, and the codes whose geometry was repaired."""
    geo = gdf.geometry
    _check_polygonal(geo.tolist(), codes, file=file)
    if geo.crs is None:  # pragma: no cover - caught from the file's info before
        raise InputError("layer has no CRS", file=file, expected="a CRS")
    if geo.crs.to_epsg() != 3006:
        geo = geo.to_crs(TARGET_CRS)
    arr = shapely.force_2d(geo.to_numpy())
    repaired = _repair_invalid(arr, codes, file=file, repair=repair)
    return [bytes(b) for b in shapely.to_wkb(arr)], repaired


def _check_polygonal(geoms: list[Any], codes: list[str], *, file: Path) -> None:
    """Raise on the first feature whose geometry is missing, empty or not polygonal."""
    for i, g in enumerate(geoms, start=1):
        if g is None or g.is_empty:
            raise _geometry_error(
                f"feature {i} ({codes[i - 1]}) has no geometry",
                file=file,
                row=i,
                expected="a non-empty polygon",
            )
        if g.geom_type not in _POLYGONAL:
            raise _geometry_error(
                f"feature {i} ({codes[i - 1]}) is a {g.geom_type}",
                file=file,
                row=i,
                expected="a Polygon or MultiPolygon",
            )


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
            f"feature {j + 1} ({codes[j]}) has an invalid geometry: "
            f"{shapely.is_valid_reason(arr[j])}"
            + (f" ({len(bad)} invalid features in all)" if len(bad) > 1 else ""),
            file=file,
            row=j + 1,
            expected="a valid polygon; fix it in a GIS, or repair it with "
            "'omradesbild ingest boundaries --repair' (shapely.make_valid)",
        )
    for j in bad:
        arr[j] = _polygonal(shapely.make_valid(arr[j]))
        if arr[j].is_empty:
            raise _geometry_error(
                f"feature {j + 1} ({codes[j]}) has no area left after repair",
                file=file,
                row=j + 1,
                expected="a polygon with area",
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
