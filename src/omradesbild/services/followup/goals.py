"""Status of a goal file from the store: each goal's history, projection and status."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from omradesbild.config import BASE_VERSION, DEFAULT_CONFIDENCE, POLICE_KOMMUN_NEAREST_M
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.followup.goals import (
    AnyGoal,
    AreaTypeSelection,
    CountGoal,
    GapGoal,
    GoalFile,
    PoliceSelection,
    goal_history,
    goal_status,
    goals_status_frame,
    load_goals,
)
from omradesbild.precision import goal_decimals
from omradesbild.services.cache import store_cached_on_disk
from omradesbild.services.followup._common import (
    POLICE_SCHEME,
    ClassChoice,
    in_kommun,
    require_kommun,
)
from omradesbild.services.followup.area_types import area_classes, method_periods
from omradesbild.services.goal_baseline import GoalBaseline, counts_on_index, index_baseline
from omradesbild.services.models import GoalSkipped
from omradesbild.services.pipeline import area_indicators
from omradesbild.store import Store
from omradesbild.wording import both


@dataclass(frozen=True)
class GoalsResult:
    """Status of each goal, and each goal's yearly history."""

    status: pd.DataFrame
    histories: dict[str, pd.DataFrame]
    #: The goals that cannot be followed up on the data, each with the reason (an index
    #: with neither the base year nor a later year).
    skipped: tuple[GoalSkipped, ...] = ()


def _area_level_of(store: Store, code: str) -> tuple[str, str]:
    rows = store.con.execute(
        "SELECT level, version FROM areas WHERE area_code = ? ORDER BY version", [code]
    ).fetchall()
    if not rows:
        raise NotFoundError(both("err_svc_area_not_in_store", code=repr(code)))
    return str(rows[0][0]), str(rows[0][1])


def police_in_kommun(store: Store, cls: pd.DataFrame, kommun: str) -> pd.DataFrame:
    """The police classifications of areas in ``kommun`` (by :func:`police_kommuner`)."""
    return cls.loc[police_kommuner(store, cls) == kommun]


def police_kommuner(store: Store, cls: pd.DataFrame) -> pd.Series:
    """The kommun of each row of the Police's classifications ``cls`` (NaN when unknown).

    An entry of the Police's list carries its kommun; a polygon lies in the kommun whose
    polygon holds most of its surface (where no kommun polygon meets it, the kommun of the
    DeSO polygons that hold most of it; where none meets it either, the nearest kommun
    polygon at most :data:`~omradesbild.config.POLICE_KOMMUN_NEAREST_M` away, when no
    other is as near).
    """
    areas = store.areas(level="police_area")
    parent = areas.set_index(["area_code", "version"])["parent_code"]
    keys = pd.MultiIndex.from_frame(cls[["area_code", "version"]].astype(str))
    kommun_of = pd.Series(parent.reindex(keys).to_numpy(), index=cls.index, dtype=object)
    unplaced = kommun_of.isna()
    if not unplaced.any():
        return kommun_of
    import shapely  # here: a command that finds the entries kept imports no geometry library

    def polygons(level: str, version: str | None = None) -> tuple[list[str], list[str], Any]:
        sql = "SELECT area_code, version, geometry FROM areas WHERE level = ?"
        sql += " AND geometry IS NOT NULL"
        rows = store.con.execute(
            sql + (" AND version = ?" if version else "") + " ORDER BY version, area_code",
            [level, version] if version else [level],
        ).fetchall()
        shapes = shapely.from_wkb([bytes(r[2]) for r in rows])
        return [str(r[0]) for r in rows], [str(r[1]) for r in rows], shapes

    codes, versions, shapes = polygons("police_area")
    found: list[str | None] = [None] * len(codes)
    for level, version, code_of in (
        ("kommun", None, str),
        ("deso", BASE_VERSION, lambda c: str(c)[:4]),
    ):
        land_codes, _, land = polygons(level, version)
        if not land_codes:
            continue
        tree = shapely.STRtree(land)
        for i, shape in enumerate(shapes):
            if found[i] is not None:
                continue
            near = tree.query(shape, predicate="intersects")
            if len(near):  # the kommun holding most of the polygon's surface
                over = shapely.area(shapely.intersection(land[near], shape))
                found[i] = code_of(land_codes[int(near[int(over.argmax())])])
    kommun_codes, _, kommuner = polygons("kommun")
    if kommun_codes and None in found:  # off a generalised coast: the one nearest kommun
        tree = shapely.STRtree(kommuner)
        for i, shape in enumerate(shapes):
            if found[i] is None:
                near = tree.query_nearest(shape, max_distance=POLICE_KOMMUN_NEAREST_M)
                if len(near) == 1:
                    found[i] = str(kommun_codes[int(near[0])])
    place = {(c, v): k for c, v, k in zip(codes, versions, found, strict=True)}
    here = [
        place.get((str(c), str(v))) for c, v in zip(cls["area_code"], cls["version"], strict=True)
    ]
    return kommun_of.where(~unplaced, pd.Series(here, index=cls.index, dtype=object))


@store_cached_on_disk
def police_entries(store: Store) -> pd.DataFrame:
    """The entries of the Police's lists in the store with their kommun:
    ``area_code, version, period, category, kommun`` (kommun NaN when unknown,
    :func:`police_kommuner`), kept between commands."""
    cls = store.classifications(scheme=POLICE_SCHEME)
    cols = ["area_code", "version", "period", "category"]
    if cls.empty:
        return pd.DataFrame(columns=[*cols, "kommun"])
    out = cls[cols].astype({"area_code": str, "version": str, "period": str}).copy()
    out["kommun"] = police_kommuner(store, out).to_numpy()
    return out.reset_index(drop=True)


def police_goal_history(
    goal: CountGoal, entries: pd.DataFrame, kommuner: Collection[str] | None = None
) -> pd.DataFrame:
    """A police count goal's history: the number of the Police's own areas (the entries of
    its list, :func:`police_entries`) in the goal's categories per published year, in
    ``kommuner`` (None: every entry). The one rule of the command line, the web's goals and
    the report's: an entry needs no placement on a level of areas.

    A year counts 0 when it lists no area of the kommuner in the categories; a year with an
    entry in the categories of unknown kommun is left out (its count there is not known).
    """
    assert isinstance(goal.areas, PoliceSelection)
    if kommuner is None:
        return goal_history(goal, classifications=entries)
    wanted = {str(k) for k in kommuner}
    counted = entries["category"].isin(goal.areas.categories)
    unknown = set(entries.loc[counted & entries["kommun"].isna(), "period"].astype(str))
    decided = entries.loc[~entries["period"].astype(str).isin(unknown)]
    # an entry outside the kommuner keeps its year (counted 0 there), in no category
    outside = ~decided["kommun"].isin(wanted)
    cls = decided.assign(category=decided["category"].where(~outside, None))
    return goal_history(goal, classifications=cls)


class _AreaTypes:
    """Area types of a method at a level, anchored at a goal's base period
    (:func:`~omradesbild.services.goal_baseline.index_baseline`: the base year, or the first
    later period of the method's index).

    Computed once per method, level and base period (against every area of the level) and
    kept for the other goals; with ``kommun`` only that kommun's areas are returned.
    """

    def __init__(self, store: Store, kommun: str | None = None) -> None:
        self.store = store
        self.kommun = kommun
        self._classes: dict[tuple[str, str, str], pd.DataFrame] = {}
        self._periods: dict[str, list[str]] = {}

    def baseline(self, goal: AnyGoal, method: str) -> GoalBaseline:
        """Where ``goal`` starts on the index of ``method`` (every period it has values)."""
        if method not in self._periods:
            self._periods[method] = method_periods(self.store, method)
        if not self._periods[method]:
            raise NotFoundError(
                both("err_svc_goal_method_no_period", goal=repr(goal.id), method=repr(method))
            )
        return index_baseline(goal, self._periods[method])

    def __call__(self, method: str, level: str, base: str, anchored: bool) -> pd.DataFrame:
        key = (method, level, base)
        if key not in self._classes:
            self._classes[key] = area_classes(
                self.store, method=method, level=level, base_period=base
            )
        t = self._classes[key]
        col = "class_anchored" if anchored else "class_relative"
        t = t.loc[in_kommun(t["area_code"], self.kommun)]
        return pd.DataFrame({"area_code": t["area_code"], "period": t["period"], "class": t[col]})


def _history(
    store: Store,
    goal: AnyGoal,
    types_for: _AreaTypes,
    *,
    level: str | None,
    classes: ClassChoice,
    base: str | None,
) -> pd.DataFrame:
    """One goal's yearly history from the store (see :func:`goals_status`); ``base`` is the
    base period of a goal counted on the index."""
    if isinstance(goal, CountGoal):
        if isinstance(goal.areas, PoliceSelection):
            entries = police_entries(store)
            if entries.empty:
                raise NotFoundError(both("err_svc_goal_no_police", goal=repr(goal.id)))
            kommun = types_for.kommun
            return police_goal_history(goal, entries, None if kommun is None else [kommun])
        sel = goal.areas
        assert base is not None
        types = types_for(sel.method, level or sel.level, base, classes != "relative")
        return goal_history(goal, area_types=types)
    if isinstance(goal, GapGoal):
        lvl = level or goal.level
        assert base is not None
        types = types_for(goal.method, lvl, base, classes == "anchored")
        ind = area_indicators(
            store, level=lvl, periods=sorted(set(types["period"])), indicators=[goal.indicator]
        )
        return goal_history(goal, indicators=ind, area_types=types)
    lvl, ver = _area_level_of(store, goal.area_code)
    ind = area_indicators(store, level=lvl, version=ver, indicators=[goal.indicator])
    return goal_history(goal, indicators=ind)


def _index_method(goal: AnyGoal) -> str:
    """The index method of a goal counted on the index."""
    if isinstance(goal, GapGoal):
        return goal.method
    assert isinstance(goal, CountGoal) and isinstance(goal.areas, AreaTypeSelection)
    return goal.areas.method


def goals_status(
    store: Store,
    goals: GoalFile | str | Path | None = None,
    *,
    level: str | None = None,
    classes: ClassChoice = "auto",
    confidence: float = DEFAULT_CONFIDENCE,
    language: Literal["sv", "en"] = "en",
    kommun: str | None = None,
) -> GoalsResult:
    """History from the store and status of every goal in a goal file.

    * police counts: the Police's classifications in the store (scheme ``police_uso``),
      one point per published year;
    * area-type counts: classes of the goal's method at its level (``level`` overrides)
      for every period with values;
    * gaps: the goal's indicator per area and period, grouped by the area types of the
      same period;
    * indicator goals: the area's values.

    A goal counted on the index (an area-type count, a gap) starts from the period
    :func:`~omradesbild.services.goal_baseline.index_baseline` gives: the base year, or the
    first later period of the index standing in for it (the reasoning says so); with
    neither, the goal is in ``skipped`` with the reason.

    ``classes``: ``anchored`` uses classes anchored at that base period, ``relative`` each
    period's own classes; ``auto``
    (default) anchors counts of area types and uses relative classes for gaps (so that the
    groups are each year's most and least vulnerable areas).

    ``kommun`` (e.g. ``"0180"``) restricts counts and gaps to that kommun's areas (their
    area types still computed against every area of the level) and police counts to its
    police areas.
    """
    gf = goals if isinstance(goals, GoalFile) else load_goals(goals)
    if classes not in ("auto", "anchored", "relative"):
        raise ConfigError(both("err_svc_classes_choice", value=repr(classes)))
    types_for = _AreaTypes(store, require_kommun(store, kommun))
    statuses = []
    histories: dict[str, pd.DataFrame] = {}
    skipped: list[GoalSkipped] = []
    decimals = {goal.id: goal_decimals(goal) for goal in gf.goals}
    for goal in gf.goals:
        base = None
        if counts_on_index(goal):
            baseline = types_for.baseline(goal, _index_method(goal))
            if baseline.period is None:
                title = goal.title_sv if language == "sv" else goal.title_en
                skipped.append(baseline.skipped(title, language))
                continue
            base = baseline.period
        hist = _history(store, goal, types_for, level=level, classes=classes, base=base)
        histories[goal.id] = hist
        statuses.append(
            goal_status(
                goal,
                hist,
                confidence=confidence,
                language=language,
                decimals=decimals[goal.id],
                base_period=base,
            )
        )
    frame = goals_status_frame(statuses)
    kept = {s.goal_id for s in statuses}
    # each goal's GoalDecimals, for tables (goal_id ->)
    frame.attrs["decimals"] = {g: d for g, d in decimals.items() if g in kept}
    return GoalsResult(frame, histories, skipped=tuple(skipped))
