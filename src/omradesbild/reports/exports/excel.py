"""The Excel workbook: one sheet per domain, the index sheet, and sources and method."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import pandas as pd

from omradesbild.indicators.catalogue import DOMAINS as _DOMAIN_ORDER
from omradesbild.precision import (
    decimals_format,
    indicator_decimals,
    round_index_table,
    round_indicator_rows,
    score_decimals,
)
from omradesbild.reports.disclosure import MASK_SYMBOL, disclosure_rule_text
from omradesbild.reports.exports._common import (
    _INDEX_HEADS,
    _SOURCE_FIELDS,
    ExportSettings,
    _area_names,
    _cell,
    _disclose,
    _domain_of,
    _domain_title,
    _indicator_order,
    _kommun_of,
    _label,
    _named,
    _now,
    _package_version,
    _Settings,
    _settings,
    _sheet_name,
    _sources_frame,
    _unit,
)
from omradesbild.reports.exports.tables import index_in_lang, publishable_index

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

    from omradesbild.indicators import Catalogue


def export_excel(
    path: str | Path,
    *,
    indicators: pd.DataFrame,
    index: pd.DataFrame | None = None,
    areas: pd.DataFrame | None = None,
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    **settings: Unpack[ExportSettings],
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
        Areas with ``area_code`` and ``area_name`` (and ``kommun_code``, ``kommun_name``;
        see :func:`~omradesbild.services.names.area_name_frame`) or a registry's ``name``,
        for the name columns (optional).
    sources
        The sources (``Store.sources()``): publisher, table_id (or table), title, reference,
        checksum, licence, ingested_at.
    **settings
        ``methods``, ``lang``, ``threshold``, ``catalogue``, ``generated_at``: see
        :class:`~omradesbild.reports.exports.ExportSettings`.

    Notes
    -----
    Each domain sheet has one row per area and period and, per indicator, five columns:
    value, lower and upper bound of the 95 % interval, the reliability flag and the
    approximate flag (the row's ``approximate``, which the area profile's reliability reads:
    :func:`~omradesbild.services.area.reliability`). Suppressed cells hold ``'..'``; missing
    values are empty cells. By default (``precision``
    ``"rounded"``) every figure is rounded to its published precision and shown with that
    many decimals (:mod:`omradesbild.precision`); ``"full"`` writes every stored digit.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    opts = _settings(settings)
    text, lang, cat = opts.text, opts.lang, opts.cat
    disclosed = _disclose(indicators, opts.threshold)
    rounded = opts.precision == "rounded"
    names = _area_names(areas)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    sheet = _Sheets(
        wb=wb,
        used=set(),
        text=text,
        lang=lang,
        cat=cat,
        names=names,
        kommun=_kommun_of(areas),
        areas=areas,
        bold=Font(bold=True),
        wrap=Alignment(wrap_text=True, vertical="top"),
        rounded=rounded,
    )
    ids = _indicator_order(disclosed["indicator"].astype(str), cat)
    _domain_sheets(sheet, round_indicator_rows(disclosed, cat) if rounded else disclosed, ids)
    if index is not None:
        _index_sheet(sheet, index, disclosed, opts.methods)

    _meta_sheet(sheet, opts, ids=ids, sources=sources, has_index=index is not None)
    wb.save(path)
    return path


#: Columns per indicator on a domain sheet: value, interval (low, high), reliable, approximate.
_PER_INDICATOR = 5


@dataclass(frozen=True)
class _Sheets:
    """The workbook being written and what every sheet writer shares."""

    wb: Workbook
    used: set[str]  # sheet names taken so far
    text: Mapping[str, str]
    lang: str
    cat: Catalogue
    names: dict[str, str]
    kommun: dict[str, tuple[str, str]]  # area code -> (kommun code, kommun name)
    areas: pd.DataFrame | None
    bold: Font
    wrap: Alignment
    rounded: bool  # figures rounded to their published precision (else full)

    def create(self, title: str) -> Worksheet:
        """A new sheet with a unique, valid name derived from ``title``."""
        return self.wb.create_sheet(_sheet_name(title, self.used))

    def header(self, ws: Worksheet, row: list[str], widths: list[float]) -> None:
        """Append a bold, wrapped header row and set the column widths."""
        from openpyxl.utils import get_column_letter

        ws.append(row)
        for j, cell in enumerate(ws[ws.max_row], start=1):
            cell.font = self.bold
            cell.alignment = self.wrap
            ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]


def _domain_sheets(sheet: _Sheets, disclosed: pd.DataFrame, ids: list[str]) -> None:
    """One sheet per domain: a row per area and period, :data:`_PER_INDICATOR` columns per
    indicator."""
    text, cat, names = sheet.text, sheet.cat, sheet.names
    keys = ["area_code", "period"]
    kommun = sheet.kommun
    name_head = [text["area_name"]] if names else []
    name_head += [text["kommun_code"], text["kommun_name"]] if kommun else []
    key_head = [text["area_code"], *name_head, text["period"]]
    key_widths = [14.0, *([24.0] if names else []), *([10.0, 18.0] if kommun else []), 9.0]
    by_domain: dict[str, list[str]] = {}
    for ind in ids:
        by_domain.setdefault(_domain_of(ind, cat), []).append(ind)
    domain_order = [d for d in (*_DOMAIN_ORDER, *by_domain) if d in by_domain]
    for domain in dict.fromkeys(domain_order):
        ws = sheet.create(_domain_title(domain, sheet.lang))
        dom_ids = by_domain[domain]
        heads = list(key_head)
        widths = list(key_widths)
        for ind in dom_ids:
            lab = _label(ind, cat, sheet.lang)
            heads += [lab, f"{lab} – {text['ci_low']}", f"{lab} – {text['ci_high']}"]
            heads += [f"{lab} – {text['reliable']}", f"{lab} – {text['approximate']}"]
            widths += [18.0, 12.0, 12.0, 12.0, 12.0]
        sheet.header(ws, heads, widths)
        sub = disclosed[disclosed["indicator"].isin(dom_ids)].drop_duplicates(
            subset=[*keys, "indicator"]
        )
        lookup = {
            (str(r["area_code"]), str(r["period"]), str(r["indicator"])): r
            for r in sub.to_dict("records")
        }
        rows = sub[keys].astype(str).drop_duplicates().sort_values(keys)
        for code, period in rows.itertuples(index=False):
            line: list[Any] = [code, *([names.get(code)] if names else [])]
            line += list(kommun.get(code, (None, None))) if kommun else []
            line.append(period)
            for ind in dom_ids:
                rec = lookup.get((code, period, ind))
                if rec is None:
                    line += [None] * _PER_INDICATOR
                    continue
                hidden = bool(rec.get("masked"))
                for f in ("value", "ci_low", "ci_high"):
                    line.append(MASK_SYMBOL if hidden else _cell(rec.get(f)))
                line += [_cell(rec.get("reliable")), _cell(rec.get("approximate"))]
            ws.append(line)
        nkeys = len(key_head)
        for j in range(nkeys + 1, len(heads) + 1):
            if (j - nkeys - 1) % _PER_INDICATOR < 3:  # the value and its interval
                ind = dom_ids[(j - nkeys - 1) // _PER_INDICATOR]
                fmt = decimals_format(indicator_decimals(ind, cat)) if sheet.rounded else None
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt or "#,##0.0#"
        ws.freeze_panes = ws.cell(row=2, column=nkeys + 1)


def _index_sheet(
    sheet: _Sheets, index: pd.DataFrame, disclosed: pd.DataFrame, method_versions: dict[str, str]
) -> None:
    """The index sheet; adds the index method's version to ``method_versions``."""
    text, cat, names, lang = sheet.text, sheet.cat, sheet.names, sheet.lang
    pub = publishable_index(index_in_lang(index, lang), disclosed, catalogue=cat)
    if sheet.rounded:
        pub = round_index_table(pub, catalogue=cat)
    mid = str(index.attrs.get("method_id", "")) if index.attrs else ""
    if mid and "method_version" in index.attrs:
        method_versions.setdefault(mid, str(index.attrs["method_version"]))
    ws = sheet.create(f"{text['index_sheet']} {mid}".strip())
    if names:
        pub = _named(pub, sheet.areas)
    cols = [str(c) for c in pub.columns]
    heads = []
    for c in cols:
        if c in _INDEX_HEADS:
            heads.append(text[c])
        elif c == "reference":  # what the classes were computed against
            heads.append(text["index_reference"])
        elif c.endswith("_reliable") and c.removesuffix("_reliable") in pub.columns:
            heads.append(f"{_label(c.removesuffix('_reliable'), cat, lang)} – {text['reliable']}")
        elif c in cat.ids:
            heads.append(_label(c, cat, lang))
        else:
            heads.append(c)
    sheet.header(ws, heads, [max(10.0, min(40.0, len(h) * 0.9)) for h in heads])
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
    if sheet.rounded:
        # shown with the decimals they are rounded to, as the domain sheets' values
        formats = {c: decimals_format(indicator_decimals(c, cat)) for c in comps}
        formats["score"] = decimals_format(score_decimals(mid))
        for j, c in enumerate(cols, start=1):
            if c in formats:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = formats[c]
    ws.freeze_panes = ws.cell(row=2, column=min(3, len(cols)))


def _masked_lookup(disclosed: pd.DataFrame, comps: list[str]) -> set[tuple[str, str, str]]:
    m = disclosed[disclosed["masked"].astype(bool) & disclosed["indicator"].isin(comps)]
    return {
        (str(a), str(p), str(i))
        for a, p, i in m[["area_code", "period", "indicator"]].itertuples(index=False)
    }


def _meta_sheet(
    sheet: _Sheets,
    opts: _Settings,
    *,
    ids: list[str],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    has_index: bool,
) -> None:
    """The last sheet: how the file was made (threshold, precision), methods, sources and
    the indicators' definitions."""
    ws = sheet.create(sheet.text["meta_sheet"])
    text, lang, cat, bold = sheet.text, sheet.lang, sheet.cat, sheet.bold
    threshold = opts.threshold

    def bold_row(values: list[Any]) -> None:
        ws.append(values)
        for cell in ws[ws.max_row]:
            cell.font = bold

    # The file's title, as in the JSON's metadata ("title" is the head of a source's column).
    bold_row([text["export_title"]])
    ws.append([text["generated_at"], _now(opts.generated_at)])
    ws.append([text["package_version"], f"omradesbild {_package_version()}"])
    ws.append([text["threshold"], int(threshold)])
    ws.append([text["rule"], disclosure_rule_text(threshold, lang)])
    ws.append([text["legend"], text["legend_text"].format(symbol=MASK_SYMBOL)])
    ws.append([text["export_precision"], text[f"export_precision_{opts.precision}"]])
    if has_index:
        ws.append(["", text["index_note"]])
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        row[0].font = bold
        if len(row) > 1:
            row[1].alignment = sheet.wrap
    ws.append([])
    bold_row([text["methods"]])
    bold_row([text["method_id"], text["version"]])
    for mid, ver in opts.methods.items():
        ws.append([mid, ver])
    ws.append([])
    bold_row([text["sources"]])
    bold_row([text[k] for k in (*_SOURCE_FIELDS, "ingested_at")])
    for rec in _sources_frame(sources, lang=lang).to_dict("records"):
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
