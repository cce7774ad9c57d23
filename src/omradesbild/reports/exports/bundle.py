"""Every export of one level and period, read from a store."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, TypeVar

import pandas as pd

from omradesbild.config import BASE_VERSION
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.precision import Precision, check_precision
from omradesbild.reports.disclosure import DEFAULT_THRESHOLD, disclosure_rule_text
from omradesbild.reports.exports._common import FORMATS, ExportSettings, _check_lang
from omradesbild.reports.exports.excel import export_excel
from omradesbild.reports.exports.files import export_csv, export_json
from omradesbild.reports.exports.gpkg import export_geopackage
from omradesbild.reports.exports.tables import to_wide
from omradesbild.wording import Message, both

if TYPE_CHECKING:
    import geopandas as gpd

    from omradesbild.store import Store


def export_all(
    store: Store,
    out_dir: str | Path,
    *,
    level: str,
    version: str | None = None,
    period: str,
    method: str | None = "scb-omradestyp",
    lang: str = "sv",
    threshold: int = DEFAULT_THRESHOLD,
    formats: Sequence[str] = FORMATS,
    generated_at: datetime | None = None,
    kommun: str | None = None,
    precision: Precision = "rounded",
) -> dict[str, Path]:
    """Export every indicator (and one index) of a level and period from the store.

    Files are named ``omradesbild_<level>_<period>.<format>`` in ``out_dir``. The GeoPackage
    holds the level's polygons or, for a level without polygons of its own (RegSO 2020),
    the polygons the maps draw dissolved from :data:`~omradesbild.config.BASE_VERSION`
    (DeSO 2018; :func:`~omradesbild.services.geometry.level_polygons`), unsimplified in
    EPSG:3006 and labelled as dissolved; it is skipped with a warning when the level has
    neither.

    Parameters
    ----------
    method
        Index method id or YAML path (``None``: no index).
    formats
        Any of ``xlsx``, ``csv``, ``json``, ``gpkg``.
    kommun
        Only this kommun's areas (four digits, e.g. ``"0180"``); files are then named
        ``omradesbild_<level>_<period>_<kommun>.<format>``. Area types and ranks are still
        computed against every area of the level in the store.
    precision
        ``"rounded"`` (default): the CSV and Excel figures rounded to their published
        precision (:mod:`omradesbild.precision`); ``"full"``: every stored digit. The JSON
        and the GeoPackage always keep full precision.

    Returns
    -------
    dict
        Format → written file.
    """
    keep = _kommun_filter(store, kommun)  # identity without a kommun
    from omradesbild.index import load_method
    from omradesbild.indicators import default_catalogue
    from omradesbild.services.pipeline import (
        IndexSelection,
        area_index,
        area_indicators,
        resolve_version,
    )

    _check_lang(lang)
    check_precision(precision)
    fmts = _check_formats(formats)
    disclosure_rule_text(threshold, lang)  # validates the threshold early
    period = str(period)
    ver = "country" if level == "country" else resolve_version(store, level, version)
    ind = keep(area_indicators(store, level=level, version=ver, periods=[period]))
    if ind.empty:  # name the periods that have indicators at this level
        from omradesbild.services.followup._common import sort_periods

        every = area_indicators(store, level=level, version=ver)
        have = ", ".join(sort_periods(every["period"].astype(str).unique())) or "–"
        raise NotFoundError(
            both("err_svc_no_indicators_for", level=level, version=ver, period=period, have=have)
        )
    cat = default_catalogue()
    methods: dict[str, str] = {"indicator-catalogue": str(cat.version)}
    idx = None
    if method:
        m = load_method(method)
        idx = keep(area_index(store, IndexSelection(m, level, period, ver)))
        methods[m.id] = m.version
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"omradesbild_{level}_{period}" + (f"_{kommun}" if kommun else "")
    settings: ExportSettings = {
        "methods": methods,
        "lang": lang,
        "generated_at": generated_at,
        "threshold": threshold,
        "precision": precision,
    }
    from omradesbild.services.names import area_name_frame

    names = area_name_frame(store, level=level, version=ver, lang=lang)
    tables: _Tables = {
        "indicators": ind,
        "index": idx,
        "areas": keep(names),
        "sources": store.sources(),
    }
    job = _Job(store, level, ver, period, tables, settings, keep, kommun)
    written: dict[str, Path] = {}
    for f in fmts:
        path = _write_one(job, f, out / f"{stem}.{f}")
        if path is not None:
            written[f] = path
    return written


def _check_formats(formats: Sequence[str]) -> list[str]:
    """The requested formats, normalised and without repeats; unknown ones are an error."""
    fmts = list(dict.fromkeys(str(f).lower().lstrip(".") for f in formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        raise ConfigError(
            both("err_svc_export_formats", formats=", ".join(FORMATS),
                 unknown=", ".join(unknown) or Message("err_svc_none_given"))
        )  # fmt: skip
    return fmts


class _Tables(TypedDict):
    """The tables the Excel and JSON exports are written from (their keyword arguments)."""

    indicators: pd.DataFrame
    index: pd.DataFrame | None
    areas: pd.DataFrame  # area_code and the names (services.names.area_name_frame)
    sources: pd.DataFrame


@dataclass(frozen=True)
class _Job:
    """What every export of one level and period is written from."""

    store: Store
    level: str
    version: str
    period: str
    tables: _Tables
    settings: ExportSettings  # of the Excel and JSON exports
    keep: Callable[[pd.DataFrame], pd.DataFrame]  # the kommun filter (identity without one)
    kommun: str | None = None


def _write_one(job: _Job, fmt: str, target: Path) -> Path | None:
    """Write one format; ``None`` when a GeoPackage is skipped for want of geometry."""
    ind, threshold = job.tables["indicators"], job.settings.get("threshold", DEFAULT_THRESHOLD)
    if fmt == "xlsx":
        return export_excel(target, **job.tables, **job.settings)
    if fmt == "csv":
        return export_csv(
            target,
            indicators=ind,
            areas=job.tables["areas"],
            threshold=threshold,
            precision=job.settings.get("precision", "rounded"),
            lang=job.settings.get("lang", "sv"),
        )
    if fmt == "json":
        where = {"level": job.level, "version": job.version, "period": job.period}
        if job.kommun:
            where["kommun"] = job.kommun
        full: ExportSettings = {**job.settings, "precision": "full"}
        return export_json(target, extra_metadata=where, **job.tables, **full)
    gdf, dissolved = _polygons(job)
    if gdf.empty:
        warnings.warn(
            both("warn_svc_gpkg_no_geometry", level=job.level, version=job.version,
                 base=BASE_VERSION),
            UserWarning,
            stacklevel=3,
        )  # fmt: skip
        return None
    return export_geopackage(
        target,
        gdf,
        to_wide(ind, threshold=threshold),
        dissolved_from=BASE_VERSION if dissolved else None,
    )


def _polygons(job: _Job) -> tuple[gpd.GeoDataFrame, bool]:
    """The areas of the export with their polygons (EPSG:3006), and whether these were
    dissolved from :data:`~omradesbild.config.BASE_VERSION`: the level's own, else those the
    maps draw dissolved (:func:`~omradesbild.services.geometry.level_polygons`, e.g. RegSO
    2020 from DeSO 2018)."""
    import geopandas as gpd

    from omradesbild.services.geometry import STORE_CRS, level_polygons

    areas = job.keep(job.store.areas(level=job.level, version=job.version))
    areas = areas.assign(area_code=areas["area_code"].astype(str))
    polys, dissolved = level_polygons(
        job.store, level=job.level, version=job.version, base_version=BASE_VERSION,
        codes=set(areas["area_code"]),
    )  # fmt: skip
    cols = [c for c in ("area_code", "name", "level", "version") if c in areas.columns]
    shaped = areas[cols].merge(polys[["area_code", "geometry"]], on="area_code")
    return gpd.GeoDataFrame(shaped, geometry="geometry", crs=STORE_CRS), dissolved


_Frame = TypeVar("_Frame", bound=pd.DataFrame)


def _kommun_filter(store: Store, kommun: str | None) -> Callable[[_Frame], _Frame]:
    """``export_all(kommun=…)``: a function keeping only the rows of ``kommun``'s areas.

    The identity without a kommun. The code is checked first (four digits, areas in the
    store); when no area of the level lies in the kommun (e.g. a level whose codes do not
    name their kommun) the export is refused rather than written empty.
    """
    from omradesbild.services.followup._common import in_kommun, require_kommun

    code = require_kommun(store, kommun)
    if code is None:
        return lambda df: df

    def keep(df: _Frame) -> _Frame:
        out = df.loc[in_kommun(df["area_code"], code)]
        if out.empty and not df.empty:
            raise NotFoundError(both("err_svc_none_in_kommun", kommun=code))
        return out

    return keep
