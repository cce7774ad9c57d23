"""Constants and small helpers shared by the exporters."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.precision import Precision, check_precision
from omradesbild.reports.disclosure import DEFAULT_THRESHOLD, apply_disclosure
from omradesbild.wording import (
    Message,
    domain_label,
    licence_label,
    note_text,
    source_title,
    strings,
    unit_label,
)

if TYPE_CHECKING:
    from omradesbild.indicators import Catalogue


#: Formats :func:`export_all` can write.
FORMATS: tuple[str, ...] = ("xlsx", "csv", "json", "gpkg")

#: Layer name of the GeoPackage.
GPKG_LAYER = "omradesbild"

#: Per-indicator fields of the wide table (the value column carries the bare indicator id).
WIDE_FIELDS: tuple[str, ...] = ("value", "ci_low", "ci_high", "reliable", "approximate", "masked")

_INDEX_HEADS = (
    "area_code",
    "area_name",
    "kommun_code",
    "kommun_name",
    "period",
    "score",
    "rank",
    "class",
    "class_label",
    "fallback_used",
    "fallback_label_sv",
    "fallback_label_en",
    "missing_indicators",
)

_SOURCE_FIELDS = ("publisher", "table_id", "title", "reference", "checksum", "licence")


class ExportSettings(TypedDict, total=False):
    """What the Excel and JSON exports take besides the tables; every key may be left out.

    Attributes
    ----------
    methods
        Method id → version (index methods, catalogue version …).
    lang
        ``"sv"`` (Swedish headers and texts, default) or ``"en"``.
    threshold
        Disclosure threshold (default :data:`~omradesbild.reports.disclosure.
        DEFAULT_THRESHOLD`, see :func:`~omradesbild.reports.disclosure.apply_disclosure`).
    catalogue
        The indicator catalogue (default: the package's).
    generated_at
        The time of generation written in the file (default: now).
    precision
        ``"rounded"`` (default): figures rounded to their published precision
        (:mod:`omradesbild.precision`); ``"full"``: every stored digit. The Excel workbook
        follows it; the JSON export always keeps full precision.
    """

    methods: Mapping[str, str] | None
    lang: str
    threshold: int
    catalogue: Catalogue | None
    generated_at: datetime | None
    precision: Precision


@dataclass(frozen=True)
class _Settings:
    """:class:`ExportSettings` with the defaults filled in and the language checked."""

    methods: dict[str, str]
    lang: str
    text: Mapping[str, str]  # the language's strings
    threshold: int
    cat: Catalogue
    generated_at: datetime | None
    precision: Precision


def _settings(given: ExportSettings) -> _Settings:
    lang = given.get("lang", "sv")
    return _Settings(
        methods=_methods_dict(given.get("methods")),
        lang=lang,
        text=_check_lang(lang),
        threshold=given.get("threshold", DEFAULT_THRESHOLD),
        cat=_catalogue(given.get("catalogue")),
        generated_at=given.get("generated_at"),
        precision=check_precision(given.get("precision", "rounded")),
    )


def _check_lang(lang: str) -> Mapping[str, str]:
    return strings(lang)


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    from omradesbild.indicators import default_catalogue

    return catalogue if catalogue is not None else default_catalogue()


def _disclose(indicators: pd.DataFrame, threshold: int) -> pd.DataFrame:
    required = ("area_code", "period", "indicator", "value")
    missing = [c for c in required if c not in indicators.columns]
    if missing:
        raise InputError(
            Message("err_svc_indicators_lack_columns", columns=", ".join(missing)),
            field=missing[0],
            expected=Message("exp_svc_long_rows"),
        )
    return apply_disclosure(indicators, threshold=threshold)


def notes_in_lang(disclosed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``disclosed`` with its ``note`` column worded in ``lang`` (:func:`~omradesbild.
    wording.note_text`; each distinct note once); unchanged without the column."""
    if "note" not in disclosed.columns:
        return disclosed
    notes = disclosed["note"].astype(object)
    known = notes.notna()
    worded = {n: note_text(n, lang) for n in pd.unique(notes[known])}
    out = disclosed.copy()
    out["note"] = notes.where(~known, notes.map(worded))
    return out


def _cell(v: Any) -> Any:
    """A value openpyxl and json can take: None for missing, plain Python scalars."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, pd.Timestamp | datetime):
        return v.isoformat()
    if isinstance(v, list | tuple | np.ndarray):
        return ", ".join(str(x) for x in v)
    if isinstance(v, str):
        return v
    return str(v)


def _now(generated_at: datetime | None) -> str:
    t = generated_at if generated_at is not None else datetime.now(UTC)
    return t.isoformat(timespec="seconds")


def _package_version() -> str:
    from omradesbild import __version__

    return __version__


def _sources_frame(
    sources: pd.DataFrame | Iterable[Mapping[str, Any]], *, lang: str | None = None
) -> pd.DataFrame:
    """The sources' fields of an export; with ``lang``, the stored title and licence worded
    in it (:func:`~omradesbild.wording.source_title`, :func:`~omradesbild.wording.
    licence_label`)."""
    df = sources.copy() if isinstance(sources, pd.DataFrame) else pd.DataFrame(list(sources))
    if "table" in df.columns and "table_id" not in df.columns:
        df = df.rename(columns={"table": "table_id"})
    for c in (*_SOURCE_FIELDS, "ingested_at"):
        if c not in df.columns:
            df[c] = None
    df = df[[*_SOURCE_FIELDS, "ingested_at"]].copy()
    df["ingested_at"] = [_cell(v) for v in df["ingested_at"]]
    if lang is not None:
        for col, word in (("title", source_title), ("licence", licence_label)):
            df[col] = [word(v, lang) if isinstance(v, str) else v for v in df[col]]
    return df.reset_index(drop=True)


def _names_frame(areas: pd.DataFrame | None) -> pd.DataFrame | None:
    """``area_code`` and the name columns of ``areas`` (``area_name`` from :func:`~omradesbild.
    services.names.area_name_frame`, else a registry's ``name``); ``None`` without names."""
    if areas is None or "area_code" not in areas.columns:
        return None
    if "area_name" in areas.columns:
        cols = [c for c in ("area_name", "kommun_code", "kommun_name") if c in areas.columns]
        frame = areas[["area_code", *cols]].copy()
    elif "name" in areas.columns:
        frame = areas[["area_code", "name"]].rename(columns={"name": "area_name"})
    else:
        return None
    frame["area_code"] = frame["area_code"].astype(str)
    for c in ("kommun_code", "kommun_name"):
        if c not in frame.columns:
            frame[c] = None
    return frame


def _area_names(areas: pd.DataFrame | None) -> dict[str, str]:
    frame = _names_frame(areas)
    if frame is None:
        return {}
    sub = frame[["area_code", "area_name"]].dropna()
    return dict(zip(sub["area_code"], sub["area_name"].astype(str), strict=True))


def _kommun_of(areas: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    """Area code -> (kommun code, kommun name), for the areas that have a kommun."""
    frame = _names_frame(areas)
    if frame is None:
        return {}
    sub = frame.dropna(subset=["kommun_code"])
    return {
        str(c): (str(k), "" if n is None or n != n else str(n))
        for c, k, n in zip(sub["area_code"], sub["kommun_code"], sub["kommun_name"], strict=True)
    }


def _named(df: pd.DataFrame, areas: pd.DataFrame | None) -> pd.DataFrame:
    """``df`` with the name columns of ``areas`` after ``area_code`` (unchanged without)."""
    from omradesbild.services.names import add_name_columns

    frame = _names_frame(areas)
    if frame is None or "area_code" not in df.columns:
        return df
    return add_name_columns(df.assign(area_code=df["area_code"].astype(str)), frame)


def _indicator_order(ids: Iterable[str], cat: Catalogue) -> list[str]:
    present = set(ids)
    ordered = [i for i in cat.ids if i in present]
    return ordered + sorted(present - set(ordered))


def _label(indicator: str, cat: Catalogue, lang: str) -> str:
    if indicator not in cat.ids:
        return indicator
    ind = cat.get(indicator)
    name = ind.name_sv if lang == "sv" else ind.name_en
    unit = "%" if ind.unit == "procent" else _unit(ind.unit, lang)
    if unit.lower() in name.lower() or ind.unit.lower() in name.lower():
        return name
    return f"{name} ({unit})"


def _unit(unit: str, lang: str) -> str:
    return unit_label(unit, lang)


def _domain_of(indicator: str, cat: Catalogue) -> str:
    return cat.get(indicator).domain if indicator in cat.ids else "övrigt"


def _domain_title(domain: str, lang: str) -> str:
    title = domain_label(domain, lang)
    return title[:1].upper() + title[1:]


def _sheet_name(title: str, used: set[str]) -> str:
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Blad"
    name, n = clean, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        name = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _methods_dict(methods: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (methods or {}).items()}
