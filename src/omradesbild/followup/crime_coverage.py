"""What a reported-offence extract covers, per offence code and year.

The Police's extracts are cut at a registration date (e.g. 31 March 2024), and reports were
geocoded to DeSO only from 2020: a year can hold few reports, or reports that lie in no area.
:func:`crime_coverage` measures it; :func:`flag_crime_rows` leaves such years out of crime
trends and indices unless asked to keep them. Whether a rate is reliable (enough residents
and enough offences) is decided with every indicator's flag, in
:func:`omradesbild.indicators.reliability.reliability`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from omradesbild.config import CRIME_MIN_GEOCODED_SHARE
from omradesbild.errors import InputError
from omradesbild.wording import Message, Num

#: Columns :func:`crime_coverage` needs.
COVERAGE_ROW_COLUMNS: tuple[str, ...] = (
    "offence_code",
    "period",  # year of the offence date
    "deso_code",  # "" when not geocoded
    "kommun_code",  # "" when unknown
    "count",
    "offence_date",  # ISO date
    "registration_date",  # ISO date, or "" when the extract lacks it
)

#: Columns of :func:`crime_coverage`'s result (and of the store's ``crime_coverage`` table).
COVERAGE_COLUMNS: tuple[str, ...] = (
    "offence_code",
    "period",
    "reports",  # rows (registered reports)
    "offences",  # sum of Antal
    "geocoded",  # offences with a DeSO
    "no_kommun",  # offences with neither DeSO nor kommun
    "geocoded_share",
    "extract_first_registration",
    "extract_last_registration",
    "last_offence_date",
    "complete",  # the extract covers registrations over the whole year
    "usable",  # complete and geocoded_share >= the threshold
    "note",
)


def crime_coverage(
    rows: pd.DataFrame, *, min_geocoded_share: float = CRIME_MIN_GEOCODED_SHARE
) -> pd.DataFrame:
    """Reports, geocoded share and completeness per offence code and year.

    Parameters
    ----------
    rows
        One row per report with :data:`COVERAGE_ROW_COLUMNS`.
    min_geocoded_share
        A year whose share of offences geocoded to a DeSO is below this is not usable.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`, one row per offence code and year.

    Notes
    -----
    The extract of an offence code spans registration dates :math:`[r_0, r_1]` (offence
    dates when the registration date is absent). Year :math:`t` is *complete* when
    :math:`r_0 \\le` 1 January :math:`t` and :math:`r_1 \\ge` 31 December :math:`t`; even
    then offences of :math:`t` reported after :math:`r_1` are missing. The geocoded share
    is :math:`g_t / y_t`, offences with a DeSO over all offences of the year.
    """
    missing = [c for c in COVERAGE_ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise InputError(
            Message("err_ana_crime_lacks", missing=str(missing)),
            expected=", ".join(COVERAGE_ROW_COLUMNS),
        )
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COVERAGE_COLUMNS})
    f = pd.DataFrame(
        {
            "offence_code": rows["offence_code"].astype(str).to_numpy(),
            "period": rows["period"].astype(str).to_numpy(),
            "count": pd.to_numeric(rows["count"]).to_numpy(dtype=float),
            "geo": rows["deso_code"].fillna("").astype(str).to_numpy() != "",
            "kommun": rows["kommun_code"].fillna("").astype(str).to_numpy() != "",
            "offence_date": rows["offence_date"].astype(str).to_numpy(),
            "reg": rows["registration_date"].fillna("").astype(str).to_numpy(),
        }
    )
    f["reg"] = f["reg"].where(f["reg"] != "", f["offence_date"])
    f["geo_count"] = np.where(f["geo"], f["count"], 0.0)
    f["nok_count"] = np.where(~f["geo"] & ~f["kommun"], f["count"], 0.0)
    span = f.groupby("offence_code")["reg"].agg(["min", "max"])
    g = f.groupby(["offence_code", "period"], as_index=False).agg(
        reports=("count", "size"),
        offences=("count", "sum"),
        geocoded=("geo_count", "sum"),
        no_kommun=("nok_count", "sum"),
        last_offence_date=("offence_date", "max"),
    )
    g["extract_first_registration"] = g["offence_code"].map(span["min"])
    g["extract_last_registration"] = g["offence_code"].map(span["max"])
    with np.errstate(divide="ignore", invalid="ignore"):
        g["geocoded_share"] = np.where(g["offences"] > 0, g["geocoded"] / g["offences"], np.nan)
    year = g["period"].astype(int)
    starts = g["extract_first_registration"] <= year.map(lambda y: dt.date(y, 1, 1).isoformat())
    ends = g["extract_last_registration"] >= year.map(lambda y: dt.date(y, 12, 31).isoformat())
    g["complete"] = starts & ends
    enough = g["geocoded_share"].fillna(0.0) >= min_geocoded_share
    g["usable"] = g["complete"] & enough
    years = zip(
        g["period"],
        g["extract_first_registration"],
        g["extract_last_registration"],
        g["geocoded_share"],
        strict=True,
    )
    g["note"] = [
        "; ".join(coverage_notes(*row, min_geocoded_share=min_geocoded_share)) or None
        for row in years
    ]
    for c in ("offences", "geocoded", "no_kommun"):
        g[c] = g[c].astype("int64")
    return (
        g.loc[:, list(COVERAGE_COLUMNS)]
        .sort_values(["offence_code", "period"])
        .reset_index(drop=True)
    )


def coverage_notes(
    period: object,
    first_registration: object,
    last_registration: object,
    geocoded_share: float | None,
    *,
    min_geocoded_share: float = CRIME_MIN_GEOCODED_SHARE,
) -> list[Message]:
    """Why a year of an offence code is flagged, as catalogue messages (their English text,
    joined by "; ", is the stored ``note``): the extract ends before 31 December or starts
    after 1 January of ``period`` (ISO registration dates), or less than
    ``min_geocoded_share`` of its offences lie in a DeSO. Empty for a usable year."""
    year = int(str(period))
    out = []
    if str(last_registration) < dt.date(year, 12, 31).isoformat():
        out.append(Message("crime_cov_ends_early"))
    if str(first_registration) > dt.date(year, 1, 1).isoformat():
        out.append(Message("crime_cov_starts_late"))
    share = float("nan") if geocoded_share is None else float(geocoded_share)
    if not share >= min_geocoded_share:
        out.append(
            Message(
                "crime_cov_low_geocoded",
                share=Num(100 * share, 0),
                threshold=Num(100 * min_geocoded_share, 0),
            )
        )
    return out


def unusable_years(coverage: pd.DataFrame) -> set[tuple[str, str]]:
    """``(offence_code, period)`` pairs that are flagged (not complete or mostly ungeocoded)."""
    if coverage.empty:
        return set()
    bad = coverage.loc[~coverage["usable"].astype(bool), ["offence_code", "period"]]
    return {(str(a), str(b)) for a, b in bad.itertuples(index=False)}


def flag_crime_rows(
    frame: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    offence: Iterable[str] | pd.Series,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """Mark (and by default drop) rows of flagged offence years.

    Parameters
    ----------
    frame
        Rows with a ``period`` column.
    coverage
        :func:`crime_coverage`'s result (or the stored table).
    offence
        The offence code of each row (``None``/empty for rows that are not about crime).
    include_incomplete
        Keep the flagged rows (marked ``coverage_ok=False``) instead of dropping them.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with a ``coverage_ok`` column; rows of unflagged or non-crime years keep
        ``True``.
    """
    bad = unusable_years(coverage)
    values = offence.to_numpy() if isinstance(offence, pd.Series) else list(offence)
    codes = pd.Series(values, index=frame.index, dtype="string").fillna("")
    if bad and len(frame):
        pairs = pd.MultiIndex.from_arrays([codes, frame["period"].astype(str)])
        ok = ~(pairs.isin(list(bad)) & (codes != "").to_numpy(dtype=bool))
    else:
        ok = np.ones(len(frame), dtype=bool)
    out = frame.assign(coverage_ok=ok)
    return out if include_incomplete else out.loc[out["coverage_ok"]].reset_index(drop=True)
