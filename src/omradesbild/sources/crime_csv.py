"""The Police's extract as a CSV text: encoding, delimiter, columns and row validation.

Helpers of :func:`omradesbild.sources.crime.read_crime_file`, which re-exports the column names.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import bytes_checksum
from omradesbild.wording import Message, both

log = logging.getLogger(__name__)

DateField = Literal["Brottsdatum", "Inskrivningsdatum"]

COL_CODE = "Brottskod"
COL_LABEL = "Brottskod.klartext"
COL_KOMMUN = "Kommun"
COL_DESO = "DeSO.område"
COL_COUNT = "Antal"
DATE_FIELDS: tuple[str, ...] = ("Brottsdatum", "Inskrivningsdatum")

_SNIFF_BYTES = 8192
_DIGITS = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The registration date column, read whichever date gives the period (for the coverage).
REG_FIELD = "Inskrivningsdatum"


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode the bytes as UTF-8 (BOM optional) or else cp1252; return (text, encoding)."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            Message("err_src_crime_zip"),
            file=path,
            expected=Message("exp_src_crime_extract"),
        )
    if b"\x00" in head:
        raise InputError(
            Message("err_src_crime_binary"),
            file=path,
            expected=Message("exp_src_crime_text"),
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf_err:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as cp_err:
            line = data[: utf_err.start].count(b"\n") + 1
            raise InputError(
                Message("err_src_crime_encoding", utf=utf_err.start, cp=cp_err.start),
                file=path,
                row=line,
                expected=Message("exp_src_crime_encoding"),
            ) from None
        log.warning("%s is not valid UTF-8; decoded as Windows-1252 (cp1252)", path)
        return text, "cp1252"


def _sniff_delimiter(header_line: str) -> str:
    """``;`` when the header has more ``;``-separated fields than ``,``-separated ones."""
    counts = {}
    for sep in (",", ";"):
        fields = next(csv.reader([header_line], delimiter=sep), [])
        counts[sep] = len(fields)
    return ";" if counts[";"] > counts[","] else ","


def _line_locator(text: str, sep: str) -> Callable[[int], int]:
    """A function mapping a 0-based data-record position to its 1-based line in the file.

    Runs only on the error path: it re-scans the text with :mod:`csv`, which counts physical
    lines (so quoted line breaks and skipped blank lines are accounted for).
    """

    def locate(position: int) -> int:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        previous_end = 0
        seen = -1  # the header is record -1
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record:  # blank line: pandas skips it too
                continue
            if seen == position:
                return start
            seen += 1
        return previous_end

    return locate


def _first_bad(col: pd.Series, bad_values: np.ndarray) -> tuple[int, int]:
    """(position of the first row whose category is bad, number of such rows)."""
    codes = col.cat.codes.to_numpy()
    hits = np.flatnonzero(np.isin(codes, np.flatnonzero(bad_values)))
    return int(hits[0]), int(hits.size)


def _check(
    col: pd.Series,
    bad: np.ndarray,
    *,
    path: Path,
    field: str,
    problem: str,
    expected: str,
    positions: np.ndarray,
    locate: Callable[[int], int],
) -> None:
    """Raise InputError for the first row whose value (a category) is flagged in ``bad``;
    ``problem`` and ``expected`` are keys of the wording catalogue."""
    if not bad.any():
        return
    first, n = _first_bad(col, bad)
    value = str(col.iloc[first])
    raise InputError(
        Message(
            "err_src_crime_bad_values" if n > 1 else "err_src_crime_bad_value",
            problem=Message(problem),
            value=repr(value),
            more=n - 1,
        ),
        file=path,
        row=locate(int(positions[first])),
        field=field,
        expected=Message(expected),
    )


def _mismatch(values: pd.Index, pattern: re.Pattern[str]) -> np.ndarray:
    """Boolean array: which values do not fully match ``pattern``."""
    return np.fromiter((pattern.fullmatch(v) is None for v in values), bool, len(values))


def _values(col: pd.Series, per_category: np.ndarray | None = None) -> np.ndarray:
    """The column's values as an array (taken from ``per_category`` when given)."""
    cats = col.cat.categories.to_numpy(dtype=object) if per_category is None else per_category
    return cats[col.cat.codes.to_numpy()]


def _stripped(col: pd.Series) -> pd.Series:
    """The categorical column with surrounding whitespace removed from its categories."""
    cats = col.cat.categories.astype(str)
    stripped = cats.str.strip()
    if (stripped == cats).all():
        return col
    values = stripped.to_numpy(dtype=object)[col.cat.codes.to_numpy()]
    return pd.Series(values, index=col.index, dtype="category")


def _first_wrong_width(text: str, sep: str, width: int) -> int | None:
    """The 1-based line of the first record whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if record and len(record) > width:
                return start
    except csv.Error:
        return previous_end + 1
    return None


def _resolve_kommun(
    names: np.ndarray,
    deso: np.ndarray,
    kommun_codes: Mapping[str, str] | None,
    *,
    path: Path,
    positions: np.ndarray,
    locate: Callable[[int], int],
) -> np.ndarray:
    """Kommun codes for the rows without a DeSO ("" where the kommun name is blank)."""
    mapping: dict[str, str] = {}
    geo = deso != ""
    if geo.any():
        learned = (
            pd.DataFrame({"name": names[geo], "code": [d[:4] for d in deso[geo]]})
            .value_counts()
            .reset_index()
            .drop_duplicates("name")  # most frequent prefix per name
        )
        mapping.update(
            {k.casefold(): v for k, v in zip(learned["name"], learned["code"], strict=True)}
        )
    if kommun_codes is not None:
        for name, code in kommun_codes.items():
            if not KOMMUN_RE.match(str(code)):
                raise ConfigError(
                    both("err_src_crime_kommun_code", name=repr(name), code=repr(code))
                )
            mapping[str(name).strip().casefold()] = str(code)

    out = np.full(len(names), "", dtype=object)
    need = (~geo) & (names != "")
    if not need.any():
        return out
    uniq, inverse = np.unique(names[need], return_inverse=True)
    codes = np.array([mapping.get(str(n).casefold(), "") for n in uniq], dtype=object)
    unknown = codes == ""
    if unknown.any():
        first_name = str(uniq[np.flatnonzero(unknown)[0]])
        idx_need = np.flatnonzero(need)
        first = int(idx_need[np.flatnonzero(names[idx_need] == first_name)[0]])
        others = [str(n) for n in uniq[unknown] if n != first_name]
        raise InputError(
            Message(
                "err_src_crime_kommun_unmapped_also" if others else "err_src_crime_kommun_unmapped",
                name=repr(first_name),
                others=str(others),
                example=f"{{{first_name!r}: '0180'}}",
            ),
            file=path,
            row=locate(int(positions[first])),
            field=COL_KOMMUN,
            expected=Message("exp_src_kommun_name"),
        )
    out[need] = codes[inverse]
    return out


def _read_text(path: Path) -> tuple[str, str, str]:
    """(text, encoding, checksum) of a non-empty file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            Message("err_src_cannot_read_file", error=str(exc.strerror or exc)), file=path
        ) from None
    if not data.strip():
        raise InputError(
            Message("err_src_file_empty"), file=path, expected=Message("exp_src_crime_rows")
        )
    checksum = bytes_checksum(data)
    text, encoding = _decode(data, path)
    return text, encoding, checksum


def _read_header(text: str, date_field: str, path: Path) -> tuple[str, list[str], list[str]]:
    """(delimiter, stripped header names, the columns to read); raises for missing columns."""
    end = text.find("\n")
    header_line = (text if end < 0 else text[:end]).rstrip("\r")
    sep = _sniff_delimiter(header_line)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep), [])]

    value_cols = [COL_CODE, COL_LABEL, date_field, COL_KOMMUN, COL_DESO, COL_COUNT]
    missing = [c for c in value_cols if c not in header]
    reg_field = REG_FIELD
    if reg_field in header and reg_field not in value_cols:
        value_cols.append(reg_field)
    if missing:
        raise InputError(
            Message("err_src_crime_missing", missing=str(missing), header=str(header)),
            file=path,
            row=1,
            expected=Message(
                "exp_src_crime_header",
                header='"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum",'
                '"Brottsdatum","Kommun","Län","DeSO.område","Antal"',
            ),
        )
    return sep, header, value_cols


def _read_table(text: str, sep: str, header: list[str], path: Path) -> pd.DataFrame:
    """Every field as text; raises for rows with the wrong number of fields."""
    # Pass the stripped names so that e.g. " Antal" in the header still matches.
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=0,
            names=header,
            # No usecols: with it pandas silently truncates rows that have too many fields.
            dtype=str,  # never dtype="category": it infers numeric categories ("0581" -> 581)
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(
            Message("err_src_crime_not_csv", error=str(exc).replace("\n", " ")),
            file=path,
            row=_first_wrong_width(text, sep, len(header)),
            expected=Message("exp_src_crime_fields", n=len(header), sep=repr(sep)),
        ) from None


def _drop_repeated_headers(
    cols: dict[str, pd.Series], positions: np.ndarray
) -> tuple[dict[str, pd.Series], np.ndarray, int]:
    """Drop repeated header lines (e.g. two extracts concatenated); also return their number."""
    repeated = np.ones(len(positions), dtype=bool)
    for c in (COL_CODE, COL_COUNT, COL_DESO):
        repeated &= (cols[c] == c).to_numpy()
    n_repeated = int(repeated.sum())
    if n_repeated:
        keep = ~repeated
        positions = positions[keep]
        cols = {c: s[keep].reset_index(drop=True) for c, s in cols.items()}
        cols = {c: s.cat.remove_unused_categories() for c, s in cols.items()}
    return cols, positions, n_repeated


def _check_values(
    cols: dict[str, pd.Series],
    date_field: str,
    *,
    path: Path,
    positions: np.ndarray,
    locate: Callable[[int], int],
) -> tuple[pd.Index, pd.Index]:
    """Check codes, dates, counts and DeSO codes; return the date and count categories."""

    def check(c: str, bad: np.ndarray, problem: str, expected: str) -> None:
        _check(
            cols[c],
            bad,
            path=path,
            field=c,
            problem=problem,
            expected=expected,
            positions=positions,
            locate=locate,
        )

    code_cats = cols[COL_CODE].cat.categories.astype(str)
    check(
        COL_CODE,
        _mismatch(code_cats, _DIGITS),
        "err_src_crime_code_not_numeric",
        "exp_src_crime_digits",
    )
    date_cats = cols[date_field].cat.categories.astype(str)
    parsed = pd.to_datetime(date_cats, format="%Y-%m-%d", errors="coerce")
    bad_date = _mismatch(date_cats, _ISO_DATE) | np.asarray(parsed.isna(), dtype=bool)
    check(date_field, bad_date, "err_src_crime_bad_date", "exp_src_iso_date")
    count_cats = cols[COL_COUNT].cat.categories.astype(str)
    check(
        COL_COUNT,
        _mismatch(count_cats, _DIGITS),
        "err_src_crime_bad_count",
        "exp_src_crime_count",
    )
    deso_cats = cols[COL_DESO].cat.categories.astype(str)
    check(
        COL_DESO,
        _mismatch(deso_cats, DESO_RE) & (deso_cats != ""),
        "err_src_crime_not_deso",
        "exp_src_crime_deso",
    )
    return date_cats, count_cats
