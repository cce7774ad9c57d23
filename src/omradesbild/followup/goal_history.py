"""The yearly series of a goal, built from tidy frames (areas, indicators, area types).

:func:`goal_history` dispatches on the goal's kind to :func:`count_history`,
:func:`gap_history` or :func:`indicator_history`; each returns ``period, value`` in time
order (the gap also the two groups' values and sizes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.followup._common import period_to_year, require_columns
from omradesbild.followup.goal_file import (
    AnyGoal,
    CountGoal,
    GapGoal,
    IndicatorGoal,
    PoliceSelection,
)
from omradesbild.wording import Message


def _series(periods: Sequence[object], values: Sequence[float]) -> pd.DataFrame:
    out = pd.DataFrame({"period": [str(p) for p in periods], "value": list(values)})
    out["_y"] = [period_to_year(p) for p in out["period"]]
    return out.sort_values("_y", kind="mergesort").drop(columns="_y").reset_index(drop=True)


def _no_rows(
    goal: GapGoal | IndicatorGoal, key: str, *, expected: Message | str, **where: str
) -> InputError:
    """The error of a goal whose indicator has no rows in the indicator table: the message
    ``key`` with the goal, the indicator and ``where`` the rows were looked for."""
    message = Message(key, goal=repr(goal.id), indicator=repr(goal.indicator), **where)
    return InputError(message, field="indicator", expected=expected)


def count_history(
    goal: CountGoal,
    *,
    classifications: pd.DataFrame | None = None,
    area_types: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Number of selected areas per period.

    Parameters
    ----------
    goal
        A ``count_of_areas`` goal.
    classifications
        For police selections: ``area_code, period, category`` (and ``scheme``); every
        period present counts, with 0 where no area is in the categories.
    area_types
        For area-type selections: ``area_code, period, class`` (e.g. anchored classes with
        the column renamed, or :func:`~omradesbild.index.compute_index` output).

    Returns
    -------
    DataFrame
        ``period, value`` in time order.
    """
    sel = goal.areas
    if isinstance(sel, PoliceSelection):
        if classifications is None:
            raise InputError(
                Message("err_ana_goal_needs_classifications", goal=repr(goal.id)),
                field="classifications",
            )
        require_columns(
            classifications, ("area_code", "period", "category"), what="classifications"
        )
        cls = classifications
        if "scheme" in cls.columns:
            cls = cls.loc[cls["scheme"] == "police_uso"]
        periods = sorted({str(p) for p in cls["period"]}, key=period_to_year)
        hit = cls.loc[cls["category"].isin(sel.categories)]
        counts = hit.groupby(hit["period"].astype(str))["area_code"].nunique()
        return _series(periods, [float(counts.get(p, 0)) for p in periods])
    if area_types is None:
        raise InputError(
            Message("err_ana_goal_needs_area_types_count", goal=repr(goal.id)), field="area_types"
        )
    require_columns(area_types, ("area_code", "period", "class"), what="area types")
    cl = pd.to_numeric(area_types["class"], errors="coerce")
    per = area_types["period"].astype(str)
    periods = sorted(set(per), key=period_to_year)
    hit = area_types.loc[cl.isin(sel.classes).to_numpy()]
    counts = hit.groupby(hit["period"].astype(str))["area_code"].nunique()
    return _series(periods, [float(counts.get(p, 0)) for p in periods])


def gap_history(
    goal: GapGoal, *, indicators: pd.DataFrame, area_types: pd.DataFrame
) -> pd.DataFrame:
    r"""The gap between two groups of area types, per period.

    Parameters
    ----------
    goal
        A ``gap`` goal.
    indicators
        :func:`~omradesbild.indicators.compute_indicators` output at the areas' level.
    area_types
        ``area_code, period, class`` per period (areas are grouped by their type of the
        same period).

    Returns
    -------
    DataFrame
        ``period, value, value_a, value_b, n_a, n_b``.

    Notes
    -----
    :math:`V_G = \sum_{i \in G} n_i v_i / \sum_{i \in G} n_i` with the denominators
    :math:`n_i` as weights (for shares and rates the pooled value :math:`k \sum y_i / \sum
    n_i`), and the gap :math:`V_{A} - V_{B}`. Periods where a group is empty are left out.
    """
    require_columns(
        indicators, ("area_code", "period", "indicator", "value", "denominator"), what="indicators"
    )
    require_columns(area_types, ("area_code", "period", "class"), what="area types")
    ind = indicators.loc[indicators["indicator"] == goal.indicator]
    if ind.empty:
        raise _no_rows(goal, "err_ana_goal_indicator_missing", expected=goal.indicator)
    t = pd.DataFrame(
        {
            "area_code": area_types["area_code"].astype(str).to_numpy(),
            "period": area_types["period"].astype(str).to_numpy(),
            "class": pd.to_numeric(area_types["class"], errors="coerce").to_numpy(),
        }
    )
    v = pd.DataFrame(
        {
            "area_code": ind["area_code"].astype(str).to_numpy(),
            "period": ind["period"].astype(str).to_numpy(),
            "v": pd.to_numeric(ind["value"], errors="coerce").to_numpy(dtype=float),
            "n": pd.to_numeric(ind["denominator"], errors="coerce").to_numpy(dtype=float),
        }
    )
    j = v.merge(t, on=["area_code", "period"], how="inner")
    j = j.loc[np.isfinite(j["v"]) & np.isfinite(j["n"]) & (j["n"] > 0)]
    rows = []
    for period, g in j.groupby("period"):
        vals = {}
        for name, group in (("a", goal.group_a), ("b", goal.group_b)):
            s = g.loc[g["class"].isin(group)]
            w = s["n"].sum()
            vals[name] = (float((s["n"] * s["v"]).sum() / w) if w > 0 else math.nan, len(s))
        if math.isfinite(vals["a"][0]) and math.isfinite(vals["b"][0]):
            rows.append(
                (
                    str(period),
                    vals["a"][0] - vals["b"][0],
                    vals["a"][0],
                    vals["b"][0],
                    vals["a"][1],
                    vals["b"][1],
                )
            )
    out = pd.DataFrame(rows, columns=["period", "value", "value_a", "value_b", "n_a", "n_b"])
    out["_y"] = [period_to_year(p) for p in out["period"]]
    return out.sort_values("_y", kind="mergesort").drop(columns="_y").reset_index(drop=True)


def indicator_history(goal: IndicatorGoal, *, indicators: pd.DataFrame) -> pd.DataFrame:
    """One area's indicator values per period (``period, value``)."""
    require_columns(indicators, ("area_code", "period", "indicator", "value"), what="indicators")
    sel = indicators.loc[
        (indicators["indicator"] == goal.indicator)
        & (indicators["area_code"].astype(str) == goal.area_code)
    ]
    if sel.empty:
        rows = Message("exp_ana_rows_of", indicator=goal.indicator, area=goal.area_code)
        raise _no_rows(goal, "err_ana_goal_no_values", expected=rows, area=repr(goal.area_code))
    vals = pd.to_numeric(sel["value"], errors="coerce").to_numpy(dtype=float)
    return _series(sel["period"].astype(str).tolist(), list(vals))


def goal_history(
    goal: AnyGoal,
    *,
    indicators: pd.DataFrame | None = None,
    area_types: pd.DataFrame | None = None,
    classifications: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The goal's yearly series from tidy frames (dispatches on ``goal.kind``)."""
    if isinstance(goal, CountGoal):
        return count_history(goal, classifications=classifications, area_types=area_types)
    if indicators is None:
        raise InputError(
            Message("err_ana_goal_needs_indicators", goal=repr(goal.id)), field="indicators"
        )
    if isinstance(goal, GapGoal):
        if area_types is None:
            raise InputError(
                Message("err_ana_goal_needs_area_types", goal=repr(goal.id)), field="area_types"
            )
        return gap_history(goal, indicators=indicators, area_types=area_types)
    return indicator_history(goal, indicators=indicators)
