"""Status of a goal file from the store: each goal's history, projection and status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from omradesbild.config import BASE_VERSION, DEFAULT_CONFIDENCE
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.followup._common import period_to_year
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
from omradesbild.precision import goal_decimals
from omradesbild.services.followup._common import (
    POLICE_SCHEME,
    ClassChoice,
    in_kommun,
    require_kommun,
)
from omradesbild.services.followup.area_types import area_classes, method_periods
from omradesbild.services.pipeline import area_indicators
from omradesbild.store import Store
from omradesbild.wording import Message, both


@dataclass(frozen=True)
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
        raise NotFoundError(both("err_svc_area_not_in_store", code=repr(code)))
    return str(rows[0][0]), str(rows[0][1])


def police_in_kommun(store: Store, cls: pd.DataFrame, kommun: str) -> pd.DataFrame:
    """The police classifications of areas in ``kommun``.

    A police area from the Police's list carries its kommun; a polygon counts when a point
    inside it lies in one of the kommun's DeSO polygons.
    """
    import shapely

    from omradesbild.followup.police import area_polygons
    from omradesbild.services.followup.police import areas_with_geometry

    areas = store.areas(level="police_area")
    parent = areas.set_index(["area_code", "version"])["parent_code"]
    keys = pd.MultiIndex.from_frame(cls[["area_code", "version"]].astype(str))
    kommun_of = pd.Series(parent.reindex(keys).to_numpy(), index=cls.index)
    unplaced = kommun_of.isna()
    if unplaced.any():
        deso = areas_with_geometry(store, "deso", BASE_VERSION)
        deso = deso.loc[in_kommun(deso["area_code"], kommun)]
        polys = areas_with_geometry(store, "police_area")
        if not deso.empty and not polys.empty:
            land = shapely.union_all(area_polygons(deso).geometry.to_numpy())
            pts = area_polygons(polys).geometry.representative_point()
            inside = dict(
                zip(
                    zip(polys["area_code"].astype(str), polys["version"].astype(str), strict=True),
                    shapely.contains(land, pts.to_numpy()),
                    strict=True,
                )
            )
            here = [
                bool(inside.get((str(c), str(v)), False))
                for c, v in zip(cls["area_code"], cls["version"], strict=True)
            ]
            kommun_of = kommun_of.where(~(unplaced & pd.Series(here, index=cls.index)), kommun)
    return cls.loc[kommun_of == kommun]


class _AreaTypes:
    """Area types of a method at a level, anchored at the period nearest a goal's base year.

    Computed once per method, level and base period (against every area of the level) and
    kept for the other goals; with ``kommun`` only that kommun's areas are returned.
    """

    def __init__(self, store: Store, notes: list[str], kommun: str | None = None) -> None:
        self.store = store
        self.notes = notes
        self.kommun = kommun
        self._classes: dict[tuple[str, str, str], pd.DataFrame] = {}
        self._periods: dict[str, list[str]] = {}

    def __call__(self, goal: AnyGoal, method: str, level: str, anchored: bool) -> pd.DataFrame:
        if method not in self._periods:
            self._periods[method] = method_periods(self.store, method)
        avail = self._periods[method]
        if not avail:
            raise NotFoundError(
                both("err_svc_goal_method_no_period", goal=repr(goal.id), method=repr(method))
            )
        base = min(avail, key=lambda p: (abs(period_to_year(p) - goal.base_year), p))
        key = (method, level, base)
        if key not in self._classes:
            self._classes[key] = area_classes(
                self.store, method=method, level=level, base_period=base
            )
        t = self._classes[key]
        col = "class_anchored" if anchored else "class_relative"
        if anchored and base != str(goal.base_year):
            self.notes.append(
                Message("note_goal_anchored", goal=goal.id, base=base, base_year=goal.base_year)
            )
        t = t.loc[in_kommun(t["area_code"], self.kommun)]
        return pd.DataFrame({"area_code": t["area_code"], "period": t["period"], "class": t[col]})


def _history(
    store: Store, goal: AnyGoal, types_for: _AreaTypes, *, level: str | None, classes: ClassChoice
) -> pd.DataFrame:
    """One goal's yearly history from the store (see :func:`goals_status`)."""
    if isinstance(goal, CountGoal):
        if isinstance(goal.areas, PoliceSelection):
            cls = store.classifications(scheme=POLICE_SCHEME)
            if cls.empty:
                raise NotFoundError(both("err_svc_goal_no_police", goal=repr(goal.id)))
            if types_for.kommun is not None:
                cls = police_in_kommun(store, cls, types_for.kommun)
            return goal_history(goal, classifications=cls)
        sel = goal.areas
        types = types_for(goal, sel.method, level or sel.level, classes != "relative")
        return goal_history(goal, area_types=types)
    if isinstance(goal, GapGoal):
        lvl = level or goal.level
        types = types_for(goal, goal.method, lvl, classes == "anchored")
        ind = area_indicators(
            store, level=lvl, periods=sorted(set(types["period"])), indicators=[goal.indicator]
        )
        return goal_history(goal, indicators=ind, area_types=types)
    lvl, ver = _area_level_of(store, goal.area_code)
    ind = area_indicators(store, level=lvl, version=ver, indicators=[goal.indicator])
    return goal_history(goal, indicators=ind)


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

    ``classes``: ``anchored`` uses classes anchored at the goal's base year (the nearest
    period with values if it has none), ``relative`` each period's own classes; ``auto``
    (default) anchors counts of area types and uses relative classes for gaps (so that the
    groups are each year's most and least vulnerable areas).

    ``kommun`` (e.g. ``"0180"``) restricts counts and gaps to that kommun's areas (their
    area types still computed against every area of the level) and police counts to its
    police areas.
    """
    gf = goals if isinstance(goals, GoalFile) else load_goals(goals)
    if classes not in ("auto", "anchored", "relative"):
        raise ConfigError(both("err_svc_classes_choice", value=repr(classes)))
    notes: list[str] = []
    types_for = _AreaTypes(store, notes, require_kommun(store, kommun))
    statuses = []
    histories: dict[str, pd.DataFrame] = {}
    decimals = {goal.id: goal_decimals(goal) for goal in gf.goals}
    for goal in gf.goals:
        hist = _history(store, goal, types_for, level=level, classes=classes)
        histories[goal.id] = hist
        statuses.append(
            goal_status(
                goal, hist, confidence=confidence, language=language, decimals=decimals[goal.id]
            )
        )
    frame = goals_status_frame(statuses)
    frame.attrs["decimals"] = decimals  # each goal's GoalDecimals, for tables (goal_id ->)
    return GoalsResult(frame, histories, notes)
