"""Exports: indicators and indices as Excel, CSV, JSON and GeoPackage, with provenance.

Every exporter passes the indicator rows through
:func:`~omradesbild.reports.disclosure.apply_disclosure` before anything is written, and
writes the disclosure rule, the sources, the method versions, the time of generation and the
package version beside the figures.

- :func:`export_excel` — one sheet per catalogue domain (areas × indicators with value, 95 %
  interval and reliability flag), an index sheet, and a sheet "Källor och metod"
  ("Sources and method");
- :func:`export_csv` — the long, tidy indicator table;
- :func:`export_json` — the same rows as records, with a ``metadata`` block;
- :func:`export_geopackage` — one layer ``omradesbild``: area geometry (EPSG:3006) and one
  column per indicator;
- :func:`export_all` — all of them for one level and period, read from a store.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.reports.disclosure import (
    DEFAULT_THRESHOLD,
    DISCLOSED_ATTR,
    MASK_SYMBOL,
    apply_disclosure,
    disclosure_rule_text,
    mask_components,
)
from omradesbild.wording import domain_label, strings, unit_label

if TYPE_CHECKING:
    import geopandas as gpd

    from omradesbild.indicators import Catalogue
    from omradesbild.store import Store

#: Formats :func:`export_all` can write.
FORMATS: tuple[str, ...] = ("xlsx", "csv", "json", "gpkg")

#: Layer name of the GeoPackage.
GPKG_LAYER = "omradesbild"

#: Per-indicator fields of the wide table (the value column carries the bare indicator id).
WIDE_FIELDS: tuple[str, ...] = ("value", "ci_low", "ci_high", "reliable", "masked")

_INDEX_HEADS = (
    "area_code",
    "area_name",
    "period",
    "score",
    "rank",
    "class",
    "class_label",
    "fallback_used",
    "missing_indicators",
)

_SOURCE_FIELDS = ("publisher", "table_id", "title", "reference", "checksum", "licence")

#: Order of the domain sheets (the catalogue's Swedish domain names).
_DOMAIN_ORDER = (
    "inkomst",
    "utbildning",
    "arbete",
    "boende",
    "befolkning",
    "hushåll",
    "brott och trygghet",
    "hälsa",
    "övrigt",
)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


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
            f"the indicator table lacks the column(s) {', '.join(missing)}",
            field=missing[0],
            expected="long indicator rows as from area_indicators()",
        )
    return apply_disclosure(indicators, threshold=threshold)


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


def _sources_frame(sources: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    df = sources.copy() if isinstance(sources, pd.DataFrame) else pd.DataFrame(list(sources))
    if "table" in df.columns and "table_id" not in df.columns:
        df = df.rename(columns={"table": "table_id"})
    for c in (*_SOURCE_FIELDS, "ingested_at"):
        if c not in df.columns:
            df[c] = None
    df = df[[*_SOURCE_FIELDS, "ingested_at"]].copy()
    df["ingested_at"] = [_cell(v) for v in df["ingested_at"]]
    return df.reset_index(drop=True)


def _area_names(areas: pd.DataFrame | None) -> dict[str, str]:
    if areas is None or "name" not in areas.columns:
        return {}
    sub = areas[["area_code", "name"]].dropna()
    return dict(zip(sub["area_code"].astype(str), sub["name"].astype(str), strict=True))


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


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def to_wide(
    indicators: pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    fields: Sequence[str] = WIDE_FIELDS,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Disclosed long indicator rows as one row per area and period.

    Parameters
    ----------
    indicators
        Long indicator rows (disclosed or not: :func:`apply_disclosure` is applied).
    threshold
        Disclosure threshold.
    fields
        Per-indicator fields; ``value`` becomes the column ``<indicator>``, any other field
        ``<indicator>_<field>``.

    Returns
    -------
    DataFrame
        ``area_code``, ``period`` and the indicator columns in catalogue order. ``attrs``
        records the disclosure threshold (required by :func:`export_geopackage`).
    """
    disclosed = _disclose(indicators, threshold)
    cat = _catalogue(catalogue)
    keys = ["area_code", "period"]
    base = disclosed[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    dedup = disclosed.drop_duplicates(subset=[*keys, "indicator"])
    cols: dict[str, pd.Series] = {}
    for ind in _indicator_order(dedup["indicator"].astype(str), cat):
        sub = dedup[dedup["indicator"] == ind].set_index(keys)
        aligned = sub.reindex(pd.MultiIndex.from_frame(base))
        for f in fields:
            if f not in aligned.columns:
                continue
            name = ind if f == "value" else f"{ind}_{f}"
            col = aligned[f].reset_index(drop=True)
            if f in ("reliable", "masked", "approximate"):
                col = col.astype("boolean")
            elif f != "mask_reason" and f != "note":
                col = pd.to_numeric(col, errors="coerce").astype("float64")
            cols[name] = col
    out = pd.concat([base, pd.DataFrame(cols)], axis=1)
    out.attrs = {DISCLOSED_ATTR: disclosed.attrs[DISCLOSED_ATTR]}
    return out


def publishable_index(
    index: pd.DataFrame, disclosed: pd.DataFrame, *, catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """An index result ready to publish: components masked, normalised columns dropped.

    The component indicator columns (those with a ``<id>_reliable`` sibling, or catalogue
    ids) are suppressed where :func:`apply_disclosure` suppressed the indicator for the area
    and period; components absent from ``disclosed`` are dropped with their flags. The
    ``*_norm`` columns (rescaled component values) are dropped. Score, theme values, rank and
    class are kept: they are computed from all values, so with the method and the other
    components published a suppressed component can in principle be recovered (no secondary
    suppression).
    """
    cat = _catalogue(catalogue)
    out = index.drop(columns=[c for c in index.columns if str(c).endswith("_norm")])
    comps = [str(c) for c in out.columns if f"{c}_reliable" in out.columns or str(c) in cat.ids]
    masked = mask_components(out, disclosed, columns=comps)
    dropped = [c for c in comps if c not in masked.columns]
    masked = masked.drop(columns=[f"{c}_reliable" for c in dropped if f"{c}_reliable" in masked])
    masked.attrs = dict(index.attrs)
    return masked


def export_metadata(
    *,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    methods: Mapping[str, str] | None,
    lang: str = "sv",
    threshold: int = DEFAULT_THRESHOLD,
    generated_at: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance block written beside every export (JSON-ready)."""
    _check_lang(lang)
    src = _sources_frame(sources)
    return {
        "title": strings(lang)["export_title"],
        "generated_at": _now(generated_at),
        "package": "omradesbild",
        "package_version": _package_version(),
        "lang": lang,
        **dict(extra or {}),
        "disclosure": {
            "threshold": int(threshold),
            "symbol": MASK_SYMBOL,
            "rule": disclosure_rule_text(threshold, lang),
        },
        "methods": [{"id": k, "version": v} for k, v in _methods_dict(methods).items()],
        "sources": [{k: _cell(v) for k, v in row.items()} for row in src.to_dict("records")],
    }


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------


def export_excel(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    index: pd.DataFrame | None = None,
    areas: pd.DataFrame | None = None,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    methods: Mapping[str, str] | None = None,
    lang: str = "sv",
    threshold: int = DEFAULT_THRESHOLD,
    catalogue: Catalogue | None = None,
    generated_at: datetime | None = None,
) -> Path:
    """Write an Excel workbook: one sheet per domain, the index, and sources and method.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write (replaced if it exists).
    indicators
        Long indicator rows (:func:`omradesbild.services.pipeline.area_indicators`).
    index
        An index result (:func:`omradesbild.services.pipeline.area_index`), or ``None``.
    areas
        Areas with ``area_code`` and ``name``, for the name column (optional).
    sources
        The sources (``Store.sources()``): publisher, table_id (or table), title, reference,
        checksum, licence, ingested_at.
    methods
        Method id → version (index methods, catalogue version …).
    lang
        ``"sv"`` (Swedish headers, default) or ``"en"``.
    threshold
        Disclosure threshold (see :func:`apply_disclosure`).

    Notes
    -----
    Each domain sheet has one row per area and period and, per indicator, four columns:
    value, lower and upper bound of the 95 % interval, and the reliability flag. Suppressed
    cells hold ``'..'``; missing values are empty cells.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    text = _check_lang(lang)
    cat = _catalogue(catalogue)
    disclosed = _disclose(indicators, threshold)
    names = _area_names(areas)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    used: set[str] = set()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def header(ws: Worksheet, row: list[str], widths: list[float]) -> None:
        ws.append(row)
        for j, cell in enumerate(ws[ws.max_row], start=1):
            cell.font = bold
            cell.alignment = wrap
            ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]

    keys = ["area_code", "period"]
    key_head = [text["area_code"], *([text["area_name"]] if names else []), text["period"]]
    key_widths = [14.0, *([24.0] if names else []), 9.0]
    ids = _indicator_order(disclosed["indicator"].astype(str), cat)
    by_domain: dict[str, list[str]] = {}
    for ind in ids:
        by_domain.setdefault(_domain_of(ind, cat), []).append(ind)
    domain_order = [d for d in (*_DOMAIN_ORDER, *by_domain) if d in by_domain]
    for domain in dict.fromkeys(domain_order):
        ws = wb.create_sheet(_sheet_name(_domain_title(domain, lang), used))
        dom_ids = by_domain[domain]
        heads = list(key_head)
        widths = list(key_widths)
        for ind in dom_ids:
            lab = _label(ind, cat, lang)
            heads += [lab, f"{lab} – {text['ci_low']}", f"{lab} – {text['ci_high']}"]
            heads += [f"{lab} – {text['reliable']}"]
            widths += [18.0, 12.0, 12.0, 12.0]
        header(ws, heads, widths)
        sub = disclosed[disclosed["indicator"].isin(dom_ids)].drop_duplicates(
            subset=[*keys, "indicator"]
        )
        lookup = {
            (str(r["area_code"]), str(r["period"]), str(r["indicator"])): r
            for r in sub.to_dict("records")
        }
        rows = sub[keys].astype(str).drop_duplicates().sort_values(keys)
        for code, period in rows.itertuples(index=False):
            line: list[Any] = [code, *([names.get(code)] if names else []), period]
            for ind in dom_ids:
                rec = lookup.get((code, period, ind))
                if rec is None:
                    line += [None, None, None, None]
                    continue
                hidden = bool(rec.get("masked"))
                for f in ("value", "ci_low", "ci_high"):
                    line.append(MASK_SYMBOL if hidden else _cell(rec.get(f)))
                line.append(_cell(rec.get("reliable")))
            ws.append(line)
        nkeys = len(key_head)
        for j in range(nkeys + 1, len(heads) + 1):
            if (j - nkeys) % 4 != 0:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "#,##0.0#"
        ws.freeze_panes = ws.cell(row=2, column=nkeys + 1)

    method_versions = _methods_dict(methods)
    if index is not None:
        pub = publishable_index(index, disclosed, catalogue=cat)
        mid = str(index.attrs.get("method_id", "")) if index.attrs else ""
        if mid and "method_version" in index.attrs:
            method_versions.setdefault(mid, str(index.attrs["method_version"]))
        title = f"{text['index_sheet']} {mid}".strip()
        ws = wb.create_sheet(_sheet_name(title, used))
        cols = [str(c) for c in pub.columns]
        if names and "area_code" in cols:
            pub = pub.assign(area_name=pub["area_code"].astype(str).map(names))
            cols.insert(cols.index("area_code") + 1, "area_name")
            pub = pub[cols]
        heads = []
        for c in cols:
            if c in _INDEX_HEADS:
                heads.append(text[c])
            elif c.endswith("_reliable") and c.removesuffix("_reliable") in pub.columns:
                heads.append(
                    f"{_label(c.removesuffix('_reliable'), cat, lang)} – {text['reliable']}"
                )
            elif c in cat.ids:
                heads.append(_label(c, cat, lang))
            else:
                heads.append(c)
        header(ws, heads, [max(10.0, min(40.0, len(h) * 0.9)) for h in heads])
        comps = [c for c in cols if c in cat.ids]
        masked_cells = _masked_lookup(disclosed, comps)
        for rec in pub.to_dict("records"):
            line = []
            for c in cols:
                if c in comps and (str(rec.get("area_code")), str(rec.get("period")), c) in (
                    masked_cells
                ):
                    line.append(MASK_SYMBOL)
                else:
                    line.append(_cell(rec.get(c)))
            ws.append(line)
        ws.freeze_panes = ws.cell(row=2, column=min(3, len(cols)))

    _meta_sheet(
        wb.create_sheet(_sheet_name(text["meta_sheet"], used)),
        text=text,
        lang=lang,
        cat=cat,
        ids=ids,
        sources=sources,
        methods=method_versions,
        threshold=threshold,
        generated_at=generated_at,
        has_index=index is not None,
        bold=bold,
        wrap=wrap,
    )
    wb.save(path)
    return path


def _masked_lookup(disclosed: pd.DataFrame, comps: list[str]) -> set[tuple[str, str, str]]:
    m = disclosed[disclosed["masked"].astype(bool) & disclosed["indicator"].isin(comps)]
    return {
        (str(a), str(p), str(i))
        for a, p, i in m[["area_code", "period", "indicator"]].itertuples(index=False)
    }


def _meta_sheet(
    ws: Any,
    *,
    text: Mapping[str, str],
    lang: str,
    cat: Catalogue,
    ids: list[str],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    methods: dict[str, str],
    threshold: int,
    generated_at: datetime | None,
    has_index: bool,
    bold: Any,
    wrap: Any,
) -> None:
    def bold_row(values: list[Any]) -> None:
        ws.append(values)
        for cell in ws[ws.max_row]:
            cell.font = bold

    bold_row([text["title"]])
    ws.append([text["generated_at"], _now(generated_at)])
    ws.append([text["package_version"], f"omradesbild {_package_version()}"])
    ws.append([text["threshold"], int(threshold)])
    ws.append([text["rule"], disclosure_rule_text(threshold, lang)])
    ws.append([text["legend"], text["legend_text"].format(symbol=MASK_SYMBOL)])
    if has_index:
        ws.append(["", text["index_note"]])
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        row[0].font = bold
        if len(row) > 1:
            row[1].alignment = wrap
    ws.append([])
    bold_row([text["methods"]])
    bold_row([text["method_id"], text["version"]])
    for mid, ver in methods.items():
        ws.append([mid, ver])
    ws.append([])
    bold_row([text["sources"]])
    bold_row([text[k] for k in (*_SOURCE_FIELDS, "ingested_at")])
    for rec in _sources_frame(sources).to_dict("records"):
        ws.append([_cell(v) for v in rec.values()])
    ws.append([])
    bold_row([text["indicators"]])
    bold_row(
        [
            text["indicator_id"],
            text["indicator_name"],
            text["domain"],
            text["unit"],
            text["numerator"],
            text["denominator"],
            text["min_denominator"],
        ]
    )
    for ind_id in ids:
        if ind_id not in cat.ids:
            ws.append([ind_id])
            continue
        ind = cat.get(ind_id)
        ws.append(
            [
                ind.id,
                ind.name_sv if lang == "sv" else ind.name_en,
                _domain_title(ind.domain, lang),
                _unit(ind.unit, lang),
                ind.numerator_text,
                ind.denominator_text,
                ind.min_denominator,
            ]
        )
    for letter, width in zip("ABCDEFG", (28, 90, 22, 30, 40, 40, 26), strict=True):
        ws.column_dimensions[letter].width = width


# --------------------------------------------------------------------------------------------
# CSV, JSON, GeoPackage
# --------------------------------------------------------------------------------------------


def export_csv(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    areas: pd.DataFrame | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Path:
    """Write the disclosed long indicator table as CSV (UTF-8, comma, ``.`` decimals).

    Columns: those of ``indicators`` (``area_code``, ``level``, ``period``, ``indicator``,
    ``numerator``, ``denominator``, ``value``, ``ci_low``, ``ci_high``, ``reliable``,
    ``approximate``, ``value_smoothed``, ``note``) plus ``masked`` and ``mask_reason``, and
    ``area_name`` after ``area_code`` when ``areas`` is given. Suppressed and missing cells
    are empty; ``masked`` tells them apart.
    """
    disclosed = _disclose(indicators, threshold)
    names = _area_names(areas)
    if names:
        pos = list(disclosed.columns).index("area_code") + 1
        disclosed.insert(pos, "area_name", disclosed["area_code"].astype(str).map(names))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    disclosed.to_csv(path, index=False, encoding="utf-8")
    return path


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _cell(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def export_json(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    index: pd.DataFrame | None = None,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    methods: Mapping[str, str] | None = None,
    lang: str = "sv",
    threshold: int = DEFAULT_THRESHOLD,
    catalogue: Catalogue | None = None,
    generated_at: datetime | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``{"metadata": …, "indicators": [records], "index": [records]}`` as JSON.

    ``metadata`` holds the generation time, package version, disclosure threshold and rule
    text (in ``lang``), the methods and the sources (see :func:`export_metadata`), and the
    indicator definitions used. Missing and suppressed values are ``null``; suppressed rows
    have ``"masked": true`` and a ``mask_reason``.
    """
    cat = _catalogue(catalogue)
    disclosed = _disclose(indicators, threshold)
    methods_out = _methods_dict(methods)
    body: dict[str, Any] = {}
    if index is not None:
        if index.attrs.get("method_id") and index.attrs.get("method_version"):
            methods_out.setdefault(
                str(index.attrs["method_id"]), str(index.attrs["method_version"])
            )
        body["index"] = _records(publishable_index(index, disclosed, catalogue=cat))
    meta = export_metadata(
        sources=sources,
        methods=methods_out,
        lang=lang,
        threshold=threshold,
        generated_at=generated_at,
        extra=extra_metadata,
    )
    if index is not None:
        meta["index_note"] = strings(lang)["index_note"]
    ids = _indicator_order(disclosed["indicator"].astype(str), cat)
    meta["indicators"] = [
        {
            "id": i,
            "name": (cat.get(i).name_sv if lang == "sv" else cat.get(i).name_en),
            "domain": cat.get(i).domain,
            "unit": cat.get(i).unit,
            "kind": cat.get(i).kind,
        }
        if i in cat.ids
        else {"id": i}
        for i in ids
    ]
    doc = {"metadata": meta, "indicators": _records(disclosed), **body}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False), "utf-8")
    return path


def export_geopackage(
    path: str | Path,
    areas_gdf: gpd.GeoDataFrame,
    wide_indicators: pd.DataFrame,
    *,
    layer: str = GPKG_LAYER,
    threshold: int = DEFAULT_THRESHOLD,
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
            "the wide indicator table has not been through the disclosure rule",
            field="wide_indicators",
            expected="a table from omradesbild.reports.exports.to_wide() or long indicator rows",
        )
    if "period" in wide.columns:
        periods = sorted(wide["period"].dropna().astype(str).unique())
        if len(periods) > 1:
            raise InputError(
                f"the GeoPackage holds one period, the table has {len(periods)}: "
                f"{', '.join(periods)}",
                field="period",
                expected="rows of one period",
            )
    if "area_code" not in areas_gdf.columns:
        raise InputError("the areas lack the column area_code", field="area_code")
    geo = areas_gdf[areas_gdf.geometry.notna() & ~areas_gdf.geometry.is_empty]
    if geo.empty:
        raise NotFoundError("no area has a geometry: ingest boundaries to write a GeoPackage")
    keep = [c for c in ("area_code", "name", "level", "version") if c in geo.columns]
    geo = gpd.GeoDataFrame(geo[keep].copy(), geometry=geo.geometry.to_numpy(), crs=geo.crs)
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
    out.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


# --------------------------------------------------------------------------------------------
# From the store
# --------------------------------------------------------------------------------------------


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
) -> dict[str, Path]:
    """Export every indicator (and one index) of a level and period from the store.

    Files are named ``omradesbild_<level>_<period>.<format>`` in ``out_dir``. The GeoPackage
    is skipped with a warning when no area of the level has a geometry.

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

    Returns
    -------
    dict
        Format → written file.
    """
    keep = _kommun_filter(store, kommun)  # identity without a kommun
    from omradesbild.index import load_method
    from omradesbild.indicators import default_catalogue
    from omradesbild.services.pipeline import area_index, area_indicators, resolve_version

    _check_lang(lang)
    fmts = list(dict.fromkeys(str(f).lower().lstrip(".") for f in formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        raise ConfigError(
            f"unknown export format(s) {', '.join(unknown) or '(none)'}; "
            f"expected some of {', '.join(FORMATS)}"
        )
    disclosure_rule_text(threshold, lang)  # validates the threshold early
    period = str(period)
    ver = "country" if level == "country" else resolve_version(store, level, version)
    ind = keep(area_indicators(store, level=level, version=ver, periods=[period]))
    if ind.empty:
        raise NotFoundError(f"no indicators can be computed for {level} ({ver}) in {period}")
    cat = default_catalogue()
    methods: dict[str, str] = {"indicator-catalogue": str(cat.version)}
    idx = None
    if method:
        m = load_method(method)
        idx = keep(area_index(store, method=m, level=level, period=period, version=ver))
        methods[m.id] = m.version
    areas = keep(store.areas(level=level, version=ver))
    sources = store.sources()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"omradesbild_{level}_{period}" + (f"_{kommun}" if kommun else "")
    common: dict[str, Any] = {"threshold": threshold}
    written: dict[str, Path] = {}
    for f in fmts:
        target = out / f"{stem}.{f}"
        if f == "xlsx":
            written[f] = export_excel(
                target,
                indicators=ind,
                index=idx,
                areas=areas,
                sources=sources,
                methods=methods,
                lang=lang,
                generated_at=generated_at,
                **common,
            )
        elif f == "csv":
            written[f] = export_csv(target, indicators=ind, areas=areas, **common)
        elif f == "json":
            written[f] = export_json(
                target,
                indicators=ind,
                index=idx,
                sources=sources,
                methods=methods,
                lang=lang,
                generated_at=generated_at,
                extra_metadata={"level": level, "version": ver, "period": period}
                | ({"kommun": kommun} if kommun else {}),
                **common,
            )
        else:
            gdf = keep(store.areas(level=level, version=ver, geometry=True))
            if gdf.geometry.notna().sum() == 0:
                warnings.warn(
                    f"no {level} area of version {ver} has a geometry; GeoPackage skipped",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            written[f] = export_geopackage(target, gdf, to_wide(ind, threshold=threshold))
    return written


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
            raise NotFoundError(f"no area of this level lies in kommun {code}")
        return out

    return keep
