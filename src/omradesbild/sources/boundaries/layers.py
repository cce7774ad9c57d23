"""Open vector files: resolve the path, pick and read a layer, checksum and provenance."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from omradesbild.errors import InputError
from omradesbild.sources.base import SourceMeta, bytes_checksum, file_checksum, now_utc
from omradesbild.wording import Message

#: File suffixes the reader accepts.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".gpkg", ".geojson", ".json", ".shp")

_SHAPEFILE_SIDECARS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def require_fields(gdf: pd.DataFrame, fields: tuple[str | None, ...], *, file: Path) -> None:
    """Raise :class:`InputError` naming the first of ``fields`` the layer lacks."""
    for f in fields:
        if f is not None and f not in gdf.columns:
            allowed = ", ".join(str(c) for c in gdf.columns if c != "geometry")
            raise InputError(
                Message("err_src_no_such_field"),
                file=file,
                field=f,
                expected=Message("exp_src_one_of", allowed=allowed),
            )


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers with geometry in a vector file."""
    p = resolve(path)
    return [name for name, gtype in _layers(p) if gtype is not None]


def open_layer(
    path: str | Path, *, layer: str | None = None, code_field: str | None = None
) -> tuple[Path, str, gpd.GeoDataFrame]:
    """Resolve, check and read one layer: ``(file, layer name, GeoDataFrame)``.

    The frame is in the file's CRS; :func:`build_areas` validates and reprojects it.
    """
    p = resolve(path)
    name = pick_layer(p, layer, code_field)
    return p, name, read_layer(p, name)


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


def resolve(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(Message("err_src_file_not_found"), file=p)
    if p.is_dir():
        shps = sorted(p.glob("*.shp"))
        if len(shps) != 1:
            raise InputError(
                Message("err_src_folder_shapefiles", n=len(shps)),
                file=p,
                expected=Message("exp_src_boundary_file"),
            )
        p = shps[0]
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            Message("err_src_unsupported_type", suffix=repr(p.suffix or "(none)")),
            file=p,
            expected=Message("exp_src_vector_types"),
        )
    return p


def _layers(p: Path) -> list[tuple[str, str | None]]:
    try:
        raw = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise InputError(
            Message("err_src_not_vector", error=str(exc)),
            file=p,
            expected=Message("exp_src_valid_vector"),
        ) from exc
    return [(str(name), None if gtype is None else str(gtype)) for name, gtype in raw]


def pick_layer(p: Path, layer: str | None, code_field: str | None) -> str:
    layers = [name for name, gtype in _layers(p) if gtype is not None]
    if layer is not None:
        if layer not in layers:
            raise InputError(
                Message("err_src_no_layer", layer=repr(layer)),
                file=p,
                expected=Message(
                    "exp_src_one_of", allowed=", ".join(layers) or Message("exp_src_none")
                ),
            )
        return layer
    if not layers:
        raise InputError(
            Message("err_src_no_geometry_layer"), file=p, expected=Message("exp_src_polygon_layer")
        )
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
        Message("err_src_several_layers", n=len(layers)),
        file=p,
        expected=Message("exp_src_one_of", allowed=", ".join(layers)),
    )


def read_layer(p: Path, layer: str) -> gpd.GeoDataFrame:
    try:
        info = pyogrio.read_info(p, layer=layer)
        if not info.get("crs"):
            raise InputError(
                Message("err_src_layer_no_crs", layer=repr(layer)),
                file=p,
                expected=Message("exp_src_layer_crs"),
            )
        gdf = pyogrio.read_dataframe(p, layer=layer)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            Message("err_src_layer_unreadable", layer=repr(layer), error=str(exc)),
            file=p,
            expected=Message("exp_src_valid_vector"),
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            Message("err_src_layer_no_geometry", layer=repr(layer)),
            file=p,
            expected=Message("exp_src_polygon_layer"),
        )
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
