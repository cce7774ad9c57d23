"""Read boundary layers (GeoPackage, GeoJSON, Shapefile) into :class:`Areas`.

Every layer is reprojected to SWEREF 99 TM (EPSG:3006), flattened to 2D and stored as WKB;
the layer's other attributes are kept as JSON text. Code, name and parent fields are taken
from the arguments, from :data:`KNOWN_LAYERS` (the files in ``shared/data/geo`` and the
Police's ``uso_2023`` shapefile) or detected from the layer's fields and values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from omradesbild.areas.codes import LEVELS, validate_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    Areas,
    SourceMeta,
    bytes_checksum,
    file_checksum,
    now_utc,
)

#: The CRS every geometry is stored in: SWEREF 99 TM.
TARGET_CRS = "EPSG:3006"

#: File suffixes the reader accepts.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".gpkg", ".geojson", ".json", ".shp")

_SHAPEFILE_SIDECARS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")

_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class KnownLayer:
    """How to read one known boundary file.

    Attributes
    ----------
    level, version
        Area level (see :data:`omradesbild.areas.LEVELS`) and boundary version.
    code_field, name_field
        Attribute holding the area code and the area name (``None``: no name).
    parent_field, parent_level, parent_version
        Attribute holding the code of the enclosing area, and that area's level and version.
    publisher, licence, title
        Provenance recorded in :class:`SourceMeta`.
    reader
        ``"boundaries"`` (:func:`read_boundaries`) or ``"police"``
        (:func:`omradesbild.sources.police.read_police_areas`).
    year
        The year of a police layer (``reader == "police"``).
    """

    level: str
    version: str
    code_field: str
    name_field: str | None
    publisher: str
    title: str
    parent_field: str | None = None
    parent_level: str | None = None
    parent_version: str | None = None
    licence: str = "CC0 1.0"
    reader: str = "boundaries"
    year: int | None = None


_OPEN = "open data, see the publisher's terms"

#: Known boundary files (by file name), with level, version and fields.
KNOWN_LAYERS: dict[str, KnownLayer] = {
    "stockholms_lan_deso2018_simplified.geojson": KnownLayer(
        level="deso",
        version="deso2018",
        code_field="id",
        name_field=None,
        parent_field="kommun",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="SCB",
        title="DeSO 2018, Stockholms län (simplified by a third party)",
    ),
    "goteborg_deso2025.gpkg": KnownLayer(
        level="deso",
        version="deso2025",
        code_field="desokod",
        name_field=None,
        parent_field="regsokod",
        parent_level="regso",
        parent_version="regso2025",
        publisher="SCB",
        title="DeSO 2025, Göteborg (SCB geodata WFS)",
    ),
    "goteborg_regso2025.gpkg": KnownLayer(
        level="regso",
        version="regso2025",
        code_field="regsokod",
        name_field="regsonamn",
        parent_field="kommunkod",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="SCB",
        title="RegSO 2025, Göteborg (SCB geodata WFS)",
    ),
    "goteborg_primaromraden.gpkg": KnownLayer(
        level="district",
        version="goteborg_primaromraden2025",
        code_field="omrade_kod",
        name_field="omrade_namn",
        parent_field="kommun_kod",
        parent_level="kommun",
        parent_version=DEFAULT_VERSION["kommun"],
        publisher="Göteborgs Stad",
        licence=_OPEN,
        title="Göteborgs primärområden 2025 with the city's socioeconomic area classes",
    ),
    "stockholm_stadsdelar.geojson": KnownLayer(
        level="district",
        version="stockholm_stadsdelar",
        code_field="NAMN",
        name_field="NAMN",
        publisher="Stockholms stad",
        licence=_OPEN,
        title="Stockholms stadsdelar",
    ),
    "stockholm_basomraden_pop2014_2016.gpkg": KnownLayer(
        level="district",
        version="stockholm_basomraden",
        code_field="nyckelkod",  # current key; nyckelkod_1 / tidigare_n hold the former one
        name_field="namn",
        publisher="Stockholms stad",
        licence=_OPEN,
        title="Stockholms statistiska basområden (population 2014-2016 as attributes)",
    ),
    "malmo_delomraden.gpkg": KnownLayer(
        level="district",
        version="malmo_delomraden",
        code_field="do_kod",
        name_field="delomrade",
        publisher="Malmö stad",
        licence=_OPEN,
        title="Malmö delområden",
    ),
    "sverige_kommuner_2025.gpkg": KnownLayer(
        level="kommun",
        version="kommun2025",
        code_field="kommun_kod",
        name_field="kommun_namn",
        parent_field="lan_kod",
        parent_level="lan",
        parent_version=DEFAULT_VERSION["lan"],
        publisher="SCB",
        title="Sveriges kommuner 2025 (with SKR kommungrupp)",
    ),
    "sverige_lan.gpkg": KnownLayer(
        level="lan",
        version="lan2025",
        code_field="lan_kod",
        name_field="lan_namn",
        publisher="SCB",
        title="Sveriges län 2025",
    ),
    "uso_2023.shp": KnownLayer(
        level="police_area",
        version="police2023",
        code_field="NAMN",  # the police reader derives the code from ORT + NAMN
        name_field="NAMN",
        publisher="Polismyndigheten",
        licence=_OPEN,
        title="Polisens utsatta områden 2023 (boundaries)",
        reader="police",
        year=2023,
    ),
}

# Field-name hints for detection (compared in lower case).
_CODE_NAME_TOKENS: dict[str, tuple[str, ...]] = {
    "deso": ("deso",),
    "regso": ("regso",),
    "kommun": ("kommun", "knkod", "kn_kod", "kommunkod"),
    "lan": ("lan", "län", "lanskod", "lnkod", "lankod"),
}
_GENERIC_CODE_NAMES: tuple[str, ...] = ("kod", "code", "id", "nyckelkod", "omradeskod")
_NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "deso": ("desonamn", "deso_namn", "namn", "name"),
    "regso": ("regsonamn", "regso_namn", "regsonamn_2025", "namn", "name"),
    "kommun": ("kommun_namn", "kommunnamn", "knnamn", "kn_namn", "namn", "name"),
    "lan": ("lan_namn", "lansnamn", "lannamn", "lnnamn", "ln_namn", "namn", "name"),
}
_GENERIC_NAME_FIELDS: tuple[str, ...] = (
    "namn",
    "name",
    "omrade_namn",
    "omradesnamn",
    "delomrade",
    "stadsdel",
    "stadsdelsnamn",
)
# Which parent level to look for, per level, when no parent field is given.
_AUTO_PARENT: dict[str, tuple[str, ...]] = {
    "deso": ("regso", "kommun"),
    "regso": ("kommun",),
    "kommun": ("lan",),
    "district": ("kommun",),
}
_DEFAULT_PARENT_VERSION: dict[tuple[str, str], str] = {
    ("deso2018", "regso"): "regso2020",
    ("deso2025", "regso"): "regso2025",
}
_DEFAULT_VERSION: dict[str, str] = {
    "kommun": DEFAULT_VERSION["kommun"],
    "lan": DEFAULT_VERSION["lan"],
}


# --------------------------------------------------------------------------- public API


def known_layer(path: str | Path) -> KnownLayer | None:
    """The :data:`KNOWN_LAYERS` entry for a file (by file name), or ``None``."""
    p = Path(path)
    if p.is_dir():
        shps = sorted(p.glob("*.shp"))
        if len(shps) == 1:
            p = shps[0]
    return KNOWN_LAYERS.get(p.name)


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers with geometry in a vector file."""
    p = _resolve(path)
    return [name for name, gtype in _layers(p) if gtype is not None]


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
        raise ConfigError(f"unknown area level {level!r}; expected one of {', '.join(LEVELS)}")
    p = _resolve(path)
    known = known_layer(p)
    fields_from_known = known is not None and known.level == level and code_field is None
    if fields_from_known and known is not None and known.reader == "police":
        if version == known.version:
            from omradesbild.sources.police import read_police_areas

            return read_police_areas(p, year=known.year or 0, repair=repair)
        fields_from_known = False
    layer_name = _pick_layer(p, layer, code_field or (known.code_field if known else None))
    gdf = _read_layer(p, layer_name)
    if fields_from_known and known is not None:
        code_field = known.code_field
        name_field = name_field or known.name_field
        if parent_field is None and known.parent_field is not None:
            parent_field = known.parent_field
            parent_level = parent_level or known.parent_level
            parent_version = parent_version or known.parent_version
    if code_field is None:
        code_field = detect_code_field(gdf, level=level, file=p)
    if name_field is None:
        name_field = detect_name_field(gdf, level=level, code_field=code_field)
    if parent_field is None and not fields_from_known:
        found = _detect_parent(gdf, level=level, code_field=code_field)
        if found is not None:
            parent_field, parent_level = found
    if parent_field is not None:
        if parent_field not in gdf.columns:
            raise InputError(
                "no such field",
                file=p,
                field=parent_field,
                expected="one of " + ", ".join(str(c) for c in gdf.columns if c != "geometry"),
            )
        parent_level = parent_level or _infer_level(gdf[parent_field])
        if parent_level is None:
            raise ConfigError(
                f"{p}: cannot tell the level of parent field {parent_field!r}; pass parent_level"
            )
        parent_version = parent_version or _default_parent_version(version, parent_level)
    areas, repaired = build_areas(
        gdf,
        file=p,
        level=level,
        version=version,
        code_field=code_field,
        name_field=name_field,
        parent_field=parent_field,
        parent_level=parent_level,
        parent_version=parent_version,
        repair=repair,
    )
    notes = f"layer {layer_name!r}; code field {code_field!r}; name field {name_field!r}"
    if parent_field:
        notes += f"; parent field {parent_field!r} ({parent_level} {parent_version})"
    if repaired:
        notes += (
            f"; {len(repaired)} invalid geometries repaired with shapely.make_valid: "
            + ", ".join(repaired[:20])
            + (" ..." if len(repaired) > 20 else "")
        )
    meta = source_meta(
        p,
        layer_name,
        publisher=publisher or (known.publisher if known else "unknown"),
        title=(known.title if known and fields_from_known else f"{level} {version} boundaries"),
        licence=(known.licence if known else "see the publisher's terms"),
        notes=notes,
    )
    return Areas(source=meta, areas=areas)


def open_layer(
    path: str | Path, *, layer: str | None = None, code_field: str | None = None
) -> tuple[Path, str, gpd.GeoDataFrame]:
    """Resolve, check and read one layer: ``(file, layer name, GeoDataFrame)``.

    The frame is in the file's CRS; :func:`build_areas` validates and reprojects it.
    """
    p = _resolve(path)
    name = _pick_layer(p, layer, code_field)
    return p, name, _read_layer(p, name)


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
            "not a known boundary file; read it with read_boundaries and give level and version",
            file=path,
            expected="one of " + ", ".join(KNOWN_LAYERS),
        )
    if known.reader == "police":
        from omradesbild.sources.police import read_police_areas

        return read_police_areas(path, year=known.year or 0, repair=repair)
    return read_boundaries(
        path, level=known.level, version=known.version, layer=layer, repair=repair
    )


# --------------------------------------------------------------------------- detection


def detect_code_field(gdf: pd.DataFrame, *, level: str, file: str | Path | None = None) -> str:
    """The attribute holding the area codes of ``level``.

    For levels with a national code pattern (DeSO, RegSO, kommun, län): the fields whose
    non-empty values all match the pattern and are unique; ties are broken by a field name
    that mentions the level, then by identical values. For other levels: unique fields
    named like ``*kod``, ``*_code``, ``*_id``, ``code`` or ``id``.

    Raises
    ------
    InputError
        No field or several different fields qualify; the message lists the candidates.
    """
    cols = [c for c in gdf.columns if c != "geometry"]
    normalised = {c: normalise_codes(gdf[c]) for c in cols}
    unique = [c for c in cols if _is_unique_nonempty(normalised[c])]
    if level in _CODE_NAME_TOKENS:
        candidates = [
            c for c in unique if all(validate_code(v, level) is None for v in normalised[c])
        ]
        hinted = [c for c in candidates if _mentions(c, _CODE_NAME_TOKENS[level])]
    else:
        candidates = [c for c in unique if _looks_like_code_name(str(c))]
        hinted = candidates
    chosen = _dedupe_identical(hinted or candidates, normalised)
    if len(chosen) == 1:
        return str(chosen[0])
    if not chosen:
        raise InputError(
            f"cannot find the field holding {level} codes; pass code_field",
            file=file,
            expected="one of the fields with unique values: "
            + (", ".join(map(str, unique)) or "none"),
        )
    raise InputError(
        f"several fields could hold the {level} codes; pass code_field",
        file=file,
        expected="one of " + ", ".join(map(str, chosen)),
    )


def detect_level(
    path: str | Path, *, layer: str | None = None, code_field: str | None = None
) -> tuple[str, str]:
    """The level of a layer and the field holding its codes, found from the values.

    DeSO, RegSO, kommun and län are tried in this order: the first level with exactly one
    field of unique codes of its shape wins (so ``desokod`` beats a ``regsokod`` column, whose
    values repeat). Field names do not matter: a kommun's re-export may call them anything.

    Raises
    ------
    InputError
        No field holds such codes; the message lists the layer's fields.
    """
    p = _resolve(path)
    gdf = _read_layer(p, _pick_layer(p, layer, code_field))
    cols = [c for c in gdf.columns if c != "geometry"]
    for level in ("deso", "regso", "kommun", "lan"):
        if code_field is not None:
            values = normalise_codes(gdf[code_field]) if code_field in gdf.columns else []
            if values and all(validate_code(v, level) is None for v in values):
                return level, code_field
            continue
        try:
            return level, detect_code_field(gdf, level=level, file=p)
        except InputError:
            continue
    raise InputError(
        "no field holds DeSO, RegSO, kommun or län codes, so the level cannot be told",
        file=p,
        field=code_field,
        expected="a field of unique codes such as desokod/regsokod (e.g. 1480C1010, "
        "1480R001), or --level and --code-field; fields: " + (", ".join(map(str, cols)) or "none"),
    )


def detect_name_field(gdf: pd.DataFrame, *, level: str, code_field: str) -> str | None:
    """The attribute holding area names, or ``None`` if none of the usual names exists."""
    by_lower = {str(c).lower(): str(c) for c in gdf.columns if c != "geometry"}
    for cand in _NAME_FIELDS.get(level, _GENERIC_NAME_FIELDS):
        if cand in by_lower:
            return by_lower[cand]
    return None


def _detect_parent(gdf: pd.DataFrame, *, level: str, code_field: str) -> tuple[str, str] | None:
    cols = [c for c in gdf.columns if c not in ("geometry", code_field)]
    for plevel in _AUTO_PARENT.get(level, ()):
        normalised = {c: normalise_codes(gdf[c]) for c in cols}
        cands = [
            c
            for c in cols
            if _mentions(c, _CODE_NAME_TOKENS[plevel])
            and all(v and validate_code(v, plevel) is None for v in normalised[c])
        ]
        cands = _dedupe_identical(cands, normalised)
        if len(cands) == 1:
            return str(cands[0]), plevel
    return None


def _infer_level(values: pd.Series) -> str | None:
    codes = [v for v in normalise_codes(values) if v]
    for lvl in ("deso", "regso", "kommun", "lan"):
        if codes and all(validate_code(v, lvl) is None for v in codes):
            return lvl
    return None


def _default_parent_version(version: str, parent_level: str) -> str:
    v = _DEFAULT_PARENT_VERSION.get((version, parent_level)) or _DEFAULT_VERSION.get(parent_level)
    if v is None:
        raise ConfigError(
            f"no default version for parent level {parent_level!r} of version {version!r}; "
            "pass parent_version"
        )
    return v


def _mentions(col: object, tokens: Sequence[str]) -> bool:
    low = str(col).lower()
    return any(t in low for t in tokens)


def _looks_like_code_name(col: str) -> bool:
    low = col.lower()
    return (
        low in _GENERIC_CODE_NAMES
        or low.endswith(("kod", "_code", "_id"))
        or low.startswith("nyckelkod")
    )


def _is_unique_nonempty(values: list[str]) -> bool:
    return bool(values) and all(values) and len(set(values)) == len(values)


def _dedupe_identical(cols: Sequence[Any], normalised: dict[Any, list[str]]) -> list[Any]:
    out: list[Any] = []
    for c in cols:
        if not any(normalised[c] == normalised[o] for o in out):
            out.append(c)
    return out


# --------------------------------------------------------------------------- reading


def normalise_codes(values: pd.Series) -> list[str]:
    """Codes as text: missing -> ``""``, whole floats without ``.0``, whitespace stripped."""
    out: list[str] = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return out


def _resolve(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=p)
    if p.is_dir():
        shps = sorted(p.glob("*.shp"))
        if len(shps) != 1:
            raise InputError(
                f"folder holds {len(shps)} shapefiles",
                file=p,
                expected="a boundary file, or a folder with exactly one .shp",
            )
        p = shps[0]
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"unsupported file type {p.suffix or '(none)'!r}",
            file=p,
            expected="a GeoPackage (.gpkg), GeoJSON (.geojson, .json) or Shapefile (.shp)",
        )
    return p


def _layers(p: Path) -> list[tuple[str, str | None]]:
    try:
        raw = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise InputError(
            f"cannot be read as a vector file ({exc})",
            file=p,
            expected="a valid GeoPackage, GeoJSON or Shapefile",
        ) from exc
    return [(str(name), None if gtype is None else str(gtype)) for name, gtype in raw]


def _pick_layer(p: Path, layer: str | None, code_field: str | None) -> str:
    layers = [name for name, gtype in _layers(p) if gtype is not None]
    if layer is not None:
        if layer not in layers:
            raise InputError(
                f"no layer {layer!r}", file=p, expected="one of " + (", ".join(layers) or "none")
            )
        return layer
    if not layers:
        raise InputError("holds no layer with geometry", file=p, expected="a polygon layer")
    if len(layers) == 1:
        return layers[0]
    if code_field is not None:
        having = [
            name
            for name in layers
            if code_field in list(pyogrio.read_info(p, layer=name)["fields"])
        ]
        if len(having) == 1:
            return having[0]
    raise InputError(
        f"holds {len(layers)} layers; pass layer", file=p, expected="one of " + ", ".join(layers)
    )


def _read_layer(p: Path, layer: str) -> gpd.GeoDataFrame:
    try:
        info = pyogrio.read_info(p, layer=layer)
        if not info.get("crs"):
            raise InputError(
                f"layer {layer!r} has no coordinate reference system",
                file=p,
                expected=(
                    "a CRS in the file (for a Shapefile: a .prj file beside the .shp); set it "
                    "with e.g. `ogr2ogr -a_srs EPSG:3006 out.gpkg in.shp` or geopandas "
                    "`gdf.set_crs('EPSG:3006').to_file(...)`"
                ),
            )
        gdf = pyogrio.read_dataframe(p, layer=layer)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"cannot read layer {layer!r} ({exc})",
            file=p,
            expected="a valid GeoPackage, GeoJSON or Shapefile",
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"layer {layer!r} has no geometry", file=p, expected="a polygon layer")
    return gdf


def layer_checksum(p: Path) -> str:
    """SHA-256 of the file; for a Shapefile, of its .shp/.shx/.dbf/.prj/.cpg together."""
    if p.suffix.lower() != ".shp":
        return file_checksum(p)
    parts = b""
    for suffix in _SHAPEFILE_SIDECARS:
        side = p.with_suffix(suffix)
        if side.exists():
            parts += suffix.encode() + file_checksum(side).encode()
    return bytes_checksum(parts)


def source_meta(
    p: Path, layer: str, *, publisher: str, title: str, licence: str, notes: str | None
) -> SourceMeta:
    """Provenance of one boundary layer."""
    return SourceMeta(
        publisher=publisher,
        table_id=f"{p.stem}" if layer == p.stem else f"{p.stem}:{layer}",
        title=title,
        reference=p.name,
        checksum=layer_checksum(p),
        licence=licence,
        retrieved_at=now_utc(),
        notes=notes,
    )


# --------------------------------------------------------------------------- building


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
    for f in (code_field, name_field, parent_field):
        if f is not None and f not in gdf.columns:
            raise InputError(
                "no such field",
                file=file,
                field=f,
                expected="one of " + ", ".join(str(c) for c in gdf.columns if c != "geometry"),
            )
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
        problem = validate_code(code, level)
        if problem is not None:
            raise InputError(
                f"feature {i}: {code!r} is not a {level} code",
                file=file,
                row=i,
                field=code_field,
                expected=problem,
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

    parents: list[str | None] = [None] * len(codes)
    if parent_field is not None and parent_level is not None:
        for i, pc in enumerate(normalise_codes(gdf[parent_field]), start=1):
            if not pc:
                continue
            problem = validate_code(pc, parent_level)
            if problem is not None:
                raise InputError(
                    f"feature {i} ({codes[i - 1]}): parent {pc!r} is not a {parent_level} code",
                    file=file,
                    row=i,
                    field=parent_field,
                    expected=problem,
                )
            parents[i - 1] = pc

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


def _clean_geometries(
    gdf: gpd.GeoDataFrame, codes: list[str], *, file: Path, repair: bool
) -> tuple[list[bytes], list[str]]:
    geo = gdf.geometry
    for i, g in enumerate(geo.tolist(), start=1):
        if g is None or g.is_empty:
            raise InputError(
                f"feature {i} ({codes[i - 1]}) has no geometry",
                file=file,
                row=i,
                field="geometry",
                expected="a non-empty polygon",
            )
        if g.geom_type not in _POLYGONAL:
            raise InputError(
                f"feature {i} ({codes[i - 1]}) is a {g.geom_type}",
                file=file,
                row=i,
                field="geometry",
                expected="a Polygon or MultiPolygon",
            )
    if geo.crs is None:  # pragma: no cover - caught from the file's info before
        raise InputError("layer has no CRS", file=file, expected="a CRS")
    if geo.crs.to_epsg() != 3006:
        geo = geo.to_crs(TARGET_CRS)
    arr = shapely.force_2d(geo.to_numpy())
    valid = shapely.is_valid(arr)
    repaired: list[str] = []
    if not valid.all():
        bad = [int(j) for j in (~valid).nonzero()[0]]
        if not repair:
            j = bad[0]
            raise InputError(
                f"feature {j + 1} ({codes[j]}) has an invalid geometry: "
                f"{shapely.is_valid_reason(arr[j])}"
                + (f" ({len(bad)} invalid features in all)" if len(bad) > 1 else ""),
                file=file,
                row=j + 1,
                field="geometry",
                expected="a valid polygon; fix it in a GIS, or repair it with "
                "'omradesbild ingest boundaries --repair' (shapely.make_valid)",
            )
        for j in bad:
            arr[j] = _polygonal(shapely.make_valid(arr[j]))
            if arr[j].is_empty:
                raise InputError(
                    f"feature {j + 1} ({codes[j]}) has no area left after repair",
                    file=file,
                    row=j + 1,
                    field="geometry",
                    expected="a polygon with area",
                )
            repaired.append(codes[j])
    return [bytes(b) for b in shapely.to_wkb(arr)], repaired


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
