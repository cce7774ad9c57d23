"""Goals (e.g. a kommunfullmäktige's targets) and their status from a linear projection.

A goal file (YAML) lists goals of three kinds:

- ``count_of_areas``: the number of areas in a police category or an area type (e.g. no
  *särskilt utsatt område* by 2030);
- ``gap``: the difference of a population-weighted indicator between two groups of area
  types (e.g. halve the gap in the share not employed between type 1 and type 5 areas);
- ``indicator``: one area's (usually the kommun's) indicator value reaching a target.

:func:`goal_history` builds the yearly series of a goal from tidy frames;
:func:`goal_status` compares it with the target. The goal file's models and loading are in
:mod:`omradesbild.followup.goal_file`, the histories in
:mod:`omradesbild.followup.goal_history`; both are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.followup._common import period_to_year, require_columns
from omradesbild.followup.goal_file import (
    EXAMPLE_GOALS_PATH,
    AnyGoal,
    AreaTypeSelection,
    CountGoal,
    GapGoal,
    Goal,
    GoalFile,
    IndicatorGoal,
    PoliceSelection,
    goals_from_dict,
    load_goals,
)
from omradesbild.followup.goal_history import (
    count_history,
    gap_history,
    goal_history,
    indicator_history,
)
from omradesbild.wording import fmt_num, text

__all__ = [
    "EXAMPLE_GOALS_PATH",
    "STATUS_COLUMNS",
    "AnyGoal",
    "AreaTypeSelection",
    "CountGoal",
    "GapGoal",
    "Goal",
    "GoalFile",
    "GoalStatus",
    "IndicatorGoal",
    "PoliceSelection",
    "count_history",
    "gap_history",
    "goal_history",
    "goal_status",
    "goals_from_dict",
    "goals_status_frame",
    "indicator_history",
    "linear_projection",
    "load_goals",
]

#: Columns of :func:`goals_status_frame`.
STATUS_COLUMNS: tuple[str, ...] = (
    "goal_id",
    "title",
    "kind",
    "base_year",
    "base_period",
    "base",
    "current_period",
    "current",
    "target_year",
    "target",
    "comparison",
    "progress_share",
    "projection",
    "projection_low",
    "projection_high",
    "n_points",
    "status",
    "on_track",
    "reasoning",
)


@dataclass(frozen=True)
class GoalStatus:
    """Where a goal stands.

    ``status`` is one of ``achieved`` / ``not_achieved`` (target year reached),
    ``on_track`` / ``off_track`` (projection), ``insufficient_data``. ``on_track`` is
    ``None`` when it cannot be judged; ``reasoning`` says why in plain words. ``verdict``
    is the plain verdict of the same decision: ``achieved`` / ``not_achieved``,
    ``clearly_on_track`` / ``clearly_off_track`` (the prediction interval lies entirely on
    one side of the target), ``uncertain`` (the interval contains the target) or
    ``insufficient_data``; its wording is the catalogue's ``goal_verdict_<verdict>``.
    ``base_period`` is the period whose value ``base`` is: the base year itself, the
    period standing in for it (``goal_status``'s ``base_period``), or the nearest stored
    period when the base year has no value (never shown as the base year's); ``base_note``
    says in words which period is used instead of the base year, and why (None when the
    base is the base year's).
    """

    goal_id: str
    title: str
    kind: str
    base_year: int
    base: float | None
    current_period: str | None
    current: float | None
    target_year: int
    target: float | None
    comparison: str
    progress_share: float | None
    projection: float | None
    projection_low: float | None
    projection_high: float | None
    n_points: int
    status: str
    on_track: bool | None
    reasoning: str
    verdict: str = "insufficient_data"
    base_period: str | None = None
    base_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)


def _meets(value: float, target: float, comparison: str) -> bool:
    eps = 1e-9 * max(1.0, abs(target))
    return value <= target + eps if comparison == "at_most" else value >= target - eps


def linear_projection(
    years: Sequence[float],
    values: Sequence[float],
    at: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[float, float, float]:
    r"""OLS line through ``(years, values)`` evaluated at ``at``, with a prediction interval.

    Returns
    -------
    projection, low, high
        ``low``/``high`` are NaN with fewer than 3 points.

    Notes
    -----
    :math:`b = S_{xy}/S_{xx}`, :math:`a = \bar y - b \bar x`, :math:`\hat y_0 = a + b x_0`,
    :math:`s^2 = \sum (y_i - a - b x_i)^2 / (m - 2)` and the prediction interval
    :math:`\hat y_0 \pm t_{m-2,\,1-\alpha/2}\, s \sqrt{1 + 1/m + (x_0 - \bar x)^2 /
    S_{xx}}`.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    m = len(x)
    if m == 0:
        return math.nan, math.nan, math.nan
    if m == 1:
        return float(y[0]), math.nan, math.nan
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    if sxx == 0:
        return float(ym), math.nan, math.nan
    b = float(((x - xm) * (y - ym)).sum() / sxx)
    a = ym - b * xm
    pred = float(a + b * at)
    if m < 3:
        return pred, math.nan, math.nan
    s2 = float(((y - a - b * x) ** 2).sum() / (m - 2))
    from scipy import stats  # here, not at the top: a second less to start the web app

    half = float(stats.t.ppf(0.5 + confidence / 2.0, m - 2)) * math.sqrt(
        s2 * (1.0 + 1.0 / m + (at - xm) ** 2 / sxx)
    )
    return pred, pred - half, pred + half


def goal_status(
    goal: AnyGoal,
    history: pd.DataFrame,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_points: int = 3,
    language: Literal["sv", "en"] = "en",
    decimals: tuple[int, int, int] | None = None,
    base_period: str | None = None,
) -> GoalStatus:
    r"""Compare a goal's history with its target.

    This function is longer than 80 lines on purpose: it is one decision (achieved, on or off
    track, insufficient data) with the reasoning text of each branch next to its condition.

    Parameters
    ----------
    goal
        A validated goal.
    history
        ``period, value`` (e.g. from :func:`goal_history`); NaN values are ignored.
    confidence
        Level of the projection's prediction interval.
    min_points
        Fewest points (from the base year on) needed to project.
    language
        Language of the title and of the reasoning (both from the wording catalogue,
        ``goal_*`` keys; numbers by :func:`~omradesbild.wording.fmt_num`).
    decimals
        Decimals of the reasoning's observed values, its target and its projection with
        the interval (:func:`omradesbild.precision.goal_decimals`, as the pages show
        them); None: three significant digits.
    base_period
        The index's period standing in for a base year the index lacks (a goal counted on
        the index: :func:`omradesbild.services.goal_baseline.index_baseline` decides it);
        the base is that period's value (the next point's when it has none) and the
        reasoning says so. None: the rule below.

    Returns
    -------
    GoalStatus

    Notes
    -----
    *Base* is the value of the base year (``base_period``'s when given, never an earlier
    period's; else the nearest earlier period if the base year is missing, else the first
    one after it). *Target* is ``target_value``, or :math:`B (1 + r)` for
    ``target_relative_change`` :math:`r` (:math:`r = -0.5` halves the base). The
    comparison is ``at_most`` when the target is below the base (or equal), else
    ``at_least``, unless the goal sets it. *Progress* is
    :math:`(B - C)/(B - T)` for the current value :math:`C` (1 = reached, negative = moved
    away; undefined when :math:`T = B`).

    The projection fits an OLS line to the points from the base on (all points if
    fewer than ``min_points`` lie there) and evaluates it at the target year, with the
    prediction interval of :func:`linear_projection`; counts are clipped at 0.
    ``on_track`` is true when the projected value meets the target. The reasoning says
    whether the prediction interval lies entirely on one side of the target (a clear
    verdict) or contains it (uncertain). Once the latest period is at or after the target
    year, the status is ``achieved`` / ``not_achieved`` from that value.
    """
    require_columns(history, ("period", "value"), what="goal history")
    title = goal.title_sv if language == "sv" else goal.title_en

    def num(x: float | None, which: int = 2) -> str:  # 0 observed, 1 target, 2 projected
        if decimals is None:
            return fmt_num(x, language, significant=3)
        return fmt_num(x, language, decimals[which])

    def say(key: str, **fmt: object) -> str:
        return text(f"goal_{key}", language, **fmt)

    h = pd.DataFrame(
        {
            "period": history["period"].astype(str).to_numpy(),
            "value": pd.to_numeric(history["value"], errors="coerce").to_numpy(dtype=float),
        }
    )
    h = h.loc[np.isfinite(h["value"])]
    h["x"] = [period_to_year(p) for p in h["period"]]
    h = h.sort_values("x", kind="mergesort").reset_index(drop=True)
    empty = GoalStatus(
        goal_id=goal.id, title=title, kind=goal.kind, base_year=goal.base_year, base=None,
        current_period=None, current=None, target_year=goal.target_year,
        target=goal.target_value, comparison=goal.comparison or "at_most",
        progress_share=None, projection=None, projection_low=None, projection_high=None,
        n_points=0, status="insufficient_data", on_track=None,
        reasoning=say("no_values"),
    )  # fmt: skip
    if h.empty:
        return empty
    notes: list[str] = []
    # the given base period, or the first point after it when it has no value
    given = h.loc[h["x"] >= period_to_year(base_period)] if base_period else h.iloc[:0]
    before = h.loc[h["x"] <= goal.base_year]
    base_row = (
        given.iloc[0] if not given.empty else before.iloc[-1] if not before.empty else h.iloc[0]
    )
    base_note = None
    if base_row["period"] != str(goal.base_year):
        key = "base_stand_in" if base_row["period"] == base_period else "base_missing"
        base_note = say(key, base_year=goal.base_year, period=base_row["period"])
        notes.append(base_note)
    base = float(base_row["value"])
    if goal.target_value is not None:
        target = float(goal.target_value)
    else:
        assert goal.target_relative_change is not None
        target = base * (1.0 + goal.target_relative_change)
    comparison = goal.comparison or ("at_most" if target <= base else "at_least")
    cur = h.iloc[-1]
    current, current_period = float(cur["value"]), str(cur["period"])
    progress = (base - current) / (base - target) if base != target else None
    since = h.loc[h["x"] >= float(base_row["x"])]
    if len(since) < min_points:
        if len(h) > len(since):
            notes.append(say("few_points_since_base", min_points=min_points))
        since = h
    n = len(since)
    proj, lo, hi = linear_projection(
        since["x"].tolist(), since["value"].tolist(), float(goal.target_year), confidence=confidence
    )
    if isinstance(goal, CountGoal):
        proj, lo, hi = (max(0.0, v) if math.isfinite(v) else v for v in (proj, lo, hi))

    def opt(v: float) -> float | None:
        return v if math.isfinite(v) else None

    word = say(comparison)
    on_track: bool | None
    if float(cur["x"]) >= goal.target_year:
        met = _meets(current, target, comparison)
        status = verdict = "achieved" if met else "not_achieved"
        on_track = met
        notes.insert(0, say("reached", period=current_period, value=num(current, 0), word=word,
                            target=num(target, 1), target_year=goal.target_year,
                            verdict=say("met" if met else "not_met")))  # fmt: skip
    elif n < min_points or not math.isfinite(lo):
        status, on_track, verdict = "insufficient_data", None, "insufficient_data"
        notes.insert(0, say("too_few_points", n=n, min_points=min_points))
        # no projection is shown beside "too few points" (a line through one or two
        # points, or the current value carried to the target year, is not one)
        proj = lo = hi = math.nan
    else:
        on_track = _meets(proj, target, comparison)
        status = "on_track" if on_track else "off_track"
        clear = _meets(lo, target, comparison) == _meets(hi, target, comparison)
        verdict = (
            ("clearly_on_track" if on_track else "clearly_off_track") if clear else "uncertain"
        )
        notes.insert(0, say("projection", n=n, projection=num(proj), target_year=goal.target_year,
                            pct=round(confidence * 100), low=num(lo), high=num(hi), word=word,
                            target=num(target, 1), verdict=say(verdict)))  # fmt: skip
    return replace(
        empty,
        base=base,
        current_period=current_period,
        current=current,
        target=target,
        comparison=comparison,
        progress_share=progress,
        projection=opt(proj),
        projection_low=opt(lo),
        projection_high=opt(hi),
        n_points=n,
        status=status,
        on_track=on_track,
        base_period=str(base_row["period"]),
        base_note=base_note,
        reasoning="; ".join(notes),
        verdict=verdict,
    )


def goals_status_frame(statuses: Sequence[GoalStatus]) -> pd.DataFrame:
    """Statuses as a tidy frame (:data:`STATUS_COLUMNS`), one row per goal."""
    rows = [s.as_dict() for s in statuses]
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    out["on_track"] = pd.array([r["on_track"] for r in rows], dtype="boolean")
    return out
