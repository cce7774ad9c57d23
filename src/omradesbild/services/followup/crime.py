"""Reported offences per area and year from the store, with the under-reporting signal."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from omradesbild.errors import InputError, NotFoundError
from omradesbild.followup._common import sort_periods
from omradesbild.followup.underreporting import underreporting_indicator
from omradesbild.indicators import default_catalogue
from omradesbild.indicators.counts import denominator_periods
from omradesbild.services.crime import with_coverage
from omradesbild.services.followup._common import between, span_message
from omradesbild.services.pipeline import area_indicators, resolve_version
from omradesbild.store import Store
from omradesbild.wording import Message, both

_CRIME_RE = re.compile(r"^crime_(\d{4})$")


@dataclass(frozen=True)
class CrimeResult:
    """Offences per area and year, and the under-reporting signal where surveys exist."""

    rates: pd.DataFrame
    underreporting: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


def _offence_codes(store: Store, offences: Sequence[str] | None) -> list[str]:
    """The offence codes asked for (default: every one stored), checked against the store."""
    known = {m.group(1) for v in store.variables()["variable"] if (m := _CRIME_RE.match(str(v)))}
    cat = set(default_catalogue().ids)
    codes = [str(o).removeprefix("crime_") for o in offences] if offences else sorted(known)
    bad = [c for c in codes if c not in known or f"crime_rate_{c}" not in cat]
    if bad:
        stored = ", ".join(sorted(known)) or "–"
        raise InputError(both("err_unknown_offences", codes=", ".join(bad), known=stored))
    if not codes:
        raise NotFoundError(both("err_no_offences"))
    return codes


def _offence_periods(store: Store, codes: Sequence[str]) -> list[str]:
    variables = [f"crime_{c}" for c in codes]
    rows = store.con.execute(
        "SELECT DISTINCT period FROM current_observations WHERE variable IN ("
        + ", ".join("?" for _ in variables)
        + ")",
        variables,
    ).fetchall()
    return sort_periods(r[0] for r in rows)


def _rates_frame(ind: pd.DataFrame) -> pd.DataFrame:
    """Offence-rate indicators as one row per area, year and offence."""
    approx = ind["approximate"].fillna(False).astype(bool)
    pop_period = denominator_periods(ind["note"])
    return pd.DataFrame(
        {
            "area_code": ind["area_code"].to_numpy(),
            "level": ind["level"].to_numpy(),
            "period": ind["period"].astype(str).to_numpy(),
            "offence": ind["indicator"].str.removeprefix("crime_rate_").to_numpy(),
            "count": ind["numerator"].to_numpy(dtype=float),
            "population": ind["denominator"].to_numpy(dtype=float),
            "population_period": pop_period.fillna(ind["period"].astype(str)).to_numpy(),
            "population_other_year": approx.to_numpy(),
            "rate_per_1000": ind["value"].to_numpy(dtype=float),
            "ci_low": ind["ci_low"].to_numpy(dtype=float),
            "ci_high": ind["ci_high"].to_numpy(dtype=float),
            "reliable": ind["reliable"].to_numpy(),
            "note": ind["note"].to_numpy(),
        }
    )


def _with_not_geocoded(
    store: Store, rates: pd.DataFrame, codes: Sequence[str], version: str | None, notes: list[str]
) -> pd.DataFrame:
    """Add the kommun's offences that could not be placed in a DeSO (``not_geocoded``)."""
    kv = resolve_version(store, "kommun", version)
    ng = store.observations(variables=[f"crime_{c}_not_geocoded" for c in codes], area_version=kv)
    if ng.empty:
        return rates
    ng = ng.assign(
        offence=ng["variable"].str.extract(r"crime_(\d+)_", expand=False),
        period=ng["period"].astype(str),
    )
    ng_sum = ng.groupby(["area_code", "period", "offence"])["value"].sum()
    rates = rates.merge(
        ng_sum.rename("not_geocoded").reset_index(),
        on=["area_code", "period", "offence"],
        how="left",
    )
    rates["not_geocoded"] = rates["not_geocoded"].fillna(0.0)
    notes.append(Message("note_not_geocoded"))
    return rates


def crime_table(
    store: Store,
    *,
    level: str,
    offences: Sequence[str] | None = None,
    period_from: str | int | None = None,
    period_to: str | int | None = None,
    version: str | None = None,
    include_incomplete: bool = False,
) -> CrimeResult:
    """Reported offences (counts and rates per 1 000 residents) per area and year.

    Rates come from the catalogue's ``crime_rate_<code>`` indicators (counts summed from
    DeSO, divided by ``pop_total``; the population of the nearest year where the year's is
    missing, flagged ``population_other_year``). At kommun level the offences that could
    not be placed in a DeSO (``crime_<code>_not_geocoded``) are added as a column. Where
    the level has survey data (the synthetic city's RegSO), the under-reporting signal of
    :func:`~omradesbild.followup.underreporting.underreporting_indicator` is returned too.

    Years an extract does not cover completely, or mostly could not place in a DeSO, are
    left out (``include_incomplete`` keeps them, with ``coverage_ok=False``); a rate is
    ``reliable`` only with at least :data:`~omradesbild.config.CRIME_MIN_EVENTS` offences
    as well as enough residents: its indicator's flag, the one every page shows
    (:func:`omradesbild.indicators.reliability.reliability`). The areas' names come first
    (:func:`~omradesbild.services.names.with_area_names`).
    """
    codes = _offence_codes(store, offences)
    held = _offence_periods(store, codes)
    periods = between(held, period_from, period_to)
    if not periods:
        raise NotFoundError(
            both("err_svc_no_offences_between", span=span_message(period_from, period_to),
                 codes=", ".join(codes), have=", ".join(held) or "–")
        )  # fmt: skip
    ind = area_indicators(
        store,
        level=level,
        version=version,
        periods=periods,
        indicators=[f"crime_rate_{c}" for c in codes],
        # flagged years are marked or dropped by with_coverage below
        include_incomplete_crime=True,
    )
    if ind.empty:
        raise NotFoundError(both("err_svc_no_offence_rates", level=level))
    notes: list[str] = []
    rates = _rates_frame(ind)
    if level == "kommun":
        rates = _with_not_geocoded(store, rates, codes, version, notes)
    n_other = int(rates["population_other_year"].sum())
    if n_other:
        years = sorted(set(rates.loc[rates["population_other_year"], "population_period"]))
        notes.append(Message("note_population_other_year", n=n_other, years=", ".join(years)))
    rates = rates.sort_values(["offence", "period", "area_code"], kind="mergesort")
    under: pd.DataFrame | None = None
    survey = area_indicators(
        store, level=level, version=version, indicators=["survey_victimisation"]
    )
    if not survey.empty and survey["value"].notna().any():
        sp = sorted(set(survey["period"].astype(str)) & set(periods))
        if sp:
            under = underreporting_indicator(
                survey.loc[survey["period"].astype(str).isin(sp)],
                ind.loc[ind["period"].astype(str).isin(sp)],
            )
            notes.append(Message("note_underreporting"))
    res = CrimeResult(rates.reset_index(drop=True), under, notes)
    res = with_coverage(store, res, include_incomplete=include_incomplete)
    return _with_names(store, res, level=level, version=version)


def _with_names(store: Store, res: CrimeResult, *, level: str, version: str | None) -> CrimeResult:
    """The tables with the areas' names first (``services.names.with_area_names``)."""
    from omradesbild.services.names import with_area_names

    ver = None if level == "country" else resolve_version(store, level, version)
    under = res.underreporting
    if under is not None:
        under = with_area_names(store, under, level=level, version=ver)
    rates = with_area_names(store, res.rates, level=level, version=ver)
    return replace(res, rates=rates, underreporting=under)


def crime_per_year(rates: pd.DataFrame) -> pd.DataFrame:
    """Offences summed over the areas per offence and year, with the rate per 1 000.

    Notes
    -----
    The rate of the sum is :math:`1000 \\sum_i y_i / \\sum_i n_i` (never a mean of the
    areas' rates). ``population_other_year`` is true when any area used the population of
    another year.
    """
    per_year = rates.groupby(["offence", "period"]).agg(
        areas=("area_code", "size"),
        count=("count", "sum"),
        population=("population", "sum"),
        population_other_year=("population_other_year", "any"),
    )
    per_year["rate_per_1000"] = 1000 * per_year["count"] / per_year["population"]
    if "not_geocoded" in rates.columns:
        per_year["not_geocoded"] = rates.groupby(["offence", "period"])["not_geocoded"].sum()
    return per_year.reset_index()


def disclosed_crime(rates: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Rows of offence counts (:func:`crime_table`'s rates or :func:`crime_per_year`) as
    published: small counts of offences, of offences not placed in a DeSO and of residents
    suppressed, and the rate and its interval with them
    (:func:`~omradesbild.reports.disclosure.apply_disclosure`, the residents the
    denominator), as the web app's pages and downloads publish them."""
    from omradesbild.reports.disclosure import apply_disclosure

    return apply_disclosure(
        rates,
        threshold=threshold,
        count_columns=("count", "population", "not_geocoded"),
        value_columns=("rate_per_1000", "ci_low", "ci_high"),
        denominator_column="population",
    )


def highest_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Areas with at least one offence, highest rate first (a row whose count is suppressed,
    :func:`disclosed_crime`, is left out: its rate is not published)."""
    cols = ["area_code", "area_name", "period", "offence", "count", "population"]
    cols += ["rate_per_1000", "ci_low", "ci_high", "population_other_year"]
    top = rates.loc[rates["count"] > 0].sort_values("rate_per_1000", ascending=False)
    return top[[c for c in cols if c in top.columns]]
