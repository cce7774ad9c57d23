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
handling (encoding, delimiter, header, validation, kommun name → code) around it. The CSV
helpers (decoding, delimiter, row validation) are in :mod:`omradesbild.sources.crime_csv`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from omradesbild.config import DEFAULT_VERSION
from omradesbild.errors import ConfigError, InputError
from omradesbild.sources.base import (
    LICENCE_PUBLIC_RECORD,
    OBS_COLUMNS,
    VARIABLE_COLUMNS,
    Observations,
    SourceMeta,
)
from omradesbild.sources.crime_csv import (
    _ISO_DATE,
    COL_CODE,
    COL_COUNT,
    COL_DESO,
    COL_KOMMUN,
    COL_LABEL,
    DATE_FIELDS,
    REG_FIELD,
    DateField,
    _check_values,
    _drop_repeated_headers,
    _line_locator,
    _read_header,
    _read_table,
    _read_text,
    _resolve_kommun,
    _stripped,
    _values,
)
from omradesbild.wording import Message, both

log = logging.getLogger(__name__)

PUBLISHER = "Polismyndigheten"
LICENCE = LICENCE_PUBLIC_RECORD
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


#: Columns of the validated rows :func:`aggregate_crime` takes.
ROW_COLUMNS: tuple[str, ...] = (
    "offence_code",  # Brottskod, digits, e.g. "1211"
    "period",  # year, e.g. "2022"
    "deso_code",  # DeSO 2018 code, or "" / None when not geocoded
    "kommun_code",  # 4-digit kommun code, or "" / None when unknown
    "count",  # Antal, non-negative integer
)


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
            Message(
                "err_src_crime_rows_columns", missing=str(missing), found=str(list(rows.columns))
            ),
            expected=Message("exp_src_columns", columns=str(list(ROW_COLUMNS))),
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
            Message("err_src_crime_rows_count"),
            field="count",
            expected=Message("exp_src_non_negative_integers"),
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


@dataclass(frozen=True)
class CrimeFile:
    """A read extract: the counts, and what the extract covers per offence code and year
    (:func:`omradesbild.followup.crime_coverage.crime_coverage`)."""

    observations: Observations
    coverage: pd.DataFrame


def read_crime_csv(
    path: str | Path,
    *,
    kommun_codes: Mapping[str, str] | None = None,
    date_field: DateField = "Brottsdatum",
) -> Observations:
    """Read one extract and aggregate it to counts (see :func:`read_crime_file`)."""
    return read_crime_file(path, kommun_codes=kommun_codes, date_field=date_field).observations


def read_crime_file(
    path: str | Path,
    *,
    kommun_codes: Mapping[str, str] | None = None,
    date_field: DateField = "Brottsdatum",
) -> CrimeFile:
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
    CrimeFile
        ``observations``: ``data`` with counts (unit ``"antal brott"``):
        ``crime_<Brottskod>`` per DeSO 2018,
        ``crime_<Brottskod>_not_geocoded`` per kommun (``kommun2025``) and, for reports with
        no kommun either, for the whole country (``SE``/``country``). ``variables`` holds the
        Swedish offence text as label. ``coverage``: reports, share geocoded to a DeSO and
        whether each year is complete, per offence code and year of the chosen date.

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
        raise ConfigError(
            both("err_src_crime_date_field", allowed=str(list(DATE_FIELDS)), value=repr(date_field))
        )
    text, encoding, checksum = _read_text(path)
    sep, header, value_cols = _read_header(text, date_field, path)
    locate = _line_locator(text, sep)
    raw = _read_table(text, sep, header, path)
    del text

    positions = np.arange(len(raw))
    cols = {c: _stripped(raw[c].astype("category")) for c in value_cols}
    del raw
    cols, positions, n_repeated = _drop_repeated_headers(cols, positions)
    date_cats, count_cats = _check_values(
        cols, date_field, path=path, positions=positions, locate=locate
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
    coverage = _coverage(rows, cols, date_field, REG_FIELD, path)
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
    return CrimeFile(Observations(source=meta, data=obs, variables=variables), coverage)


def _coverage(
    rows: pd.DataFrame, cols: dict[str, pd.Series], date_field: str, reg_field: str, path: Path
) -> pd.DataFrame:
    """Coverage per offence code and year; registration dates are checked like the others."""
    from omradesbild.followup.crime_coverage import crime_coverage

    reg = _values(cols[reg_field]) if reg_field in cols else np.full(len(rows), "", dtype=object)
    if reg_field in cols and reg_field != date_field:
        bad = [v for v in set(reg) if v and _ISO_DATE.fullmatch(str(v)) is None]
        if bad:
            raise InputError.bad_value(
                "err_src_not_a_date",
                bad[0],
                expected="exp_src_iso_date",
                file=path,
                field=reg_field,
            )
    offence_dates = reg if date_field == reg_field else _values(cols[date_field])
    return crime_coverage(rows.assign(offence_date=offence_dates, registration_date=reg))


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
