"""Read a boundary layer into :class:`Areas`, with its fields given, known or detected."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypedDict

import pandas as pd

from omradesbild.areas.codes import LEVELS
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import LICENCE_PUBLISHER_TERMS, Areas
from omradesbild.sources.boundaries.build import build_areas
from omradesbild.sources.boundaries.detect import (
    default_parent_version,
    detect_code_field,
    detect_name_field,
    detect_parent,
    infer_level,
)
from omradesbild.sources.boundaries.known import KNOWN_LAYERS, KnownLayer, known_layer
from omradesbild.sources.boundaries.layers import (
    pick_layer,
    read_layer,
    require_fields,
    resolve,
    source_meta,
)
from omradesbild.wording import Message, both


class LayerFields(TypedDict, total=False):
    """The options of :func:`read_boundaries` besides level and version (see there), as a
    caller passes them through."""

    code_field: str | None
    name_field: str | None
    parent_field: str | None
    parent_level: str | None
    parent_version: str | None
    layer: str | None
    repair: bool
    publisher: str | None


def read_boundaries(
    path: str | Path,
    *,
    level: str,
    version: str,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    parent_level: str | None = None,
    parent_version: str | None = None,
    layer: str | None = None,
    repair: bool = False,
    publisher: str | None = None,
) -> Areas:
    """Read a boundary layer into areas with WKB geometry in EPSG:3006.

    Parameters
    ----------
    path
        A GeoPackage (``.gpkg``), GeoJSON (``.geojson``/``.json``) or Shapefile (``.shp``,
        or a folder holding exactly one) in any CRS the file declares.
    level, version
        Area level (one of :data:`omradesbild.areas.LEVELS`) and boundary version, e.g.
        ``"deso"`` and ``"deso2025"``.
    code_field, name_field
        Attributes holding the area code and name. When not given they come from
        :data:`KNOWN_LAYERS` or are detected: for DeSO/RegSO/kommun/län the field whose values
        all have the level's code shape and are unique; for other levels a unique field named
        like ``*kod``/``code``/``id``. An undecidable case raises :class:`InputError`
        listing the candidate fields.
    parent_field, parent_level, parent_version
        Attribute holding the code of the enclosing area and that area's level/version
        (detected for DeSO -> RegSO/kommun, RegSO -> kommun and kommun -> län).
    layer
        Layer to read when the file holds several.
    repair
        Repair invalid geometries with :func:`shapely.make_valid` instead of raising; the
        repaired features get ``"_geometry_repaired": true`` in their attributes and the
        source notes list them.
    publisher
        Publisher recorded in the source (default: from :data:`KNOWN_LAYERS`, else
        ``"unknown"``).

    Returns
    -------
    Areas
        ``areas`` with :data:`~omradesbild.sources.base.AREA_COLUMNS`; no links.

    Raises
    ------
    InputError
        Unreadable or unsupported file, several layers, no CRS, missing or undecidable
        fields, empty/duplicate/malformed codes, empty, non-polygonal or invalid geometry.
    ConfigError
        Unknown level.
    """
    if level not in LEVELS:
        raise ConfigError(
            both("err_src_unknown_level", level=repr(level), allowed=", ".join(LEVELS))
        )
    p = resolve(path)
    known = known_layer(p)
    fields_from_known = known is not None and known.level == level and code_field is None
    if fields_from_known and known is not None and known.reader == "police":
        if version == known.version:
            from omradesbild.sources.police import read_police_areas

            return read_police_areas(p, year=known.year or 0, repair=repair)
        fields_from_known = False
    layer_name = pick_layer(p, layer, code_field or (known.code_field if known else None))
    gdf = read_layer(p, layer_name)
    fields = _Fields(code_field, name_field, parent_field, parent_level, parent_version)
    if fields_from_known and known is not None:
        fields = _fields_from_known(fields, known)
        if fields.parent is None and known.kommun is not None:
            gdf, fields = _with_kommun(gdf, fields, known.kommun)
    fields = _detect_fields(gdf, fields, level=level, from_known=fields_from_known, file=p)
    fields = _complete_parent(gdf, fields, version=version, file=p)
    areas, repaired = build_areas(
        gdf,
        file=p,
        level=level,
        version=version,
        code_field=fields.code or "",  # set by _detect_fields
        name_field=fields.name,
        parent_field=fields.parent,
        parent_level=fields.parent_level,
        parent_version=fields.parent_version,
        repair=repair,
    )
    meta = source_meta(
        p,
        layer_name,
        publisher=publisher or (known.publisher if known else "unknown"),
        title=(known.title if known and fields_from_known else f"{level} {version} boundaries"),
        licence=(known.licence if known else LICENCE_PUBLISHER_TERMS),
        notes=_notes(layer_name, fields, repaired),
    )
    return Areas(source=meta, areas=areas)


def read_known_boundaries(
    path: str | Path, *, layer: str | None = None, repair: bool = False
) -> Areas:
    """Read a file listed in :data:`KNOWN_LAYERS` with its level, version and fields.

    Police layers are dispatched to :func:`omradesbild.sources.police.read_police_areas`.

    Raises
    ------
    InputError
        The file name is not in :data:`KNOWN_LAYERS` (use :func:`read_boundaries`).
    """
    known = known_layer(path)
    if known is None:
        raise InputError(
            Message("err_src_not_known_boundary"),
            file=path,
            expected=Message("exp_src_one_of", allowed=", ".join(KNOWN_LAYERS)),
        )
    if known.reader == "police":
        from omradesbild.sources.police import read_police_areas

        return read_police_areas(path, year=known.year or 0, repair=repair)
    return read_boundaries(
        path, level=known.level, version=known.version, layer=layer, repair=repair
    )


@dataclass(frozen=True)
class _Fields:
    """The code, name and parent fields of a layer and the parent's level and version."""

    code: str | None
    name: str | None
    parent: str | None
    parent_level: str | None
    parent_version: str | None


def _fields_from_known(fields: _Fields, known: KnownLayer) -> _Fields:
    """``fields`` completed from a :data:`KNOWN_LAYERS` entry (given values win)."""
    fields = replace(fields, code=known.code_field, name=fields.name or known.name_field)
    if fields.parent is None and known.parent_field is not None:
        fields = replace(
            fields,
            parent=known.parent_field,
            parent_level=fields.parent_level or known.parent_level,
            parent_version=fields.parent_version or known.parent_version,
        )
    return fields


def _with_kommun(gdf: pd.DataFrame, fields: _Fields, kommun: str) -> tuple[pd.DataFrame, _Fields]:
    """A known city layer without a kommun field: every area's parent is the city's kommun
    (a field ``kommun_kod`` added, as a layer with the field has it)."""
    field = "kommun_kod"
    if field not in gdf.columns:
        gdf = gdf.assign(**{field: kommun})
    kommun_version = DEFAULT_VERSION["kommun"]
    return gdf, replace(fields, parent=field, parent_level="kommun", parent_version=kommun_version)


def _detect_fields(
    gdf: pd.DataFrame, fields: _Fields, *, level: str, from_known: bool, file: Path
) -> _Fields:
    """``fields`` with the missing ones detected (the parent only for unknown layers)."""
    code = fields.code
    if code is None:
        code = detect_code_field(gdf, level=level, file=file)
    name = fields.name
    if name is None:
        name = detect_name_field(gdf, level=level, code_field=code)
    fields = replace(fields, code=code, name=name)
    if fields.parent is None and not from_known:
        found = detect_parent(gdf, level=level, code_field=code)
        if found is not None:
            fields = replace(fields, parent=found[0], parent_level=found[1])
    return fields


def _complete_parent(gdf: pd.DataFrame, fields: _Fields, *, version: str, file: Path) -> _Fields:
    """``fields`` with the parent field checked and the parent's level and version set."""
    if fields.parent is None:
        return fields
    require_fields(gdf, (fields.parent,), file=file)
    parent_level = fields.parent_level or infer_level(gdf[fields.parent])
    if parent_level is None:
        raise ConfigError(both("err_src_parent_level", path=str(file), field=repr(fields.parent)))
    parent_version = fields.parent_version or default_parent_version(version, parent_level)
    return replace(fields, parent_level=parent_level, parent_version=parent_version)


def _notes(layer_name: str, fields: _Fields, repaired: list[str]) -> str:
    """The source notes: layer, fields and the repaired geometries."""
    notes = f"layer {layer_name!r}; code field {fields.code!r}; name field {fields.name!r}"
    if fields.parent:
        notes += f"; parent field {fields.parent!r} ({fields.parent_level} {fields.parent_version})"
    if repaired:
        notes += (
            f"; {len(repaired)} invalid geometries repaired with shapely.make_valid: "
            + ", ".join(repaired[:20])
            + (" ..." if len(repaired) > 20 else "")
        )
    return notes
