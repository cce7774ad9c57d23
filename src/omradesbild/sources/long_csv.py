"""A plain long-form CSV of observations: the simplest way to bring in one's own data.

The file has one row per area, period and variable::

    area_code,period,variable,value,unit
    0180C1010,2023,survey_feel_safe_pct,81.5,procent

Optional columns: ``area_version`` (else inferred from the code's shape or given as a
parameter) and ``missing_reason``. Values may be SCB's markers ``..``, ``.`` or ``-``, stored
as missing with the marker's meaning. Surveys, a city's own registers and partner data come in
this way.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, LAN_RE, REGSO_RE
from omradesbild.areas.registry import COUNTRY_CODE, normalize_area_code
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    SCB_MISSING_MARKERS,
    Observations,
    SourceMeta,
    bytes_checksum,
)

REQUIRED = ("area_code", "period", "variable", "value")
DEFAULT_VERSIONS = (
    (DESO_RE, DEFAULT_VERSION["deso"]),
    (REGSO_RE, DEFAULT_VERSION["regso"]),
    (KOMMUN_RE, DEFAULT_VERSION["kommun"]),
    (LAN_RE, DEFAULT_VERSION["lan"]),
)


def _infer_version(code: str) -> str | None:
    if code == COUNTRY_CODE:
        return "country"
    for pattern, version in DEFAULT_VERSIONS:
        if pattern.match(code):
            return version
    return None


def read_long_csv(
    path: str | Path,
    *,
    area_version: str | None = None,
    publisher: str = "Egen källa",
    title: str | None = None,
    licence: str | None = None,
) -> Observations:
    """Read a long-form observations CSV (comma- or semicolon-separated, UTF-8).

    Parameters
    ----------
    path
        The CSV file.
    area_version
        Boundary version for every row (overrides inference; an ``area_version`` column wins
        over both).
    publisher, title, licence
        Provenance recorded with the source.

    Raises
    ------
    InputError
        Missing columns, a value that is neither a number nor an SCB marker, an empty area
        code, or a code whose version cannot be inferred — naming the row and field.
    """
    p = Path(path)
    raw = p.read_bytes()
    delimiter, header, reader = _open(raw, p)
    idx = {h: i for i, h in enumerate(header)}
    records: dict[str, list[object]] = {c: [] for c in OBS_COLUMNS}
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(
                f"{len(row)} fields, the header has {len(header)}",
                file=p,
                row=lineno,
                expected=f"{len(header)} fields separated by {delimiter!r}",
            )

        def cell(name: str, row: list[str] = row) -> str:
            return row[idx[name]].strip() if name in idx else ""

        code = normalize_area_code(cell("area_code")) if cell("area_code") else ""
        if not code:
            raise InputError("empty area code", file=p, row=lineno, field="area_code")
        version = cell("area_version") or area_version or _infer_version(code)
        if not version:
            raise InputError(
                f"cannot tell the boundary version of area code {code!r}",
                file=p,
                row=lineno,
                field="area_code",
                expected="a DeSO/RegSO/kommun/län code, an area_version column, or --area-version",
            )
        value, reason = _value(cell("value"), cell("missing_reason") or None, p, lineno)
        for name in ("period", "variable"):
            if not cell(name):
                raise InputError(f"empty {name}", file=p, row=lineno, field=name)
        records["area_code"].append(code)
        records["area_version"].append(version)
        records["variable"].append(cell("variable"))
        records["period"].append(cell("period"))
        records["value"].append(value)
        records["unit"].append(cell("unit") or None)
        records["missing_reason"].append(reason)
    if not records["area_code"]:
        raise InputError("no data rows", file=p, expected="at least one row after the header")
    data = pd.DataFrame(records, columns=list(OBS_COLUMNS))
    data["value"] = data["value"].astype("float64")
    source = SourceMeta(
        publisher=publisher,
        table_id=p.stem,
        title=title or p.stem,
        reference=p.name,
        checksum=bytes_checksum(raw),
        licence=licence or "",
    )
    return Observations(source=source, data=data)


def _open(raw: bytes, p: Path) -> tuple[str, list[str], Iterator[list[str]]]:
    """The delimiter, the checked header and a reader positioned at the first data row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            file=p,
            expected="a UTF-8 CSV file",
        ) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(header) or 'nothing'}",
            file=p,
            row=1,
            expected="a header with " + ", ".join(REQUIRED) + " (and optionally unit, "
            "area_version, missing_reason)",
        )
    return delimiter, header, reader


def _value(raw_value: str, reason: str | None, p: Path, lineno: int) -> tuple[float, str | None]:
    """The value of a cell (NaN for an SCB marker or an explained blank) and its reason."""
    if raw_value in SCB_MISSING_MARKERS:
        return math.nan, reason or SCB_MISSING_MARKERS[raw_value]
    if raw_value == "" and reason:
        return math.nan, reason
    try:
        return float(raw_value.replace(",", ".").replace(" ", "")), reason
    except ValueError:
        raise InputError(
            f"{raw_value!r} is not a number",
            file=p,
            row=lineno,
            field="value",
            expected="a number, or one of SCB's markers .. . -",
        ) from None
