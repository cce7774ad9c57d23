"""PX-Web CSV responses (API v1 ``csv``, v2 ``outputFormat=csv``) as observations."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from omradesbild.areas.registry import is_country
from omradesbild.errors import InputError
from omradesbild.sources.base import OBS_COLUMNS, SCB_MISSING_MARKERS, Observations, SourceMeta
from omradesbild.sources.pxweb.common import (
    _NULL_REASON,
    _PERIOD_TAIL_RE,
    _REGION_NAMES,
    _TIME_NAMES,
    VariableMap,
    _checksum_of,
    _level_of,
    _missing,
    _norm_key,
    _obs_frame,
    _resolve_version,
    _VariableResolver,
    _variables_frame,
    normalize_period,
    split_region_code,
)
from omradesbild.wording import Message


def _decode(text: bytes | str) -> str:
    if isinstance(text, str):
        return text.lstrip("\ufeff")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError:
        return text.decode("cp1252")


def _sniff_delimiter(lines: list[str]) -> str:
    """The separator (``,``, ``;`` or tab) giving the same field count (> 1) on every line.

    The first line is left out of the sample when there are more, since it may be a title.
    """
    sample = lines[1:8] if len(lines) > 2 else lines
    best, best_n = ",", 0
    for d in (",", ";", "\t"):
        counts = {len(r) for r in csv.reader(sample, delimiter=d)}
        if len(counts) == 1:
            n = counts.pop()
            if n > 1 and n > best_n:
                best, best_n = d, n
    return best


def _is_numberish(cell: str) -> bool:
    s = cell.strip()
    if s in SCB_MISSING_MARKERS or s == "":
        return True
    try:
        _to_float(s)
    except ValueError:
        return False
    return True


def _to_float(s: str) -> float:
    s = s.replace("\u00a0", "").replace(" ", "")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    return float(s)


def _unit_hint(label: str) -> str | None:
    low = label.casefold()
    if re.search(r"\btkr\b", low):
        return "tkr"
    if "procent" in low or low.endswith("%"):
        return "procent"
    return None


def parse_pxweb_csv(
    text: bytes | str,
    *,
    reference: str,
    variable_map: VariableMap | None = None,
    area_version: str | None = None,
    table_id: str | None = None,
    title: str | None = None,
    dimensions: Sequence[str] | None = None,
    region_column: str | None = None,
    time_column: str | None = None,
    period: str | None = None,
    units: Mapping[str, str] | None = None,
    unmapped: Literal["slug", "drop", "error"] = "slug",
    retrieved_at: datetime | None = None,
    publisher: str = "SCB",
) -> Observations:
    """Parse a PX-Web CSV response (v1 ``"csv"``, v2 ``outputFormat=csv``) into observations.

    The CSV is a wide table: leading *stub* columns hold dimension values (region, and maybe
    sex, age, time …); each remaining column is one combination of the *heading* dimensions,
    its header the labels (or codes) joined by spaces, e.g. ``"Folkmängd 2022"``.

    Parameters
    ----------
    text
        The CSV (bytes are decoded as UTF-8, falling back to Windows-1252). Comma, semicolon
        and tab separators are detected; an optional title line before the header is skipped.
    reference
        URL or file, used in the source and in error messages.
    variable_map, area_version, table_id, unmapped
        As for :func:`parse_jsonstat2`. The lookup key is the tuple of the other stub
        values followed by the value-column header without its period.
    dimensions
        Names of the stub columns; default: leading columns whose header is a known
        region/time name or whose cells are not numbers.
    region_column, time_column
        Header of the region/time column; default: detected by name (``region``; ``tid``,
        ``år``, ``month`` …). Region cells such as ``"0114 Upplands Väsby"`` keep the code.
    period
        The period when neither a time column nor a trailing period in the value headers
        (``2022``, ``2022M06``, ``2022K1``) gives it.
    publisher
        Who published the table (default ``SCB``).
    units
        Unit per variable id; default: ``tkr``/``procent`` when the header says so, else None.

    Notes
    -----
    Cells ``..``, ``.``, ``-`` become NaN with a ``missing_reason``; empty cells become NaN
    with reason "saknas". Numbers may use a decimal comma when the separator is not a comma.
    """
    checksum, table = _read_table(text, reference=reference, title=title)
    stub = _stub_columns(table, dimensions, region_column=region_column, time_column=time_column)
    value_cols = [j for j in range(len(table.header)) if j not in stub]
    if not value_cols:
        raise InputError(Message("err_src_no_value_columns"), file=reference, row=table.line_no[0])
    region_j = _region_column(table, stub, region_column, reference=reference)
    time_j = _find_column(table, stub, time_column, _TIME_NAMES, reference=reference)
    columns = _value_columns(table, value_cols, time_j, period, reference=reference)
    var_rows: dict[str, tuple[str, str | None, str | None]] = {}
    records = _records(
        table,
        columns,
        region_j=region_j,
        time_j=time_j,
        other_stub=[j for j in stub if j not in (region_j, time_j)],
        resolver=_VariableResolver(variable_map, unmapped),
        units=units or {},
        area_version=area_version,
        var_rows=var_rows,
        reference=reference,
    )
    tid = table_id or "pxweb"
    source = SourceMeta(
        publisher=publisher,
        table_id=tid,
        title=table.title or tid,
        reference=reference,
        checksum=checksum,
        licence="CC0 1.0",
        retrieved_at=retrieved_at,
        notes="PX-Web CSV",
    )
    return Observations(
        source=source, data=_obs_frame(records), variables=_variables_frame(var_rows)
    )


@dataclass(frozen=True)
class _Table:
    """The CSV's header, data rows, their 1-based line numbers (header first) and title."""

    header: list[str]
    data_rows: list[list[str]]
    line_no: list[int]
    title: str | None

    def col_values(self, j: int) -> list[str]:
        """The cells of column ``j`` ("" where a row is short)."""
        return [r[j] if j < len(r) else "" for r in self.data_rows]


@dataclass(frozen=True)
class _ValueColumn:
    """A value column: its header without the period, and that period (or None)."""

    j: int
    content: str
    period: str | None


def _read_table(text: bytes | str, *, reference: str, title: str | None) -> tuple[str, _Table]:
    """The checksum and the rows of the CSV, an optional title line taken off."""
    checksum, raw = _checksum_of(text if isinstance(text, bytes) else text.encode("utf-8"))
    body = _decode(raw)
    numbered = [(i + 1, ln) for i, ln in enumerate(body.splitlines()) if ln.strip()]
    if not numbered:
        raise InputError(Message("err_src_empty_csv"), file=reference)
    lines = [ln for _, ln in numbered]
    delimiter = _sniff_delimiter(lines)
    rows = [next(csv.reader([ln], delimiter=delimiter)) for ln in lines]
    line_no = [n for n, _ in numbered]  # 1-based line numbers in the file
    csv_title = title
    if len(rows) > 1 and len([c for c in rows[0] if c.strip()]) == 1 and len(rows[1]) > 1:
        csv_title = csv_title or rows[0][0].strip()
        rows, line_no = rows[1:], line_no[1:]
    if len(rows) < 2:
        raise InputError(Message("err_src_csv_no_rows"), file=reference, row=1)
    header = [h.strip() for h in rows[0]]
    return checksum, _Table(header=header, data_rows=rows[1:], line_no=line_no, title=csv_title)


def _stub_columns(
    table: _Table,
    dimensions: Sequence[str] | None,
    *,
    region_column: str | None,
    time_column: str | None,
) -> list[int]:
    """The stub (dimension) columns: named, or leading ones named like a dimension or not
    numeric."""
    if dimensions is not None:
        wanted = {_norm_key(d) for d in dimensions} | _REGION_NAMES | _TIME_NAMES
        return [j for j, h in enumerate(table.header) if _norm_key(h) in wanted]
    given = (_norm_key(region_column or "\0"), _norm_key(time_column or "\0"))
    stub: list[int] = []
    for j, h in enumerate(table.header):
        name = _norm_key(h)
        named = name in _REGION_NAMES or name in _TIME_NAMES or name in given
        if not named and all(_is_numberish(v) for v in table.col_values(j)):
            break
        stub.append(j)
    return stub


def _find_column(
    table: _Table, stub: list[int], name: str | None, names: set[str], *, reference: str
) -> int | None:
    """The stub column called ``name`` (which must exist), else the first named in ``names``."""
    if name is not None:
        for j in stub:
            if _norm_key(table.header[j]) == _norm_key(name):
                return j
        raise InputError(
            Message("err_src_column_not_found", name=repr(name)),
            file=reference,
            row=table.line_no[0],
            expected=str(table.header),
        )
    for j in stub:
        if _norm_key(table.header[j]) in names:
            return j
    return None


def _region_column(
    table: _Table, stub: list[int], region_column: str | None, *, reference: str
) -> int:
    """The region column: by name, else the first stub column whose cells are area codes."""
    region_j = _find_column(table, stub, region_column, _REGION_NAMES, reference=reference)
    if region_j is None:
        for j in stub:
            vals = table.col_values(j)
            if vals and all(
                _level_of(split_region_code(v.split()[0])[0]) if v.split() else False for v in vals
            ):
                return j
        raise InputError(
            Message("err_src_no_region_column"),
            file=reference,
            row=table.line_no[0],
            field="region",
            expected=Message("exp_src_region_column"),
        )
    return region_j


def _value_columns(
    table: _Table, value_cols: list[int], time_j: int | None, period: str | None, *, reference: str
) -> list[_ValueColumn]:
    """Value-column headers, a trailing period split off when there is no time column."""
    out: list[_ValueColumn] = []
    for j in value_cols:
        h = table.header[j]
        per: str | None = None
        if time_j is None:
            m = _PERIOD_TAIL_RE.search(h)
            if m:
                per = normalize_period(m.group(1))
                h = h[: m.start()].strip()
            elif period is not None:
                per = period
            else:
                raise InputError(
                    Message("err_src_no_period_column"),
                    file=reference,
                    row=table.line_no[0],
                    field=table.header[j],
                    expected=Message("exp_src_period_column"),
                )
        out.append(_ValueColumn(j=j, content=h, period=per))
    return out


def _records(
    table: _Table,
    columns: list[_ValueColumn],
    *,
    region_j: int,
    time_j: int | None,
    other_stub: list[int],
    resolver: _VariableResolver,
    units: Mapping[str, str],
    area_version: str | None,
    var_rows: dict[str, tuple[str, str | None, str | None]],
    reference: str,
) -> dict[str, list[Any]]:
    """The observation columns, one entry per cell of a mapped variable; fills ``var_rows``."""
    ncol = len(table.header)
    var_cache: dict[tuple[str, ...], str | None] = {}
    records: dict[str, list[Any]] = {c: [] for c in OBS_COLUMNS}
    for r, row in enumerate(table.data_rows):
        lineno = table.line_no[r + 1]
        cells = [c.strip() for c in row] + [""] * (ncol - len(row))
        code, version = _row_area(
            cells[region_j],
            area_version,
            field=table.header[region_j],
            row=lineno,
            reference=reference,
        )
        stub_vals = tuple(cells[j] for j in other_stub)
        for col in columns:
            key = (*stub_vals, col.content) if col.content else stub_vals
            if key not in var_cache:
                var_cache[key] = resolver(key, key)
            var = var_cache[key]
            if var is None:
                continue
            unit = units.get(var) or _unit_hint(col.content)
            if var not in var_rows:
                var_rows[var] = (" / ".join(key), unit, None)
            value, reason = _cell_value(
                cells[col.j], field=table.header[col.j], row=lineno, reference=reference
            )
            records["area_code"].append(code)
            records["area_version"].append(version)
            records["variable"].append(var)
            records["period"].append(
                normalize_period(cells[time_j]) if time_j is not None else col.period
            )
            records["value"].append(value)
            records["unit"].append(unit)
            records["missing_reason"].append(reason)
    return records


def _row_area(
    region_cell: str, area_version: str | None, *, field: str, row: int, reference: str
) -> tuple[str, str]:
    """Area code and boundary version of a region cell such as ``"0114 Upplands Väsby"``."""
    if not region_cell:
        raise InputError(Message("err_src_empty_region"), file=reference, row=row, field=field)
    first = region_cell if is_country(region_cell) else region_cell.split()[0]
    code, suffix_ver = split_region_code(first)
    return code, _resolve_version(code, suffix_ver, area_version, file=reference, field=field)


def _cell_value(cell: str, *, field: str, row: int, reference: str) -> tuple[float, str | None]:
    """A cell's value and missing reason: SCB markers and empty cells become NaN."""
    reason = _missing(cell)
    if reason is not None:
        return math.nan, reason
    if cell == "":
        return math.nan, _NULL_REASON
    try:
        return _to_float(cell), None
    except ValueError as exc:
        expected = "exp_src_scb_marker_number"
        raise InputError.bad_value(
            "err_src_not_number", cell, expected=expected, file=reference, row=row, field=field
        ) from exc
