"""DeSO and RegSO boundaries from SCB's geodata WFS (GeoServer).

``GetFeature`` requests ask for GeoJSON (``outputFormat=application/json``) in SWEREF 99 TM
(``srsName=EPSG:3006``), optionally filtered to one kommun with GeoServer's ``CQL_FILTER``,
and page through the layer with ``count``/``startIndex``. The pure parser
:func:`parse_wfs_geojson` turns the pages into :class:`~omradesbild.sources.base.Areas`:
geometry as WKB in EPSG:3006, the layer's other attributes as JSON, and for DeSO layers that
carry ``regsokod`` a parent link DeSO -> RegSO.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import httpx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import shape

from omradesbild.areas.codes import KOMMUN_RE, VERSIONS, validate_code
from omradesbild.errors import ConfigError, FetchError, InputError
from omradesbild.sources.base import (
    AREA_COLUMNS,
    LINK_COLUMNS,
    Areas,
    SourceMeta,
    bytes_checksum,
    empty_frame,
)
from omradesbild.sources.http import HttpClient
from omradesbild.wording import Message, both

__all__ = [
    "SCB_WFS_LAYERS",
    "SCB_WFS_URL",
    "WfsLayer",
    "fetch_deso_boundaries",
    "getfeature_params",
    "parse_wfs_geojson",
]

#: SCB's open geodata WFS (GeoServer, workspace ``stat``).
SCB_WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"

BoundaryVersion = Literal["deso2018", "deso2025", "regso2020", "regso2025"]


@dataclass(frozen=True)
class WfsLayer:
    """How to read one WFS layer.

    Attributes
    ----------
    type_name
        GeoServer layer name, e.g. ``"stat:DeSO_2025"``.
    level, version
        Area level and boundary version of its features.
    code_fields
        Candidate attribute names of the area code (the first present is used).
    name_fields
        Candidate attribute names of the area name (DeSO have none).
    parent_fields
        Candidate attribute names of the parent's code (``regsokod`` on DeSO layers).
    parent_level, parent_version
        Level and version of that parent.
    kommun_field
        Attribute used in the ``CQL_FILTER`` for one kommun.
    """

    type_name: str
    level: str
    version: str
    code_fields: tuple[str, ...]
    name_fields: tuple[str, ...] = ()
    parent_fields: tuple[str, ...] = ()
    parent_level: str | None = None
    parent_version: str | None = None
    kommun_field: str = "kommunkod"


def _deso_layer(version: str, parent_fields: tuple[str, ...], regso_version: str) -> WfsLayer:
    """A ``stat:DeSO_<year>`` layer with its RegSO parent."""
    return WfsLayer(
        f"stat:DeSO_{version[-4:]}",
        "deso",
        version,
        code_fields=("desokod", "deso", "Deso"),
        parent_fields=parent_fields,
        parent_level="regso",
        parent_version=regso_version,
    )


def _regso_layer(version: str) -> WfsLayer:
    """A ``stat:RegSO_<year>`` layer with its kommun parent."""
    return WfsLayer(
        f"stat:RegSO_{version[-4:]}",
        "regso",
        version,
        code_fields=("regsokod", "regso", "RegSO"),
        name_fields=("regsonamn", "regso_namn", "RegSOnamn"),
        parent_fields=("kommunkod", "kommun"),
        parent_level="kommun",
        parent_version=VERSIONS["kommun"][0],
    )


#: The layers per boundary version. Names verified for 2025 (``stat:DeSO_2025`` with
#: ``desokod``, ``regsokod``, ``kommunkod``; ``stat:RegSO_2025`` with ``regsokod``,
#: ``regsonamn``); the 2018/2020 layers are read with the same candidates plus older
#: spellings. Override by passing your own :class:`WfsLayer`.
SCB_WFS_LAYERS: dict[str, WfsLayer] = {
    "deso2025": _deso_layer("deso2025", ("regsokod", "RegSOkod_2025", "regso"), "regso2025"),
    "deso2018": _deso_layer("deso2018", ("regsokod", "regso", "RegSO"), "regso2020"),
    "regso2025": _regso_layer("regso2025"),
    "regso2020": _regso_layer("regso2020"),
}

_TARGET_EPSG = 3006
#: Politeness towards the WFS: at most 10 requests per second.
WFS_RATE_LIMIT: tuple[int, float] = (10, 1.0)


def getfeature_params(
    layer: WfsLayer,
    *,
    kommun: str | None = None,
    count: int = 1000,
    start_index: int = 0,
    srs: str = "EPSG:3006",
) -> dict[str, str]:
    """Query parameters of one WFS 2.0 ``GetFeature`` page."""
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": layer.type_name,
        "outputFormat": "application/json",
        "srsName": srs,
        "count": str(count),
        "startIndex": str(start_index),
    }
    if kommun is not None:
        params["CQL_FILTER"] = f"{layer.kommun_field}='{kommun}'"
    return params


def _crs_of(collection: Mapping[str, Any], coords_sample: tuple[float, float] | None) -> CRS:
    crs = collection.get("crs")
    if isinstance(crs, Mapping):
        name = (crs.get("properties") or {}).get("name")
        if name:
            return CRS.from_user_input(name)
    # RFC 7946 GeoJSON without "crs" is WGS 84; GeoServer adds "crs" for other systems.
    # Coordinates beyond lon/lat range cannot be WGS 84: then it is what we asked for.
    if coords_sample is not None and (abs(coords_sample[0]) > 180 or abs(coords_sample[1]) > 90):
        return CRS.from_epsg(_TARGET_EPSG)
    return CRS.from_epsg(4326)


def _first(props: Mapping[str, Any], names: Sequence[str]) -> str | None:
    for n in names:
        v = props.get(n)
        if v is not None and str(v).strip():
            return str(v).strip()
    lowered = {k.casefold(): k for k in props}
    for n in names:
        k = lowered.get(n.casefold())
        if k is not None and props[k] is not None and str(props[k]).strip():
            return str(props[k]).strip()
    return None


def _swap_if_northing_first(geoms: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Swap x/y when SWEREF 99 TM coordinates come northing first (EPSG axis order).

    Sweden in EPSG:3006 has easting ~ 250 000–930 000 m and northing ~ 6 130 000–7 700 000 m,
    so a first coordinate above 5 000 000 means northing first.
    """
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return geoms
    minx, _miny, _maxx, maxy = shapely.total_bounds(np.asarray(valid, dtype=object))
    if minx > 5_000_000 and maxy < 2_000_000:
        return np.asarray(
            shapely.transform(geoms, lambda xy: xy[:, ::-1]),
            dtype=object,
        )
    return geoms


def parse_wfs_geojson(
    pages: Sequence[bytes | str | Mapping[str, Any]],
    *,
    version: str,
    reference: str,
    layer: WfsLayer | None = None,
    kommun: str | None = None,
) -> Areas:
    """Parse WFS GeoJSON FeatureCollection pages into areas (pure).

    Parameters
    ----------
    pages
        One or more FeatureCollections (bytes, text or decoded dicts).
    version
        Boundary version, a key of :data:`SCB_WFS_LAYERS` unless ``layer`` is given.
    reference
        Where the pages came from (URL), used in the source and in errors.
    layer
        Layer description; default ``SCB_WFS_LAYERS[version]``.
    kommun
        Keep only features of this kommun (by code prefix): a safeguard on top of the filter.

    Returns
    -------
    Areas
        ``areas`` with :data:`AREA_COLUMNS` (geometry WKB in EPSG:3006, attributes JSON) and
        ``links`` DeSO -> RegSO (``weight`` 1, ``method`` ``scb_key``) where the layer has the
        parent code. Duplicate codes over pages are dropped (first kept).

    Notes
    -----
    The CRS is the collection's ``crs`` member if present; otherwise WGS 84, unless the
    coordinates are outside lon/lat range (then EPSG:3006). Geometries are reprojected to
    EPSG:3006 when needed, and swapped to easting/northing order if they came northing first.
    """
    lay = _layer_for(version, layer)
    raw_all = b""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    seen: set[str] = set()
    for p, page in enumerate(pages, start=1):
        coll, raw = _decode_page(page, p, reference=reference)
        raw_all += raw
        page_rows, page_geoms = _page_features(
            coll, p, lay=lay, kommun=kommun, seen=seen, reference=reference
        )
        if page_geoms:
            geoms.extend(_to_target_crs(coll, page_geoms))
            rows.extend(page_rows)
    areas = _areas_frame(rows, geoms)
    links = _regso_links(areas, lay) if rows else empty_frame(LINK_COLUMNS)
    source = SourceMeta(
        publisher="SCB",
        table_id=lay.type_name,
        title=f"{lay.level.upper() if lay.level == 'deso' else 'RegSO'} boundaries {lay.version}"
        + (f", kommun {kommun}" if kommun else ""),
        reference=reference,
        checksum=bytes_checksum(raw_all),
        licence="CC0 1.0",
        notes="SCB geodata WFS, EPSG:3006",
    )
    return Areas(source=source, areas=areas, links=links)


def _layer_for(version: str, layer: WfsLayer | None) -> WfsLayer:
    """``layer``, or the :data:`SCB_WFS_LAYERS` entry of ``version``."""
    lay = layer or SCB_WFS_LAYERS.get(version)
    if lay is None:
        raise ConfigError(
            both(
                "err_src_wfs_unknown_version",
                version=repr(version),
                allowed=", ".join(sorted(SCB_WFS_LAYERS)),
            )
        )
    return lay


def _decode_page(
    page: bytes | str | Mapping[str, Any], p: int, *, reference: str
) -> tuple[Mapping[str, Any], bytes]:
    """Page ``p`` as a FeatureCollection, and its bytes for the checksum."""
    if isinstance(page, Mapping):
        coll: Mapping[str, Any] = page
        raw = json.dumps(page, sort_keys=True).encode()
    else:
        raw = page if isinstance(page, bytes) else page.encode("utf-8")
        try:
            coll = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                Message("err_src_wfs_page_json", page=p, error=str(exc)), file=reference
            ) from exc
    if not isinstance(coll, Mapping) or coll.get("type") != "FeatureCollection":
        raise InputError(
            Message("err_src_wfs_page_type", page=p),
            file=reference,
            field="type",
            expected=Message("exp_src_wfs_collection"),
        )
    return coll, raw


def _page_features(
    coll: Mapping[str, Any],
    p: int,
    *,
    lay: WfsLayer,
    kommun: str | None,
    seen: set[str],
    reference: str,
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Rows and shapely geometries of the new features of page ``p`` (``seen`` is updated)."""
    page_rows: list[dict[str, Any]] = []
    page_geoms: list[Any] = []
    for f_no, feat in enumerate(coll.get("features") or [], start=1):
        props = dict(feat.get("properties") or {})
        code = _feature_code(props, lay, feature=f_no, page=p, reference=reference)
        if code in seen or (kommun is not None and not code.startswith(kommun)):
            continue
        seen.add(code)
        gj = feat.get("geometry")
        try:
            geom = shape(gj) if gj else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise InputError(
                Message("err_src_wfs_invalid_geometry", code=code, error=str(exc)),
                file=reference,
                field="geometry",
            ) from exc
        page_rows.append(_feature_row(code, props, lay))
        page_geoms.append(geom)
    return page_rows, page_geoms


def _feature_code(
    props: Mapping[str, Any], lay: WfsLayer, *, feature: int, page: int, reference: str
) -> str:
    """The area code of feature ``feature`` on page ``page``, checked against the layer's
    level."""
    code = _first(props, lay.code_fields)
    if code is None:
        raise InputError(
            Message("err_src_wfs_no_code", feature=feature, page=page),
            file=reference,
            field=lay.code_fields[0],
            expected=Message(
                "exp_src_wfs_code_fields", fields=str(list(lay.code_fields)), got=str(sorted(props))
            ),
        )
    problem = validate_code(code, lay.level)
    if problem is not None:
        raise InputError(
            Message(
                "err_src_wfs_not_code", feature=feature, page=page, code=repr(code), level=lay.level
            ),
            file=reference,
            field=lay.code_fields[0],
            expected=problem,
        )
    return code


def _feature_row(code: str, props: Mapping[str, Any], lay: WfsLayer) -> dict[str, Any]:
    """The area row of one feature (without geometry)."""
    parent = _first(props, lay.parent_fields) if lay.parent_fields else None
    return {
        "area_code": code,
        "level": lay.level,
        "version": lay.version,
        "name": _first(props, lay.name_fields) if lay.name_fields else None,
        "parent_code": parent,
        "parent_level": lay.parent_level if parent else None,
        "parent_version": lay.parent_version if parent else None,
        "attributes": json.dumps(props, ensure_ascii=False, sort_keys=True, default=str)
        if props
        else None,
    }


def _to_target_crs(coll: Mapping[str, Any], page_geoms: list[Any]) -> list[Any]:
    """A page's geometries in EPSG:3006, easting first."""
    valid = [g for g in page_geoms if g is not None and not g.is_empty]
    sample = None
    if valid:
        b = shapely.bounds(valid[0])
        sample = (float(b[0]), float(b[1]))
    crs = _crs_of(coll, sample)
    garr = np.asarray(page_geoms, dtype=object)
    if crs.to_epsg() != _TARGET_EPSG:
        gs = pd.Series(garr)
        garr = np.asarray(
            gpd.GeoSeries(gs, crs=crs).to_crs(epsg=_TARGET_EPSG).to_numpy(), dtype=object
        )
    result: list[Any] = _swap_if_northing_first(garr).tolist()
    return result


def _areas_frame(rows: list[dict[str, Any]], geoms: list[Any]) -> pd.DataFrame:
    """The areas frame (:data:`AREA_COLUMNS`) with WKB geometry."""
    if not rows:
        return empty_frame(AREA_COLUMNS)
    areas = pd.DataFrame(rows)
    areas["geometry"] = [
        None if g is None or g.is_empty else bytes(shapely.to_wkb(g)) for g in geoms
    ]
    return areas[list(AREA_COLUMNS)].astype(object)


def _regso_links(areas: pd.DataFrame, lay: WfsLayer) -> pd.DataFrame:
    """Links DeSO -> RegSO from the parent codes of a DeSO layer (else empty)."""
    if lay.level != "deso" or lay.parent_level != "regso":
        return empty_frame(LINK_COLUMNS)
    with_parent = areas[areas["parent_code"].notna()]
    if not len(with_parent):
        return empty_frame(LINK_COLUMNS)
    return pd.DataFrame(
        {
            "from_code": with_parent["area_code"].to_numpy(),
            "from_level": lay.level,
            "from_version": lay.version,
            "to_code": with_parent["parent_code"].to_numpy(),
            "to_level": "regso",
            "to_version": lay.parent_version,
            "weight": 1.0,
            "method": "scb_key",
        },
        columns=list(LINK_COLUMNS),
    )


def fetch_deso_boundaries(
    version: BoundaryVersion | str,
    *,
    kommun: str | None = None,
    client: httpx.Client | None = None,
    cache_dir: str | Path | None = None,
    base_url: str = SCB_WFS_URL,
    layer: WfsLayer | None = None,
    page_size: int = 1000,
    max_pages: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
    max_retries: int = 5,
) -> Areas:
    """Fetch DeSO or RegSO boundaries from SCB's WFS, paging through the layer.

    Parameters
    ----------
    version
        ``"deso2018"``, ``"deso2025"``, ``"regso2020"`` or ``"regso2025"``.
    kommun
        4-digit kommun code to fetch only its areas (``CQL_FILTER=kommunkod='0180'``).
    client
        ``httpx.Client`` to send with (tests use :class:`httpx.MockTransport`).
    cache_dir
        Response cache; ``None``: no cache.
    base_url, layer
        Service URL and layer description (defaults: :data:`SCB_WFS_URL`,
        ``SCB_WFS_LAYERS[version]``).
    page_size, max_pages
        ``count`` per page and a bound on the number of pages.
    sleep, max_retries
        Backoff sleep function and retries on 429/5xx/timeouts.

    Raises
    ------
    FetchError
        When a request fails after its retries, or the service returns an error document.
    """
    lay = _layer_for(version, layer)
    if kommun is not None and not KOMMUN_RE.match(kommun):
        raise ConfigError(both("err_src_wfs_kommun", value=repr(kommun)))
    if page_size < 1:
        raise ConfigError(both("err_src_wfs_page_size"))
    with HttpClient(
        cache_dir=cache_dir,
        client=client,
        sleep=sleep,
        max_retries=max_retries,
        rate_limit=WFS_RATE_LIMIT,
    ) as http:
        pages, reference = _fetch_pages(
            http, lay, base_url=base_url, kommun=kommun, page_size=page_size, max_pages=max_pages
        )
    return parse_wfs_geojson(
        pages, version=lay.version, reference=reference or base_url, layer=lay, kommun=kommun
    )


def _fetch_pages(
    http: HttpClient,
    lay: WfsLayer,
    *,
    base_url: str,
    kommun: str | None,
    page_size: int,
    max_pages: int,
) -> tuple[list[Mapping[str, Any]], str | None]:
    """All pages of the layer and the URL of the first request."""
    pages: list[Mapping[str, Any]] = []
    reference: str | None = None
    start = 0
    for _ in range(max_pages):
        params = getfeature_params(lay, kommun=kommun, count=page_size, start_index=start)
        resp = http.get(base_url, params=params)
        reference = reference or resp.url
        head = resp.content.lstrip()[:1]
        if head == b"<" or "xml" in (resp.content_type or ""):
            excerpt = " ".join(resp.text.split())[:300]
            raise FetchError(both("err_src_wfs_error_answer", url=str(resp.url), excerpt=excerpt))
        coll = resp.json()
        if not isinstance(coll, Mapping):
            raise FetchError(both("err_src_wfs_expected_collection", url=str(resp.url)))
        pages.append(coll)
        n = len(coll.get("features") or [])
        start += n
        matched = coll.get("numberMatched")
        if n == 0 or n < page_size:
            return pages, reference
        if isinstance(matched, int) and start >= matched:
            return pages, reference
    raise FetchError(
        both(
            "err_src_wfs_too_many_pages",
            url=base_url,
            layer=lay.type_name,
            pages=max_pages,
            size=page_size,
        )
    )
