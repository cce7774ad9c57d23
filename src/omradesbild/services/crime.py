"""Reported offences that say what they cover: coverage per offence and year, and crime
tables that leave out incomplete or mostly ungeocoded years unless asked to keep them.

The coverage is computed when an extract is ingested (:func:`ingest_crime`) and stored in
the ``crime_coverage`` table; :func:`crime_coverage` reads it back with the flags of the
current thresholds (:data:`~omradesbild.config.CRIME_MIN_GEOCODED_SHARE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from omradesbild.config import CRIME_MIN_EVENTS, CRIME_MIN_GEOCODED_SHARE
from omradesbild.followup.crime_coverage import (
    COVERAGE_COLUMNS,
    coverage_notes,
    flag_crime_rows,
    unusable_years,
)
from omradesbild.store import Store
from omradesbild.store.store import IngestReport
from omradesbild.wording import Message, fmt_num, say, text

if TYPE_CHECKING:
    from omradesbild.services.followup import CrimeResult

_TABLE_COLUMNS = (*COVERAGE_COLUMNS, "source_id")


def store_crime_coverage(store: Store, coverage: pd.DataFrame, *, source_id: str) -> int:
    """Write coverage rows (the latest extract of an offence code and year wins)."""
    if coverage.empty:
        return 0
    frame = coverage.loc[:, list(COVERAGE_COLUMNS)].assign(source_id=source_id)
    frame["note"] = frame["note"].astype(object).where(frame["note"].notna(), None)
    with store.transaction() as con:
        con.register("_in_cov", frame)
        con.execute(
            f"INSERT OR REPLACE INTO crime_coverage ({', '.join(_TABLE_COLUMNS)}) "
            f"SELECT {', '.join(_TABLE_COLUMNS)} FROM _in_cov"
        )
        con.unregister("_in_cov")
    return len(frame)


def crime_coverage(
    store: Store, *, min_geocoded_share: float = CRIME_MIN_GEOCODED_SHARE
) -> pd.DataFrame:
    """What the stored reported-offence extracts cover, per offence code and year.

    Returns
    -------
    pandas.DataFrame
        :data:`~omradesbild.followup.crime_coverage.COVERAGE_COLUMNS` plus ``source_id``;
        ``usable`` (complete and geocoded share at least ``min_geocoded_share``) is
        recomputed with the threshold given. Empty when no extract has been ingested.
    """
    exists = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'crime_coverage'"
    ).fetchone()
    if not exists or not exists[0]:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in _TABLE_COLUMNS})
    df = store.con.execute("SELECT * FROM main.crime_coverage ORDER BY offence_code, period").df()
    share = df["geocoded_share"].astype(float).fillna(0.0)
    df["usable"] = df["complete"].astype(bool) & (share >= min_geocoded_share)
    return df


def ingest_crime(
    store: Store,
    paths: Sequence[str | Path],
    *,
    kommun_codes: Mapping[str, str] | None = None,
) -> tuple[list[IngestReport], pd.DataFrame]:
    """Parse every extract, then write counts and coverage in one transaction."""
    from omradesbild.sources.crime import read_crime_file
    from omradesbild.store.ingest import ingest_parsed

    files = [read_crime_file(Path(p), kommun_codes=kommun_codes) for p in paths]
    with store.transaction():
        reports = ingest_parsed(store, [f.observations for f in files], kind="crime")
        for f in files:
            store_crime_coverage(store, f.coverage, source_id=f.observations.source.source_id)
    cov = pd.concat([f.coverage for f in files], ignore_index=True) if files else pd.DataFrame()
    return reports, cov


def coverage_note_texts(coverage: pd.DataFrame) -> list[str | None]:
    """Each row's note in Swedish and English (``svenska / English``), or ``None`` for a
    usable year: the reasons :func:`~omradesbild.followup.crime_coverage.coverage_notes`
    gives, not the stored note, which is their English text alone."""
    return [_both_notes(msgs) or None for msgs in _row_notes(coverage)]


def _row_notes(coverage: pd.DataFrame) -> list[list[Message]]:
    cols = ["period", "extract_first_registration", "extract_last_registration", "geocoded_share"]
    return [coverage_notes(*row) for row in coverage[cols].itertuples(index=False)]


def _both_notes(msgs: Sequence[Message]) -> str:
    """Messages joined by "; " in Swedish, then in English; "" for none."""
    if not msgs:
        return ""
    return f"{'; '.join(say(m, 'sv') for m in msgs)} / {'; '.join(msgs)}"


def coverage_lines(coverage: pd.DataFrame) -> list[str]:
    """One line per flagged offence year, for the command line, in Swedish and English."""
    if coverage.empty:
        return []
    bad = coverage.loc[~coverage["usable"].astype(bool)].drop_duplicates(
        ["offence_code", "period"], keep="last"
    )
    cols = ["offence_code", "period", "reports", "geocoded_share", "extract_first_registration",
            "extract_last_registration"]  # fmt: skip
    lines = []
    for (code, period, n, share, first, last), msgs in zip(
        bad[cols].itertuples(index=False), _row_notes(bad), strict=True
    ):
        words = {"code": code, "period": period, "n": int(n), "first": first, "last": last}
        sv, en = (
            text(
                "cli_crime_year_flagged",
                lang,
                share=fmt_num(100 * float(share), lang, 0),
                note="; ".join(say(m, lang) for m in msgs)
                or text("cli_crime_year_flagged_note", lang),
                **words,
            )
            for lang in ("sv", "en")
        )
        lines.append(f"{sv} / {en}")
    return lines


def with_coverage(
    store: Store,
    res: CrimeResult,
    *,
    include_incomplete: bool = False,
) -> CrimeResult:
    """A crime table with coverage flags (see :func:`omradesbild.services.followup.crime_table`).

    Years an extract does not cover completely, or mostly could not place in a DeSO, are
    left out (``include_incomplete`` keeps them, with ``coverage_ok=False``). A rate's
    ``reliable`` is its indicator's (at least
    :data:`~omradesbild.config.CRIME_MIN_EVENTS` offences as well as enough residents:
    :func:`omradesbild.indicators.reliability.reliability`), as on every page.
    """
    cov = crime_coverage(store)
    rates = flag_crime_rows(
        res.rates, cov, offence=res.rates["offence"], include_incomplete=include_incomplete
    )
    notes = list(res.notes)
    held = {(str(o), str(p)) for o, p in res.rates[["offence", "period"]].itertuples(index=False)}
    flagged = sorted(unusable_years(cov) & held)
    if flagged:
        years = ", ".join(f"{o} {p}" for o, p in flagged)
        key = "note_crime_years_kept" if include_incomplete else "note_crime_years_left_out"
        notes.append(Message(key, years=years))
    notes.append(Message("note_crime_reliable", min_events=CRIME_MIN_EVENTS))
    return replace(res, rates=rates, notes=notes)


def drop_flagged_crime_indicators(
    ind: pd.DataFrame, coverage: pd.DataFrame, *, include_incomplete: bool = False
) -> pd.DataFrame:
    """Indicator rows without the flagged years of ``crime_rate_<code>`` indicators.

    For any table of indicators (trends, indices): rows of other indicators are kept.
    """
    codes = ind["indicator"].astype(str)
    offence = codes.where(codes.str.startswith("crime_rate_"), "").str.removeprefix("crime_rate_")
    out = flag_crime_rows(ind, coverage, offence=offence, include_incomplete=include_incomplete)
    return out if include_incomplete else out.drop(columns="coverage_ok")
