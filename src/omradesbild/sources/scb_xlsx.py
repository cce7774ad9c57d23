"""Reader for xlsx exports from SCB's Statistikdatabasen (PX-Web).

One generic reader for every layout the web export writes: a title row, header rows spread
over several lines (tabellinnehåll, year, category labels, "totalt"/sex/age rows in any
order), a stub of one or more leading columns (the region code, sometimes a year or another
category), one row per area, and footnotes with SCB's metadata ("Sort:", "Referenstid:",
"Senaste uppdatering:", "Intern referenskod:").

The reader finds the data block from the area codes themselves, the header block above it,
the header row (or stub column) that holds the period, and maps every data column to a
canonical variable id through the catalogue ``scb_tables.yaml`` (keyed by SCB's table id).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from omradesbild.areas.codes import DESO_RE, REGSO_RE, VERSIONS
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    VARIABLE_COLUMNS,
    Observations,
    SourceMeta,
    file_checksum,
)

__all__ = [
    "DEFAULT_AREA_VERSIONS",
    "ScbTableCatalogue",
    "load_catalogue",
    "read_scb_xlsx",
]

#: Boundary version given to each area level when the caller does not override it.
DEFAULT_AREA_VERSIONS: dict[str, str] = dict(DEFAULT_VERSION)

_EXPECTED_FILE = "an xlsx export from SCB Statistikdatabasen (PX-Web)"
_EXPECTED_VALUE = "a number or one of SCB's missing-value markers " + ", ".join(
    repr(m) for m in SCB_MISSING_MARKERS
)
_EXPECTED_AREA = (
    "an area code: DeSO (0114A0010), RegSO (0114R001), kommun (0114), län (01) or 'Riket'"
)
_EXPECTED_PERIOD = "a year such as 2022, or a period such as 2022M01, 2022K1 or 2022H1"

_AREA_RE = re.compile(
    r"^(?P<code>\d{4}[ABC]\d{4}|\d{4}R\d{3}|\d{4}|\d{2})(?:\s+(?P<name>\D.*))?$", re.DOTALL
)
_RIKET_RE = re.compile(r"^(?:00\s+)?riket$", re.IGNORECASE)
_PERIOD_RE = re.compile(r"^(\d{4})(?:M(0[1-9]|1[0-2])|K([1-4])|H([12]))?$")
_NUMBER_RE = re.compile(r"^[+-]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?$")
_TABLE_ID_RE = re.compile(r"^([0-9A-Z]{8})(?:_|$)")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})

# Footer section headings of the PX-Web export (lower case, without the colon).
_SECTIONS = (
    "senaste uppdatering",
    "källa",
    "kontaktperson",
    "sort",
    "datatyp",
    "referenstid",
    "databas",
    "intern referenskod",
)
_NOTE_SECTIONS = (
    ("sort", "Sort"),
    ("datatyp", "Datatyp"),
    ("referenstid", "Referenstid"),
    ("senaste uppdatering", "Senaste uppdatering"),
    ("källa", "Källa"),
)
_UNIT_WORDS = {"tusentals kronor": "tkr", "kronor": "kr"}


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------


def _norm(label: str) -> str:
    """Normalise a header label for matching: NFC, one dash style, single spaces, casefold."""
    text = unicodedata.normalize("NFC", label).translate(_DASHES)
    text = " ".join(text.split()).strip().rstrip(":").strip()
    return text.casefold()


class ColumnRule(BaseModel):
    """How one data column (identified by its header labels) maps to a variable id."""

    model_config = ConfigDict(extra="forbid")

    variable: str
    labels: list[str] | None = None
    pattern: str | None = None
    other_labels: list[str] = []
    unit: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ColumnRule:
        if (self.labels is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'labels' or 'pattern'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.pattern!r}: {exc}") from exc
        return self

    def match(self, labels: Sequence[str]) -> str | None:
        """The variable id if this rule matches the column's labels, else ``None``."""
        normed = [_norm(x) for x in labels]
        if self.labels is not None:
            return self.variable if set(normed) == {_norm(x) for x in self.labels} else None
        assert self.pattern is not None
        rx = re.compile(self.pattern, re.IGNORECASE)
        others = {_norm(x) for x in self.other_labels}
        for i, lab in enumerate(normed):
            m = rx.match(lab)
            if m and set(normed[:i] + normed[i + 1 :]) == others:
                return m.expand(self.variable)
        return None


class TableEntry(BaseModel):
    """Catalogue entry of one SCB table."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    unit: str | None = None
    columns: list[ColumnRule]

    def lookup(self, labels: Sequence[str]) -> tuple[str, str | None] | None:
        """``(variable, unit)`` for a column with these labels, or ``None``."""
        for rule in self.columns:
            var = rule.match(labels)
            if var is not None:
                return var, rule.unit or self.unit
        return None


class ScbTableCatalogue(BaseModel):
    """All catalogued SCB tables, keyed by SCB's "Intern referenskod" (e.g. ``000005F8``)."""

    model_config = ConfigDict(extra="forbid")

    tables: dict[str, TableEntry]


def load_catalogue(path: str | Path | None = None) -> ScbTableCatalogue:
    """Load and validate a table catalogue (default: the packaged ``scb_tables.yaml``).

    Raises
    ------
    ConfigError
        When the file cannot be read or does not follow the catalogue schema.
    """
    if path is None:
        return _default_catalogue()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the SCB table catalogue: {exc}") from exc
    return _parse_catalogue(text, str(path))


@lru_cache(maxsize=1)
def _default_catalogue() -> ScbTableCatalogue:
    res = resources.files("omradesbild.sources").joinpath("scb_tables.yaml")
    return _parse_catalogue(res.read_text(encoding="utf-8"), "scb_tables.yaml")


def _parse_catalogue(text: str, where: str) -> ScbTableCatalogue:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
        raise ConfigError(f"{where}: expected a mapping with a 'tables' mapping")
    raw = {**raw, "tables": {str(k): v for k, v in raw["tables"].items()}}
    try:
        return ScbTableCatalogue.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: invalid SCB table catalogue: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _col_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(value: Any) -> str | float | None:
    """Normalise a calamine cell: stripped text, float, or ``None`` for empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime | date | time | timedelta):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    text = str(value).strip()
    return text or None


def _parse_area(cell: str | float | None) -> tuple[str, str] | None:
    """``(code, level)`` if the cell holds an area code (optionally followed by a name)."""
    return _parse_area_text(cell) if type(cell) is str else None


@lru_cache(maxsize=65536)
def _parse_area_text(cell: str) -> tuple[str, str] | None:
    if _RIKET_RE.match(cell):
        return "SE", "country"
    m = _AREA_RE.match(cell)
    if m is None:
        return None
    code = m.group("code")
    if DESO_RE.match(code):
        return code, "deso"
    if REGSO_RE.match(code):
        return code, "regso"
    if len(code) == 4:
        return code, "kommun"
    return ("SE", "country") if code == "00" else (code, "lan")


def _parse_period(cell: str | float | None) -> str | None:
    """Normalised period (``2022``, ``2022-01``, ``2022-Q1``, ``2022-H1``) or ``None``."""
    if isinstance(cell, float):
        if cell.is_integer() and 1800 <= cell <= 2200:
            return str(int(cell))
        return None
    if cell is None:
        return None
    m = _PERIOD_RE.match(cell.replace(" ", ""))
    if m is None:
        return None
    year, month, quarter, half = m.groups()
    if month:
        return f"{year}-{month}"
    if quarter:
        return f"{year}-Q{quarter}"
    if half:
        return f"{year}-H{half}"
    return year


def _is_yearlike_code(code: str) -> bool:
    return len(code) == 4 and 1800 <= int(code) <= 2200


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_DASHES))
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def _describe_non_xlsx(head: bytes) -> str:
    if not head:
        return "the file is empty"
    if head.startswith(b"\x89PNG"):
        return "the file is a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "the file is a JPEG image"
    if head.startswith(b"%PDF"):
        return "the file is a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the file is an old binary Excel (.xls) workbook; export or save it as .xlsx"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "the file is not an xlsx workbook (no ZIP container)"
    return "the file is text (e.g. CSV), not an xlsx workbook"


def _read_grid(path: Path) -> list[list[str | float | None]]:
    """All cells of the first sheet, row/column indices as in the spreadsheet (0-based)."""
    if not path.exists():
        raise InputError("file not found", file=path, expected=_EXPECTED_FILE)
    if not path.is_file():
        raise InputError("not a file", file=path, expected=_EXPECTED_FILE)
    with path.open("rb") as fh:
        head = fh.read(512)
    if not head.startswith(b"PK\x03\x04"):
        raise InputError(_describe_non_xlsx(head), file=path, expected=_EXPECTED_FILE)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise InputError("the workbook has no sheets", file=path, expected=_EXPECTED_FILE)
        raw = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except InputError:
        raise
    except BaseException as exc:  # calamine raises its own errors and pyo3 panics
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise InputError(
            f"cannot read the workbook, it may be truncated or corrupt ({exc})",
            file=path,
            expected="a complete xlsx workbook as written by SCB's web export",
        ) from exc
    return [[v if type(v) is float else _cell(v) for v in row] for row in raw]


# --------------------------------------------------------------------------------------------
# Layout detection
# --------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    region_col: int
    first: int  # first data row (0-based)
    last: int  # last data row (0-based)
    stub: list[int]  # stub columns (region, year, categories), left of the values
    value_cols: list[int]
    year_col: int | None
    category_cols: list[int]
    name_cols: list[int]
    title: str
    title_row: int | None
    last_filled: list[int]


def _last_filled(grid: list[list[str | float | None]]) -> list[int]:
    """Per row, the index of its last non-empty cell (-1 for an empty row)."""
    out = []
    for row in grid:
        j = len(row) - 1
        while j >= 0 and row[j] is None:
            j -= 1
        out.append(j)
    return out


def _find_region_column(
    grid: list[list[str | float | None]], last_filled: list[int], file: Path
) -> int:
    ncols = max((len(r) for r in grid), default=0)
    best: tuple[int, int, int] | None = None
    for c in range(min(ncols, 4)):
        codes: set[str] = set()
        for row, lf in zip(grid, last_filled, strict=True):
            if lf > c:
                area = _parse_area(row[c])
                if area is not None:
                    codes.add(area[0])
        score = (sum(not _is_yearlike_code(x) for x in codes), len(codes), -c)
        if codes and (best is None or score > best):
            best = score
    if best is None:
        raise InputError(
            "no data rows: no row holds an area code followed by values in columns A-D",
            file=file,
            expected=_EXPECTED_AREA,
        )
    return -best[2]


def _is_value_cell(cell: str | float | None) -> bool:
    if isinstance(cell, float):
        return True
    return isinstance(cell, str) and (cell in SCB_MISSING_MARKERS or bool(_NUMBER_RE.match(cell)))


def _is_stub_column(cells: list[str | float | None]) -> bool:
    """Whether a column right of the region column is part of the stub, not a value column.

    Stub columns hold text only (years are text in PX-Web exports): no numbers, no missing
    markers, and no numeric text other than periods.
    """
    filled = [x for x in cells if x is not None]
    if not filled:
        return False
    for x in filled:
        if not isinstance(x, str) or x in SCB_MISSING_MARKERS:
            return False
        if _NUMBER_RE.match(x) and _parse_period(x) is None:
            return False
    return True


def _detect_layout(grid: list[list[str | float | None]], file: Path) -> _Layout:
    last_filled = _last_filled(grid)
    region_col = _find_region_column(grid, last_filled, file)
    data_rows = [
        i
        for i, row in enumerate(grid)
        if last_filled[i] > region_col and _parse_area(row[region_col]) is not None
    ]
    first, last = data_rows[0], data_rows[-1]
    # Rows below the last code that continue its group (region blank, forward-filled).
    while (
        last + 1 < len(grid)
        and grid[last + 1][region_col] is None
        and last_filled[last + 1] > region_col
    ):
        last += 1
    block = [grid[i] for i in range(first, last + 1)]
    ncols = max(len(r) for r in grid)

    # Stub = every column up to the region column, then further leading columns that hold no
    # numbers (a year column, a name column, another category).
    stub = list(range(region_col + 1))
    c = region_col + 1
    while c < ncols and _is_stub_column([r[c] for r in block if c < len(r)]):
        stub.append(c)
        c += 1
    above = grid[:last]
    value_cols = [
        vc for vc in range(c, ncols) if any(r[vc] is not None for r in above if vc < len(r))
    ]
    if not value_cols:
        raise InputError(
            f"the data block (rows {first + 1}-{last + 1}) has no value columns right of the "
            f"region column {_col_letter(region_col)}",
            file=file,
            expected="one column of numbers per variable",
        )

    year_col: int | None = None
    category_cols: list[int] = []
    name_cols: list[int] = []
    for sc in stub:
        if sc == region_col:
            continue
        cells = [r[sc] for r in block if sc < len(r) and r[sc] is not None]
        if not cells:
            continue
        if all(_parse_period(x) is not None for x in cells):
            if year_col is not None:
                raise InputError(
                    f"two stub columns ({_col_letter(year_col)} and {_col_letter(sc)}) hold "
                    "years; cannot tell which is the period",
                    file=file,
                    expected="at most one year column",
                )
            year_col = sc
        elif _is_name_column(block, region_col, sc):
            name_cols.append(sc)
        else:
            category_cols.append(sc)

    title, title_row = "", None
    for i in range(first):
        cells = [x for x in grid[i] if x is not None]
        if cells:
            if (
                len(cells) == 1
                and isinstance(cells[0], str)
                and grid[i].index(cells[0]) < min(value_cols)
            ):
                title, title_row = cells[0], i
            break
    return _Layout(
        region_col=region_col,
        first=first,
        last=last,
        stub=stub,
        value_cols=value_cols,
        year_col=year_col,
        category_cols=category_cols,
        name_cols=name_cols,
        title=title,
        title_row=title_row,
        last_filled=last_filled,
    )


def _is_name_column(block: list[list[str | float | None]], region_col: int, col: int) -> bool:
    """Whether a text stub column just repeats one name per area (e.g. the DeSO's name)."""
    names: dict[object, set[object]] = {}
    region: object = None
    for row in block:
        if row[region_col] is not None:
            region = row[region_col]
        if row[col] is not None:
            names.setdefault(region, set()).add(row[col])
    distinct = {n for s in names.values() for n in s}
    return all(len(s) == 1 for s in names.values()) and len(distinct) > 1


# --------------------------------------------------------------------------------------------
# Header and footer
# --------------------------------------------------------------------------------------------


@dataclass
class _Header:
    labels: dict[int, list[str]]  # value column -> non-period labels, top to bottom
    periods: dict[int, str]  # value column -> period (when a header row holds years)
    year_row: int | None


def _parse_header(grid: list[list[str | float | None]], lay: _Layout, file: Path) -> _Header:
    start = 0 if lay.title_row is None else lay.title_row + 1
    rows = [
        i
        for i in range(start, lay.first)
        if any(c < len(grid[i]) and grid[i][c] is not None for c in lay.value_cols)
    ]
    # Fill labels rightwards: a label spans the columns to its right until a new label starts
    # in this row or in a row above (PX-Web writes a spanning label once, at its first column).
    filled: dict[int, dict[int, str | None]] = {}
    for k, i in enumerate(rows):
        current: str | None = None
        filled[i] = {}
        for c in lay.value_cols:
            raw = grid[i][c] if c < len(grid[i]) else None
            if raw is not None:
                current = raw if isinstance(raw, str) else _float_label(raw)
            elif any(c < len(grid[j]) and grid[j][c] is not None for j in rows[:k]):
                current = None
            filled[i][c] = current

    year_rows = [
        i
        for i in rows
        if all(v is not None and _parse_period(v) is not None for v in filled[i].values())
    ]
    if len(year_rows) > 1:
        raise InputError(
            "more than one header row holds years: rows "
            + ", ".join(str(i + 1) for i in year_rows),
            file=file,
            row=year_rows[1] + 1,
            expected="one header row with the period",
        )
    year_row = year_rows[0] if year_rows else None
    periods: dict[int, str] = {}
    if year_row is not None:
        for c, v in filled[year_row].items():
            periods[c] = str(_parse_period(v))
    labels = {
        c: [lab for i in rows if i != year_row and (lab := filled[i][c]) is not None]
        for c in lay.value_cols
    }
    for c, labs in labels.items():
        if not labs and not lay.category_cols:
            raise InputError(
                "data column has no header label",
                file=file,
                row=lay.first,
                field=_col_letter(c),
                expected="header rows above the data naming every column",
            )

    if year_row is None and lay.year_col is None:
        mixed = [i for i in rows if any(_parse_period(v) is not None for v in filled[i].values())]
        detail = (
            f"; header row {mixed[0] + 1} mixes years with other labels: "
            + ", ".join(repr(v) for v in filled[mixed[0]].values())
            if mixed
            else ""
        )
        raise InputError(
            "no period found: no header row holds years and no stub column holds years" + detail,
            file=file,
            row=(mixed[0] + 1) if mixed else (rows[0] + 1 if rows else None),
            expected=_EXPECTED_PERIOD,
        )
    if year_row is not None and lay.year_col is not None:
        raise InputError(
            f"both header row {year_row + 1} and stub column {_col_letter(lay.year_col)} hold "
            "years; cannot tell which is the period",
            file=file,
            expected="the period either in the header or in one stub column",
        )
    return _Header(labels=labels, periods=periods, year_row=year_row)


def _float_label(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


@dataclass
class _Footer:
    table_id: str | None = None
    official: bool = False
    footnotes: list[str] = field(default_factory=list)
    # section -> list of (sub-key or None, value)
    sections: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)

    def get(self, section: str, labels: Sequence[str] = ()) -> str | None:
        """The section's value for a column with ``labels`` (or its only/first value)."""
        entries = self.sections.get(section, [])
        if not entries:
            return None
        wanted = {_norm(x) for x in labels}
        for key, value in entries:
            if key is not None and _norm(key) in wanted:
                return value
        plain = [v for k, v in entries if k is None]
        return plain[0] if plain else None

    def render(self, section: str) -> str | None:
        entries = self.sections.get(section, [])
        if not entries:
            return None
        return "; ".join(f"{k.rstrip(':')}: {v}" if k else v for k, v in entries)


def _parse_footer(grid: list[list[str | float | None]], lay: _Layout, header: _Header) -> _Footer:
    known_labels = {_norm(x) for labs in header.labels.values() for x in labs}
    out = _Footer()
    section: str | None = None
    key: str | None = None
    for row in grid[lay.last + 1 :]:
        parts = [x if isinstance(x, str) else _float_label(x) for x in row if x is not None]
        if not parts:
            continue
        line = " ".join(parts)
        low = _norm(line)
        if line.rstrip().endswith(":") and low in _SECTIONS:
            section, key = low, None
            out.sections.setdefault(section, [])
            continue
        if low == "officiell statistik":
            out.official, section, key = True, None, None
            continue
        if section is None:
            out.footnotes.append(line)
        elif section == "intern referenskod":
            if out.table_id is None:
                out.table_id = line.strip()
        elif line.rstrip().endswith(":") or low in known_labels:
            key = line.strip()
        else:
            out.sections[section].append((key, line.strip()))
    return out


# --------------------------------------------------------------------------------------------
# Public reader
# --------------------------------------------------------------------------------------------


@dataclass
class _VarSpec:
    variable: str
    label: str
    unit: str
    in_catalogue: bool
    labels: list[str]


def _resolve_versions(levels: set[str], area_version: str | None, file: Path) -> dict[str, str]:
    versions = dict(DEFAULT_AREA_VERSIONS)
    if area_version is None:
        return versions
    if not area_version.strip():
        raise ConfigError(f"{file}: area_version must be a non-empty string or None")
    level = next((lv for lv, vs in VERSIONS.items() if area_version in vs), None)
    if level is None:
        level = next(
            (lv for lv in ("regso", "deso", "kommun", "lan") if area_version.startswith(lv)), None
        )
    if level is None:
        return dict.fromkeys(versions, area_version)
    if level not in levels:
        raise ConfigError(
            f"{file}: area_version {area_version!r} is a {level} version, but the file holds "
            f"{', '.join(sorted(levels))} codes"
        )
    versions[level] = area_version
    return versions


def _variable_specs(
    header: _Header,
    lay: _Layout,
    categories: list[tuple[str, ...]],
    table_id: str,
    entry: TableEntry | None,
    footer: _Footer,
) -> dict[tuple[int, tuple[str, ...]], _VarSpec]:
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec] = {}
    fallback: dict[tuple[str, ...], str] = {}
    for c in lay.value_cols:
        for cat in categories:
            labels = [*header.labels[c], *cat]
            hit = entry.lookup(labels) if entry is not None else None
            footer_unit = footer.get("sort", labels)
            if footer_unit is not None:
                footer_unit = _UNIT_WORDS.get(footer_unit.strip().lower(), footer_unit.strip())
            if hit is not None:
                variable, unit = hit
                specs[(c, cat)] = _VarSpec(
                    variable, " / ".join(labels), unit or footer_unit or "antal", True, labels
                )
                continue
            key = tuple(sorted({_norm(x) for x in labels}))
            if key in fallback:
                variable = fallback[key]
            else:
                base = f"scb_{_slug(table_id)}_" + (
                    _slug("_".join(labels)) or _col_letter(c).lower()
                )
                variable, n = base, 2
                while variable in fallback.values():
                    variable, n = f"{base}_{n}", n + 1
                fallback[key] = variable
            specs[(c, cat)] = _VarSpec(
                variable, " / ".join(labels), footer_unit or "antal", False, labels
            )
    return specs


def _describe(spec: _VarSpec, table_id: str, title: str, footer: _Footer) -> str:
    parts = [f"SCB {table_id}: {title}" if title else f"SCB {table_id}"]
    ref = footer.get("referenstid", spec.labels)
    if ref:
        parts.append(f"Referenstid: {ref}")
    if not spec.in_catalogue:
        parts.append(
            f"Not in the catalogue scb_tables.yaml: id derived from the header labels "
            f"({spec.label!r}); add the table to the catalogue for a canonical id"
        )
    return ". ".join(parts)


def read_scb_xlsx(
    path: str | Path, *, area_version: str | None = None, table_id: str | None = None
) -> Observations:
    """Read one xlsx export from SCB's Statistikdatabasen into long observations.

    Parameters
    ----------
    path
        The ``.xlsx`` file as downloaded from the PX-Web interface.
    area_version
        Boundary version of the areas. Default: inferred per level (DeSO codes ->
        ``deso2018``, RegSO -> ``regso2020``, kommun -> ``kommun2025``, län -> ``lan2025``).
        A known version of one level (e.g. ``"deso2025"``) overrides that level only; any
        other text is used for every row.
    table_id
        SCB's table id; default: the footer's "Intern referenskod", else the file name's
        8-character prefix (``000005F8_20240813-152932.xlsx`` -> ``000005F8``).

    Returns
    -------
    Observations
        ``data`` in :data:`~omradesbild.sources.base.OBS_COLUMNS` (one row per area, variable
        and period; SCB's markers ``..``, ``.``, ``-`` become NaN with ``missing_reason``),
        ``variables`` with label, unit and description per variable, and ``source`` with
        the title row, the file name, its SHA-256 and the footer metadata in ``notes``.

    Raises
    ------
    InputError
        Wrong or damaged file, no data rows, no period, a non-numeric value, or an area
        that occurs twice for the same variable and period; the message names the file, the
        row and/or column, and what was expected.
    ConfigError
        When ``area_version`` names a level the file does not hold.

    Notes
    -----
    Variable ids come from ``scb_tables.yaml``: a column matches a rule when the set of its
    header labels (all header rows except the period row, plus any category stub labels)
    equals the rule's set, compared case- and whitespace-insensitively. Unmatched columns
    get ``scb_<table id>_<slug of labels>``.
    """
    file = Path(path)
    grid = _read_grid(file)
    lay = _detect_layout(grid, file)
    header = _parse_header(grid, lay, file)
    footer = _parse_footer(grid, lay, header)

    m = _TABLE_ID_RE.match(file.name)
    tid = table_id or footer.table_id or (m.group(1) if m else file.stem)
    catalogue = _default_catalogue()
    entry = catalogue.tables.get(tid)

    # Walk the data block: forward-fill the stub (PX-Web blanks repeated outer labels).
    ncat = len(lay.category_cols)
    region: tuple[str, str] | None = None
    period_cell: str | None = None
    cat_state: list[str | None] = [None] * ncat
    rows: list[tuple[int, tuple[str, str], str | None, tuple[str, ...]]] = []
    for i in range(lay.first, lay.last + 1):
        row = grid[i]
        if lay.last_filled[i] < 0:
            continue
        rc = row[lay.region_col]
        if rc is not None:
            area = _parse_area(rc)
            if area is None:
                raise InputError(
                    f"unexpected region cell {rc!r} inside the data block",
                    file=file,
                    row=i + 1,
                    field=_col_letter(lay.region_col),
                    expected=_EXPECTED_AREA,
                )
            region = area
        if lay.year_col is not None and row[lay.year_col] is not None:
            period_cell = _parse_period(row[lay.year_col])
        for k, cc in enumerate(lay.category_cols):
            if row[cc] is not None:
                cat_state[k] = str(row[cc])
        if region is None or (lay.year_col is not None and period_cell is None):
            raise InputError(
                "data row without a region or a year in the stub",
                file=file,
                row=i + 1,
                expected=_EXPECTED_AREA,
            )
        rows.append((i, region, period_cell, tuple(x or "" for x in cat_state)))

    categories: list[tuple[str, ...]] = sorted({r[3] for r in rows}) if ncat else [()]
    specs = _variable_specs(header, lay, categories, tid, entry, footer)
    versions = _resolve_versions({r[1][1] for r in rows}, area_version, file)
    data, where = _build_data(grid, rows, lay, header, specs, versions, file)
    _check_duplicates(data, where, file)

    var_rows: dict[str, dict[str, object]] = {}
    for spec in specs.values():
        var_rows.setdefault(
            spec.variable,
            {
                "variable": spec.variable,
                "label": spec.label,
                "unit": spec.unit,
                "description": _describe(spec, tid, lay.title, footer),
            },
        )
    var_frame = pd.DataFrame(list(var_rows.values()), columns=list(VARIABLE_COLUMNS))

    notes = _notes(tid, footer, table_id, file, specs)
    title = lay.title or (entry.title if entry is not None and entry.title else file.stem)
    source = SourceMeta(
        publisher="SCB",
        table_id=tid,
        title=title,
        reference=file.name,
        checksum=file_checksum(file),
        licence="CC0 1.0",
        notes=notes,
    )
    return Observations(source=source, data=data, variables=var_frame)


def _build_data(
    grid: list[list[str | float | None]],
    rows: list[tuple[int, tuple[str, str], str | None, tuple[str, ...]]],
    lay: _Layout,
    header: _Header,
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec],
    versions: dict[str, str],
    file: Path,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Long observations, column by column; also each observation's (row, column) cell."""
    row_idx = np.array([r[0] for r in rows], dtype=np.int64)
    codes = np.array([r[1][0] for r in rows], dtype=object)
    vers = np.array([versions[r[1][1]] for r in rows], dtype=object)
    row_periods = [r[2] for r in rows]
    cats = [r[3] for r in rows]
    one_cat = len(specs) == len(lay.value_cols)
    markers = SCB_MISSING_MARKERS
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("area_code", "area_version", "variable", "period", "value", "unit")
    }
    reason_parts: list[list[str | None]] = []
    where_parts: list[np.ndarray] = []
    n = len(rows)
    for c in lay.value_cols:
        cells = [grid[i][c] if c < len(grid[i]) else None for i in row_idx]
        reasons: list[str | None] = [None] * n
        if all(type(x) is float for x in cells):
            values = np.array(cells, dtype="float64")
        else:
            values = np.empty(n, dtype="float64")
            for j, cell in enumerate(cells):
                if isinstance(cell, float):
                    values[j] = cell
                elif isinstance(cell, str) and cell in markers:
                    values[j], reasons[j] = np.nan, markers[cell]
                elif isinstance(cell, str) and _NUMBER_RE.match(cell):
                    values[j] = float(re.sub(r"[ \u00a0\u202f]", "", cell).replace(",", "."))
                else:
                    shown = "an empty cell" if cell is None else f"{cell!r}"
                    raise InputError(
                        f"{shown} is not a value",
                        file=file,
                        row=int(row_idx[j]) + 1,
                        field=f"{_col_letter(c)} ({specs[(c, cats[j])].label})",
                        expected=_EXPECTED_VALUE,
                    )
        if one_cat:
            spec = specs[(c, cats[0])]
            variables = np.full(n, spec.variable, dtype=object)
            units = np.full(n, spec.unit, dtype=object)
        else:
            variables = np.array([specs[(c, cat)].variable for cat in cats], dtype=object)
            units = np.array([specs[(c, cat)].unit for cat in cats], dtype=object)
        if header.periods:
            periods = np.full(n, header.periods[c], dtype=object)
        else:
            periods = np.array(row_periods, dtype=object)
        parts["area_code"].append(codes)
        parts["area_version"].append(vers)
        parts["variable"].append(variables)
        parts["period"].append(periods)
        parts["value"].append(values)
        parts["unit"].append(units)
        reason_parts.append(reasons)
        where_parts.append(np.column_stack([row_idx, np.full(n, c, dtype=np.int64)]))
    columns: dict[str, Any] = {k: np.concatenate(v) for k, v in parts.items()}
    columns["missing_reason"] = pd.Series(
        [x for part in reason_parts for x in part], dtype="object"
    )
    data = pd.DataFrame(columns, columns=list(OBS_COLUMNS))
    return data, np.concatenate(where_parts)


def _check_duplicates(data: pd.DataFrame, where: np.ndarray, file: Path) -> None:
    """Raise when an area occurs twice for the same variable and period."""
    keys = ["area_code", "area_version", "variable", "period"]
    dup = data.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return
    idx = np.flatnonzero(dup)
    first = data.iloc[idx[0]]
    key_values = data[keys].to_numpy()
    same = [j for j in idx if tuple(key_values[j]) == tuple(key_values[idx[0]])]
    cells = [f"{_col_letter(int(where[j][1]))}{int(where[j][0]) + 1}" for j in same]
    raise InputError(
        f"area {first['area_code']} occurs more than once for variable "
        f"{first['variable']!r}, period {first['period']} (cells {', '.join(cells)})",
        file=file,
        row=int(where[same[1]][0]) + 1,
        field=_col_letter(int(where[same[1]][1])),
        expected="each area once per variable and period",
    )


def _notes(
    tid: str,
    footer: _Footer,
    table_id_arg: str | None,
    file: Path,
    specs: dict[tuple[int, tuple[str, ...]], _VarSpec],
) -> str:
    lines = [f"Intern referenskod: {footer.table_id or '(saknas i filen)'}"]
    if table_id_arg and footer.table_id and table_id_arg != footer.table_id:
        lines.append(f"table_id {table_id_arg!r} given by the caller overrides the footer's")
    for key, name in _NOTE_SECTIONS:
        text = footer.render(key)
        if text:
            lines.append(f"{name}: {text}")
    lines.append(f"Officiell statistik: {'ja' if footer.official else 'nej'}")
    fallback = sorted({s.variable for s in specs.values() if not s.in_catalogue})
    if fallback:
        lines.append(
            f"Table {tid} (file {file.name}): {len(fallback)} column(s) not in the catalogue "
            f"scb_tables.yaml; ids derived from header labels: {', '.join(fallback)}"
        )
    if footer.footnotes:
        lines.append("Fotnoter:")
        lines.extend(f"- {note}" for note in footer.footnotes)
    return "\n".join(lines)
