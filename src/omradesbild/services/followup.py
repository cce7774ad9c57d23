"""Store-backed follow-up: thin glue between the store and the pure follow-up functions.

Each function reads what it needs from a :class:`~omradesbild.store.Store`, computes the
indicators or area types with :mod:`omradesbild.services.pipeline`, hands plain DataFrames to the
pure functions of :mod:`omradesbild.followup` and returns DataFrames. The command line
(``omradesbild followup …`` and ``omradesbild goals status``) and the demo call these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE, kommun_of
from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION
from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.followup._common import period_to_year, sort_periods
from omradesbild.followup.change import compare_to_reference, indicator_change, trend
from omradesbild.followup.goals import (
    AnyGoal,
    CountGoal,
    GapGoal,
    GoalFile,
    PoliceSelection,
    goal_history,
    goal_status,
    goals_status_frame,
    load_goals,
)
from omradesbild.followup.police import (
    DEFAULT_THRESHOLD,
    area_polygons,
    listed_areas,
    overlay_police,
    police_flags,
    police_list_from_links,
    police_polygons,
)
from omradesbild.followup.police import (
    crosstab_police_types as _crosstab,
)
from omradesbild.followup.transitions import anchored_classes, class_transitions
from omradesbild.followup.underreporting import CAVEAT, underreporting_indicator
from omradesbild.index import IndexMethod, load_method
from omradesbild.indicators import default_catalogue, reference_values
from omradesbild.services.pipeline import (
    area_index,
    area_indicators,
    check_picture,
    compose_links,
    index_table,
    resolve_version,
)
from omradesbild.store import Store

#: Scheme of the Police's classifications in the store.
POLICE_SCHEME = "police_uso"

ClassChoice = Literal["auto", "anchored", "relative"]

_CRIME_RE = re.compile(r"^crime_(\d{4})$")


# ------------------------------------------------------------------------------ helpers


def _method(method: str | IndexMethod) -> IndexMethod:
    return load_method(method) if isinstance(method, str) else method


def _store_periods(store: Store, *, area_version: str = BASE_VERSION) -> list[str]:
    rows = store.con.execute(
        "SELECT DISTINCT period FROM current_observations WHERE area_version = ?", [area_version]
    ).fetchall()
    return sort_periods(r[0] for r in rows)


def _between(
    periods: Sequence[str], period_from: str | int | None, period_to: str | int | None
) -> list[str]:
    lo = period_to_year(period_from, field="--from") if period_from is not None else -np.inf
    hi = period_to_year(period_to, field="--to") if period_to is not None else np.inf
    if lo > hi:
        raise ConfigError(f"--from {period_from} is after --to {period_to}")
    return [p for p in periods if lo <= period_to_year(p) <= hi]


def _check_indicators(indicators: Sequence[str] | None) -> list[str] | None:
    if not indicators:
        return None
    ids = set(default_catalogue().ids)
    unknown = [i for i in indicators if i not in ids]
    if unknown:
        raise InputError(
            "unknown indicator(s): " + ", ".join(unknown),
            field="--indicator",
            expected="ids from 'omradesbild indicators list', e.g. not_employed_16_64",
        )
    return list(dict.fromkeys(indicators))


def _require_periods(ind: pd.DataFrame, wanted: Sequence[str], *, what: str) -> None:
    have = set(ind["period"].astype(str)) if not ind.empty else set()
    missing = [p for p in wanted if p not in have]
    if missing:
        raise NotFoundError(
            f"{what}: no values for period(s) {', '.join(missing)}; periods with values: "
            + (", ".join(sort_periods(have)) or "none")
        )


def _kommun_code(code: str) -> str | None:
    if DESO_RE.match(code) or REGSO_RE.match(code) or KOMMUN_RE.match(code):
        return kommun_of(code)
    return None


# ------------------------------------------------------------------------------ change


def change_table(
    store: Store,
    *,
    level: str,
    period_from: str | int,
    period_to: str | int,
    indicators: Sequence[str] | None = None,
    version: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change of indicators between two periods per area, next to its kommun and the country.

    Returns :func:`~omradesbild.followup.change.indicator_change`'s columns plus
    ``kommun_code``, ``kommun_from``, ``kommun_to``, ``kommun_diff``, ``kommun_change``,
    ``country_from``, ``country_to``, ``country_diff``, ``country_change``,
    ``diff_vs_kommun`` (= ``diff − kommun_diff``), ``diff_vs_country`` and
    ``vs_kommun`` / ``vs_country`` (the area's level in ``period_to`` against the reference:
    ``higher``, ``lower`` or ``similar`` by its interval). Kommun and country values are
    summed from the same base (DeSO) counts; "country" is every area in the store.
    """
    p_from, p_to = str(period_from), str(period_to)
    inds = _check_indicators(indicators)
    if p_from == p_to:
        raise ConfigError(f"--from and --to are the same period ({p_from})")
    stored = _store_periods(store)
    missing = [p for p in (p_from, p_to) if p not in stored]
    if missing:
        raise NotFoundError(
            f"the store holds no observations for period(s) {', '.join(missing)}; periods "
            "stored: " + ", ".join(stored)
        )
    ind = area_indicators(
        store, level=level, version=version, periods=[p_from, p_to], indicators=inds
    )
    _require_periods(ind, [p_from, p_to], what=f"indicators at level {level}")
    ch = indicator_change(ind, period_from=p_from, period_to=p_to, confidence=confidence)
    obs = store.observations(area_version=BASE_VERSION, periods=[p_from, p_to])
    ref = reference_values(obs, indicators=sorted(set(ind["indicator"])), periods=[p_from, p_to])
    out = ch.copy()
    out["kommun_code"] = [_kommun_code(str(c)) for c in out["area_code"]]
    if ref.empty:
        for c in ("kommun", "country"):
            out[[f"{c}_from", f"{c}_to", f"{c}_diff"]] = np.nan
            out[f"{c}_change"] = None
    else:
        rch = indicator_change(ref, period_from=p_from, period_to=p_to, confidence=confidence)
        rcols = ["area_code", "indicator", "value_from", "value_to", "diff", "change"]
        kom = rch.loc[rch["level"] == "kommun", rcols]
        kom.columns = ["kommun_code", "indicator", *[f"kommun_{c}" for c in rcols[2:]]]
        kom = kom.rename(
            columns={"kommun_value_from": "kommun_from", "kommun_value_to": "kommun_to"}
        )
        nat = rch.loc[rch["level"] == "country", rcols[1:]]
        nat.columns = ["indicator", *[f"country_{c}" for c in rcols[2:]]]
        nat = nat.rename(
            columns={"country_value_from": "country_from", "country_value_to": "country_to"}
        )
        out = out.merge(kom, on=["kommun_code", "indicator"], how="left")
        out = out.merge(nat, on="indicator", how="left")
    out["diff_vs_kommun"] = out["diff"] - out["kommun_diff"]
    out["diff_vs_country"] = out["diff"] - out["country_diff"]
    if not ref.empty:
        cmp = compare_to_reference(ind.loc[ind["period"].astype(str) == p_to], ref)
        cmp = cmp[["area_code", "level", "indicator", "vs_kommun", "vs_country"]]
        out = out.merge(cmp, on=["area_code", "level", "indicator"], how="left")
    else:
        out["vs_kommun"] = None
        out["vs_country"] = None
    return out.reset_index(drop=True)


def trend_table(
    store: Store,
    *,
    level: str,
    indicators: Sequence[str] | None = None,
    period_from: str | int | None = None,
    period_to: str | int | None = None,
    version: str | None = None,
    weighted: bool = True,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Linear trend per area and indicator over the stored periods in ``[from, to]``
    (:func:`~omradesbild.followup.change.trend`)."""
    inds = _check_indicators(indicators)
    periods = _between(_store_periods(store), period_from, period_to)
    if not periods:
        raise NotFoundError(
            f"no stored periods between {period_from} and {period_to}; periods in the store: "
            + ", ".join(_store_periods(store))
        )
    ind = area_indicators(store, level=level, version=version, periods=periods, indicators=inds)
    if ind.empty:
        raise NotFoundError(f"no indicators can be computed at level {level} in {periods}")
    return trend(ind, weighted=weighted, confidence=confidence)


# ------------------------------------------------------------------------------ area types


def method_periods(
    store: Store, method: str | IndexMethod, *, base_version: str = BASE_VERSION
) -> list[str]:
    """Periods in which every indicator of ``method`` (or its fallback) has values."""
    m = _method(method)
    ids = set(default_catalogue().ids)
    needed = {i.source_column for i in m.indicators} | {f.column for f in m.fallbacks}
    ind = area_indicators(
        store, level="country", indicators=sorted(needed & ids), base_version=base_version
    )
    ind = ind.loc[ind["value"].notna()]
    have = ind.groupby(ind["period"].astype(str))["indicator"].agg(set)
    fb = {f.indicator: f.column for f in m.fallbacks}
    out = []
    for period, present in have.items():
        if all(
            i.source_column in present or fb.get(i.source_column, "") in present
            for i in m.indicators
        ):
            out.append(str(period))
    return sort_periods(out)


def area_classes(
    store: Store,
    *,
    method: str | IndexMethod = AREA_TYPE_METHOD,
    level: str = "regso",
    periods: Sequence[str | int] | None = None,
    base_period: str | int | None = None,
    version: str | None = None,
) -> pd.DataFrame:
    """Relative and anchored classes of every area of a level in several periods.

    Wraps :func:`~omradesbild.followup.transitions.anchored_classes`; the reference
    distribution is every area of the level in the store (for SCB's area types on the
    national tables: every RegSO in Sweden). ``periods`` defaults to every period in which
    the method's indicators exist; ``base_period`` to the first of them.
    """
    m = _method(method)
    check_picture(m)
    available = method_periods(store, m)
    plist = [str(p) for p in periods] if periods is not None else available
    missing = [p for p in plist if p not in available]
    if missing:
        raise NotFoundError(
            f"method {m.id!r} cannot be computed for period(s) {', '.join(missing)}: the "
            f"indicators it needs exist for {', '.join(available) or 'no period'}"
        )
    base = str(base_period) if base_period is not None else plist[0]
    if base not in available:
        raise NotFoundError(
            f"base period {base} has no values for method {m.id!r}; periods: "
            + ", ".join(available)
        )
    use = sort_periods({*plist, base})
    ids = set(default_catalogue().ids)
    needed = {i.source_column for i in m.indicators} | {f.column for f in m.fallbacks}
    ind = area_indicators(
        store, level=level, version=version, periods=use, indicators=sorted(needed & ids)
    )
    table = index_table(ind, m)
    out = anchored_classes(table, method=m, base_period=base)
    return out.loc[out["period"].isin(plist)].reset_index(drop=True)


@dataclass
class Transitions:
    """Class transitions between two periods, relative and anchored at the first."""

    matrix_relative: pd.DataFrame
    matrix_anchored: pd.DataFrame
    moves: pd.DataFrame
    classes: pd.DataFrame
    period_from: str
    period_to: str
    method_id: str


def transitions(
    store: Store,
    *,
    method: str | IndexMethod = AREA_TYPE_METHOD,
    level: str = "regso",
    period_from: str | int,
    period_to: str | int,
    version: str | None = None,
) -> Transitions:
    """Transition matrices of ``method``'s classes from ``period_from`` to ``period_to``.

    Relative classes are computed against each period's own distribution, anchored ones
    with the cut points of ``period_from`` (the base period). ``moves`` has one row per area
    with both (``class_from``/``class_to``/``steps``/``movement`` for the relative classes
    and the same with an ``_anchored`` suffix).
    """
    m = _method(method)
    p_from, p_to = str(period_from), str(period_to)
    if p_from == p_to:
        raise ConfigError(f"--from and --to are the same period ({p_from})")
    classes = area_classes(
        store, method=m, level=level, periods=[p_from, p_to], base_period=p_from, version=version
    )
    better: Literal["higher", "lower"] = "higher" if m.id == AREA_TYPE_METHOD else "lower"
    mat_r, mov_r = class_transitions(
        classes, period_from=p_from, period_to=p_to, class_column="class_relative", better=better
    )
    mat_a, mov_a = class_transitions(
        classes, period_from=p_from, period_to=p_to, class_column="class_anchored", better=better
    )
    keys = ["area_code", "period_from", "period_to"]
    moves = mov_r.merge(mov_a, on=keys, how="outer", suffixes=("", "_anchored"))
    return Transitions(mat_r, mat_a, moves, classes, p_from, p_to, m.id)


# ------------------------------------------------------------------------------ police


@dataclass
class PoliceAnalysis:
    """The Police's list next to the area types at one level (see :func:`police_analysis`)."""

    overlay: pd.DataFrame
    listed: pd.DataFrame
    crosstab: pd.DataFrame
    flags: pd.DataFrame
    area_types: pd.DataFrame
    police_year: str
    police_years: list[str]
    period: str
    level: str
    n_areas: int
    n_areas_covered: int
    n_polygons: int
    n_polygons_matched: int
    notes: list[str] = field(default_factory=list)


def _with_geometry(store: Store, level: str, version: str | None = None) -> pd.DataFrame:
    """``area_code, version, geometry`` (WKB) of the areas of a level that have a polygon."""
    sql = "SELECT area_code, version, geometry FROM areas WHERE level = ? AND geometry IS NOT NULL"
    params = [level]
    if version:
        sql += " AND version = ?"
        params.append(version)
    df = store.con.execute(sql + " ORDER BY version, area_code", params).df()
    df["geometry"] = [bytes(g) for g in df["geometry"]]
    return df


def _population(store: Store, period: str, version: str) -> tuple[pd.Series, str | None]:
    pop = store.observations(variables=["pop_total"], area_version=version)
    pop = pop.loc[pop["value"].notna()]
    if pop.empty:
        return pd.Series(dtype=float), None
    periods = sort_periods(pop["period"].unique())
    y = period_to_year(period)
    chosen = min(periods, key=lambda p: (abs(period_to_year(p) - y), -period_to_year(p)))
    sel = pop.loc[pop["period"] == chosen]
    return pd.Series(sel["value"].to_numpy(float), index=sel["area_code"].astype(str)), chosen


def police_analysis(
    store: Store,
    *,
    level: str,
    period: str | int,
    police_year: str | int,
    threshold: float = DEFAULT_THRESHOLD,
    version: str | None = None,
    method: str | IndexMethod = AREA_TYPE_METHOD,
) -> PoliceAnalysis:
    """Overlay the stored police polygons on the areas of a level and compare with area types.

    Steps: police polygons of every stored year up to ``police_year`` (a year without
    polygons but with links from its police areas to the level is used through
    :func:`~omradesbild.followup.police.police_list_from_links`); DeSO polygons from the
    store, population shares from ``pop_total`` of the DeSO (nearest period); for levels
    above DeSO the DeSO are aggregated over the stored links (SCB's key for RegSO). Only
    areas whose every DeSO has a polygon are analysed. Area types come from ``method`` at
    ``level`` and ``period`` computed against *every* area of the level in the store (the
    national distribution when the national tables are ingested) before restricting.
    """
    m = _method(method)
    period, year = str(period), str(police_year)
    notes: list[str] = []
    version = (
        resolve_version(store, level, version) if level != "deso" else (version or BASE_VERSION)
    )

    # Police polygons (and link-only lists) up to the police year.
    cls = store.classifications(scheme=POLICE_SCHEME)
    if cls.empty:
        raise NotFoundError(
            "the store holds no police classifications; ingest them with "
            "'omradesbild ingest police-areas' or 'ingest police-list'"
        )
    polys = police_polygons(_with_geometry(store, "police_area"), cls)
    poly_years = sort_periods(polys["period"].unique()) if not polys.empty else []
    links_all = store.links()
    link_years: dict[str, pd.DataFrame] = {}
    for py in sort_periods(cls["period"].unique()):
        if py in poly_years:
            continue
        c = cls.loc[cls["period"].astype(str) == py]
        lk = links_all.loc[
            links_all["from_version"].isin(set(c["version"])) & (links_all["to_version"] == version)
        ]
        if not lk.empty:
            link_years[py] = police_list_from_links(c, lk)
    if year not in poly_years and year not in link_years:
        raise NotFoundError(
            f"no police areas for {year} that can be placed on {level} ({version}): years with "
            f"polygons: {', '.join(poly_years) or 'none'}; classifications exist for "
            f"{', '.join(sort_periods(cls['period'].unique()))}"
        )
    yr = period_to_year(year)
    years = [p for p in sort_periods([*poly_years, *link_years]) if period_to_year(p) <= yr]
    polys = polys.loc[polys["period"].isin(years)]

    # Base polygons and population.
    deso = store.areas(level="deso", version=BASE_VERSION)
    if deso.empty:
        raise NotFoundError(f"the store holds no DeSO areas of version {BASE_VERSION}")
    with_geom = area_polygons(_with_geometry(store, "deso", BASE_VERSION))
    with_geom = with_geom.loc[~with_geom.geometry.is_empty].reset_index(drop=True)
    if with_geom.empty:
        raise NotFoundError(
            f"no DeSO ({BASE_VERSION}) in the store has a polygon; ingest DeSO boundaries "
            "with 'omradesbild ingest boundaries'"
        )
    covered_base = set(with_geom["area_code"])
    pop_base, pop_period = _population(store, period, BASE_VERSION)
    if pop_period is None:
        notes.append("no pop_total in the store: shares are area shares, no population")
        pop_arg: pd.Series | None = None
    else:
        pop_arg = pop_base
        if pop_period != period:
            notes.append(f"population from {pop_period} (no pop_total for {period})")

    # Target areas: DeSO themselves, or aggregates over the links.
    area_links: pd.DataFrame | None = None
    if level == "deso" and version == BASE_VERSION:
        all_codes = set(deso["area_code"])
        covered = covered_base
        pop_level = pop_base
    else:
        area_links = compose_links(links_all, from_version=BASE_VERSION, to_version=version)
        lk = area_links[["from_code", "to_code"]].astype(str)
        complete = lk.assign(ok=lk["from_code"].isin(covered_base)).groupby("to_code")["ok"].all()
        all_codes = set(store.areas(level=level, version=version)["area_code"].astype(str))
        covered = set(complete.index[complete.to_numpy(dtype=bool)])
        partial = set(complete.index[~complete.to_numpy(dtype=bool)]) & set(
            lk.loc[lk["from_code"].isin(covered_base), "to_code"]
        )
        if partial:
            notes.append(
                f"{len(partial)} {level} only partly covered by DeSO polygons were left out"
            )
        area_links = area_links.loc[area_links["to_code"].astype(str).isin(covered)]
        w = area_links.assign(
            p=area_links["from_code"].astype(str).map(pop_base).astype(float)
            * area_links["weight"].astype(float)
        )
        pop_level = w.groupby(w["to_code"].astype(str))["p"].sum(min_count=1)
    if len(covered) < len(all_codes):
        notes.append(
            f"only {len(covered)} of {len(all_codes)} {level} have polygons in the store; the "
            "analysis is restricted to them (area types are still computed against all "
            f"{len(all_codes)})"
        )
    ov = overlay_police(polys, with_geom, pop_arg, area_links=area_links, threshold=threshold)
    ov = ov.loc[ov["area_code"].isin(covered)]
    parts = [ov] + [
        f.loc[f["area_code"].isin(covered)] for p, f in link_years.items() if p in years
    ]
    overlay = pd.concat([p for p in parts if not p.empty], ignore_index=True) if parts else ov
    if overlay.empty:
        overlay = ov
    listed = listed_areas(overlay, threshold=threshold)
    n_polys = int((polys["period"] == year).sum())
    n_matched = int(overlay.loc[overlay["period"] == year, "police_code"].nunique())
    if year in poly_years and n_matched < n_polys:
        notes.append(
            f"{n_polys - n_matched} of {n_polys} police polygons of {year} lie outside the "
            "areas with polygons and are not counted"
        )
    if len(years) == 1:
        notes.append(
            f"only one police year ({year}) is stored: flag (a), left the list, needs an "
            "earlier year and cannot be set"
        )
    for py in link_years:
        if py in years:
            notes.append(
                f"{py}: list without polygons, every {level} linked to a police area counts as "
                "listed (no threshold)"
            )

    # Area types against the whole level, then restricted.
    types_all = area_index(store, method=m, level=level, period=period, version=version)
    fb = types_all["fallback_used"].dropna() if "fallback_used" in types_all else pd.Series()
    if len(fb):
        notes.append(f"area types use a fallback indicator: {fb.iloc[0]}")
    types_all = types_all.loc[types_all["class"].notna(), ["area_code", "period", "class"]]
    types = types_all.loc[types_all["area_code"].astype(str).isin(covered)].reset_index(drop=True)
    if types.empty:
        raise NotFoundError(f"none of the {level} with polygons has an area type in {period}")
    crosstab = _crosstab(listed, types, population=pop_level, periods=years)
    flags = police_flags(listed, types, periods=years)
    return PoliceAnalysis(
        overlay=overlay,
        listed=listed,
        crosstab=crosstab,
        flags=flags,
        area_types=types,
        police_year=year,
        police_years=years,
        period=period,
        level=level,
        n_areas=len(all_codes),
        n_areas_covered=len(covered),
        n_polygons=n_polys,
        n_polygons_matched=n_matched,
        notes=notes,
    )


def crosstab_wide(crosstab: pd.DataFrame, period: str, *, value: str = "n_areas") -> pd.DataFrame:
    """One police year of the long cross-tab as a table: category × area type, with totals."""
    sub = crosstab.loc[crosstab["period"].astype(str) == str(period)]
    wide = sub.pivot_table(
        index="category", columns="area_type", values=value, aggfunc="sum", fill_value=0
    )
    order = [c for c in ("sarskilt_utsatt", "utsatt", "risk", "not_listed") if c in wide.index]
    wide = wide.reindex([*order, *sorted(set(wide.index) - set(order))])
    wide["total"] = wide.sum(axis=1)
    wide.loc["total"] = wide.sum(axis=0)
    wide.columns = [f"type_{c}" if c != "total" else c for c in wide.columns]
    wide.index.name = "category"
    return wide.reset_index()


# ------------------------------------------------------------------------------ crime


@dataclass
class CrimeResult:
    """Offences per area and year, and the under-reporting signal where surveys exist."""

    rates: pd.DataFrame
    underreporting: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


def crime_table(
    store: Store,
    *,
    level: str,
    offences: Sequence[str] | None = None,
    period_from: str | int | None = None,
    period_to: str | int | None = None,
    version: str | None = None,
) -> CrimeResult:
    """Reported offences (counts and rates per 1 000 residents) per area and year.

    Rates come from the catalogue's ``crime_rate_<code>`` indicators (counts summed from
    DeSO, divided by ``pop_total``; the population of the nearest year where the year's is
    missing, flagged ``population_other_year``). At kommun level the offences that could
    not be placed in a DeSO (``crime_<code>_not_geocoded``) are added as a column. Where
    the level has survey data (the synthetic city's RegSO), the under-reporting signal of
    :func:`~omradesbild.followup.underreporting.underreporting_indicator` is returned too.
    """
    known = {m.group(1) for v in store.variables()["variable"] if (m := _CRIME_RE.match(str(v)))}
    cat = set(default_catalogue().ids)
    codes = [str(o).removeprefix("crime_") for o in offences] if offences else sorted(known)
    bad = [c for c in codes if c not in known or f"crime_rate_{c}" not in cat]
    if bad:
        raise InputError(
            "no reported offences with code(s) " + ", ".join(bad) + " in the store",
            field="--offence",
            expected="one of " + (", ".join(sorted(known)) or "(none: ingest crime files)"),
        )
    if not codes:
        raise NotFoundError("the store holds no reported offences; ingest them with 'ingest crime'")
    variables = [f"crime_{c}" for c in codes]
    rows = store.con.execute(
        "SELECT DISTINCT period FROM current_observations WHERE variable IN ("
        + ", ".join("?" for _ in variables)
        + ")",
        variables,
    ).fetchall()
    periods = _between(sort_periods(r[0] for r in rows), period_from, period_to)
    if not periods:
        raise NotFoundError(
            f"no reported offences between {period_from} and {period_to} for " + ", ".join(codes)
        )
    ind = area_indicators(
        store,
        level=level,
        version=version,
        periods=periods,
        indicators=[f"crime_rate_{c}" for c in codes],
    )
    if ind.empty:
        raise NotFoundError(f"no offence rates can be computed at level {level}")
    notes: list[str] = []
    approx = ind["approximate"].fillna(False).astype(bool)
    den_note = ind["note"].astype(object).where(ind["note"].notna(), "")
    pop_period = den_note.str.extract(r"denominator from (\S+)", expand=False)
    rates = pd.DataFrame(
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
    if level == "kommun":
        kv = resolve_version(store, "kommun", version)
        ng = store.observations(
            variables=[f"crime_{c}_not_geocoded" for c in codes], area_version=kv
        )
        if not ng.empty:
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
            notes.append(
                "not_geocoded: offences in the kommun that could not be placed in a DeSO; they "
                "are not in count or rate"
            )
    n_other = int(rates["population_other_year"].sum())
    if n_other:
        years = sorted(set(rates.loc[rates["population_other_year"], "population_period"]))
        notes.append(
            f"{n_other} rows use the population of another year ({', '.join(years)}): "
            "population_other_year = True"
        )
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
            notes.append("under-reporting signal: " + CAVEAT)
    return CrimeResult(rates.reset_index(drop=True), under, notes)


# ------------------------------------------------------------------------------ goals


@dataclass
class GoalsResult:
    """Status of each goal, and each goal's yearly history."""

    status: pd.DataFrame
    histories: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)


def _area_level_of(store: Store, code: str) -> tuple[str, str]:
    rows = store.con.execute(
        "SELECT level, version FROM areas WHERE area_code = ? ORDER BY version", [code]
    ).fetchall()
    if not rows:
        raise NotFoundError(f"area {code!r} is not in the store")
    return str(rows[0][0]), str(rows[0][1])


def goals_status(
    store: Store,
    goals: GoalFile | str | Path | None = None,
    *,
    level: str | None = None,
    classes: ClassChoice = "auto",
    confidence: float = 0.95,
    language: Literal["sv", "en"] = "en",
) -> GoalsResult:
    """History from the store and status of every goal in a goal file.

    * police counts: the Police's classifications in the store (scheme ``police_uso``),
      one point per published year;
    * area-type counts: classes of the goal's method at its level (``level`` overrides)
      for every period with values;
    * gaps: the goal's indicator per area and period, grouped by the area types of the
      same period;
    * indicator goals: the area's values.

    ``classes``: ``anchored`` uses classes anchored at the goal's base year (the nearest
    period with values if it has none), ``relative`` each period's own classes; ``auto``
    (default) anchors counts of area types and uses relative classes for gaps (so that the
    groups are each year's most and least vulnerable areas).
    """
    gf = goals if isinstance(goals, GoalFile) else load_goals(goals)
    if classes not in ("auto", "anchored", "relative"):
        raise ConfigError(f"classes must be auto, anchored or relative, got {classes!r}")
    notes: list[str] = []
    cache: dict[tuple[str, str, str], pd.DataFrame] = {}
    periods_cache: dict[str, list[str]] = {}

    def types_for(goal: AnyGoal, method: str, lvl: str, anchored: bool) -> pd.DataFrame:
        if method not in periods_cache:
            periods_cache[method] = method_periods(store, method)
        avail = periods_cache[method]
        if not avail:
            raise NotFoundError(f"goal {goal.id!r}: method {method!r} has no period with values")
        base = min(avail, key=lambda p: (abs(period_to_year(p) - goal.base_year), p))
        key = (method, lvl, base)
        if key not in cache:
            cache[key] = area_classes(store, method=method, level=lvl, base_period=base)
        t = cache[key]
        col = "class_anchored" if anchored else "class_relative"
        if anchored and base != str(goal.base_year):
            notes.append(f"{goal.id}: classes anchored at {base} (no values for {goal.base_year})")
        return pd.DataFrame({"area_code": t["area_code"], "period": t["period"], "class": t[col]})

    statuses = []
    histories: dict[str, pd.DataFrame] = {}
    for goal in gf.goals:
        if isinstance(goal, CountGoal):
            if isinstance(goal.areas, PoliceSelection):
                cls = store.classifications(scheme=POLICE_SCHEME)
                if cls.empty:
                    raise NotFoundError(
                        f"goal {goal.id!r} counts police areas but the store holds no police "
                        "classifications"
                    )
                hist = goal_history(goal, classifications=cls)
            else:
                sel = goal.areas
                anchored = classes != "relative"
                types = types_for(goal, sel.method, level or sel.level, anchored)
                hist = goal_history(goal, area_types=types)
        elif isinstance(goal, GapGoal):
            lvl = level or goal.level
            anchored = classes == "anchored"
            types = types_for(goal, goal.method, lvl, anchored)
            ind = area_indicators(
                store, level=lvl, periods=sorted(set(types["period"])), indicators=[goal.indicator]
            )
            hist = goal_history(goal, indicators=ind, area_types=types)
        else:
            lvl, ver = _area_level_of(store, goal.area_code)
            ind = area_indicators(store, level=lvl, version=ver, indicators=[goal.indicator])
            hist = goal_history(goal, indicators=ind)
        histories[goal.id] = hist
        statuses.append(goal_status(goal, hist, confidence=confidence, language=language))
    return GoalsResult(goals_status_frame(statuses), histories, notes)


# ------------------------------------------------------------------------------ demo


def demo_followup(store: Store, out: Path) -> dict[str, pd.DataFrame]:
    """The follow-up part of the demo, written as CSV files to ``out``.

    Returns (and writes as ``followup_<name>.csv``):

    * ``transitions_relative`` / ``transitions_anchored``: SCB area types of the RegSO,
      first against last year with values, relative and anchored at the first year;
    * ``transitions_moves``: each RegSO's move under both;
    * ``police_crosstab``: police category × area type (RegSO) in the latest police year;
    * ``police_flags``: the RegSO flagged in the latest police year (left the list but still
      type 1–2; type 1–2 never listed; listed but type 3–5);
    * ``goals_status``: the status of the example goal file.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    periods = method_periods(store, AREA_TYPE_METHOD)
    if len(periods) < 2:
        raise NotFoundError("the demo follow-up needs at least two periods of area types")
    tr = transitions(store, level="regso", period_from=periods[0], period_to=periods[-1])
    cls = store.classifications(scheme=POLICE_SCHEME)
    police_year = sort_periods(cls["period"].unique())[-1]
    pol = police_analysis(store, level="regso", period=periods[-1], police_year=police_year)
    flags = pol.flags.loc[(pol.flags["period"] == police_year) & pol.flags["flag"].notna()]
    goals = goals_status(store)
    cross = crosstab_wide(pol.crosstab, police_year)
    cross.insert(0, "period", police_year)
    results = {
        "transitions_relative": tr.matrix_relative.reset_index(),
        "transitions_anchored": tr.matrix_anchored.reset_index(),
        "transitions_moves": tr.moves,
        "police_crosstab": cross,
        "police_flags": flags.reset_index(drop=True),
        "goals_status": goals.status,
    }
    for name, df in results.items():
        df.to_csv(out / f"followup_{name}.csv", index=False)
    return results
