"""The city's goals for a page: every goal's status, projection, interval and verdict.

The status of each goal is :func:`omradesbild.services.city_goals.city_goals`, the same function
the static report's overview uses, so the web's goals page and the report say the same
thing about the same data. Its plain verdict is the goal's
:attr:`~omradesbild.followup.goals.GoalStatus.verdict` (decided in
:func:`~omradesbild.followup.goals.goal_status` next to the reasoning text, so the two
cannot disagree).
"""

from __future__ import annotations

from dataclasses import dataclass

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import InputError
from omradesbild.followup.goal_file import EXAMPLE_GOALS_PATH
from omradesbild.services.city_goals import city_goals
from omradesbild.services.level_picture import LevelPicture
from omradesbild.services.models import GoalRow, GoalSkipped
from omradesbild.wording import both

#: The name of the goal file shown when none is given (shipped with the package).
EXAMPLE_GOALS = EXAMPLE_GOALS_PATH.name


@dataclass(frozen=True)
class GoalsPicture:
    """The goals of a city (or of every area of a level) with their status.

    Attributes
    ----------
    goals
        One row per goal that could be evaluated on the data (see
        :func:`~omradesbild.services.city_goals.city_goals`), in the goal file's order.
    note
        The catalogue key of a note when no goal could be evaluated, else None.
    skipped
        The goals that cannot be evaluated on the data, each with the reason.
    level, version, method, method_title
        The areas and the index method whose area types the goals count.
    kommun
        The kommun whose areas are counted; None: every area of the level in the store.
    kommuner
        The kommuner with areas at the level (for a picker).
    n_areas
        Areas in scope.
    confidence_pct
        Level of the projection's prediction interval, in per cent.
    area_names
        Names of the areas that indicator goals follow (by area code).
    """

    goals: tuple[GoalRow, ...]
    note: str | None
    skipped: tuple[GoalSkipped, ...]
    level: str
    version: str
    method: str
    method_title: str
    kommun: str | None
    kommuner: tuple[str, ...]
    n_areas: int
    confidence_pct: int
    area_names: dict[str, str]


def goals_picture(pic: LevelPicture, *, lang: str, kommun: str | None = None) -> GoalsPicture:
    """The status of the shipped goal file's goals for ``kommun``'s areas of ``pic``.

    Parameters
    ----------
    pic
        The level's picture under the area-type method (its index gives the area types).
    lang
        ``"sv"`` or ``"en"`` (titles and reasoning).
    kommun
        A kommun code with areas at the level; None: every area of the level.

    Raises
    ------
    InputError
        ``kommun`` has no areas at the level (the message names the kommuner that have).
    """
    lv = pic.indicators
    kommuner = tuple(sorted({k for k in lv.kommun.values() if k}))
    if kommun is not None and kommun not in kommuner:
        raise InputError(
            both("goals_unknown_kommun", kommun=kommun[:20], allowed=", ".join(kommuner[:50])),
            field="kommun",
            expected=", ".join(kommuner[:50]),
        )
    scope = {c for c in lv.names if kommun is None or lv.kommun.get(c) == kommun}
    rows: tuple[GoalRow, ...] = ()
    skipped: tuple[GoalSkipped, ...] = ()
    note: str | None = "goals_none"
    if pic.index is not None:
        rows, skipped, note = city_goals(pic, scope, lang=lang)
    method = pic.index.method if pic.index is not None else None
    names = {r.area_code: lv.names.get(r.area_code, r.area_code) for r in rows if r.area_code}
    return GoalsPicture(
        goals=rows,
        note=note,
        skipped=skipped,
        level=lv.level,
        version=lv.version,
        method=method.id if method else "",
        method_title=(method.title_en if lang == "en" else method.title_sv) if method else "",
        kommun=kommun,
        kommuner=kommuner,
        n_areas=len(scope),
        confidence_pct=round(DEFAULT_CONFIDENCE * 100),
        area_names=names,
    )


__all__ = ["EXAMPLE_GOALS", "GoalsPicture", "goals_picture"]
