"""The Police's list of utsatta områden next to the area types, from the store."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION, POLICE_SHARE_THRESHOLD
from omradesbild.errors import NotFoundError
from omradesbild.followup._common import period_to_year, sort_periods
from omradesbild.followup.police import (
    OVERLAY_COLUMNS,
    area_polygons,
    listed_areas,
    overlay_police,
    police_list_from_links,
    police_polygons,
    police_shares_from_links,
)
from omradesbild.followup.police import police_status as _status
from omradesbild.index import IndexMethod
from omradesbild.services.followup._common import POLICE_SCHEME, as_method
from omradesbild.services.followup.police_known import (
    FLAG_KEYS,
    NOT_KNOWN,
    contained,
    crosstab_known,
    flags_known,
    polygons_from_successors,
    unknown_by_year,
    unknown_notes,
)
from omradesbild.services.names import with_area_names
from omradesbild.services.pipeline import area_index, compose_links, resolve_version
from omradesbild.store import Store
from omradesbild.wording import Message, label_message

#: Order of the police categories in tables (most serious first).
CATEGORY_ORDER: tuple[str, ...] = ("sarskilt_utsatt", "utsatt", "risk", "not_listed")


@dataclass(frozen=True)
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
    #: Police areas of ``police_year``: its polygons, or its list's entries when the year
    #: is placed through links (``year_basis == "links"``).
    n_police_areas: int
    #: Of those, the polygons over an analysed area, or the entries linked to one.
    n_police_areas_placed: int
    notes: list[str] = field(default_factory=list)
    #: How ``police_year`` is placed on the areas: ``"polygons"`` or ``"links"`` (a list
    #: without polygons).
    year_basis: str = "polygons"
    #: Every area placed on at least one police year.
    analysed: frozenset[str] = frozenset()
    #: Per police year, the analysed areas that year cannot be decided for (NOT_KNOWN).
    unknown: dict[str, frozenset[str]] = field(default_factory=dict)


def areas_with_geometry(store: Store, level: str, version: str | None = None) -> pd.DataFrame:
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
    """Population of ``version``'s areas in the stored period nearest ``period``."""
    pop = store.observations(variables=["pop_total"], area_version=version)
    pop = pop.loc[pop["value"].notna()]
    if pop.empty:
        return pd.Series(dtype=float), None
    periods = sort_periods(pop["period"].unique())
    y = period_to_year(period)
    chosen = min(periods, key=lambda p: (abs(period_to_year(p) - y), -period_to_year(p)))
    sel = pop.loc[pop["period"] == chosen]
    return pd.Series(sel["value"].to_numpy(float), index=sel["area_code"].astype(str)), chosen


@dataclass(frozen=True)
class _PoliceYears:
    """The police areas usable up to a year: polygons, and lists placed through links."""

    polygons: gpd.GeoDataFrame
    polygon_years: list[str]
    link_lists: dict[str, pd.DataFrame]
    years: list[str]


def _list_shares(
    store: Store, links_all: pd.DataFrame, cls: pd.DataFrame, *, version: str, period: str
) -> pd.DataFrame | None:
    """A list without polygons placed on ``version`` through DeSO 2018 and stored links.

    The list's codes (e.g. RegSO 2025) are reached from DeSO 2018 through the stored links
    (SCB's change log and keys, :func:`~omradesbild.services.pipeline.compose_links`),
    weighted by the DeSO's residents (:func:`~omradesbild.followup.police.
    police_shares_from_links`). ``None`` when no chain of links leads there.
    """
    lk = links_all.loc[links_all["from_version"].isin(set(cls["version"].astype(str)))]
    if lk.empty:
        return None
    list_codes = pd.DataFrame(
        {
            "police_code": lk["from_code"].astype(str).to_numpy(),
            "code": lk["to_code"].astype(str).to_numpy(),
            "version": lk["from_version"].astype(str).to_numpy(),
        }
    ).merge(
        cls.assign(police_code=cls["area_code"].astype(str), version=cls["version"].astype(str))[
            ["police_code", "version", "period", "category"]
        ],
        on=["police_code", "version"],
    )
    targets = sorted(set(lk["to_version"].astype(str)))
    if len(targets) != 1 or list_codes.empty:
        return None
    try:
        to_codes = (
            compose_links(links_all, from_version=BASE_VERSION, to_version=targets[0])
            if targets[0] != BASE_VERSION
            else None
        )
        to_areas = (
            compose_links(links_all, from_version=BASE_VERSION, to_version=version)
            if version != BASE_VERSION
            else None
        )
    except NotFoundError:
        return None
    if to_codes is None:
        codes = list_codes["code"].drop_duplicates()
        to_codes = pd.DataFrame({"from_code": codes, "to_code": codes, "weight": 1.0})
    pop, _ = _population(store, period, BASE_VERSION)
    return police_shares_from_links(
        list_codes, to_codes, base_to_areas=to_areas, population=pop if len(pop) else None
    )


def _police_years(
    store: Store, links_all: pd.DataFrame, *, level: str, version: str, year: str, period: str
) -> _PoliceYears:
    cls = store.classifications(scheme=POLICE_SCHEME)
    if cls.empty:
        raise NotFoundError(
            "the store holds no police classifications; ingest them with "
            "'omradesbild ingest police-areas' or 'ingest police-list'"
        )
    polys = police_polygons(areas_with_geometry(store, "police_area"), cls)
    poly_years = sort_periods(polys["period"].unique()) if not polys.empty else []
    link_years: dict[str, pd.DataFrame] = {}
    for py in sort_periods(cls["period"].unique()):
        if py in poly_years:
            continue
        c = cls.loc[cls["period"].astype(str) == py]
        shares = _list_shares(store, links_all, c, version=version, period=period)
        if shares is not None:
            link_years[py] = shares
            continue
        lk = links_all.loc[
            links_all["from_version"].isin(set(c["version"])) & (links_all["to_version"] == version)
        ]
        if not lk.empty:
            link_years[py] = police_list_from_links(c, lk)
    if year not in poly_years and year not in link_years:
        why = ""
        if version != BASE_VERSION:
            try:
                compose_links(links_all, from_version=BASE_VERSION, to_version=version)
            except NotFoundError as exc:
                why = (
                    f"; {exc} (e.g. 'omradesbild harmonize layer --level {level} --version "
                    f"{version}', which needs DeSO polygons under the layer)"
                )
        raise NotFoundError(
            f"no police areas for {year} that can be placed on {level} ({version}): years with "
            f"polygons: {', '.join(poly_years) or 'none'}; classifications exist for "
            f"{', '.join(sort_periods(cls['period'].unique()))}{why}"
        )
    yr = period_to_year(year)
    years = [p for p in sort_periods([*poly_years, *link_years]) if period_to_year(p) <= yr]
    return _PoliceYears(polys.loc[polys["period"].isin(years)], poly_years, link_years, years)


@dataclass(frozen=True)
class _Targets:
    """The base polygons with population, and the target areas they cover completely."""

    base: gpd.GeoDataFrame
    base_population: pd.Series | None
    area_links: pd.DataFrame | None
    all_codes: set[str]
    covered: set[str]
    population: pd.Series


def _targets(
    store: Store,
    links_all: pd.DataFrame,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> _Targets:
    deso = store.areas(level="deso", version=BASE_VERSION)
    if deso.empty:
        raise NotFoundError(f"the store holds no DeSO areas of version {BASE_VERSION}")
    base = area_polygons(areas_with_geometry(store, "deso", BASE_VERSION))
    base = base.loc[~base.geometry.is_empty].reset_index(drop=True)
    drawn = polygons_from_successors(store, links_all, base)
    if len(drawn):
        notes.append(Message("note_police_drawn", n=len(drawn), version=BASE_VERSION))
        base = pd.concat([base, drawn], ignore_index=True)
    if base.empty:
        raise NotFoundError(
            f"no DeSO ({BASE_VERSION}) in the store has a polygon; ingest DeSO boundaries "
            "with 'omradesbild ingest boundaries'"
        )
    covered_base = set(base["area_code"])
    pop_base, pop_period = _population(store, period, BASE_VERSION)
    if pop_period is None:
        notes.append(Message("note_police_no_population"))
    elif pop_period != period:
        notes.append(Message("note_police_population_from", used=pop_period, period=period))
    pop_arg = pop_base if pop_period is not None else None
    if level == "deso" and version == BASE_VERSION:
        codes = set(deso["area_code"])
        return _Targets(base, pop_arg, None, codes, covered_base, pop_base)
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
            Message(
                "note_police_partly_covered", n=len(partial), level=label_message("level", level)
            )
        )
    area_links = area_links.loc[area_links["to_code"].astype(str).isin(covered)]
    w = area_links.assign(
        p=area_links["from_code"].astype(str).map(pop_base).astype(float)
        * area_links["weight"].astype(float)
    )
    pop_level = w.groupby(w["to_code"].astype(str))["p"].sum(min_count=1)
    return _Targets(base, pop_arg, area_links, all_codes, covered, pop_level)


def _place(
    store: Store,
    links_all: pd.DataFrame,
    py: _PoliceYears,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> tuple[_Targets, _PoliceYears]:
    """The areas to analyse: with DeSO polygons when polygon years are used, else all.

    Polygon years that cannot be placed (no DeSO polygon under any area of the level) are
    left out with a note when a list without polygons remains; otherwise the error names
    what is missing.
    """
    if py.polygons.empty:
        return _targets_from_links(store, links_all, level=level, version=version,
                                   period=period), py  # fmt: skip
    try:
        tg = _targets(store, links_all, level=level, version=version, period=period, notes=notes)
        if not tg.covered:
            raise NotFoundError(
                f"no {level} ({version}) has DeSO {BASE_VERSION} polygons under all its DeSO"
            )
    except NotFoundError as exc:
        years = [y for y in py.years if y in py.link_lists]
        poly = sorted(set(py.polygon_years) & set(py.years))
        if not years:
            raise NotFoundError(
                f"the police polygons of {', '.join(poly)} cannot be placed on {level} "
                f"({version}): {exc}; ingest the DeSO {BASE_VERSION} boundaries of these "
                "areas with 'omradesbild ingest boundaries', or a police list linked to "
                "the areas' codes ('omradesbild ingest police-list')"
            ) from None
        notes.append(Message("note_police_polygons_left_out", polygon_years=", ".join(poly),
                             error=str(exc), years=", ".join(years)))  # fmt: skip
        py = _PoliceYears(py.polygons.iloc[0:0], py.polygon_years, py.link_lists, years)
        tg = _targets_from_links(store, links_all, level=level, version=version, period=period)
    return tg, py


def _targets_from_links(
    store: Store, links_all: pd.DataFrame, *, level: str, version: str, period: str
) -> _Targets:
    """Every area of the level, with residents summed from DeSO (no polygons needed)."""
    codes = set(store.areas(level=level, version=version)["area_code"].astype(str))
    if not codes:
        raise NotFoundError(f"the store holds no {level} areas of version {version}")
    pop_base, _ = _population(store, period, BASE_VERSION)
    if version == BASE_VERSION:
        pop = pop_base
    else:
        try:
            lk = compose_links(links_all, from_version=BASE_VERSION, to_version=version)
        except NotFoundError:
            lk = pd.DataFrame(columns=["from_code", "to_code", "weight"])
        w = lk.assign(
            p=lk["from_code"].astype(str).map(pop_base).astype(float) * lk["weight"].astype(float)
        )
        pop = w.groupby(w["to_code"].astype(str))["p"].sum(min_count=1)
    empty = gpd.GeoDataFrame({"area_code": []}, geometry=gpd.GeoSeries([]))
    return _Targets(empty, None, None, codes, codes, pop)


def _area_types(
    store: Store,
    method: IndexMethod,
    *,
    level: str,
    period: str,
    version: str,
    covered: set[str],
    notes: list[str],
) -> pd.DataFrame:
    """Area types against the whole level, then restricted to the covered areas."""
    types_all = area_index(store, method=method, level=level, period=period, version=version)
    from omradesbild.services.standins import standin_message

    for ind, col in (types_all.attrs.get("fallbacks") or {}).items():
        notes.append(Message("note_police_fallback", detail=standin_message(ind, col)))
    types_all = types_all.loc[types_all["class"].notna(), ["area_code", "period", "class"]]
    types = types_all.loc[types_all["area_code"].astype(str).isin(covered)].reset_index(drop=True)
    if types.empty:
        raise NotFoundError(f"none of the {level} with polygons has an area type in {period}")
    return types


def police_analysis(
    store: Store,
    *,
    level: str,
    period: str | int,
    police_year: str | int,
    threshold: float = POLICE_SHARE_THRESHOLD,
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
    m = as_method(method)
    period, year = str(period), str(police_year)
    notes: list[str] = []
    version = (
        resolve_version(store, level, version) if level != "deso" else (version or BASE_VERSION)
    )
    links_all = store.links()
    py = _police_years(store, links_all, level=level, version=version, year=year, period=period)
    tg, py = _place(store, links_all, py, level=level, version=version, period=period, notes=notes)
    analysed, population = _widen(store, links_all, py, tg, level=level, version=version,
                                  period=period, notes=notes)  # fmt: skip
    ov = pd.DataFrame(columns=list(OVERLAY_COLUMNS))
    if not py.polygons.empty:
        ov = overlay_police(
            py.polygons, tg.base, tg.base_population, area_links=tg.area_links,
            threshold=threshold,
        )  # fmt: skip
    ov = ov.loc[ov["area_code"].isin(tg.covered)]
    parts = [ov] + [
        f.loc[f["area_code"].isin(analysed)] for p, f in py.link_lists.items() if p in py.years
    ]
    found = [p for p in parts if not p.empty]
    overlay = pd.concat(found, ignore_index=True) if found else ov
    listed = listed_areas(overlay, threshold=threshold)
    overlay, listed = contained(overlay, listed, population, threshold=threshold)
    unknown = unknown_by_year(
        store, links_all, py.years, set(py.link_lists), set(tg.covered), analysed, listed,
        level=level, version=version,
    )  # fmt: skip
    n_matched = int(overlay.loc[overlay["period"] == year, "police_code"].nunique())
    if year in py.link_lists:
        cls = store.classifications(scheme=POLICE_SCHEME)
        n_polys = int((cls["period"].astype(str) == year).sum())
    else:
        n_polys = int((py.polygons["period"] == year).sum())
    notes += _coverage_notes(py, year=year, level=level, n_polys=n_polys, n_matched=n_matched)
    notes += unknown_notes(unknown, level=level)
    types = _area_types(
        store, m, level=level, period=period, version=version, covered=analysed, notes=notes
    )
    return PoliceAnalysis(
        overlay=with_area_names(store, overlay, level=level, version=version),
        listed=listed,
        crosstab=crosstab_known(listed, types, population, py.years, unknown),
        # the flags speak of the years that can decide them ("on no stored list (2023, 2025)")
        flags=with_area_names(
            store, flags_known(listed, types, py.years, unknown), level=level, version=version
        ),
        area_types=types,
        police_year=year,
        police_years=py.years,
        period=period,
        level=level,
        n_areas=len(tg.all_codes),
        n_areas_covered=len(analysed),
        n_police_areas=n_polys,
        n_police_areas_placed=n_matched,
        notes=notes,
        year_basis="links" if year in py.link_lists else "polygons",
        analysed=frozenset(analysed),
        unknown={y: frozenset(a) for y, a in unknown.items() if a},
    )


def _widen(
    store: Store,
    links_all: pd.DataFrame,
    py: _PoliceYears,
    tg: _Targets,
    *,
    level: str,
    version: str,
    period: str,
    notes: list[str],
) -> tuple[set[str], pd.Series]:
    """The areas analysed and their residents: those under DeSO polygons, and every area
    when a list without polygons is among the years (it is placed through links)."""
    link_years = [y for y in py.years if y in py.link_lists]
    covered, population = set(tg.covered), tg.population
    if link_years and not py.polygons.empty:
        extra = _targets_from_links(store, links_all, level=level, version=version, period=period)
        poly_years = [y for y in py.years if y not in py.link_lists]
        if extra.covered - covered:
            notes.append(
                Message(
                    "note_police_widened", polygon_years=", ".join(poly_years), n=len(covered),
                    m=len(tg.all_codes), level=label_message("level", level),
                    link_years=", ".join(link_years),
                )
            )  # fmt: skip
        rest = extra.population.loc[~extra.population.index.isin(population.index)]
        return covered | extra.covered, pd.concat([population, rest])
    if len(covered) < len(tg.all_codes):
        notes.append(
            Message(
                "note_police_restricted",
                n=len(covered),
                m=len(tg.all_codes),
                level=label_message("level", level),
            )
        )
    return covered, population


def _coverage_notes(
    py: _PoliceYears, *, year: str, level: str, n_polys: int, n_matched: int
) -> list[str]:
    notes: list[str] = []
    if year in py.polygon_years and n_matched < n_polys:
        notes.append(Message("note_police_outside", n=n_polys - n_matched, m=n_polys, year=year))
    if len(py.years) == 1:
        notes.append(Message("note_police_one_year", year=year))
    for p, frame in py.link_lists.items():
        if p not in py.years:
            continue
        if set(frame["basis"]) == {"links"}:
            notes.append(
                Message("note_police_links_any", period=p, level=label_message("level", level))
            )
        else:
            notes.append(
                Message("note_police_links_share", period=p, level=label_message("level", level))
            )
    return notes


def crosstab_wide(crosstab: pd.DataFrame, period: str, *, value: str = "n_areas") -> pd.DataFrame:
    """One police year of the long cross-tab as a table: category × area type, with totals."""
    sub = crosstab.loc[crosstab["period"].astype(str) == str(period)]
    wide = sub.pivot_table(
        index="category", columns="area_type", values=value, aggfunc="sum", fill_value=0
    )
    order = [c for c in CATEGORY_ORDER if c in wide.index]
    wide = wide.reindex([*order, *sorted(set(wide.index) - set(order))])
    wide["total"] = wide.sum(axis=1)
    wide.loc["total"] = wide.sum(axis=0)
    wide.columns = [f"type_{c}" if c != "total" else c for c in wide.columns]
    wide.index.name = "category"
    return wide.reset_index()


def flag_counts(flags: pd.DataFrame, year: str | None = None) -> dict[str, int]:
    """Number of areas with each flag (:data:`FLAG_KEYS`), in one police year or all rows."""
    now = flags if year is None else flags.loc[flags["period"].astype(str) == str(year)]
    return {k: int(now[k].sum()) if k in now else 0 for k in FLAG_KEYS}


def deciding_years(
    flags: pd.DataFrame, year: str | None = None, *, flag: str | None = None
) -> list[str]:
    """The stored years that decide the flags, one text per group of areas (``"2023,
    2025"``), most years first: one text when every area is decided on the same years.

    With ``flag`` (one of :data:`FLAG_KEYS`), the years of the areas with that flag (of
    every area decided when none has it). Rows of a year that cannot decide the area
    (category ``not_known``) are left out.
    """
    now = flags if year is None else flags.loc[flags["period"].astype(str) == str(year)]
    if "stored_years" not in now or now.empty:
        return [str(year)] if year is not None else []
    known = now.loc[now["category"].astype(str) != NOT_KNOWN]
    if flag is not None and flag in known and known[flag].astype(bool).any():
        known = known.loc[known[flag].astype(bool)]
    groups = set(known["stored_years"].astype(str)) or set(now["stored_years"].astype(str))
    return sorted(groups, key=lambda g: (-len(g.split(", ")), g))


def flagged_areas(flags: pd.DataFrame, year: str | None = None) -> pd.DataFrame:
    """The flagged areas (area code and names, area type, category, flag), in one police
    year or all."""
    now = flags if year is None else flags.loc[flags["period"].astype(str) == str(year)]
    names = [c for c in ("area_name", "kommun_name") if c in now.columns]
    return now.loc[now["flag"].notna(), ["area_code", *names, "area_type", "category", "flag"]]


def police_status(
    store: Store,
    *,
    level: str,
    period: str | int,
    police_year: str | int | None = None,
    version: str | None = None,
    threshold: float = POLICE_SHARE_THRESHOLD,
) -> pd.DataFrame:
    """Each area's police category in every stored year up to ``police_year``, with basis.

    The one rule of ``followup police`` (:func:`police_analysis`): the share of the area's
    residents (``pop_total`` of ``period``; surface without population) inside a year's
    police polygons where the store holds polygons under the area, else the share linked
    to the codes a list without polygons names (e.g. the 2025 list's RegSO 2025 codes,
    reached through SCB's change log and keys); listed when the share is at least
    ``threshold`` (:data:`~omradesbild.config.POLICE_SHARE_THRESHOLD`).

    Parameters
    ----------
    police_year
        The last police year; default the latest stored year that can be placed.

    Returns
    -------
    pandas.DataFrame
        :data:`~omradesbild.followup.police.STATUS_COLUMNS`, one row per analysed area and
        police year; empty when no police year can be placed on the level.
    """
    cls = store.classifications(scheme=POLICE_SCHEME)
    years = sort_periods(cls["period"].astype(str).unique()) if not cls.empty else []
    if police_year is not None:
        years = [y for y in years if period_to_year(y) <= period_to_year(police_year)]
    for year in reversed(years):
        try:
            res = police_analysis(
                store, level=level, period=period, police_year=year, version=version,
                threshold=threshold,
            )  # fmt: skip
        except NotFoundError:
            continue
        return police_status_of(res)
    return pd.DataFrame(columns=["area_code", "period", "category", "share", "basis"])


def police_status_of(res: PoliceAnalysis) -> pd.DataFrame:
    """:func:`police_status` of an analysis already made (every analysed area and year)."""
    areas = set(res.area_types["area_code"].astype(str)) | set(res.listed["area_code"].astype(str))
    st = _status(res.listed, res.overlay, areas=areas, years=res.police_years)
    for y, codes in res.unknown.items():
        nk = (st["period"].astype(str) == y) & st["area_code"].astype(str).isin(codes)
        st.loc[nk, "category"] = NOT_KNOWN
        st.loc[nk, ["share", "basis"]] = None
    return st
