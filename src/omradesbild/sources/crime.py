"""Reader for the Police's reported-offence extracts geocoded to DeSO.

Each file holds one row per registered report (``anmälan``) with the columns
``"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum","Kommun","Län",
"DeSO.område","Antal"``. The reader validates every row and aggregates the reports to counts
per area, year and offence code:

* geocoded rows → variable ``crime_<Brottskod>`` per DeSO (``area_version="deso2018"``);
* rows with a blank ``DeSO.område`` → ``crime_<Brottskod>_not_geocoded`` per kommun
  (4-digit code, ``area_version="kommun2025"``);
* rows with neither DeSO nor Kommun → ``crime_<Brottskod>_not_geocoded`` for the whole country
  (:data:`NATIONAL_CODE`, :data:`NATIONAL_VERSION`), so that no report is lost.

The pure aggregation step is :func:`aggregate_crime`; :func:`read_crime_csv` does the file
handling (encoding, delimiter, header, validation, kommun name → code) around it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE
from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import (
    OBS_COLUMNS,
    VARIABLE_COLUMNS,
    Observations,
    SourceMeta,
    bytes_checksum,
)

log = logging.getLogger(__name__)

PUBLISHER = "Polismyndigheten"
LICENCE = "Offentlig handling"
UNIT = "antal brott"
DESO_VERSION = DEFAULT_VERSION["deso"]
KOMMUN_VERSION = DEFAULT_VERSION["kommun"]
#: Area code and version used for reports with neither a DeSO nor a kommun.
NATIONAL_CODE = "SE"
NATIONAL_VERSION = DEFAULT_VERSION["country"]
#: Suffix of the variable id of reports that are not geocoded to a DeSO.
NOT_GEOCODED = "_not_geocoded"
#: Suffix of the variable ids when the period is the year of registration.
BY_REGISTRATION = "_by_registration"

DateField = Literal["Brottsdatum", "Inskrivningsdatum"]

COL_CODE = "Brottskod"
COL_LABEL = "Brottskod.klartext"
COL_KOMMUN = "Kommun"
COL_DESO = "DeSO.område"
COL_COUNT = "Antal"
DATE_FIELDS: tuple[str, ...] = ("Brottsdatum", "Inskrivningsdatum")

#: Columns of the validated rows :func:`aggregate_crime` takes.
ROW_COLUMNS: tuple[str, ...] = (
    "offence_code",  # Brottskod, digits, e.g. "1211"
    "period",  # year, e.g. "2022"
    "deso_code",  # DeSO 2018 code, or "" / None when not geocoded
    "kommun_code",  # 4-digit kommun code, or "" / None when unknown
    "count",  # Antal, non-negative integer
)

_DIGITS = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SNIFF_BYTES = 8192


# --------------------------------------------------------------------------------------------
# Pure core
# --------------------------------------------------------------------------------------------


def aggregate_crime(rows: pd.DataFrame, *, variable_suffix: str = "") -> pd.DataFrame:
    """Aggregate validated report rows to counts per area, offence code and year.

    Parameters
    ----------
    rows
        One row per report with :data:`ROW_COLUMNS`. ``deso_code`` is blank (``""`` or
        missing) for reports that are not geocoded; ``kommun_code`` is only used for those.
        Not mutated.
    variable_suffix
        Appended to every variable id (``""`` for the canonical ids; the reader passes
        :data:`BY_REGISTRATION` when periods are registration years).

    Returns
    -------
    pandas.DataFrame
        Observations with :data:`~omradesbild.sources.base.OBS_COLUMNS`, sorted by variable,
        area version, area code and period; ``unit`` is ``"antal brott"``, ``missing_reason``
        is ``None``.

    Notes
    -----
    For offence code :math:`b`, year :math:`t` and report rows :math:`r`:

    .. math::

        y^{\\mathrm{deso}}_{d,b,t} = \\sum_{r:\\,\\mathrm{deso}(r)=d,\\ \\mathrm{code}(r)=b,
        \\ \\mathrm{year}(r)=t} \\mathrm{Antal}_r

    and for rows without a DeSO, the same sum per kommun :math:`k`
    (variable ``crime_<b>_not_geocoded``); rows with neither DeSO nor kommun are summed for
    the whole country (area :data:`NATIONAL_CODE`). Hence
    :math:`\\sum_r \\mathrm{Antal}_r = \\sum y^{\\mathrm{deso}} + \\sum y^{\\mathrm{not\\,geo}}`
    exactly, and the result does not depend on the order of the rows.
    """
    missing = [c for c in ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise InputError(
            f"crime rows lack column(s) {missing}; found {list(rows.columns)}",
            expected=f"columns {list(ROW_COLUMNS)}",
        )
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS}).assign(
            value=pd.Series(dtype="float64")
        )
    code = rows["offence_code"].astype(str).to_numpy()
    period = rows["period"].astype(str).to_numpy()
    deso = rows["deso_code"].fillna("").astype(str).to_numpy()
    kommun = rows["kommun_code"].fillna("").astype(str).to_numpy()
    counts = pd.to_numeric(rows["count"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts != np.floor(counts)).any():
        raise InputError(
            "crime rows have a missing, negative or fractional count",
            field="count",
            expected="non-negative integers",
        )
    count = counts.to_numpy(dtype="int64")

    geo = deso != ""
    has_kommun = kommun != ""
    frame = pd.DataFrame(
        {
            "offence_code": code,
            "geo": geo,
            "area_version": np.where(
                geo, DESO_VERSION, np.where(has_kommun, KOMMUN_VERSION, NATIONAL_VERSION)
            ).astype(object),
            "area_code": np.where(geo, deso, np.where(has_kommun, kommun, NATIONAL_CODE)),
            "period": period,
            "value": count,
        }
    )
    keys = ["offence_code", "geo", "area_version", "area_code", "period"]
    out = frame.groupby(keys, sort=False, observed=True)["value"].sum().reset_index()
    out["variable"] = (
        "crime_"
        + out["offence_code"]
        + np.where(out["geo"], variable_suffix, NOT_GEOCODED + variable_suffix)
    )
    out["value"] = out["value"].astype("float64")
    out["unit"] = UNIT
    out["missing_reason"] = None
    out = out.sort_values(["variable", "area_version", "area_code", "period"], kind="stable")
    return out.loc[:, list(OBS_COLUMNS)].reset_index(drop=True)


def kommun_codes_from_areas(areas: pd.DataFrame) -> dict[str, str]:
    """A kommun name → code mapping from an areas frame (``level == "kommun"``).

    Parameters
    ----------
    areas
        Frame with at least ``area_code``, ``level`` and ``name`` (e.g.
        :data:`~omradesbild.sources.base.AREA_COLUMNS`, or the store's areas table).

    Returns
    -------
    dict
        ``{"Stockholm": "0180", ...}``, suitable for ``read_crime_csv(kommun_codes=...)``.
    """
    k = areas.loc[(areas["level"] == "kommun") & areas["name"].notna(), ["name", "area_code"]]
    return {str(n): str(c) for n, c in zip(k["name"], k["area_code"], strict=True)}


def slugify(text: str) -> str:
    """ASCII slug of a file stem: ``"våld mot polis 1 brott"`` → ``"vald-mot-polis-1-brott"``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "crime"


# --------------------------------------------------------------------------------------------
# File handling
# --------------------------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode the bytes as UTF-8 (BOM optional) or else cp1252; return (text, encoding)."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            "this is a zip/Excel (xlsx) file, not a CSV text file",
            file=path,
            expected="the Police's CSV extract; export the sheet as CSV (UTF-8)",
        )
    if b"\x00" in head:
        raise InputError(
            "this is a binary file, not a CSV text file (it contains NUL bytes)",
            file=path,
            expected="a CSV text file in UTF-8 or Windows-1252",
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf_err:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as cp_err:
            line = data[: utf_err.start].count(b"\n") + 1
            raise InputError(
                f"the file is neither UTF-8 (invalid byte at offset {utf_err.start}) nor "
                f"Windows-1252 (undefined byte at offset {cp_err.start})",
                file=path,
                row=line,
                expected="a CSV text file encoded as UTF-8 (with or without BOM) or cp1252",
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
    """Raise InputError for the first row whose value (a category) is flagged in ``bad``."""
    if not bad.any():
        return
    first, n = _first_bad(col, bad)
    value = str(col.iloc[first])
    more = f" ({n - 1} more row(s) with the same problem)" if n > 1 else ""
    raise InputError(
        f"{problem}: {value!r}{more}",
        file=path,
        row=locate(int(positions[first])),
        field=field,
        expected=expected,
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


def read_crime_csv(
    path: str | Path,
    *,
    kommun_codes: Mapping[str, str] | None = None,
    date_field: DateField = "Brottsdatum",
) -> Observations:
    """Read one of the Police's reported-offence CSV extracts and aggregate it to counts.

    Parameters
    ----------
    path
        The CSV file: comma- or semicolon-separated (sniffed from the header), UTF-8 with or
        without BOM, or Windows-1252.
    kommun_codes
        Kommun name → 4-digit code (e.g. from :func:`kommun_codes_from_areas`), used for
        reports without a DeSO. Names not in it are learned from the file's geocoded rows
        (the DeSO code starts with the kommun code).
    date_field
        Which date gives the period (its year). ``"Brottsdatum"`` (default) gives the canonical
        ids ``crime_<Brottskod>``; ``"Inskrivningsdatum"`` gives
        ``crime_<Brottskod>_by_registration`` so the two never overwrite each other in the
        store.

    Returns
    -------
    Observations
        ``data`` with counts (unit ``"antal brott"``): ``crime_<Brottskod>`` per DeSO 2018,
        ``crime_<Brottskod>_not_geocoded`` per kommun (``kommun2025``) and, for reports with
        no kommun either, for the whole country (``SE``/``country``). ``variables`` holds the
        Swedish offence text as label.

    Raises
    ------
    InputError
        Unreadable, binary or empty file, missing columns, a bad value (names file, line and
        field), or a kommun name that cannot be mapped to a code.

    Notes
    -----
    Repeated header lines inside the file (as in a concatenation of two extracts) are
    skipped and counted in ``source.notes``. See :func:`aggregate_crime` for the sums.
    """
    path = Path(path)
    if date_field not in DATE_FIELDS:
        raise ConfigError(f"date_field must be one of {list(DATE_FIELDS)}, not {date_field!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    if not data.strip():
        raise InputError(
            "the file is empty", file=path, expected="a header line and one row per report"
        )
    checksum = bytes_checksum(data)
    text, encoding = _decode(data, path)
    del data
    end = text.find("\n")
    header_line = (text if end < 0 else text[:end]).rstrip("\r")
    sep = _sniff_delimiter(header_line)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep), [])]

    value_cols = [COL_CODE, COL_LABEL, date_field, COL_KOMMUN, COL_DESO, COL_COUNT]
    missing = [c for c in value_cols if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {missing}; columns found: {header}",
            file=path,
            row=1,
            expected=(
                "the Police's extract header "
                '"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum",'
                '"Kommun","Län","DeSO.område","Antal" (comma- or semicolon-separated)'
            ),
        )
    locate = _line_locator(text, sep)
    # Pass the stripped names so that e.g. " Antal" in the header still matches.
    try:
        raw = pd.read_csv(
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
            f"the file is not a well-formed CSV table: {exc}".replace("\n", " "),
            file=path,
            row=_first_wrong_width(text, sep, len(header)),
            expected=f"{len(header)} {sep!r}-separated fields on every line",
        ) from None
    del text

    positions = np.arange(len(raw))
    cols = {c: _stripped(raw[c].astype("category")) for c in value_cols}
    del raw
    # Drop repeated header lines (e.g. two extracts concatenated).
    repeated = np.ones(len(positions), dtype=bool)
    for c in (COL_CODE, COL_COUNT, COL_DESO):
        repeated &= (cols[c] == c).to_numpy()
    n_repeated = int(repeated.sum())
    if n_repeated:
        keep = ~repeated
        positions = positions[keep]
        cols = {c: s[keep].reset_index(drop=True) for c, s in cols.items()}
        cols = {c: s.cat.remove_unused_categories() for c, s in cols.items()}

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
        "offence code is not numeric",
        "digits only, e.g. 1211",
    )
    date_cats = cols[date_field].cat.categories.astype(str)
    parsed = pd.to_datetime(date_cats, format="%Y-%m-%d", errors="coerce")
    bad_date = _mismatch(date_cats, _ISO_DATE) | np.asarray(parsed.isna(), dtype=bool)
    check(date_field, bad_date, "not a valid date", "an ISO date yyyy-mm-dd, e.g. 2022-01-31")
    count_cats = cols[COL_COUNT].cat.categories.astype(str)
    check(
        COL_COUNT,
        _mismatch(count_cats, _DIGITS),
        "count is not a non-negative integer",
        "a non-negative integer, e.g. 1",
    )
    deso_cats = cols[COL_DESO].cat.categories.astype(str)
    check(
        COL_DESO,
        _mismatch(deso_cats, DESO_RE) & (deso_cats != ""),
        "not a DeSO code",
        "blank (not geocoded) or 4-digit kommun + A/B/C + 4 digits, e.g. 0114C1010",
    )

    deso = _values(cols[COL_DESO])
    kommun_code = _resolve_kommun(
        _values(cols[COL_KOMMUN]), deso, kommun_codes, path=path, positions=positions, locate=locate
    )
    rows = pd.DataFrame(
        {
            "offence_code": _values(cols[COL_CODE]),
            "period": _values(cols[date_field], date_cats.str[:4].to_numpy(dtype=object)),
            "deso_code": deso,
            "kommun_code": kommun_code,
            "count": _values(cols[COL_COUNT], count_cats.astype("int64").to_numpy()),
        }
    )
    suffix = BY_REGISTRATION if date_field == "Inskrivningsdatum" else ""
    obs = aggregate_crime(rows, variable_suffix=suffix)
    variables = _variables(cols[COL_CODE], cols[COL_LABEL], suffix=suffix, date_field=date_field)

    notes = [
        f"{len(rows)} reports, period = year of {date_field}",
        f"{int((deso == '').sum())} not geocoded to DeSO",
    ]
    if n_repeated:
        notes.append(f"{n_repeated} repeated header line(s) skipped")
    if encoding != "utf-8":
        notes.append(f"decoded as {encoding} (not valid UTF-8)")
    meta = SourceMeta(
        publisher=PUBLISHER,
        table_id=slugify(path.stem),
        title=f"Anmälda brott geokodade till DeSO: {path.stem}",
        reference=path.name,
        checksum=checksum,
        licence=LICENCE,
        notes="; ".join(notes),
    )
    return Observations(source=meta, data=obs, variables=variables)


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
                    f"kommun_codes maps {name!r} to {code!r}, which is not a 4-digit kommun code"
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
        also = f"; also unresolved: {others}" if others else ""
        raise InputError(
            f"kommun name {first_name!r} of a report without DeSO cannot be mapped to a kommun "
            "code: it is not in kommun_codes and no geocoded row of this file shows its code"
            f"{also}. Supply a name → code mapping, e.g. "
            f"read_crime_csv(path, kommun_codes={{{first_name!r}: '0180'}}), or build one "
            "from SCB's kommun list (kommun_codes_from_areas on the store's kommun areas)",
            file=path,
            row=locate(int(positions[first])),
            field=COL_KOMMUN,
            expected="a Swedish kommun name, e.g. 'Stockholm'",
        )
    out[need] = codes[inverse]
    return out


def _variables(code: pd.Series, label: pd.Series, *, suffix: str, date_field: str) -> pd.DataFrame:
    """One catalogue row per variable; label = the offence text (most frequent per code)."""
    if code.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VARIABLE_COLUMNS})
    pairs = (
        pd.DataFrame({"code": code.astype(str), "label": label.astype(str)})
        .value_counts()
        .reset_index()
        .sort_values(["code", "count", "label"], ascending=[True, False, True])
        .drop_duplicates("code")
    )
    when = "brottsdatum" if date_field == "Brottsdatum" else "inskrivningsdatum"
    records: list[dict[str, object]] = []
    for c, text in zip(pairs["code"], pairs["label"], strict=True):
        records.append(
            {
                "variable": f"crime_{c}{suffix}",
                "label": text,
                "unit": UNIT,
                "description": (
                    f"Anmälda brott, brottskod {c}, per DeSO (2018) och år för {when}; "
                    "summa av Antal. Endast anmälda brott (mörkertal finns)."
                ),
            }
        )
        records.append(
            {
                "variable": f"crime_{c}{NOT_GEOCODED}{suffix}",
                "label": f"{text} (ej geokodad till DeSO)",
                "unit": UNIT,
                "description": (
                    f"Anmälda brott, brottskod {c}, utan DeSO-geokodning, per kommun och år för "
                    f"{when}; anmälningar utan kommun redovisas för riket ({NATIONAL_CODE})."
                ),
            }
        )
    return pd.DataFrame.from_records(records, columns=list(VARIABLE_COLUMNS))
