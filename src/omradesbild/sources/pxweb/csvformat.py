"""PX-Web CSV responses (API v1 ``csv``, v2 ``outputFormat=csv``) as observations."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
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
    checksum, raw = _checksum_of(text if isinstance(text, bytes) else text.encode("utf-8"))
    body = _decode(raw)
    numbered = [(i + 1, ln) for i, ln in enumerate(body.splitlines()) if ln.strip()]
    if not numbered:
        raise InputError("empty CSV", file=reference)
    lines = [ln for _, ln in numbered]
    delimiter = _sniff_delimiter(lines)
    rows = [next(csv.reader([ln], delimiter=delimiter)) for ln in lines]
    line_no = [n for n, _ in numbered]  # 1-based line numbers in the file
    csv_title = title
    if len(rows) > 1 and len([c for c in rows[0] if c.strip()]) == 1 and len(rows[1]) > 1:
        csv_title = csv_title or rows[0][0].strip()
        rows, line_no = rows[1:], line_no[1:]
    if len(rows) < 2:
        raise InputError("CSV has a header but no data rows", file=reference, row=1)
    header = [h.strip() for h in rows[0]]
    data_rows = rows[1:]
    ncol = len(header)

    def col_values(j: int) -> list[str]:
        return [r[j] if j < len(r) else "" for r in data_rows]

    # stub (dimension) columns
    if dimensions is not None:
        wanted = {_norm_key(d) for d in dimensions} | _REGION_NAMES | _TIME_NAMES
        stub = [j for j, h in enumerate(header) if _norm_key(h) in wanted]
    else:
        stub = []
        for j, h in enumerate(header):
            name = _norm_key(h)
            if (
                name in _REGION_NAMES
                or name in _TIME_NAMES
                or name
                in (
                    _norm_key(region_column or "\0"),
                    _norm_key(time_column or "\0"),
                )
            ):
                stub.append(j)
                continue
            if not all(_is_numberish(v) for v in col_values(j)):
                stub.append(j)
                continue
            break
    value_cols = [j for j in range(ncol) if j not in stub]
    if not value_cols:
        raise InputError("no value columns found", file=reference, row=line_no[0])

    def find(name: str | None, names: set[str]) -> int | None:
        if name is not None:
            for j in stub:
                if _norm_key(header[j]) == _norm_key(name):
                    return j
            raise InputError(
                f"column {name!r} not found", file=reference, row=line_no[0], expected=str(header)
            )
        for j in stub:
            if _norm_key(header[j]) in names:
                return j
        return None

    region_j = find(region_column, _REGION_NAMES)
    if region_j is None:
        for j in stub:  # the first stub column whose cells look like area codes
            vals = col_values(j)
            if vals and all(
                _level_of(split_region_code(v.split()[0])[0]) if v.split() else False for v in vals
            ):
                region_j = j
                break
    if region_j is None:
        raise InputError(
            "no region column",
            file=reference,
            row=line_no[0],
            field="region",
            expected="a 'region' column or region_column=",
        )
    time_j = find(time_column, _TIME_NAMES)
    other_stub = [j for j in stub if j not in (region_j, time_j)]

    # value-column headers: split off a trailing period when there is no time column
    col_content: dict[int, str] = {}
    col_period: dict[int, str | None] = {}
    for j in value_cols:
        h = header[j]
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
                    "no period: no time column and the header does not end in a period",
                    file=reference,
                    row=line_no[0],
                    field=header[j],
                    expected="a time column, a header such as 'Folkmängd 2022', or period=",
                )
        col_content[j] = h
        col_period[j] = per

    resolver = _VariableResolver(variable_map, unmapped)
    var_cache: dict[tuple[str, ...], str | None] = {}
    var_rows: dict[str, tuple[str, str | None, str | None]] = {}
    records: dict[str, list[Any]] = {c: [] for c in OBS_COLUMNS}
    for r, row in enumerate(data_rows):
        lineno = line_no[r + 1]
        cells = [c.strip() for c in row] + [""] * (ncol - len(row))
        region_cell = cells[region_j]
        if not region_cell:
            raise InputError("empty region", file=reference, row=lineno, field=header[region_j])
        first = region_cell if is_country(region_cell) else region_cell.split()[0]
        code, suffix_ver = split_region_code(first)
        version = _resolve_version(
            code, suffix_ver, area_version, file=reference, field=header[region_j]
        )
        stub_vals = tuple(cells[j] for j in other_stub)
        for j in value_cols:
            key = (*stub_vals, col_content[j]) if col_content[j] else stub_vals
            if key not in var_cache:
                var_cache[key] = resolver(key, key)
            var = var_cache[key]
            if var is None:
                continue
            unit = (units or {}).get(var) or _unit_hint(col_content[j])
            if var not in var_rows:
                var_rows[var] = (" / ".join(key), unit, None)
            cell = cells[j]
            reason = _missing(cell)
            if reason is not None:
                value = math.nan
            elif cell == "":
                value, reason = math.nan, _NULL_REASON
            else:
                try:
                    value = _to_float(cell)
                except ValueError as exc:
                    raise InputError(
                        f"{cell!r} is not a number",
                        file=reference,
                        row=lineno,
                        field=header[j],
                        expected="a number or an SCB marker (.. . -)",
                    ) from exc
            per = normalize_period(cells[time_j]) if time_j is not None else col_period[j]
            records["area_code"].append(code)
            records["area_version"].append(version)
            records["variable"].append(var)
            records["period"].append(per)
            records["value"].append(value)
            records["unit"].append(unit)
            records["missing_reason"].append(reason)

    tid = table_id or "pxweb"
    source = SourceMeta(
        publisher=publisher,
        table_id=tid,
        title=csv_title or tid,
        reference=reference,
        checksum=checksum,
        licence="CC0 1.0",
        retrieved_at=retrieved_at,
        notes="PX-Web CSV",
    )
    return Observations(
        source=source, data=_obs_frame(records), variables=_variables_frame(var_rows)
    )
