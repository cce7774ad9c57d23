"""The lägesbild of one kommun: the city's shared picture at a glance (the web start page).

:func:`lagesbild` gathers, for the areas of one kommun at one level: the ranking with rank
intervals and area types (the rows of the report's overview,
:class:`~omradesbild.services.models.RankingRow`), the goal status
(:func:`~omradesbild.services.city_goals.city_goals`), what changed since the previous period
(areas whose type moved; areas with significant changes of indicators, by the profile's
change test, :func:`~omradesbild.services.area.changes`), the areas on the Police's list in
its latest year with their type, the police categories × area types over the years (the
static report's table, :func:`police_types`), and the partners' latest approved public
input and active interventions (:class:`~omradesbild.services.partner_picture.PartnerPicture`).
The index's reference distribution stays every area of the level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from omradesbild.errors import InputError, NotFoundError
from omradesbild.services.area import changes
from omradesbild.services.level import LevelIndicators, rank_bounds
from omradesbild.services.level_picture import LevelPicture
from omradesbild.services.models import (
    GoalRow,
    GoalSkipped,
    PartnerEntry,
    PoliceTypeRow,
    RankingRow,
)
from omradesbild.services.partner_picture import LinkedEntry, PartnerPicture
from omradesbild.services.records import clean
from omradesbild.wording import Message, both

#: The start page lists at most this many of the partners' latest entries.
N_LATEST_INPUT = 5


@dataclass(frozen=True)
class KommunChoice:
    """A kommun of the picker: its code, name and number of areas at the level."""

    code: str
    name: str
    n_areas: int


@dataclass(frozen=True)
class AreaLink:
    """An area named on the start page (linked to its area page)."""

    code: str
    name: str


@dataclass(frozen=True)
class TypeMove:
    """An area whose type differs from the previous period's."""

    area: AreaLink
    period_from: str
    cls_from: int
    period_to: str
    cls_to: int

    @property
    def towards_challenges(self) -> bool:
        """Moved to a type with larger challenges (type 1 has the largest)."""
        return self.cls_to < self.cls_from


@dataclass(frozen=True)
class AreaChanges:
    """The indicators of one area that changed significantly since the previous period,
    named by what the change means (catalogue direction): better, worse, or neither."""

    area: AreaLink
    better: tuple[str, ...]
    worse: tuple[str, ...]
    other: tuple[str, ...]


@dataclass(frozen=True)
class PoliceListed:
    """An area on the Police's list in a year, with its category and its area type in the
    lägesbild's period."""

    area: AreaLink
    period: str
    category: str
    cls: int | None = None


@dataclass(frozen=True)
class ShownEntry:
    """A partner's entry or an intervention with the areas (in the kommun) it concerns."""

    id: int | None
    entry: PartnerEntry
    areas: tuple[AreaLink, ...]


@dataclass(frozen=True)
class Lagesbild:
    """The start page's picture of one kommun at one level in one period."""

    kommun: KommunChoice
    kommuner: tuple[KommunChoice, ...]
    level: str
    period: str
    method_title: str
    n_reference: int
    draws: int
    perturbed: tuple[str, ...]
    ranking: tuple[RankingRow, ...]
    goals: tuple[GoalRow, ...]
    goals_note: str | None
    goals_skipped: tuple[GoalSkipped, ...]  # goals that cannot be evaluated, with reasons
    type_labels: tuple[tuple[int, str], ...]
    classes: tuple[tuple[int, int], ...]  # (type, number of areas in the kommun)
    previous_period: str | None
    moves: tuple[TypeMove, ...]
    changes: tuple[AreaChanges, ...]
    police_year: str | None
    police_listed: tuple[PoliceListed, ...]
    police_available: bool
    #: Stored police years whose list cannot be placed on the level (said on the page).
    police_unplaced: tuple[str, ...]
    partners_available: bool
    police_types: tuple[PoliceTypeRow, ...]  # the report's police list × area type
    police_type_columns: tuple[int, ...]
    latest_input: tuple[ShownEntry, ...]
    active_interventions: tuple[ShownEntry, ...]
    year: int


def kommun_names_of(areas: pd.DataFrame) -> dict[str, str]:
    """Kommun code -> name: SCB's shipped list, then the kommun areas of ``areas`` (the
    store's ``area_code, level, name`` rows; as :func:`omradesbild.services.names.kommun_names`
    without opening the store)."""
    from omradesbild.areas.registry import kommuner

    shipped = kommuner()
    names = dict(zip(shipped["code"].astype(str), shipped["name"].astype(str), strict=True))
    stored = areas[areas["level"] == "kommun"]
    for code, name in zip(stored["area_code"], stored["name"], strict=True):
        if isinstance(name, str) and name:
            names[str(code)] = name
    return names


def kommun_choices(lv: LevelIndicators, names: Mapping[str, str]) -> tuple[KommunChoice, ...]:
    """The kommuner with areas at the level, by name."""
    counts = Counter(k for k in lv.kommun.values() if k)
    return tuple(
        sorted(
            (KommunChoice(code=k, name=names.get(k, k), n_areas=n) for k, n in counts.items()),
            key=lambda c: (c.name, c.code),
        )
    )


def default_kommun(choices: tuple[KommunChoice, ...]) -> KommunChoice:
    """The store's own city: the kommun with the most areas (the lowest code on a tie)."""
    if not choices:
        raise NotFoundError(both("err_svc_no_kommun_areas"))
    return min(choices, key=lambda c: (-c.n_areas, c.code))


def pick_kommun(choices: tuple[KommunChoice, ...], code: str | None) -> KommunChoice:
    """The kommun ``code`` among ``choices`` (default :func:`default_kommun`)."""
    if not code:
        return default_kommun(choices)
    for c in choices:
        if c.code == code:
            return c
    shown = ", ".join(f"{c.code} ({c.name})" for c in choices[:10])
    more = Message("exp_svc_kommun_count", n=len(choices)) if len(choices) > 10 else ""
    raise InputError(
        Message("err_svc_no_areas_in_kommun", kommun=repr(code)), field="kommun",
        expected=Message("exp_svc_kommun_choices", shown=shown, more=more),
    )  # fmt: skip


def type_moves(
    pic: LevelPicture, links: Mapping[str, AreaLink], period: str
) -> tuple[tuple[TypeMove, ...], str | None]:
    """Areas whose type in ``period`` differs from the previous index period's, and that
    period (None when ``period`` is the first)."""
    ix = pic.index
    if ix is None:
        return (), None
    earlier = [p for p in ix.periods if p < period]
    if not earlier:
        return (), None
    prev = earlier[-1]
    moves = []
    for code, link in links.items():
        by_period = dict(ix.history.get(code, []))
        a, b = clean(by_period.get(prev)), clean(by_period.get(period))
        if a is not None and b is not None and int(a) != int(b):
            moves.append(
                TypeMove(area=link, period_from=prev, cls_from=int(a), period_to=period,
                         cls_to=int(b))
            )  # fmt: skip
    moves.sort(key=lambda m: (m.cls_to, m.cls_from, m.area.name))
    return tuple(moves), prev


def significant_changes(
    pic: LevelPicture, links: Mapping[str, AreaLink], period: str, *, lang: str
) -> tuple[AreaChanges, ...]:
    """Areas with significant changes since the previous period (the profile's
    :func:`~omradesbild.services.area.changes`), most worsened indicators first."""
    out = []
    for code, link in links.items():
        better: list[str] = []
        worse: list[str] = []
        other: list[str] = []
        for c in changes(pic, code, period, lang=lang):
            if not c.significant:
                continue
            {"improving": better, "worsening": worse}.get(c.change or "", other).append(c.label)
        if better or worse or other:
            out.append(AreaChanges(area=link, better=tuple(better), worse=tuple(worse),
                                   other=tuple(other)))  # fmt: skip
    out.sort(key=lambda a: (-len(a.worse), -len(a.better), a.area.name))
    return tuple(out)


def police_listed(
    pic: LevelPicture, links: Mapping[str, AreaLink], types: Mapping[str, int | None]
) -> tuple[tuple[PoliceListed, ...], str | None]:
    """The areas on the Police's list in its latest stored year (by the rule of
    :func:`omradesbild.services.area.police_history`), with their area type, and that year."""
    pd_ = pic.police
    if not pd_.years:
        return (), None
    year = pd_.years[-1]
    listed = pd_.listed
    rows = listed[(listed["period"].astype(str) == year) & listed["on_list"].astype(bool)]
    out = [
        PoliceListed(area=links[str(c)], period=year, category=str(cat), cls=types.get(str(c)))
        for c, cat in zip(rows["area_code"], rows["category"], strict=True)
        if str(c) in links
    ]
    out.sort(key=lambda r: (r.category, r.area.name))
    return tuple(out), year


def police_types(
    pic: LevelPicture, scope: set[str]
) -> tuple[tuple[PoliceTypeRow, ...], tuple[int, ...]]:
    """The police categories × area types of the areas ``scope`` per police year, and the
    area types as columns: the table of the static report's overview
    (:func:`omradesbild.services.city.city_picture`), computed by the same function."""
    from omradesbild.services.city import _police_types

    return _police_types(pic, scope)


def ranking(
    pic: LevelPicture, links: Mapping[str, AreaLink], period: str, has_geometry: set[str]
) -> tuple[RankingRow, ...]:
    """The areas of ``links`` by rank in ``period`` with their rank interval, type and the
    share of draws giving that type (as the report's ranking,
    :func:`omradesbild.services.city.city_picture`)."""
    ix = pic.index
    assert ix is not None
    unc, _ = pic.uncertainty(period)
    rows = []
    for code, link in links.items():
        row = ix.by_area[period].get(code, {})
        u = unc.get(code, {})
        cls = clean(row.get("class"))
        cls = None if cls is None else int(cls)
        rank = clean(row.get("rank"))
        low, high = rank_bounds(u)
        rows.append(
            RankingRow(
                code=code, name=link.name, has_geometry=code in has_geometry,
                rank=None if rank is None else int(rank), low=low, high=high,
                score=ix.score(code, period), cls=cls,
                prob=clean(u.get(f"prob_class_{cls}")) if cls is not None else None,
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return tuple(rows)


def _shown(items: tuple[LinkedEntry, ...], links: Mapping[str, AreaLink]) -> tuple[ShownEntry, ...]:
    return tuple(
        ShownEntry(id=i.id, entry=i.entry, areas=tuple(links[c] for c in i.areas if c in links))
        for i in items
    )


def lagesbild(
    pic: LevelPicture,
    *,
    kommun: KommunChoice,
    kommuner: tuple[KommunChoice, ...],
    period: str | None = None,
    lang: str = "sv",
    has_geometry: set[str] | None = None,
    partners: PartnerPicture | None = None,
    year: int,
    names: Mapping[str, str] | None = None,
) -> Lagesbild:
    """The lägesbild of ``kommun``'s areas of ``pic``'s level in ``period``.

    Parameters
    ----------
    pic
        The level's picture (the index's reference distribution is every area of it).
    kommun, kommuner
        The kommun shown and the picker's choices (:func:`kommun_choices`).
    period
        Default the latest period with the index.
    has_geometry
        Codes of the areas with boundaries (the map).
    partners
        The partners' public input; None when the app runs without the partners' database.
    year
        The calendar year in which interventions count as active.
    names
        Area names (default the level's).

    Raises
    ------
    NotFoundError
        No index at the level, or no area in the kommun.
    """
    from omradesbild.services.city_goals import city_goals

    ix = pic.index
    lv = pic.indicators
    if ix is None:
        raise NotFoundError(both("err_svc_no_index_computable", level=lv.level))
    period = ix.period_or_latest(period)
    area_names = names or lv.names
    scope = sorted(c for c, k in lv.kommun.items() if k == kommun.code)
    if not scope:
        raise NotFoundError(both("err_svc_no_level_areas_in_kommun", level=lv.level,
                                 kommun=kommun.code))  # fmt: skip
    links = {c: AreaLink(code=c, name=area_names.get(c, c)) for c in scope}
    rows = ranking(pic, links, period, has_geometry or set())
    goals, goals_skipped, goals_note = city_goals(pic, set(scope), lang=lang)
    moves, prev = type_moves(pic, links, period)
    listed, police_year = police_listed(pic, links, {r.code: r.cls for r in rows})
    counts = Counter(r.cls for r in rows if r.cls is not None)
    codes = set(scope)
    _, summary = pic.uncertainty(period)
    type_rows, type_cols = police_types(pic, codes)
    return Lagesbild(
        kommun=kommun,
        kommuner=kommuner,
        level=lv.level,
        period=period,
        method_title=ix.method.title_en if lang == "en" else ix.method.title_sv,
        n_reference=ix.n_reference(period),
        draws=int(summary.get("draws", 0) or 0),
        perturbed=tuple(summary.get("perturbed") or ()),
        ranking=rows,
        goals=goals,
        goals_note=goals_note,
        goals_skipped=goals_skipped,
        type_labels=tuple(sorted(ix.class_names(lang, period).items())),
        classes=tuple(sorted(counts.items())),
        previous_period=prev,
        moves=moves,
        changes=significant_changes(pic, links, period, lang=lang),
        police_year=police_year,
        police_listed=listed,
        police_available=bool(pic.police.years) and bool(pic.police.known & codes),
        police_unplaced=pic.police.unplaced,
        partners_available=partners is not None,
        police_types=type_rows,
        police_type_columns=type_cols,
        latest_input=_shown(partners.latest(codes, N_LATEST_INPUT), links) if partners else (),
        active_interventions=_shown(partners.active(codes, year), links) if partners else (),
        year=year,
    )
