"""Goal files: the three kinds of goals, their validation and the shipped example.

A goal file (YAML) lists goals of three kinds (see :mod:`omradesbild.followup.goals`):
``count_of_areas`` (:class:`CountGoal`), ``gap`` (:class:`GapGoal`) and ``indicator``
(:class:`IndicatorGoal`). :func:`load_goals` reads and validates one; every problem is
reported with the goal's id, its position and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.errors import ConfigError
from omradesbild.yamlfile import refuse_repeated_ids

#: The example goal file shipped with the package.
EXAMPLE_GOALS_PATH = Path(__file__).with_name("goals_example.yaml")

_POLICE_CATEGORIES = ("sarskilt_utsatt", "utsatt", "risk")


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
        refuse_repeated_ids((g.id for g in self.goals), what="goal")
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
    return goals_from_dict(read_yaml(p, what="err_svc_what_goal_file"), file=p)
