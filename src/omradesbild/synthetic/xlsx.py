"""SCB Statistikdatabasen-style xlsx files of the SYNTHETIC city, byte-for-byte reproducible.

Used by :func:`omradesbild.synthetic.writers.write_city_files`, which re-exports
:func:`scb_table_bytes`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font

from omradesbild.synthetic.constants import (
    TITLE_PREFIX,
    TableSpec,
)

#: The fixed date written wherever a file format wants a timestamp.
FIXED_DATE = (2025, 1, 1, 0, 0, 0)
FIXED_ISO = "2025-01-01T00:00:00Z"


def _stable_zip(data: bytes, *, sheet_xml: bytes | None = None) -> bytes:
    """Rewrite an xlsx (zip) so that it holds no timestamps: fixed entry dates and properties.

    ``sheet_xml``, when given, replaces the first worksheet.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if sheet_xml is not None and info.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rb"\g<1>" + FIXED_ISO.encode() + rb"\g<3>",
                    content,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, content)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# SCB xlsx
# --------------------------------------------------------------------------------------------


def _cell(value: float, *, decimals: bool) -> object:
    if value != value:  # NaN: suppressed
        return ".."
    return round(float(value), 1) if decimals else int(value)


def _header_rows(spec: TableSpec, year: int) -> list[list[object]]:
    labels = [label for label, _ in spec.columns]
    n = len(labels)
    y = str(year)
    if spec.layout == "year_row":
        return [[None, y, *([None] * (n - 1))], [None, *labels]]
    if spec.layout == "year_row_total":
        return [[None, y, *([None] * (n - 1))], [None, *labels], [None, *(["totalt"] * n)]]
    if spec.layout == "content_year":
        third = "nettoinkomst" if spec.table_id == "000005FM" else "totalt ålder"
        rows: list[list[object]] = [[None, *labels], [None, *([y] * n)], [None, *([third] * n)]]
        if spec.table_id == "000005FM":
            rows.append([None, *(["totalt"] * n)])
        return rows
    if spec.layout == "labour":
        return [
            [None, *labels],
            [None, *(["totalt"] * n)],
            [None, *(["16-64 år"] * n)],
            [None, *([y] * n)],
        ]
    if spec.layout == "year_column":
        return [[None, None, *labels]]
    raise ValueError(f"unknown layout {spec.layout!r}")


#: The first footnote of the city's tables: what the data is.
CITY_NOTE = (
    "SYNTETISKA DATA: påhittade värden för den fiktiva kommunen Exempelstad (9999). "
    "Inte statistik från SCB."
)


def _footer_rows(spec: TableSpec, seed: int, note: str) -> list[object]:
    sort = {"tkr": "tusentals kronor", "procent": "andel"}.get(spec.unit, "antal")
    return [
        None,
        note,
        f"Genererad av omradesbild.synthetic (frö {seed}). Delarna summerar exakt till "
        "totalerna utom där små värden är undertryckta (..).",
        None,
        "Senaste uppdatering:",
        "20250101 08:00",
        None,
        "Källa:",
        "Syntetiska data (Områdesbild), inte SCB",
        None,
        "Sort:",
        sort,
        None,
        "Datatyp:",
        "Stock",
        None,
        "Referenstid:",
        "31 december respektive år",
        None,
        None,
        None,
        "Inte officiell statistik",
        None,
        "Databas:",
        "Syntetisk (inte Statistikdatabasen)",
        None,
        "Intern referenskod:",
        spec.table_id,
    ]


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_xml(rows: list[list[object]], title_style: str) -> bytes:
    """SpreadsheetML for ``rows`` (inline strings; ``None`` cells and empty rows omitted)."""
    width = max(len(r) for r in rows)
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{_col_letter(width - 1)}{len(rows)}"/><sheetData>'
    ]
    for r, row in enumerate(rows, start=1):
        cells: list[str] = []
        for c, v in enumerate(row):
            if v is None:
                continue
            ref = f"{_col_letter(c)}{r}"
            if isinstance(v, str):
                style = f' s="{title_style}"' if r == 1 and c == 0 else ""
                cells.append(
                    f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">'
                    f"{xml_escape(v)}</t></is></c>"
                )
            else:
                cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
        if cells:
            parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode("utf-8")


def scb_table_bytes(
    spec: TableSpec,
    year: int,
    codes: Sequence[str],
    values: np.ndarray,
    *,
    seed: int,
    title_prefix: str = TITLE_PREFIX,
    note: str = CITY_NOTE,
) -> bytes:
    """One Statistikdatabasen-style xlsx export as bytes (deterministic).

    openpyxl builds the workbook package (styles, workbook, properties) with the bold title
    cell; the worksheet's cells are then serialised directly, which is ~20x faster than
    openpyxl's pure-Python cell writer and gives the same cell contents.

    Parameters
    ----------
    spec
        The table.
    year
        Statistic year written in the header.
    codes
        DeSO codes, one per data row.
    values
        Shape ``(len(codes), len(spec.columns))``; NaN is written as SCB's ``..``.
    seed
        Mentioned in the footnote.
    title_prefix, note
        What the title begins with and the first footnote: both say the data is synthetic.
    """
    title = f"{title_prefix}{spec.title}"
    rows: list[list[object]] = [[title], []]
    rows.extend(_header_rows(spec, year))
    decimals = spec.table_id == "000005FM"
    for k, code in enumerate(codes):
        cells = [_cell(v, decimals=decimals and j < 2) for j, v in enumerate(values[k].tolist())]
        if spec.layout == "year_column":
            rows.append([str(year) if k == 0 else None, code, *cells])
        else:
            rows.append([code, *cells])
    rows.extend([line] for line in _footer_rows(spec, seed, note))
    return _stable_zip(_skeleton(spec.table_id, title), sheet_xml=_sheet_xml(rows, "1"))


@lru_cache(maxsize=64)
def _skeleton(table_id: str, title: str) -> bytes:
    """An openpyxl workbook with one sheet named ``table_id`` whose A1 is the bold title
    (kept: every year of a table has the same; :func:`_stable_zip` drops its timestamps)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = table_id
    wb.properties.creator = "omradesbild.synthetic"
    wb.properties.title = title
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
