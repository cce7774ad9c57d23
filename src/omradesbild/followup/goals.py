"""Goals (e.g. a kommunfullmäktige's targets) and their status from a linear projection.

A goal file (YAML) lists goals of three kinds:

- ``count_of_areas``: the number of areas in a police category or an area type (e.g. no
  *särskilt utsatt område* by 2030);
- ``gap``: the difference of a population-weighted indicator between two groups of area
  types (e.g. halve the gap in the share not employed between type 1 and type 5 areas);
- ``indicator``: one area's (usually the kommun's) indicator value reaching a target.

:func:`goal_history` builds the yearly series of a goal from tidy frames;
:func:`goal_status` compares it with the target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy import stats

from omradesbild.config import AREA_TYPE_METHOD, DEFAULT_CONFIDENCE
from omradesbild.errors import ConfigError, InputError
from omradesbild.followup._common import period_to_year, require_columns

#: The example goal file shipped with the package.
EXAMPLE_GOALS_PATH = Path(__file__).with_name("goals_example.yaml")

_POLICE_CATEGORIES = ("sarskilt_utsatt", "utsatt", "risk")

#: Columns of :func:`goals_status_frame`.
STATUS_COLUMNS: tuple[str, ...] = (
    "goal_id",
    "title",
    "kind",
    "base_year",
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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _GoalBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title_sv: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    description: str | None = None
    base_year: int = Field(ge=1900, le=2200)
    target_year: int = Field(ge=1900, le=2200)
    target_value: float | None = None
    target_relative_change: float | None = Field(default=None, ge=-1.0)
    comparison: Literal["at_most", "at_least"] | None = None

    @model_validator(mode="after")
    def _target(self) -> _GoalBase:
        if self.target_year <= self.base_year:
            raise ValueError("target_year must be after base_year")
        if (self.target_value is None) == (self.target_relative_change is None):
            raise ValueError("give exactly one of target_value and target_relative_change")
        if self.target_value is not None and not math.isfinite(self.target_value):
            raise ValueError("target_value must be a finite number")
        return self


class PoliceSelection(_Strict):
    """Areas in one or more police categories (scheme ``police_uso``)."""

    source: Literal["police"]
    categories: list[str] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def _cats(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in _POLICE_CATEGORIES]
        if bad:
            raise ValueError(
                f"unknown police categories {bad}; expected some of {list(_POLICE_CATEGORIES)}"
            )
        return v


class AreaTypeSelection(_Strict):
    """Areas of given types (classes of an index method, e.g. SCB's area types)."""

    source: Literal["area_type"]
    classes: list[int] = Field(min_length=1)
    method: str = AREA_TYPE_METHOD
    level: str = "regso"


class CountGoal(_GoalBase):
    """``count_of_areas``: the number of selected areas per year."""

    kind: Literal["count_of_areas"]
    areas: Annotated[PoliceSelection | AreaTypeSelection, Field(discriminator="source")]


class GapGoal(_GoalBase):
    """``gap``: value(group_a) − value(group_b), population-weighted over each group."""

    kind: Literal["gap"]
    indicator: str
    group_a: list[int] = Field(min_length=1)
    group_b: list[int] = Field(min_length=1)
    method: str = AREA_TYPE_METHOD
    level: str = "regso"

    @model_validator(mode="after")
    def _groups(self) -> GapGoal:
        if set(self.group_a) & set(self.group_b):
            raise ValueError("group_a and group_b must not share an area type")
        return self


class IndicatorGoal(_GoalBase):
    """``indicator``: one area's value of an indicator."""

    kind: Literal["indicator"]
    indicator: str
    area_code: str


Goal = Annotated[CountGoal | GapGoal | IndicatorGoal, Field(discriminator="kind")]


class GoalFile(_Strict):
    """A goal file: ``version`` and a list of goals with unique ids."""

    version: int = 1
    title: str | None = None
    goals: list[Goal] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> GoalFile:
        seen: set[str] = set()
        for g in self.goals:
            if g.id in seen:
                raise ValueError(f"duplicate goal id {g.id!r}")
            seen.add(g.id)
        return self

    def get(self, goal_id: str) -> CountGoal | GapGoal | IndicatorGoal:
        """The goal with this id; :class:`ConfigError` if there is none."""
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise ConfigError(f"no goal {goal_id!r}; goals: {', '.join(g.id for g in self.goals)}")


AnyGoal = CountGoal | GapGoal | IndicatorGoal


def _describe_error(exc: ValidationError, raw: Mapping[str, Any], file: str | None) -> str:
    lines = []
    goals = raw.get("goals") if isinstance(raw, Mapping) else None
    for err in exc.errors():
        loc = list(err["loc"])
        where = "goal file"
        field = ".".join(map(str, loc)) or "(top level)"
        if len(loc) >= 2 and loc[0] == "goals" and isinstance(loc[1], int):
            idx = loc[1]
            gid = None
            if isinstance(goals, list) and idx < len(goals) and isinstance(goals[idx], Mapping):
                gid = goals[idx].get("id")
            where = f"goal {gid!r} (goals[{idx}])" if gid else f"goals[{idx}]"
            rest = [str(p) for p in loc[2:] if p not in ("count_of_areas", "gap", "indicator")]
            rest = [p for p in rest if p not in ("police", "area_type")]
            field = ".".join(rest) or "(the goal)"
        lines.append(f"{where}, field {field!r}: {err['msg']}")
    prefix = f"{file}: " if file else ""
    return prefix + "invalid goal file: " + "; ".join(lines)


def goals_from_dict(raw: Mapping[str, Any], *, file: str | Path | None = None) -> GoalFile:
    """Validate a parsed goal file.

    Raises
    ------
    ConfigError
        Naming the goal (id and position) and the field of every problem.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{file or 'goal file'}: expected a mapping with a 'goals' list")
    try:
        return GoalFile.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(_describe_error(exc, raw, str(file) if file else None)) from exc


def load_goals(path: str | Path | None = None) -> GoalFile:
    """Read and validate a goal file (YAML); the shipped example when ``path`` is None.

    Raises
    ------
    ConfigError
        Unreadable file, YAML syntax error, or an invalid goal (naming goal and field).
    """
    from omradesbild.yamlfile import read_yaml

    p = Path(path) if path is not None else EXAMPLE_GOALS_PATH
    return goals_from_dict(read_yaml(p, what="the goal file"), file=p)


# ------------------------------------------------------------------------------ histories


def _series(periods: Sequence[object], values: Sequence[float]) -> pd.DataFrame:
    out = pd.DataFrame({"period": [str(p) for p in periods], "value": list(values)})
    out["_y"] = [period_to_year(p) for p in out["period"]]
    return out.sort_values("_y", kind="mergesort").drop(columns="_y").reset_index(drop=True)


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
                f"goal {goal.id!r} counts police areas: classifications are needed",
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
            f"goal {goal.id!r} counts area types: area_types are needed", field="area_types"
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
        raise InputError(
            f"goal {goal.id!r}: indicator {goal.indicator!r} is not in the indicator table",
            field="indicator",
            expected=goal.indicator,
        )
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
        raise InputError(
            f"goal {goal.id!r}: no values of {goal.indicator!r} for area {goal.area_code!r}",
            field="indicator",
            expected=f"rows of {goal.indicator} for {goal.area_code}",
        )
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
        raise InputError(f"goal {goal.id!r} needs the indicator table", field="indicators")
    if isinstance(goal, GapGoal):
        if area_types is None:
            raise InputError(f"goal {goal.id!r} needs area types", field="area_types")
        return gap_history(goal, indicators=indicators, area_types=area_types)
    return indicator_history(goal, indicators=indicators)


# ------------------------------------------------------------------------------ status


@dataclass(frozen=True)
class GoalStatus:
    """Where a goal stands.

    ``status`` is one of ``achieved`` / ``not_achieved`` (target year reached),
    ``on_track`` / ``off_track`` (projection), ``insufficient_data``. ``on_track`` is
    ``None`` when it cannot be judged; ``reasoning`` says why in plain words.
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

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


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
) -> GoalStatus:
    r"""Compare a goal's history with its target.

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
        Which title to report.

    Returns
    -------
    GoalStatus

    Notes
    -----
    *Base* is the value of the base year (the nearest earlier period if the base year is
    missing, else the first one after it). *Target* is ``target_value``, or
    :math:`B (1 + r)` for ``target_relative_change`` :math:`r` (:math:`r = -0.5` halves the
    base). The comparison is ``at_most`` when the target is below the base (or equal), else
    ``at_least``, unless the goal sets it. *Progress* is :math:`(B - C)/(B - T)` for the
    current value :math:`C` (1 = reached, negative = moved away; undefined when :math:`T =
    B`).

    The projection fits an OLS line to the points from the base year on (all points if
    fewer than ``min_points`` lie there) and evaluates it at the target year, with the
    prediction interval of :func:`linear_projection`; counts are clipped at 0.
    ``on_track`` is true when the projected value meets the target. The reasoning says
    whether the prediction interval lies entirely on one side of the target (a clear
    verdict) or contains it (uncertain). Once the latest period is at or after the target
    year, the status is ``achieved`` / ``not_achieved`` from that value.
    """
    require_columns(history, ("period", "value"), what="goal history")
    title = goal.title_sv if language == "sv" else goal.title_en
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
        reasoning="no values in the history",
    )  # fmt: skip
    if h.empty:
        return empty
    notes: list[str] = []
    before = h.loc[h["x"] <= goal.base_year]
    base_row = before.iloc[-1] if not before.empty else h.iloc[0]
    if base_row["period"] != str(goal.base_year):
        notes.append(f"base year {goal.base_year} missing; base taken from {base_row['period']}")
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
            notes.append(f"fewer than {min_points} points since the base; all points used")
        since = h
    n = len(since)
    proj, lo, hi = linear_projection(
        since["x"].tolist(), since["value"].tolist(), float(goal.target_year), confidence=confidence
    )
    if isinstance(goal, CountGoal):
        proj, lo, hi = (max(0.0, v) if math.isfinite(v) else v for v in (proj, lo, hi))

    def opt(v: float) -> float | None:
        return v if math.isfinite(v) else None

    word = "at most" if comparison == "at_most" else "at least"
    on_track: bool | None
    if float(cur["x"]) >= goal.target_year:
        met = _meets(current, target, comparison)
        status = "achieved" if met else "not_achieved"
        on_track = met
        notes.insert(
            0,
            f"{current_period}: value {_fmt(current)}, target {word} {_fmt(target)} by "
            f"{goal.target_year}: {'met' if met else 'not met'}",
        )
    elif n < min_points or not math.isfinite(lo):
        status, on_track = "insufficient_data", None
        notes.insert(0, f"{n} point(s) with a value; at least {min_points} needed to project")
    else:
        on_track = _meets(proj, target, comparison)
        status = "on_track" if on_track else "off_track"
        clear = _meets(lo, target, comparison) == _meets(hi, target, comparison)
        pct = round(confidence * 100)
        notes.insert(
            0,
            f"linear trend over {n} points projects {_fmt(proj)} in {goal.target_year} "
            f"({pct} % prediction interval {_fmt(lo)}–{_fmt(hi)}); target {word} "
            f"{_fmt(target)}: " + (
                "clearly " + ("on track" if on_track else "off track")
                if clear
                else "uncertain, the interval contains the target"
            ),
        )  # fmt: skip
    return GoalStatus(
        goal_id=goal.id,
        title=title,
        kind=goal.kind,
        base_year=goal.base_year,
        base=base,
        current_period=current_period,
        current=current,
        target_year=goal.target_year,
        target=target,
        comparison=comparison,
        progress_share=progress,
        projection=opt(proj),
        projection_low=opt(lo),
        projection_high=opt(hi),
        n_points=n,
        status=status,
        on_track=on_track,
        reasoning="; ".join(notes),
    )


def goals_status_frame(statuses: Sequence[GoalStatus]) -> pd.DataFrame:
    """Statuses as a tidy frame (:data:`STATUS_COLUMNS`), one row per goal."""
    rows = [s.as_dict() for s in statuses]
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    out["on_track"] = pd.array([r["on_track"] for r in rows], dtype="boolean")
    return out
