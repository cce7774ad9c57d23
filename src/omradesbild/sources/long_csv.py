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
from collections.abc import Iterable, Mapping
from itertools import compress, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
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
from omradesbild.wording import Message

if TYPE_CHECKING:
    from _csv import Reader

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
        code, or a code whose version cannot be inferred — naming the first such row and its
        field.
    """
    p = Path(path)
    raw = p.read_bytes()
    text, delimiter, header, reader = _open(raw, p)
    cells, lineno, length_error = _cells(text, reader, header, delimiter, p)
    data = _frame(cells, lineno, area_version, p)  # raises for a bad row before length_error
    if length_error is not None:
        raise length_error
    if data.empty:
        raise InputError(
            Message("err_src_no_data_rows"), file=p, expected=Message("exp_src_long_csv_rows")
        )
    source = SourceMeta(
        publisher=publisher,
        table_id=p.stem,
        title=title or p.stem,
        reference=p.name,
        checksum=bytes_checksum(raw),
        licence=licence or "",
    )
    return Observations(source=source, data=data)


def _cells(
    text: str, reader: Reader, header: list[str], delimiter: str, p: Path
) -> tuple[dict[str, npt.NDArray[np.object_]], npt.NDArray[np.intp], InputError | None]:
    """The stripped cells of each named column and each row's line number.

    Blank rows are left out. A row with another number of fields than the header is an
    error; only the rows before the first such row are returned, with the error.
    """
    width = len(header)
    rows: list[list[str]] | None = None
    lines: list[str] = []
    chars = np.zeros(0, dtype=np.intp)
    plain = '"' not in text and text.count("\r") == text.count("\r\n")
    if plain:  # every line is one row, split at the delimiter
        lines = text.replace("\r\n", "\n").split("\n")[1:]
        if lines and lines[-1] == "":
            lines.pop()
        chars = np.fromiter(map(len, lines), np.intp, len(lines))
    if not plain or (chars > csv.field_size_limit()).any():
        rows = _read_rows(reader, p)  # quotes, lone CRs or huge fields: the csv module's rules
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    else:
        lengths = np.fromiter(map(str.count, lines, repeat(delimiter)), np.intp, len(lines))
        lengths = np.where(chars == 0, 0, lengths + 1)

    def fields(i: int) -> list[str]:
        if rows is not None:
            return rows[i]
        return lines[i].split(delimiter) if lines[i] else []

    lineno = np.arange(2, len(lengths) + 2, dtype=np.intp)
    full = lengths == width
    length_error = None
    odd = np.flatnonzero(~full)
    bad = next((int(i) for i in odd if any(c.strip() for c in fields(int(i)))), None)
    if bad is not None:
        length_error = InputError(
            Message("err_src_long_csv_fields", n=int(lengths[bad]), width=width),
            file=p,
            row=bad + 2,
            expected=Message("exp_src_long_csv_fields", width=width, delimiter=repr(delimiter)),
        )
        full[bad:] = False
    if rows is not None:
        grid = np.array(list(compress(rows, full)), dtype=object)
    elif full.any():
        grid = np.array(delimiter.join(compress(lines, full)).split(delimiter), dtype=object)
    else:
        grid = np.empty(0, dtype=object)
    grid = grid.reshape(-1, width)
    columns = [_stripped(grid[:, j]) for j in range(width)]
    filled = np.zeros(len(grid), dtype=bool)
    for col in columns:
        filled |= col != ""
    idx = {h: i for i, h in enumerate(header)}
    cells = {name: columns[i][filled] for name, i in idx.items()}
    return cells, lineno[full][filled], length_error


def _stripped(column: Iterable[str]) -> npt.NDArray[np.object_]:
    """The cells of one column without surrounding white space."""
    return np.fromiter(map(str.strip, column), dtype=object)


def _frame(
    cells: dict[str, npt.NDArray[np.object_]],
    lineno: npt.NDArray[np.intp],
    area_version: str | None,
    p: Path,
) -> pd.DataFrame:
    """The observations of the cells; the first row with a bad cell raises an InputError."""
    n = len(lineno)
    blank = np.full(n, "", dtype=object)

    def cell(name: str) -> npt.NDArray[np.object_]:
        return cells.get(name, blank)

    code_cells = cell("area_code")
    normal = {c: normalize_area_code(c) if c else "" for c in pd.unique(code_cells)}
    codes = _lookup(code_cells, normal)
    given = cell("area_version")
    if area_version:
        version = np.where(given != "", given, area_version)
    else:
        inferred = _lookup(codes, {c: _infer_version(c) for c in normal.values()})
        version = np.where(given != "", given, inferred)
    value_cells, reason_cells = cell("value"), cell("missing_reason")
    marker = pd.Series(value_cells, dtype=object).isin(list(SCB_MISSING_MARKERS)).to_numpy()
    number = ~marker & ((value_cells != "") | (reason_cells == ""))
    values = np.full(n, math.nan)
    bad_value = np.zeros(n, dtype=bool)
    text = _replace(_replace(value_cells[number], ",", "."), " ", "")
    try:
        values[number] = text.astype(np.float64)
    except (TypeError, ValueError):
        bad_value[number] = ~np.fromiter(map(_is_float, text), dtype=bool, count=len(text))
    checks = (
        code_cells == "",
        pd.isna(version),
        bad_value,
        cell("period") == "",
        cell("variable") == "",
    )
    failed = np.logical_or.reduce(checks) if n else np.zeros(0, dtype=bool)
    if failed.any():
        first = int(np.argmax(failed))
        check = next(k for k, c in enumerate(checks) if c[first])
        raise _row_error(check, codes[first], value_cells[first], file=p, row=int(lineno[first]))
    reasons = _or_none(reason_cells)
    if marker.any():
        default = _lookup(value_cells[marker], SCB_MISSING_MARKERS)
        reasons[marker] = np.where(reason_cells[marker] != "", reason_cells[marker], default)
    records: dict[str, list[object] | npt.NDArray[np.float64]] = {
        "area_code": codes.tolist(),
        "area_version": version.tolist(),
        "variable": cell("variable").tolist(),
        "period": cell("period").tolist(),
        "value": values,
        "unit": _or_none(cell("unit")).tolist(),
        "missing_reason": reasons.tolist(),
    }
    return pd.DataFrame(records, columns=list(OBS_COLUMNS))


def _row_error(check: int, code: object, value: object, *, file: Path, row: int) -> InputError:
    """The error of check number ``check`` (in the order :func:`_frame` makes them) for a
    row with area code ``code`` and value cell ``value``."""
    key, field, expected = (
        ("err_src_empty_area_code", "area_code", None),
        ("err_src_long_csv_version", "area_code", "exp_src_long_csv_version"),
        ("err_src_not_number", "value", "exp_src_scb_number"),
        ("err_src_empty_period", "period", None),
        ("err_src_empty_variable", "variable", None),
    )[check]
    return InputError(
        Message(key, code=repr(code), value=repr(value)),
        file=file,
        row=row,
        field=field,
        expected=Message(expected) if expected else None,
    )


def _lookup(keys: npt.NDArray[np.object_], table: Mapping[str, object]) -> npt.NDArray[np.object_]:
    """``table[k]`` for every key, as an object array."""
    return np.fromiter(map(table.__getitem__, keys), dtype=object, count=len(keys))


def _replace(cells: npt.NDArray[np.object_], old: str, new: str) -> npt.NDArray[np.object_]:
    """``str.replace`` of every cell."""
    return np.fromiter(map(str.replace, cells, repeat(old), repeat(new)), object, len(cells))


def _or_none(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The cells with None for the empty ones."""
    out = cells.copy()
    out[cells == ""] = None
    return out


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_rows(reader: Reader, p: Path, limit: int | None = None) -> list[list[str]]:
    """The reader's next ``limit`` rows (all when ``None``); a row the csv module cannot
    read (a lone carriage return in an unquoted field, a field above the size limit) is an
    :class:`InputError` naming its line."""
    try:
        return list(reader if limit is None else islice(reader, limit))
    except csv.Error as exc:
        raise InputError(
            Message("err_src_csv_not_readable", problem=_csv_problem(exc)),
            file=p,
            row=reader.line_num,
            expected=Message("exp_src_csv_lines"),
        ) from None


def _csv_problem(exc: csv.Error) -> Message | str:
    """The csv module's complaint in plain words (its own text carries hints meant for
    programmers, such as opening the file in universal-newline mode)."""
    text = str(exc)
    if "new-line character" in text:
        return Message("err_src_csv_lone_cr")
    if "field larger than field limit" in text:
        limit = f"{csv.field_size_limit():,}".replace(",", " ")
        return Message("err_src_csv_long_field", limit=limit)
    return text


def _open(raw: bytes, p: Path) -> tuple[str, str, list[str], Reader]:
    """The text, its delimiter, the checked header and a reader at the first data row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Message("err_src_not_utf8_at", reason=exc.reason, start=exc.start),
            file=p,
            expected=Message("exp_src_utf8_csv"),
        ) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(iter(_read_rows(reader, p, limit=1)), [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            Message(
                "err_src_long_csv_missing" if header else "err_src_long_csv_missing_all",
                missing=", ".join(missing),
                found=", ".join(header),
            ),
            file=p,
            row=1,
            expected=Message("exp_src_long_csv_header", required=", ".join(REQUIRED)),
        )
    return text, delimiter, header, reader
