"""The police years placed on a level's areas, finished for the areas shown: no geometry.

:func:`omradesbild.services.followup.police.place_police` places the police polygons and
lists on the areas of a level (:class:`Overlaid`, the geometry's part); :func:`finish`
then decides, for the areas shown, which years cannot decide each area, and writes the
counts and the notes (:class:`Placement`). This module reads no polygons and imports no
geometry library: a one-kommun report whose level's :class:`Overlaid` is kept between
commands (:func:`omradesbild.services.level_police.placed_police`) finishes it without
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from omradesbild.followup._common import among
from omradesbild.services.followup._common import POLICE_SCHEME
from omradesbild.services.followup.police_known import (
    NOT_DRAWN,
    DrawnAreas,
    same_name_undecided,
    surface_undecided,
    unknown_by_year,
    unknown_notes,
)
from omradesbild.store import Store
from omradesbild.wording import Message, both, label_message


@dataclass(frozen=True)
class Placement:
    """The Police's areas of every stored year up to one placed on the areas of a level:
    :class:`~omradesbild.services.followup.police.PoliceAnalysis` without the cross-tab,
    the flags and the area names (see :func:`~omradesbild.services.followup.police.
    place_police`)."""

    #: :data:`~omradesbild.followup.police.OVERLAY_COLUMNS`, without names.
    overlay: pd.DataFrame
    listed: pd.DataFrame
    area_types: pd.DataFrame
    #: Residents of the analysed areas (the cross-tab's weights).
    population: pd.Series
    police_year: str
    police_years: list[str]
    period: str
    level: str
    version: str
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
    #: Of ``unknown``, the areas whose share rests on surface alone and lies in
    #: :data:`~omradesbild.config.POLICE_SURFACE_BAND` (their share and basis are kept).
    undecided: dict[str, frozenset[str]] = field(default_factory=dict)
    #: The analysed areas whose shares in the polygon years rest on DeSO polygons drawn from
    #: their successors' (:attr:`Overlaid.drawn`).
    drawn: DrawnAreas = NOT_DRAWN


@dataclass(frozen=True)
class Overlaid:
    """The police years up to ``year`` placed on a level's areas, before the areas shown
    are chosen: the overlay rows and the listed areas (areas holding most of a police
    area listed too) of every analysed area, or of some areas and every area sharing a
    police area with them, with what the counts and the notes need of the police years.
    Plain frames, sets and texts: no geometry."""

    level: str
    version: str
    period: str
    #: The latest police year placed.
    year: str
    #: Every police year up to ``year`` placed, in order.
    years: list[str]
    #: The stored years with polygons.
    polygon_years: list[str]
    #: The lists without polygons placed through links (period -> overlay rows).
    link_lists: dict[str, pd.DataFrame]
    #: The police polygons of ``year`` (0 for a list without polygons).
    n_polygons: int
    #: Every area of the level.
    n_areas: int
    #: The areas analysed, and those under DeSO polygons.
    analysed: frozenset[str]
    covered: frozenset[str]
    #: Residents of the analysed areas.
    population: pd.Series
    overlay: pd.DataFrame
    listed: pd.DataFrame
    #: The notes of placing the years (which areas are analysed, the population's year).
    notes: tuple[str, ...] = ()
    #: Every area of the level resting on DeSO polygons drawn from their successors'
    #: (:attr:`~omradesbild.services.followup.police_place.Targets.drawn`).
    drawn: DrawnAreas = NOT_DRAWN


def area_types_of(
    types_all: pd.DataFrame,
    *,
    level: str,
    period: str,
    covered: set[str] | frozenset[str],
    notes: list[str],
) -> pd.DataFrame:
    """Area types against the whole level (``types_all``, the index of the area types'
    method, with its ``attrs``), restricted to the covered areas; a
    :class:`~omradesbild.errors.NotFoundError` when none of them has a type. The index's
    fallback indicators are noted in ``notes``."""
    from omradesbild.errors import NotFoundError
    from omradesbild.services.standins import standin_message

    for ind, col in (types_all.attrs.get("fallbacks") or {}).items():
        notes.append(Message("note_police_fallback", detail=standin_message(ind, col)))
    types_all = types_all.loc[types_all["class"].notna(), ["area_code", "period", "class"]]
    types = types_all.loc[among(types_all["area_code"].astype(str), covered)].reset_index(drop=True)
    if types.empty:
        raise NotFoundError(both("err_svc_police_no_types", level=level, period=period))
    return types


def finish(
    store: Store,
    ov: Overlaid,
    links_all: pd.DataFrame,
    *,
    shown: frozenset[str] | None,
    threshold: float,
    area_types: pd.DataFrame,
) -> Placement:
    """The :class:`Placement` of ``ov`` for the areas ``shown`` (every analysed area when
    None): their rows, the years that cannot decide each of them, the counts and the notes
    of those areas; the area types (``area_types``: the index of the area types' method
    on the whole level) of those of them that have one. ``links_all`` is every stored
    link."""
    level, version, year = ov.level, ov.version, ov.year
    analysed, covered = set(ov.analysed), set(ov.covered)
    every = set(analysed)  # the areas the types are looked for among (every analysed one)
    overlay, listed = ov.overlay, ov.listed
    if shown is not None:
        analysed, covered = analysed & shown, covered & shown
        overlay = overlay.loc[among(overlay["area_code"].astype(str), shown)].reset_index(drop=True)
        listed = listed.loc[among(listed["area_code"].astype(str), shown)].reset_index(drop=True)
    notes: list[str] = list(ov.notes)
    unknown = unknown_by_year(
        store, links_all, ov.years, set(ov.link_lists), covered, analysed, listed,
        level=level, version=version,
    )  # fmt: skip
    overlay, listed, undecided, same_name = _undecided(
        store, overlay, listed, ov, unknown, threshold=threshold
    )
    n_polys, n_matched = _police_counts(store, ov, overlay)
    notes += _coverage_notes(ov, n_polys=n_polys, n_matched=n_matched)
    notes += unknown_notes(
        unknown, level=level, undecided=undecided, same_name=same_name, threshold=threshold
    )
    types = area_types_of(area_types, level=level, period=ov.period, covered=every, notes=notes)
    if shown is not None:
        types = types.loc[among(types["area_code"].astype(str), analysed)].reset_index(drop=True)
    return Placement(
        overlay=overlay,
        listed=listed,
        area_types=types,
        population=ov.population,
        police_year=year,
        police_years=ov.years,
        period=ov.period,
        level=level,
        version=version,
        n_areas=ov.n_areas,
        n_areas_covered=len(analysed),
        n_police_areas=n_polys,
        n_police_areas_placed=n_matched,
        notes=notes,
        year_basis="links" if year in ov.link_lists else "polygons",
        analysed=frozenset(analysed),
        unknown={y: frozenset(a) for y, a in unknown.items() if a},
        undecided={y: frozenset(a) for y, a in undecided.items() if a},
        drawn=ov.drawn.among(analysed),
    )


def _undecided(
    store: Store,
    overlay: pd.DataFrame,
    listed: pd.DataFrame,
    ov: Overlaid,
    unknown: dict[str, set[str]],
    *,
    threshold: float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, set[str]], dict[str, set[str]]]:
    """The overlay and listed areas without the shares that cannot decide an area (surface
    alone near the threshold; a later list's codes that cannot reach it), these added to
    ``unknown``; and those two kinds of areas per year."""
    undecided = surface_undecided(overlay, listed, threshold=threshold)
    if undecided:
        overlay, listed = _undecide(overlay, listed, undecided)
        for y, codes in undecided.items():
            unknown[y] = unknown.get(y, set()) | codes
    same_name = same_name_undecided(
        store, overlay, listed, set(ov.link_lists) & set(ov.years), level=ov.level,
        version=ov.version,
    )  # fmt: skip
    for y, codes in same_name.items():
        unknown[y] = unknown.get(y, set()) | codes
    return overlay, listed, undecided, same_name


def _police_counts(store: Store, ov: Overlaid, overlay: pd.DataFrame) -> tuple[int, int]:
    """The police areas of the year (its polygons, or its list's entries) and, of those,
    the ones over an analysed area."""
    n_matched = int(overlay.loc[overlay["period"] == ov.year, "police_code"].nunique())
    if ov.year in ov.link_lists:
        cls = store.classifications(scheme=POLICE_SCHEME)
        return int((cls["period"].astype(str) == ov.year).sum()), n_matched
    return ov.n_polygons, n_matched


def _undecide(
    overlay: pd.DataFrame, listed: pd.DataFrame, undecided: dict[str, set[str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``on_list`` false for the areas a surface share cannot decide (they are not known)."""
    pairs = {(a, y) for y, codes in undecided.items() for a in codes}

    def mask(f: pd.DataFrame) -> pd.Series:
        keys = zip(f["area_code"].astype(str), f["period"].astype(str), strict=True)
        return pd.Series([k in pairs for k in keys], index=f.index, dtype=bool)

    overlay, listed = overlay.copy(), listed.copy()
    overlay.loc[mask(overlay), "on_list"] = False
    listed.loc[mask(listed), "on_list"] = False
    return overlay, listed


def _coverage_notes(ov: Overlaid, *, n_polys: int, n_matched: int) -> list[str]:
    notes: list[str] = []
    year, level = ov.year, ov.level
    if year in ov.polygon_years and n_matched < n_polys:
        notes.append(Message("note_police_outside", n=n_polys - n_matched, m=n_polys, year=year))
    if len(ov.years) == 1:
        notes.append(Message("note_police_one_year", year=year))
    for p, frame in ov.link_lists.items():
        if p not in ov.years:
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


__all__ = ["Overlaid", "Placement", "area_types_of", "finish"]
