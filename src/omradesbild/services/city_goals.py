"""The status of each goal of a goal file on one level's picture (the report's, the start
page's and the goals page's goal tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from omradesbild.errors import InputError, OmradesbildError
from omradesbild.services.level_picture import LevelPicture
from omradesbild.services.models import GoalRow, GoalSkipped
from omradesbild.services.records import clean
from omradesbild.wording import text


class _Skip(OmradesbildError):
    """A goal cannot be evaluated on the data: ``key`` is the reason's catalogue key."""

    def __init__(self, key: str, **fmt: object) -> None:
        super().__init__(key)
        self.key = key
        self.fmt = fmt


def city_goals(
    pic: LevelPicture, scope: set[str], *, lang: str, goals_path: Path | None = None
) -> tuple[tuple[GoalRow, ...], tuple[GoalSkipped, ...], str | None]:
    """The status of each goal of the goal file (default the shipped example).

    Returns
    -------
    rows
        The goals that can be evaluated on the data, in the goal file's order.
    skipped
        The goals that cannot (another method, an indicator missing from the store, an
        index with neither the base year nor a later year, no values for the goal's
        areas), each with the reason in ``lang``.
    note
        ``"goals_none"`` when no goal can be evaluated, else None.

    Notes
    -----
    Only the project's own errors (:class:`~omradesbild.errors.OmradesbildError`) mark a
    goal as not evaluable; any other exception is a bug and propagates.
    """
    from omradesbild.followup import load_goals

    ix = pic.index
    assert ix is not None
    types = pd.DataFrame(
        [(c, p, cls) for c, h in ix.history.items() if c in scope for p, cls in h],
        columns=["area_code", "period", "class"],
    )
    lv = pic.indicators
    # the kommuner whose police areas count (None: the whole level, every entry)
    kommuner = None if set(lv.names) <= scope else {k for c in scope if (k := lv.kommun.get(c))}
    rows: list[GoalRow] = []
    skipped: list[GoalSkipped] = []
    for goal in load_goals(goals_path).goals:
        try:
            rows.append(_goal_row(pic, goal, scope, types, kommuner, lang=lang))
        except OmradesbildError as e:
            key, fmt = (e.key, e.fmt) if isinstance(e, _Skip) else ("goals_skip_error", {})
            title = goal.title_en if lang == "en" else goal.title_sv
            reason = text(key, lang, **fmt)
            skipped.append(GoalSkipped(goal_id=goal.id, title=title, reason_key=key, reason=reason))
    return tuple(rows), tuple(skipped), (None if rows else "goals_none")


def _goal_row(
    pic: LevelPicture,
    goal: Any,
    scope: set[str],
    types: pd.DataFrame,
    kommuner: set[str] | None,
    *,
    lang: str,
) -> GoalRow:
    """The status of one goal; :class:`_Skip` (or another project error) when the goal
    cannot be evaluated on the data. A goal counted on the index starts from the period
    :func:`~omradesbild.services.goal_baseline.index_baseline` gives (the base year or the
    first later year of the index), as the command line's does. A police count is that of
    the command line's ``goals status``
    (:func:`~omradesbild.services.followup.goals.police_goal_history`): the Police's own
    areas of ``kommuner`` (None: every one), not placed on the level."""
    # From the modules, not the package: the package's attribute ``goal_history`` becomes
    # the submodule of that name once it is imported.
    from omradesbild.followup.goals import IndicatorGoal, goal_history, goal_status
    from omradesbild.followup.transitions import anchored_classes
    from omradesbild.precision import goal_decimals
    from omradesbild.services.followup.goals import police_goal_history
    from omradesbild.services.goal_baseline import SKIP_KEY, counts_on_index, index_baseline
    from omradesbild.services.pipeline import index_table

    ix = pic.index
    assert ix is not None
    method = ix.method
    ind_all = pic.indicators.raw
    goal_method = getattr(goal, "method", None)
    sel = getattr(goal, "areas", None)
    if sel is not None and getattr(sel, "source", None) == "area_type":
        goal_method = getattr(sel, "method", method.id)
    if goal_method is not None and goal_method != method.id:
        raise _Skip("goals_skip_method", goal_method=goal_method, method=method.id)
    indicator = getattr(goal, "indicator", None)
    if indicator is not None and indicator not in pic.indicators.indicator_ids:
        raise _Skip("goals_skip_indicator", indicator=indicator)
    area_types = types
    base_period = None
    if counts_on_index(goal):
        baseline = index_baseline(goal, ix.periods)
        if baseline.period is None:
            raise _Skip(SKIP_KEY, **baseline.reason_fields())
        base_period = baseline.period
    if sel is not None and getattr(sel, "source", None) == "area_type":
        assert base_period is not None  # an area-type count is counted on the index
        table = index_table(pic.indicators.national_raw, method)
        table = table[table["period"].isin(ix.periods)]
        anch = anchored_classes(table, method=method, base_period=base_period)
        area_types = anch.rename(columns={"class_anchored": "class"})
        area_types = area_types[area_types["area_code"].isin(scope)]
    in_scope = ind_all["area_code"].isin(scope)
    ind = ind_all if isinstance(goal, IndicatorGoal) else ind_all[in_scope]
    try:
        if sel is not None and getattr(sel, "source", None) == "police":
            if pic.police_entries.empty:
                raise _Skip("goals_skip_no_values")
            hist = police_goal_history(goal, pic.police_entries, kommuner)
        else:
            hist = goal_history(goal, indicators=ind, area_types=area_types)
    except InputError as e:
        raise _Skip("goals_skip_no_values") from e
    if hist.empty:
        raise _Skip("goals_skip_no_values")
    decimals = goal_decimals(goal)
    status = goal_status(
        goal,
        hist,
        language=lang,  # type: ignore[arg-type]
        decimals=decimals,
        base_period=base_period,
    )
    fields = {k: clean(v) for k, v in status.as_dict().items()}
    return GoalRow(
        **fields,
        area_code=getattr(goal, "area_code", None),
        decimals=decimals.observed,
        target_decimals=decimals.target,
        projection_decimals=decimals.projection,
    )
