"""The Police's list of utsatta områden next to the area types, from the store."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict, TypeVar, Unpack

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION, POLICE_SHARE_THRESHOLD
from omradesbild.errors import NotFoundError
from omradesbild.followup._common import among, period_to_year, sort_periods
from omradesbild.followup.police import OVERLAY_COLUMNS, listed_areas, overlay_police
from omradesbild.followup.police import police_status as _status
from omradesbild.index import IndexMethod
from omradesbild.services.followup._common import POLICE_SCHEME, as_method
from omradesbild.services.followup.police_finish import (
    Overlaid,
    Placement,
    area_types_of,
    finish,
)
from omradesbild.services.followup.police_known import (
    FLAG_KEYS,
    NOT_KNOWN,
    contained,
    crosstab_known,
    flags_known,
)
from omradesbild.services.followup.police_place import (
    PlacedYears,
    PoliceYears,
    StoredPolice,
    Targets,
    areas_with_geometry,
    kept_stored_police,
    placed_years,
    sharing_police,
)
from omradesbild.services.names import with_area_names
from omradesbild.services.pipeline import IndexSelection, area_index, resolve_version
from omradesbild.store import Store

T = TypeVar("T")

__all__ = [
    "CATEGORY_ORDER",
    "Placement",
    "PlacementKeywords",
    "PoliceAnalysis",
    "areas_with_geometry",
    "crosstab_wide",
    "deciding_years",
    "flag_counts",
    "flagged_areas",
    "latest_overlaid",
    "overlaid",
    "place_police",
    "police_analysis",
    "police_status",
    "police_status_of",
]

#: Order of the police categories in tables (most serious first).
CATEGORY_ORDER: tuple[str, ...] = ("sarskilt_utsatt", "utsatt", "risk", "not_listed")


@dataclass(frozen=True, kw_only=True)
class PoliceAnalysis(Placement):
    """The Police's list next to the area types at one level (see :func:`police_analysis`):
    the :class:`Placement` (its ``overlay`` with the areas' names) with the cross-tab of the
    police categories and the area types, and the flags."""

    crosstab: pd.DataFrame
    flags: pd.DataFrame


def _level_version(store: Store, level: str, version: str | None) -> str:
    return resolve_version(store, level, version) if level != "deso" else (version or BASE_VERSION)


class PlacementKeywords(TypedDict, total=False):
    """The keywords of :func:`police_analysis`: those of :func:`place_police` (its defaults
    apply) but ``links_all``, ``stored`` and ``areas``."""

    level: Required[str]
    period: Required[str | int]
    police_year: Required[str | int]
    threshold: float
    version: str | None
    method: str | IndexMethod
    area_types: pd.DataFrame | None


def police_analysis(store: Store, **placement: Unpack[PlacementKeywords]) -> PoliceAnalysis:
    """Overlay the stored police polygons on the areas of a level and compare with area types.

    Steps: police polygons of every stored year up to ``police_year`` (a year without
    polygons but with links from its police areas to the level is used through
    :func:`~omradesbild.followup.police.police_list_from_links`); DeSO polygons from the
    store, population shares from ``pop_total`` of the DeSO (nearest period); for levels
    above DeSO the DeSO are aggregated over the stored links (SCB's key for RegSO). Only
    areas whose every DeSO has a polygon are analysed. Area types come from ``method`` at
    ``level`` and ``period`` computed against *every* area of the level in the store (the
    national distribution when the national tables are ingested) before restricting;
    ``area_types`` is that index when already computed (:func:`~omradesbild.services.
    pipeline.area_index`'s result for ``method``, ``level`` and ``period``, with its
    ``attrs``). The placement is :func:`place_police`'s; this adds the cross-tab of the
    police categories with the area types, the flags and the area names.
    """
    pl = place_police(store, **placement)
    level, version = pl.level, pl.version
    unknown = {y: set(a) for y, a in pl.unknown.items()}
    named = with_area_names(store, pl.overlay, level=level, version=version)
    return PoliceAnalysis(
        **{**vars(pl), "overlay": named},
        crosstab=crosstab_known(pl.listed, pl.area_types, pl.population, pl.police_years, unknown),
        # the flags speak of the years that can decide them ("on no stored list (2023, 2025)")
        flags=with_area_names(
            store,
            flags_known(pl.listed, pl.area_types, pl.police_years, unknown),
            level=level,
            version=version,
        ),
    )


def _overlay(
    py: PoliceYears,
    tg: Targets,
    analysed: set[str],
    population: pd.Series,
    *,
    threshold: float,
    shown: frozenset[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overlay rows and the listed areas of :func:`place_police` (every analysed area,
    or those of ``shown`` with every area sharing a police polygon with them placed too,
    then left out)."""
    near = None if shown is None else sharing_police(py.polygons, tg, shown)
    if near and tg.area_links is not None:  # (none near: every area, for alike empty frames)
        links = tg.area_links.loc[among(tg.area_links["to_code"].astype(str), near)]
        tg = dataclasses.replace(tg, area_links=links, covered=set(near))
    ov = pd.DataFrame(columns=list(OVERLAY_COLUMNS))
    if not py.polygons.empty:
        ov = overlay_police(
            py.polygons, tg.base, tg.base_population, area_links=tg.area_links,
            targets=tg.polygons, threshold=threshold,
        )  # fmt: skip
    ov = ov.loc[among(ov["area_code"], tg.covered)]
    rows = analysed if shown is None else analysed & shown
    parts = [ov] + [
        f.loc[among(f["area_code"], rows)] for p, f in py.link_lists.items() if p in py.years
    ]
    found = [p for p in parts if not p.empty]
    overlay = pd.concat(found, ignore_index=True) if found else ov
    listed = listed_areas(overlay, threshold=threshold)
    overlay, listed = contained(overlay, listed, population, threshold=threshold)
    if shown is None:
        return overlay, listed
    overlay = overlay.loc[among(overlay["area_code"].astype(str), shown)].reset_index(drop=True)
    listed = listed.loc[among(listed["area_code"].astype(str), shown)].reset_index(drop=True)
    return overlay, listed


def place_police(
    store: Store,
    *,
    level: str,
    period: str | int,
    police_year: str | int,
    threshold: float = POLICE_SHARE_THRESHOLD,
    version: str | None = None,
    method: str | IndexMethod = AREA_TYPE_METHOD,
    area_types: pd.DataFrame | None = None,
    links_all: pd.DataFrame | None = None,
    stored: StoredPolice | None = None,
    areas: Collection[str] | None = None,
) -> Placement:
    """The placement of :func:`police_analysis` (same keywords), without the cross-tab, the
    flags and the names; ``links_all`` (every stored link) and ``stored``
    (:func:`~omradesbild.services.followup.police_place.stored_police` of the level's version
    and ``period``) when already read.

    With ``areas`` (codes of the level, e.g. one kommun's), only those areas are placed:
    each area's shares, category and basis, and the years that cannot decide it, are those
    the whole level gives (an area's share is its own; an area listed because it holds most
    of a police area is weighed against every area under that police area, which are placed
    too). Which police years are placed, and whether any area of the level has an area
    type, are decided on the whole level, so that a year is placed or not alike; the counts
    and the notes speak of ``areas``.
    """
    m = as_method(method) if area_types is None else None  # the method is read when needed
    period, year = str(period), str(police_year)
    version = _level_version(store, level, version)
    shown = None if areas is None else frozenset(str(a) for a in areas)
    placed = placed_years(store, links_all, level=level, version=version, year=year,
                          period=period, stored=stored)  # fmt: skip
    ov = overlaid(placed, threshold=threshold, shown=shown)
    if links_all is None:
        links_all = store.links()
    if area_types is None:
        assert m is not None
        area_types = area_index(store, IndexSelection(m, level, period, version))
    return finish(store, ov, links_all, shown=shown, threshold=threshold, area_types=area_types)


def overlaid(
    placed: PlacedYears,
    *,
    threshold: float = POLICE_SHARE_THRESHOLD,
    shown: frozenset[str] | None = None,
) -> Overlaid:
    """The police years ``placed`` (:func:`~omradesbild.services.followup.police_place.
    placed_years`) overlaid on the areas of their level: every analysed area, or the areas
    ``shown`` and every area sharing a police area with them (see :func:`place_police`),
    with no geometry kept (:class:`~omradesbild.services.followup.police_finish.Overlaid`)."""
    py, tg, analysed, year = placed.years, placed.targets, placed.analysed, placed.year
    overlay, listed = _overlay(
        py, tg, analysed, placed.population, threshold=threshold, shown=shown
    )
    n_polygons = 0 if year in py.link_lists else int((py.polygons["period"] == year).sum())
    return Overlaid(
        level=placed.level,
        version=placed.version,
        period=placed.period,
        year=year,
        years=list(py.years),
        polygon_years=list(py.polygon_years),
        link_lists=dict(py.link_lists),
        n_polygons=n_polygons,
        n_areas=len(tg.all_codes),
        analysed=frozenset(analysed),
        covered=frozenset(tg.covered),
        population=placed.population,
        overlay=pd.DataFrame(overlay),
        listed=pd.DataFrame(listed),
        notes=tuple(placed.notes),
        drawn=tg.drawn,
    )


def latest_overlaid(
    store: Store,
    years: Sequence[str],
    *,
    level: str,
    period: str | int,
    area_types: pd.DataFrame,
    version: str | None = None,
    threshold: float = POLICE_SHARE_THRESHOLD,
) -> Overlaid | None:
    """:func:`overlaid` of every analysed area in the latest of ``years`` that
    :func:`latest_placed` places with the area types ``area_types`` (the index of SCB's
    area types in ``period``, computed on the whole level); None when none can be. Its
    :func:`~omradesbild.services.followup.police_finish.finish` for some areas is
    :func:`latest_placed` of those areas."""

    def attempt(year: str, version: str, links_all: pd.DataFrame, stored: StoredPolice) -> Overlaid:
        placed = placed_years(store, links_all, level=level, version=version, year=year,
                              period=str(period), stored=stored)  # fmt: skip
        ov = overlaid(placed, threshold=threshold)
        # a year the area types cannot be had for raises, as in place_police
        area_types_of(area_types, level=level, period=str(period), covered=ov.analysed,
                      notes=[])  # fmt: skip
        return ov

    return _in_latest_year(store, years, level=level, period=period, version=version,
                           attempt=attempt)  # fmt: skip


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
    residents (``pop_total`` of ``period``, evenly spread over each DeSO's surface; the
    DeSO cut by the area's own polygon where the layer has polygons) inside a year's
    police polygons where the store holds polygons under the area, else the share linked
    to the codes a list without polygons names (e.g. the 2025 list's RegSO 2025 codes,
    reached through SCB's change log and keys); listed when the share is at least
    ``threshold`` (:data:`~omradesbild.config.POLICE_SHARE_THRESHOLD`). A share that rests
    on surface alone (no residents stored) inside
    :data:`~omradesbild.config.POLICE_SURFACE_BAND` is ``not_known`` with its share and
    basis kept.

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
    res = latest_placed(
        store, years, level=level, period=period, version=version, threshold=threshold
    )
    if res is not None:
        return police_status_of(res)
    return pd.DataFrame(columns=["area_code", "period", "category", "share", "basis"])


def latest_placed(
    store: Store, years: Sequence[str], *, level: str, period: str | int,
    version: str | None = None, **kw: Any,
) -> Placement | None:  # fmt: skip
    """:func:`place_police` (keywords ``kw``) of the latest of ``years`` (in order) that can
    be placed on the level; None when none can.

    The stored police years, and how each can be placed, are read once
    (:func:`~omradesbild.services.followup.police_place.stored_police`); a year that cannot
    be placed at all is passed over without trying it.
    """

    def attempt(
        year: str, version: str, links_all: pd.DataFrame, stored: StoredPolice
    ) -> Placement:
        return place_police(
            store, level=level, period=period, police_year=year, version=version,
            links_all=links_all, stored=stored, **kw,
        )  # fmt: skip

    return _in_latest_year(store, years, level=level, period=period, version=version,
                           attempt=attempt)  # fmt: skip


def _in_latest_year(
    store: Store, years: Sequence[str], *, level: str, period: str | int, version: str | None,
    attempt: Callable[[str, str, pd.DataFrame, StoredPolice], T],
) -> T | None:  # fmt: skip
    """``attempt(year, version, links_all, stored)`` for the latest of ``years`` (in order)
    that can be placed on the level (its resolved ``version``; every stored link; the stored
    police years of :func:`~omradesbild.services.followup.police_place.kept_stored_police`,
    read once): a year that cannot be placed at all is passed over without trying it, and
    so is one whose attempt raises a :class:`NotFoundError`; None when no year is left."""
    try:
        version = _level_version(store, level, version)
        links_all = store.links()
        stored = kept_stored_police(store, version=version, period=str(period))
    except NotFoundError:
        return None
    placeable = set(stored.placeable)
    for year in reversed(years):
        if str(year) not in placeable:
            continue
        try:
            return attempt(str(year), version, links_all, stored)
        except NotFoundError:
            continue
    return None


def police_status_of(res: PoliceAnalysis | Placement) -> pd.DataFrame:
    """:func:`police_status` of an analysis or a placement already made (every analysed
    area and year)."""
    areas = set(res.area_types["area_code"].astype(str)) | set(res.listed["area_code"].astype(str))
    st = _status(res.listed, res.overlay, areas=areas, years=res.police_years)
    for y, codes in res.unknown.items():
        nk = (st["period"].astype(str) == y) & st["area_code"].astype(str).isin(codes)
        st.loc[nk, "category"] = NOT_KNOWN
        keep = st["area_code"].astype(str).isin(res.undecided.get(y, frozenset()))
        st.loc[nk & ~keep, ["share", "basis"]] = None
    return st
